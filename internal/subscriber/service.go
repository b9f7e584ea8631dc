package subscriber

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Store is what the subscriber rules need from storage.
type Store interface {
	Newsletters(ctx context.Context) ([]Newsletter, error)
	// RecordSignups applies a group of signups in one transaction: each
	// address is created or found, its subscriptions to the chosen
	// newsletters become pending unless already confirmed, a consent record
	// is written, and a confirmation email is queued unless one was queued
	// for the address less than confirmEvery ago.
	RecordSignups(ctx context.Context, batch []Signup, confirmEvery time.Duration) error
	SubscriberByID(ctx context.Context, id int64) (Subscriber, error)
	// ConfirmSubscriber confirms every pending subscription of the
	// subscriber, records the consent, queues a welcome email when anything
	// changed, and returns the newsletters whose subscription it
	// confirmed: of several calls at once, only one confirms each.
	ConfirmSubscriber(ctx context.Context, id int64, c Consent) ([]Newsletter, error)
	// UnsubscribeSubscriber ends the subscription to one newsletter, or to
	// all when newsletterID is 0, and records the consent withdrawal.
	UnsubscribeSubscriber(ctx context.Context, id, newsletterID int64, c Consent) ([]int64, error)
	PreferencesStore
}

// Config sets up a Service.
type Config struct {
	Store        Store
	Signer       *Signer
	ConfirmTTL   time.Duration // how long a confirmation link works; default 7 days
	ConfirmEvery time.Duration // at most one confirmation email per address this often; default 1 h
	// Queued is called after mail was queued, to wake the sender.
	Queued func()
	// Events, when set, hears of confirmations and unsubscriptions (for
	// webhooks). Its failures are logged: the reader's action stands.
	Events Events
	Now    func() time.Time
	Logger *slog.Logger
}

// Events receives what happened, for whoever listens (webhooks).
type Events interface {
	Emit(ctx context.Context, event string, payload any) error
}

func (s *Service) emit(ctx context.Context, event string, payload any) {
	if s.cfg.Events == nil {
		return
	}
	if err := s.cfg.Events.Emit(ctx, event, payload); err != nil {
		s.cfg.Logger.Error("emit event", "event", event, "err", err)
	}
}

func newsletterIDs(nls []Newsletter) []int64 {
	ids := make([]int64, len(nls))
	for i, n := range nls {
		ids[i] = n.ID
	}
	return ids
}

// Service applies the signup, confirm and unsubscribe rules.
type Service struct {
	cfg         Config
	batch       *batcher
	newsletters *newsletterCache
}

