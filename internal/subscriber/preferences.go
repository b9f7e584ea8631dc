package subscriber

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The preferences page is where a reader who holds a link from one of our
// emails changes, in one place, which newsletters they get and the name
// they are greeted by. The link proves the reader reads mail at the
// address, so a newsletter joined there is confirmed at once.

// PreferencesStore is what the preferences page needs from storage.
type PreferencesStore interface {
	IsSuppressed(ctx context.Context, email string) (bool, error)
	// SavePreferences applies c to subscriber id in one transaction: the
	// subscriptions in c.Leave that are pending or confirmed end, with an
	// unsubscribe consent record each; those in c.Join that are not
	// confirmed (none, pending or left) become confirmed, with a signup and a confirm
	// record each carrying c.Wording, unless the address is suppressed, in
	// which case none is joined and the outcome says Refused; the name is
	// replaced when c.Rename. It returns what changed. An unknown
	// subscriber is ErrNotFound and a newsletter to join that does not
	// exist ErrNoNewsletter; on any error nothing changes.
	SavePreferences(ctx context.Context, id int64, c PreferenceChange) (PreferenceOutcome, error)
}

// ErrNoNewsletter is a newsletter to join that no longer exists.
var ErrNoNewsletter = errors.New("newsletter not found")

// PreferencesSource is the source of the consent records the preferences
// page makes.
const PreferencesSource = "preferences page"

// Preferences is what the preferences page shows: the address its link was
// sent to, the name, every newsletter on offer with where the reader
// stands, and whether the address may be mailed at all.
type Preferences struct {
	Email       string
	Name        string
	Newsletters []Choice
	// Suppressed is an address that bounced hard or complained: it is
	// never subscribed again.
	Suppressed bool
}

// Choice is one newsletter on offer and the reader's standing with it.
type Choice struct {
	Newsletter Newsletter
	State      State // empty when the reader never joined it
}

// Subscribed reports whether the reader is on the newsletter, confirmed or
// waiting to confirm: the box the page ticks.
func (c Choice) Subscribed() bool { return c.State == Pending || c.State == Confirmed }

// PreferencesForm is what a reader sent from the preferences page.
type PreferencesForm struct {
	Newsletters []int64 // the newsletters ticked
	// Shown are the newsletters the page listed: only these change, so
	// a page loaded before a newsletter was added leaves it alone. None
	// means every newsletter on offer.
	Shown []int64
	Name  string
	// LeaveAll ends every subscription; Newsletters and Name are then
	// not looked at.
	LeaveAll bool
	Wording  string // the sentence the page shows next to the choices
	IP       string
}

// PreferenceChange is the difference between what a reader has and what
// they asked for, as the store applies it.
type PreferenceChange struct {
	Join, Leave []int64
	Rename      bool
	Name        string
	At          time.Time
	Source      string
	Wording     string
	IP          string
}

// PreferenceOutcome is what a store changed. Refused means the address is
// suppressed and nothing was joined.
type PreferenceOutcome struct {
	Joined, Left []int64
	Refused      bool
}

// Saved is what saving the preferences changed, for the page to say.
type Saved struct {
	Joined, Left []Newsletter
	Renamed      bool
	// Refused lists the newsletters that were not joined because the
	// address is suppressed.
	Refused []Newsletter
}

// Preferences checks a preferences link and returns what its page shows.
// It changes nothing: mail scanners fetch every link in a message.
func (s *Service) Preferences(ctx context.Context, token string) (Preferences, error) {
	t, err := s.cfg.Signer.Verify(token, PurposePreferences, s.cfg.Now())
	if err != nil {
		return Preferences{}, err
	}
	sub, nls, err := s.load(ctx, t.SubscriberID)
	if err != nil {
		return Preferences{}, err
	}
	suppressed, err := s.cfg.Store.IsSuppressed(ctx, sub.Email)
	if err != nil {
		return Preferences{}, fmt.Errorf("subscriber: preferences: %w", err)
	}
	p := Preferences{Email: sub.Email, Name: sub.Name, Suppressed: suppressed}
	for _, n := range nls {
		p.Newsletters = append(p.Newsletters, Choice{Newsletter: n, State: stateOf(sub, n.ID)})
	}
	return p, nil
}

