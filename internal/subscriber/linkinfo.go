package subscriber

import "slices"

// LinkInfo is what a confirmation or unsubscribe page shows: the address the
// link was sent to and the newsletters it concerns, sorted by where the
// reader stands with each, so the page can tell a reader who still has
// something to do from one who already did it or has left. Only the holder
// of a valid signed token ever sees it.
type LinkInfo struct {
	Email     string
	Pending   []Newsletter // waiting for confirmation
	Confirmed []Newsletter
	Left      []Newsletter // unsubscribed
	// Others reports whether the reader is still on a newsletter the link
	// does not concern, which an unsubscribe page offers to leave too.
	Others bool
	// Changed reports whether the action just taken changed anything;
	// looking at a link never does.
	Changed bool
	// Preferences is a token for the reader's preferences page, given with
	// an unsubscription: a reader who changes their mind chooses again
	// there, at once, without waiting for another confirmation email.
	Preferences string
}

// Active lists the newsletters of the link the reader is still on, pending
// or confirmed.
func (i LinkInfo) Active() []Newsletter {
	return append(append([]Newsletter(nil), i.Pending...), i.Confirmed...)
}

// linkInfo sorts the newsletters a link concerns (the one with id only, or
// all when only is 0) by sub's standing with each.
func linkInfo(sub Subscriber, nls []Newsletter, only int64) LinkInfo {
	if only != 0 {
		return scopedInfo(sub, nls, []int64{only})
	}
	return LinkInfo{
		Email:     sub.Email,
		Pending:   pick(sub, nls, 0, Pending),
		Confirmed: pick(sub, nls, 0, Confirmed),
		Left:      pick(sub, nls, 0, Unsubscribed),
	}
}

// scopedInfo is linkInfo for a link that concerns the newsletters ids.
func scopedInfo(sub Subscriber, nls []Newsletter, ids []int64) LinkInfo {
	in := func(n Newsletter) bool { return slices.Contains(ids, n.ID) }
	info := LinkInfo{
		Email:     sub.Email,
		Pending:   slices.DeleteFunc(pick(sub, nls, 0, Pending), func(n Newsletter) bool { return !in(n) }),
		Confirmed: slices.DeleteFunc(pick(sub, nls, 0, Confirmed), func(n Newsletter) bool { return !in(n) }),
		Left:      slices.DeleteFunc(pick(sub, nls, 0, Unsubscribed), func(n Newsletter) bool { return !in(n) }),
	}
	for _, n := range pick(sub, nls, 0, Pending, Confirmed) {
		if !in(n) {
			info.Others = true
		}
	}
	return info
}

// unconfirmed lists the newsletters of sub's subscriptions that were never
// confirmed: those waiting, and those left (a declined subscription stays
// in what its link concerns, so the link can say it was left).
func unconfirmed(sub Subscriber) []int64 {
	var ids []int64
	for _, sp := range sub.Subscriptions {
		if sp.State != Confirmed && !slices.Contains(ids, sp.NewsletterID) {
			ids = append(ids, sp.NewsletterID)
		}
	}
	return ids
}

// ExpiredError is a genuine link whose time is up. It is ErrExpiredToken
// for errors.Is, and names the newsletters the link was about, those still
// waiting first, so that the page saying so speaks their language.
type ExpiredError struct {
	Newsletters []Newsletter
}

func (e *ExpiredError) Error() string { return ErrExpiredToken.Error() }

func (e *ExpiredError) Unwrap() error { return ErrExpiredToken }