// NewService returns a Service using cfg.
func NewService(cfg Config) *Service {
	if cfg.ConfirmTTL <= 0 {
		cfg.ConfirmTTL = 7 * 24 * time.Hour
	}
	if cfg.ConfirmEvery <= 0 {
		cfg.ConfirmEvery = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Queued == nil {
		cfg.Queued = func() {}
	}
	s := &Service{cfg: cfg, newsletters: &newsletterCache{load: cfg.Store.Newsletters, ttl: 5 * time.Second, now: cfg.Now}}
	s.batch = &batcher{max: 256, commit: func(ctx context.Context, b []Signup) error {
		return cfg.Store.RecordSignups(ctx, b, cfg.ConfirmEvery)
	}}
	return s
}

// ConfirmTTL is how long confirmation links stay valid.
func (s *Service) ConfirmTTL() time.Duration { return s.cfg.ConfirmTTL }

// Newsletters lists the newsletters readers can join.
func (s *Service) Newsletters(ctx context.Context) ([]Newsletter, error) {
	return s.newsletters.get(ctx)
}

// Signup records a reader's request to join newsletters. It answers the same
// for a new, pending or confirmed address; only a malformed address or name
// is an error (*AddressError).
func (s *Service) Signup(ctx context.Context, in Signup) error {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	name, err := CleanName(in.Name)
	if err != nil {
		return err
	}
	if len(in.Newsletters) == 0 {
		return errors.New("subscriber: signup names no newsletter")
	}
	in.Email, in.Name = email, name
	if in.At.IsZero() {
		in.At = s.cfg.Now()
	}
	if err := s.batch.do(ctx, in); err != nil {
		return fmt.Errorf("subscriber: record signup: %w", err)
	}
	s.cfg.Queued()
	return nil
}

// ConfirmInfo checks a confirmation link without acting on it.
func (s *Service) ConfirmInfo(ctx context.Context, token string) (LinkInfo, error) {
	t, err := s.cfg.Signer.Verify(token, PurposeConfirm, s.cfg.Now())
	if errors.Is(err, ErrExpiredToken) {
		return s.expiredConfirm(ctx, t)
	}
	if err != nil {
		return LinkInfo{}, err
	}
	sub, nls, err := s.load(ctx, t.SubscriberID)
	if err != nil {
		return LinkInfo{}, err
	}
	return linkInfo(sub, nls, 0), nil
}

// Confirm acts on a confirmation link. Confirming twice is harmless, and a
// link followed when nothing waits for confirmation, as after the reader
// left, changes nothing and records nothing.
func (s *Service) Confirm(ctx context.Context, token, ip string) (LinkInfo, error) {
	now := s.cfg.Now()
	t, err := s.cfg.Signer.Verify(token, PurposeConfirm, now)
	if errors.Is(err, ErrExpiredToken) {
		return s.expiredConfirm(ctx, t)
	}
	if err != nil {
		return LinkInfo{}, err
	}
	sub, nls, err := s.load(ctx, t.SubscriberID)
	if err != nil {
		return LinkInfo{}, err
	}
	info := linkInfo(sub, nls, 0)
	if len(info.Pending) == 0 {
		return info, nil
	}
	// What this link confirmed, as the store tells it: another press of
	// the button, or a change of mind, may have come first.
	confirmed, err := s.cfg.Store.ConfirmSubscriber(ctx, sub.ID, Consent{
		SubscriberID: sub.ID, Action: ConsentConfirm, At: now, Source: "confirmation link", IP: ip,
	})
	if err != nil {
		return LinkInfo{}, fmt.Errorf("subscriber: confirm: %w", err)
	}
	if len(confirmed) == 0 {
		// Nothing was left to confirm: answer as a second press does.
		sub, nls, err := s.load(ctx, sub.ID)
		if err != nil {
			return LinkInfo{}, err
		}
		return linkInfo(sub, nls, 0), nil
	}
	s.cfg.Queued()
	s.emit(ctx, "subscriber.confirmed", map[string]any{"id": sub.ID, "email": sub.Email, "newsletter_ids": newsletterIDs(confirmed)})
	info.Pending, info.Confirmed, info.Changed = nil, confirmed, true
	return info, nil
}

// unsubscribeToken checks the token of an unsubscribe link: one from a
// campaign or welcome email, or the decline link of a confirmation email.
func (s *Service) unsubscribeToken(token string, now time.Time) (Token, error) {
	t, err := s.cfg.Signer.Verify(token, PurposeUnsubscribe, now)
	if errors.Is(err, ErrBadToken) {
		t, err = s.cfg.Signer.Verify(token, PurposeDecline, now)
	}
	return t, err
}

// scope lists the newsletters an unsubscribe link concerns: the one it
// names, the ones sub never confirmed for a decline link, or nil for all.
func scope(t Token, sub Subscriber) []int64 {
	switch {
	case t.Purpose == PurposeDecline:
		// Never nil: a reader who confirmed everything since declines
		// nothing, rather than everything.
		return append([]int64{}, unconfirmed(sub)...)
	case t.NewsletterID != 0:
		return []int64{t.NewsletterID}
	}
	return nil
}

// expiredConfirm answers a confirmation link that is genuine but whose
// time is up, and confirms nothing. A reader who confirmed since, perhaps
// by a newer link, is told so rather than asked to sign up again; anyone
// else gets an *ExpiredError naming the newsletters the link was about,
// so the answer can be in their language. t is trusted: Verify reports
// ErrExpiredToken only once the signature holds.
func (s *Service) expiredConfirm(ctx context.Context, t Token) (LinkInfo, error) {
	sub, nls, err := s.load(ctx, t.SubscriberID)
	if errors.Is(err, ErrNotFound) {
		// Gone since the link was sent: it has expired all the same.
		return LinkInfo{}, &ExpiredError{}
	}
	if err != nil {
		return LinkInfo{}, err
	}
	info := linkInfo(sub, nls, 0)
	if len(info.Pending) == 0 && len(info.Confirmed) > 0 {
		return info, nil
	}
	return LinkInfo{}, &ExpiredError{Newsletters: append(info.Active(), info.Left...)}
}

// UnsubscribeInfo checks an unsubscribe link without acting on it.
func (s *Service) UnsubscribeInfo(ctx context.Context, token string) (LinkInfo, error) {
	t, err := s.unsubscribeToken(token, s.cfg.Now())
	if err != nil {
		return LinkInfo{}, err
	}
	sub, nls, err := s.load(ctx, t.SubscriberID)
	if err != nil {
		return LinkInfo{}, err
	}
	if ids := scope(t, sub); ids != nil {
		return scopedInfo(sub, nls, ids), nil
	}
	return linkInfo(sub, nls, 0), nil
}

// Unsubscribe acts on an unsubscribe link at once: one click, no login.
// all widens a link made for some newsletters to every newsletter.
func (s *Service) Unsubscribe(ctx context.Context, token string, all bool, ip string) (LinkInfo, error) {
	now := s.cfg.Now()
	t, err := s.unsubscribeToken(token, now)
	if err != nil {
		return LinkInfo{}, err
	}
	sub, nls, err := s.load(ctx, t.SubscriberID)
	if err != nil {
		return LinkInfo{}, err
	}
	ids := scope(t, sub)
	if all {
		ids = nil
	}
	info := linkInfo(sub, nls, 0)
	each := []int64{0}
	if ids != nil {
		info, each = scopedInfo(sub, nls, ids), ids
	}
	// What this click ended, as the store tells it: a mail provider that
	// posts the link twice at once announces one unsubscription, not two.
	var ended []int64
	for _, nl := range each {
		changed, err := s.cfg.Store.UnsubscribeSubscriber(ctx, sub.ID, nl, Consent{
			SubscriberID: sub.ID, NewsletterID: nl, Action: ConsentUnsubscribe, At: now, Source: "unsubscribe link", IP: ip,
		})
		if err != nil {
			return LinkInfo{}, fmt.Errorf("subscriber: unsubscribe: %w", err)
		}
		ended = append(ended, changed...)
	}
	if len(ended) > 0 {
		slices.Sort(ended)
		s.emit(ctx, "subscriber.unsubscribed", map[string]any{"id": sub.ID, "email": sub.Email, "newsletter_ids": ended})
	}
	info.Left = pick(sub, nls, 0, Pending, Confirmed, Unsubscribed)
	if ids != nil {
		info.Left = slices.DeleteFunc(info.Left, func(n Newsletter) bool { return !slices.Contains(ids, n.ID) })
	}
	info.Pending, info.Confirmed, info.Changed = nil, nil, len(ended) > 0
	info.Preferences = s.cfg.Signer.Sign(Token{Purpose: PurposePreferences, SubscriberID: sub.ID})
	return info, nil
}

func (s *Service) load(ctx context.Context, id int64) (Subscriber, []Newsletter, error) {
	sub, err := s.cfg.Store.SubscriberByID(ctx, id)
	if err != nil {
		return Subscriber{}, nil, err
	}
	nls, err := s.newsletters.get(ctx)
	if err != nil {
		return Subscriber{}, nil, fmt.Errorf("subscriber: newsletters: %w", err)
	}
	return sub, nls, nil
}

// pick returns the newsletters (only the one with id only, unless 0) whose
// subscription by sub is in one of states.
func pick(sub Subscriber, nls []Newsletter, only int64, states ...State) []Newsletter {
	var out []Newsletter
	for _, n := range nls {
		if only != 0 && n.ID != only {
			continue
		}
		for _, sp := range sub.Subscriptions {
			if sp.NewsletterID != n.ID {
				continue
			}
			for _, st := range states {
				if sp.State == st {
					out = append(out, n)
				}
			}
		}
	}
	return out
}