// SavePreferences applies what a reader sent from the preferences page: the
// newsletters ticked and not yet confirmed are confirmed at once, those
// unticked are left, and the name is replaced, all in one transaction. A
// bad name or a newsletter not on offer is an *AddressError and changes
// nothing.
func (s *Service) SavePreferences(ctx context.Context, token string, f PreferencesForm) (Saved, error) {
	now := s.cfg.Now()
	t, err := s.cfg.Signer.Verify(token, PurposePreferences, now)
	if err != nil {
		return Saved{}, err
	}
	sub, nls, err := s.load(ctx, t.SubscriberID)
	if err != nil {
		return Saved{}, err
	}
	c := PreferenceChange{At: now, Source: PreferencesSource, Wording: f.Wording, IP: f.IP}
	if f.LeaveAll {
		c.Leave = newsletterIDs(pick(sub, nls, 0, Pending, Confirmed))
	} else if c, err = difference(sub, nls, f, c); err != nil {
		return Saved{}, err
	}
	if len(c.Join) == 0 && len(c.Leave) == 0 && !c.Rename {
		return Saved{}, nil
	}
	out, err := s.cfg.Store.SavePreferences(ctx, sub.ID, c)
	if err != nil {
		return Saved{}, fmt.Errorf("subscriber: save preferences: %w", err)
	}
	saved := Saved{Joined: byID(nls, out.Joined), Left: byID(nls, out.Left), Renamed: c.Rename}
	if out.Refused {
		saved.Refused = byID(nls, c.Join)
	}
	if len(saved.Joined) > 0 {
		s.emit(ctx, "subscriber.confirmed", map[string]any{"id": sub.ID, "email": sub.Email, "newsletter_ids": newsletterIDs(saved.Joined)})
	}
	if len(saved.Left) > 0 {
		s.emit(ctx, "subscriber.unsubscribed", map[string]any{"id": sub.ID, "email": sub.Email, "newsletter_ids": newsletterIDs(saved.Left)})
	}
	return saved, nil
}

// difference fills c with what must change for sub to have what f asks.
func difference(sub Subscriber, nls []Newsletter, f PreferencesForm, c PreferenceChange) (PreferenceChange, error) {
	name, err := CleanName(f.Name)
	if err != nil {
		return c, err
	}
	wanted := make(map[int64]bool, len(f.Newsletters))
	for _, id := range f.Newsletters {
		wanted[id] = true
	}
	shown := make(map[int64]bool, len(f.Shown))
	for _, id := range f.Shown {
		shown[id] = true
	}
	offered := 0
	for _, n := range nls {
		if len(shown) > 0 && !shown[n.ID] {
			continue
		}
		if wanted[n.ID] {
			offered++
		}
		// A ticked box confirms a subscription waiting for it: the link
		// proves the reader gets mail at the address.
		state := stateOf(sub, n.ID)
		switch {
		case wanted[n.ID] && state != Confirmed:
			c.Join = append(c.Join, n.ID)
		case !wanted[n.ID] && (state == Pending || state == Confirmed):
			c.Leave = append(c.Leave, n.ID)
		}
	}
	if offered != len(wanted) {
		return c, &AddressError{UnknownNewsletter, "Please choose from the newsletters listed."}
	}
	if name != sub.Name {
		c.Rename, c.Name = true, name
	}
	return c, nil
}

// stateOf is sub's standing with newsletter id, empty when it never joined.
func stateOf(sub Subscriber, id int64) State {
	for _, sp := range sub.Subscriptions {
		if sp.NewsletterID == id {
			return sp.State
		}
	}
	return ""
}

// byID returns the newsletters of nls whose IDs are in ids, in nls's order.
func byID(nls []Newsletter, ids []int64) []Newsletter {
	var out []Newsletter
	for _, n := range nls {
		for _, id := range ids {
			if n.ID == id {
				out = append(out, n)
				break
			}
		}
	}
	return out
}
