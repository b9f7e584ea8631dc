package campaign

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"herald/internal/article"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/subscriber"
)

// RenderStore is what building campaign mail needs from storage.
type RenderStore interface {
	Campaign(ctx context.Context, id int64) (Campaign, error)
	Newsletters(ctx context.Context) ([]subscriber.Newsletter, error)
	ArticlesByID(ctx context.Context, ids []int64) ([]article.Article, error)
}

// RendererConfig says where campaign mail comes from.
type RendererConfig struct {
	Store    RenderStore
	SiteName string
	BaseURL  string
	From     mail.Address // used when a newsletter has no sender of its own
	Signer   *subscriber.Signer
	Now      func() time.Time
}

// Renderer builds each subscriber's copy of a campaign for the delivery
// engine. A campaign's content is fixed once it sends, so its compiled
// email is built once and kept while the campaign is sending.
type Renderer struct {
	cfg  RendererConfig
	host string

	mu     sync.Mutex
	emails map[int64]*compiled

	buffers sync.Pool // of *[]byte, for messages on their way
}

type compiled struct {
	email      *Email
	newsletter subscriber.Newsletter
	from       string

	mu      sync.Mutex
	state   State     // the campaign's, as last read
	checked time.Time // when
}

// stateEvery is how often a sending campaign's state is read again, so that
// a pause or a cancel stops mail already claimed within about this long.
const stateEvery = time.Second

// NewRenderer returns a Renderer.
func NewRenderer(cfg RendererConfig) (*Renderer, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("campaign: base URL %q is not absolute", cfg.BaseURL)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Renderer{cfg: cfg, host: u.Hostname(), emails: map[int64]*compiled{}}, nil
}

// Render implements delivery.Renderer for campaign and test mail.
func (r *Renderer) Render(ctx context.Context, d delivery.Delivery) (delivery.Outgoing, error) {
	test := d.Kind == delivery.KindCampaignTest
	if !test && (d.Suppressed || !d.Subscribed) {
		return delivery.Outgoing{}, fmt.Errorf("no longer subscribed or suppressed: %w", delivery.ErrSkip)
	}
	c, err := r.compiled(ctx, d.CampaignID, !test)
	if err != nil {
		return delivery.Outgoing{}, err
	}
	if !test {
		if err := r.stillSending(ctx, d.CampaignID, c); err != nil {
			return delivery.Outgoing{}, err
		}
	}
	rc := Recipient{SubscriberID: d.SubscriberID, Email: d.Recipient, Name: d.Name, Date: r.cfg.Now()}
	if test {
		rc.MessageID = fmt.Sprintf("c%d.test%d@%s", d.CampaignID, d.ID, r.host)
		rc.UnsubscribeURL = r.cfg.BaseURL + "/"
		rc.PreferencesURL = r.cfg.BaseURL + "/"
	} else {
		// Derived from campaign and subscriber: a repeat after a crash
		// carries the same Message-ID, so it can be recognised.
		rc.MessageID = fmt.Sprintf("c%d.s%d@%s", d.CampaignID, d.SubscriberID, r.host)
		rc.UnsubscribeURL = r.cfg.BaseURL + "/unsubscribe/" + r.cfg.Signer.Sign(subscriber.Token{
			Purpose: subscriber.PurposeUnsubscribe, SubscriberID: d.SubscriberID, NewsletterID: c.newsletter.ID})
		rc.PreferencesURL = r.cfg.BaseURL + "/preferences/" + r.cfg.Signer.Sign(subscriber.Token{
			Purpose: subscriber.PurposePreferences, SubscriberID: d.SubscriberID})
	}
	buf, _ := r.buffers.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	data, err := c.email.Render((*buf)[:0], rc)
	if err != nil {
		r.buffers.Put(buf)
		return delivery.Outgoing{}, fmt.Errorf("campaign %d: %w", d.CampaignID, err)
	}
	release := func() {
		*buf = data[:0]
		r.buffers.Put(buf)
	}
	return delivery.Outgoing{From: c.from, To: d.Recipient, Data: data, MessageID: rc.MessageID, Release: release}, nil
}

// compiled returns the campaign's built email, from the cache when keep.
func (r *Renderer) compiled(ctx context.Context, id int64, keep bool) (*compiled, error) {
	if keep {
		r.mu.Lock()
		c := r.emails[id]
		r.mu.Unlock()
		if c != nil {
			return c, nil
		}
	}
	cp, err := r.cfg.Store.Campaign(ctx, id)
	if err != nil {
		return nil, err
	}
	if keep && cp.State == Cancelled {
		return nil, fmt.Errorf("campaign %d was cancelled: %w", id, delivery.ErrSkip)
	}
	nls, err := r.cfg.Store.Newsletters(ctx)
	if err != nil {
		return nil, err
	}
	var nl subscriber.Newsletter
	for _, n := range nls {
		if n.ID == cp.NewsletterID {
			nl = n
		}
	}
	if nl.ID == 0 {
		return nil, fmt.Errorf("campaign %d: newsletter %d is gone", id, cp.NewsletterID)
	}
	arts, err := r.cfg.Store.ArticlesByID(ctx, cp.ArticleIDs)
	if err != nil {
		return nil, err
	}
	from := Sender(nl, r.cfg.From)
	var replyTo mail.Address
	if nl.ReplyTo != "" {
		replyTo = mail.Address{Email: nl.ReplyTo}
	}
	e, err := NewEmail(Compose{SiteName: r.cfg.SiteName, BaseURL: r.cfg.BaseURL, Newsletter: nl, Campaign: cp,
		Articles: arts, From: from, ReplyTo: replyTo})
	if err != nil {
		return nil, fmt.Errorf("campaign %d: %w", id, err)
	}
	c := &compiled{email: e, newsletter: nl, from: from.Email, state: cp.State, checked: r.cfg.Now()}
	if keep {
		r.mu.Lock()
		if len(r.emails) >= 64 {
			clear(r.emails) // campaigns end; a bounded cache needs no eviction order
		}
		r.emails[id] = c
		r.mu.Unlock()
	}
	return c, nil
}

// Ready tells the delivery engine, before a message waits for the send
// rate, whether its campaign is still sending (see delivery.Gate).
func (r *Renderer) Ready(ctx context.Context, d delivery.Delivery) error {
	if d.Kind == delivery.KindCampaignTest {
		return nil
	}
	c, err := r.compiled(ctx, d.CampaignID, true)
	if err != nil {
		return err
	}
	return r.stillSending(ctx, d.CampaignID, c)
}

// stillSending checks, at most every stateEvery, that the campaign is still
// sending: mail claimed before a pause is handed back to wait for the
// resume, and mail claimed before a cancel is skipped.
func (r *Renderer) stillSending(ctx context.Context, id int64, c *compiled) error {
	now := r.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.checked) >= stateEvery {
		cp, err := r.cfg.Store.Campaign(ctx, id)
		if err != nil {
			return err
		}
		c.state, c.checked = cp.State, now
	}
	switch c.state {
	case Paused:
		return fmt.Errorf("campaign %d is paused: %w", id, delivery.ErrNotNow)
	case Cancelled:
		return fmt.Errorf("campaign %d was cancelled: %w", id, delivery.ErrSkip)
	}
	return nil
}
