// Package subscriber holds the reader's side of the newsletter: who signed up
// for what, the consent they gave, and the rules for signing up, confirming
// and leaving. The rules never reveal whether an address is on the list.
package subscriber

import (
	"errors"
	"time"
)

// State is where one subscriber stands with one newsletter.
type State string

// The states of a subscription.
const (
	Pending      State = "pending"
	Confirmed    State = "confirmed"
	Unsubscribed State = "unsubscribed"
)

// Errors that stores and the service return; adapters map them to answers.
var (
	ErrNotFound     = errors.New("subscriber not found")
	ErrBadToken     = errors.New("the link is not valid")
	ErrExpiredToken = errors.New("the link has expired")
)

// Newsletter is a list readers can join.
type Newsletter struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	SenderName  string
	SenderEmail string
	ReplyTo     string
	Language    string
	CreatedAt   time.Time

	// Digest is "", "daily" or "weekly": a digest newsletter sends the
	// articles published since its last issue at DigestTime ("HH:MM") in
	// Timezone, on DigestWeekday (0 is Sunday) when weekly.
	Digest        string
	DigestTime    string
	DigestWeekday int
	Timezone      string
	LastDigestAt  time.Time
	// DigestFrom is when a changed schedule takes effect: no digest comes
	// before it, so the period whose digest went out under the old
	// schedule gets no second one under the new.
	DigestFrom time.Time
}

// Subscriber is one address and the newsletters it is on.
type Subscriber struct {
	ID    int64
	Email string
	Name  string
	// Language is the tag the mail to them is written in, such as pt-br,
	// given by the page they signed up on; "" leaves it to the site's.
	Language      string
	CreatedAt     time.Time
	Subscriptions []Subscription
}

// Subscription is a subscriber's standing with one newsletter.
type Subscription struct {
	NewsletterID   int64
	NewsletterSlug string
	State          State
	UpdatedAt      time.Time
}

// Signup is what a reader submitted in the newsletter box, with where and
// when, so the consent can be proven later.
type Signup struct {
	Email       string
	Name        string
	Newsletters []int64
	Source      string // the page the form was on
	Wording     string // the consent sentence shown next to the button
	Language    string
	IP          string
	At          time.Time
}

// ConsentAction names what a consent record proves.
type ConsentAction string

// The consent actions Herald records.
const (
	ConsentSignup      ConsentAction = "signup"
	ConsentConfirm     ConsentAction = "confirm"
	ConsentUnsubscribe ConsentAction = "unsubscribe"
)

// Consent is one entry in a subscriber's consent history.
type Consent struct {
	SubscriberID int64
	NewsletterID int64
	Action       ConsentAction
	At           time.Time
	Source       string
	Wording      string
	IP           string
}
