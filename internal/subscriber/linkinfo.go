package subscriber

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
}

// Active lists the newsletters of the link the reader is still on, pending
// or confirmed.
func (i LinkInfo) Active() []Newsletter {
	return append(append([]Newsletter(nil), i.Pending...), i.Confirmed...)
}

// linkInfo sorts the newsletters a link concerns (the one with id only, or
// all when only is 0) by sub's standing with each.
func linkInfo(sub Subscriber, nls []Newsletter, only int64) LinkInfo {
	info := LinkInfo{
		Email:     sub.Email,
		Pending:   pick(sub, nls, only, Pending),
		Confirmed: pick(sub, nls, only, Confirmed),
		Left:      pick(sub, nls, only, Unsubscribed),
	}
	if only != 0 {
		for _, n := range pick(sub, nls, 0, Pending, Confirmed) {
			if n.ID != only {
				info.Others = true
			}
		}
	}
	return info
}
