package campaign

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"
	"unicode"

	"herald/internal/article"
	"herald/internal/mail"
	"herald/internal/subscriber"
)

// Compose is everything one campaign's email is made of. Nothing in it
// belongs to a subscriber: NewEmail renders it once for all of them.
type Compose struct {
	SiteName   string
	BaseURL    string // absolute, such as "https://news.example.org"
	Newsletter subscriber.Newsletter
	Campaign   Campaign
	Articles   []article.Article // in the campaign's order
	From       mail.Address      // used when the newsletter names no sender
	ReplyTo    mail.Address      // used when the newsletter names no reply address
	// Template is the source of a custom HTML layout; empty means the
	// embedded default. It sees only campaign, article and newsletter data.
	Template string
}

// Recipient is what differs between two messages of one campaign.
type Recipient struct {
	SubscriberID   int64
	Email, Name    string
	UnsubscribeURL string // one-click: also given in List-Unsubscribe
	PreferencesURL string
	MessageID      string // derived from campaign and subscriber, so a repeat is recognisable
	Date           time.Time
}

// Email is a campaign's message compiled once, so that the send engine
// pays only for concatenation per subscriber. It is safe for concurrent use.
type Email struct {
	skeleton *mail.Skeleton
}

// The slots each message fills, in the order of Render's values. The HTML
// ones carry HTML-escaped text; the others carry it as it is.
const (
	slotName = iota
	slotNameHTML
	slotUnsubscribe
	slotUnsubscribeHTML
	slotPreferences
	slotPreferencesHTML
	slotCount
)

// slotNames names the slots for the skeleton, in the order above.
func slotNames() []string {
	return []string{"name", "name.html", "unsubscribe", "unsubscribe.html", "preferences", "preferences.html"}
}

// NewEmail renders the campaign: the HTML layout with its CSS inlined, the
// text part, and the headers every message carries. Personal values are
// left as slots, so no template ever sees a subscriber.
func NewEmail(c Compose) (*Email, error) {
	e, err := newEmail(&c)
	if err != nil {
		return nil, fmt.Errorf("campaign: email: %w", err)
	}
	return e, nil
}

func newEmail(c *Compose) (*Email, error) {
	base, err := parseBaseURL(c.BaseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.Campaign.Subject) == "" {
		return nil, errors.New("subject is empty")
	}
	if c.Newsletter.Slug == "" || !article.ValidSlug(c.Newsletter.Slug) {
		return nil, fmt.Errorf("newsletter slug %q is not valid", c.Newsletter.Slug)
	}
	tmpl, err := parseHTMLTemplate(c.Template)
	if err != nil {
		return nil, err
	}
	v := newView(c, base, markerPrefix(c))
	htmlSegs, err := renderHTML(tmpl, v, base)
	if err != nil {
		return nil, err
	}
	textSegs, err := renderText(v)
	if err != nil {
		return nil, err
	}
	host := base.Hostname()
	sk, err := mail.NewSkeleton(mail.SkeletonSpec{
		From:    sender(c),
		ReplyTo: replyTo(c),
		Subject: c.Campaign.Subject,
		Headers: []mail.Header{
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
			{Name: "List-Id", Value: listPhrase(c.Newsletter.Name) + " <" + c.Newsletter.Slug + "." + host + ">"},
			{Name: "Feedback-ID", Value: fmt.Sprintf("%d:%s:herald:%s", c.Campaign.ID, c.Newsletter.Slug, host)},
			{Name: "Precedence", Value: "bulk"},
		},
		Fields: []mail.Field{{Name: "List-Unsubscribe", Value: []mail.Segment{
			{Text: "<"}, {Slot: slotNames()[slotUnsubscribe]}, {Text: ">"},
		}}},
		Slots: slotNames(),
		Text:  textSegs,
		HTML:  htmlSegs,
	})
	if err != nil {
		return nil, err
	}
	return &Email{skeleton: sk}, nil
}

// Render appends the message for one recipient to dst. Names and links are
// HTML-escaped for the HTML part and used as they are in the text part.
func (e *Email) Render(dst []byte, r Recipient) ([]byte, error) {
	for _, u := range [...]string{r.UnsubscribeURL, r.PreferencesURL} {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return dst, fmt.Errorf("campaign: email for subscriber %d: link %q is not an http(s) URL", r.SubscriberID, u)
		}
	}
	var slots [slotCount]string
	slots[slotName] = r.Name
	slots[slotNameHTML] = html.EscapeString(r.Name)
	slots[slotUnsubscribe] = r.UnsubscribeURL
	slots[slotUnsubscribeHTML] = html.EscapeString(r.UnsubscribeURL)
	slots[slotPreferences] = r.PreferencesURL
	slots[slotPreferencesHTML] = html.EscapeString(r.PreferencesURL)
	out, err := e.skeleton.Render(dst, mail.Values{
		To:        mail.Address{Name: r.Name, Email: r.Email},
		MessageID: r.MessageID,
		Date:      r.Date,
		Slots:     slots[:],
	})
	if err != nil {
		return dst, fmt.Errorf("campaign: email for subscriber %d: %w", r.SubscriberID, err)
	}
	return out, nil
}

// parseBaseURL accepts the absolute http(s) URL links in the email are
// made from, and drops a trailing slash.
func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(strings.TrimSpace(raw), "/"))
	if err != nil {
		return nil, fmt.Errorf("base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("base URL %q is not an absolute http(s) URL", raw)
	}
	return u, nil
}

// sender is who a campaign's email is from.
func sender(c *Compose) mail.Address { return Sender(c.Newsletter, c.From) }

// Sender is who a newsletter's email is from: its own sender address, or
// the site's (site), under the name the newsletter gives. A name alone is
// not ignored: it goes with the site's address.
func Sender(nl subscriber.Newsletter, site mail.Address) mail.Address {
	from := site
	if nl.SenderEmail != "" {
		from = mail.Address{Name: nl.Name, Email: nl.SenderEmail}
	}
	if nl.SenderName != "" {
		from.Name = nl.SenderName
	}
	return from
}

// replyTo is the newsletter's reply address when it has one, which can
// differ from the site-wide one (a desk per newsletter).
func replyTo(c *Compose) mail.Address {
	if c.Newsletter.ReplyTo != "" {
		return mail.Address{Email: c.Newsletter.ReplyTo}
	}
	return c.ReplyTo
}

// listPhrase keeps the letters, digits and plain punctuation of a
// newsletter's name for List-Id, whose phrase software shows but does not
// expect to hold quotes, brackets or encoded-word lookalikes.
func listPhrase(name string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-'&!#$%*+/^_`{|}~", r):
			return r
		case unicode.IsSpace(r):
			return ' '
		}
		return -1
	}, name)
	clean = strings.Join(strings.Fields(clean), " ")
	if clean == "" {
		return "Newsletter"
	}
	return clean
}
