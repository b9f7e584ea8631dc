// Package api is Herald's JSON API under /api/v1, for scripts and the
// systems around a newsroom: articles, newsletters, campaigns, subscribers
// and webhook endpoints. Requests carry an API token; every route names the
// one permission it needs, and both the token's scopes and its owner's
// current role must hold it. The API has its own request and response
// types, so what it promises does not move when a table does.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/subscriber"
	"herald/internal/user"
	"herald/internal/webhook"
)

// Store is what the API reads and writes; the SQLite and PostgreSQL stores
// both provide it.
type Store interface {
	ArticleBySlug(ctx context.Context, slug string) (article.Article, error)
	ListArticles(ctx context.Context, q article.Query, now time.Time) ([]article.Article, error)
	ArticlesByID(ctx context.Context, ids []int64) ([]article.Article, error)
	ArticleCreator(ctx context.Context, id int64) (int64, error)
	SetArticleCreator(ctx context.Context, id, userID int64) error

	Newsletters(ctx context.Context) ([]subscriber.Newsletter, error)
	// CreateNewsletter returns store.ErrDuplicate when the slug is taken.
	CreateNewsletter(ctx context.Context, n *subscriber.Newsletter) (int64, error)

	SubscriberByID(ctx context.Context, id int64) (subscriber.Subscriber, error)
	SubscriberByEmail(ctx context.Context, email string) (subscriber.Subscriber, error)
	FilterSubscribers(ctx context.Context, email string, state subscriber.State, newsletterID int64, tag string, afterID int64, limit int) ([]subscriber.Subscriber, error)
	TagsOfSubscribers(ctx context.Context, ids []int64) (map[int64][]string, error)
	UpdateSubscriberProfile(ctx context.Context, id int64, name, language string, tags []string) error
	UnsubscribeSubscriber(ctx context.Context, id, newsletterID int64, c subscriber.Consent) ([]int64, error)
	subscriber.ErasureStore

	CreateCampaign(ctx context.Context, c *campaign.Campaign) (int64, error)
	Campaign(ctx context.Context, id int64) (campaign.Campaign, error)
	ListCampaigns(ctx context.Context, beforeID int64, limit int) ([]campaign.Campaign, error)
	MoveCampaign(ctx context.Context, id int64, to campaign.State, at, sendAt time.Time) error
	QueueTestSend(ctx context.Context, id int64, email string, now time.Time) error

	// CreateWebhookEndpoint returns webhook.ErrDuplicate when an endpoint
	// in force has the URL and webhook.ErrTooMany when webhook.MaxEndpoints
	// are in force; WebhookEndpoints lists those in force; and
	// DisableWebhookEndpoint returns webhook.ErrNotFound for one not in
	// force.
	CreateWebhookEndpoint(ctx context.Context, e webhook.Endpoint) (int64, error)
	WebhookEndpoints(ctx context.Context, afterID int64, limit int) ([]webhook.Endpoint, error)
	DisableWebhookEndpoint(ctx context.Context, id int64, at time.Time) error
}

// Authenticator finds the account and token behind an API token;
// *user.Service is one.
type Authenticator interface {
	Authenticate(ctx context.Context, plaintext string) (user.User, user.Token, error)
}

// Signups applies the public signup rules, confirmation email included;
// *subscriber.Service is one.
type Signups interface {
	Signup(ctx context.Context, in subscriber.Signup) error
}

// Publisher renders and saves articles; *article.Publisher is one.
type Publisher interface {
	Publish(ctx context.Context, a *article.Article) (int64, error)
	// Create saves a new article, or returns article.ErrSlugTaken.
	Create(ctx context.Context, a *article.Article) (int64, error)
}

// Emitter records webhook events; *webhook.Emitter is one.
type Emitter interface {
	Emit(ctx context.Context, event string, payload any) error
}

// Config sets up a Handler. Store, Users, Signups and Publisher are
// required; zero values of the rest take the defaults noted.
type Config struct {
	Store     Store
	Users     Authenticator
	Signups   Signups
	Publisher Publisher
	// Events hears of the changes the API makes to subscribers directly
	// (an unsubscribe, a subscriber added as confirmed); nil: none.
	// Changes made through Signups and Publisher are theirs to announce.
	Events Emitter
	// AllowPrivateWebhooks admits webhook URLs on loopback and private
	// networks, and plain HTTP to loopback; for tests only.
	AllowPrivateWebhooks bool
	// Erasure keys the hashes by which the suppression list knows the
	// people erased on their request, whom imports leave out.
	Erasure  subscriber.Erasure
	Language string // of newsletters created without one; default "en"
	Queued   func() // wakes the delivery engine after mail was queued
	Started  func() // wakes the campaign scheduler after a campaign moved
	// RatePerSecond and RateBurst size each token's bucket: a script may
	// send RateBurst requests at once, then RatePerSecond a second;
	// default 10 and 40.
	RatePerSecond float64
	RateBurst     int
	Now           func() time.Time
	Logger        *slog.Logger
}

// Handler serves the API. Mount it at "/api/v1/".
type Handler struct {
	cfg     Config
	mux     *http.ServeMux
	limits  *tokenLimits
	openapi []byte
}

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// New returns the API's handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Users == nil || cfg.Signups == nil || cfg.Publisher == nil {
		return nil, errors.New("api: store, users, signups and publisher are required")
	}
	if cfg.Language == "" {
		cfg.Language = "en"
	}
	if cfg.Queued == nil {
		cfg.Queued = func() {}
	}
	if cfg.Started == nil {
		cfg.Started = func() {}
	}
	if cfg.RatePerSecond <= 0 {
		cfg.RatePerSecond = 10
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = 40
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), limits: newTokenLimits(cfg.RatePerSecond, cfg.RateBurst, 10000)}
	doc, err := openAPIDocument()
	if err != nil {
		return nil, err
	}
	h.openapi = doc
	for _, rt := range h.routes() {
		h.mux.Handle(rt.method+" "+rt.path, h.handle(rt))
	}
	return h, nil
}

// public marks the one route anyone may call: the API's own description,
// which holds no data.
const public user.Permission = ""

// route is one method and path with the permission it needs.
type route struct {
	method, path string
	perm         user.Permission
	serve        func(w http.ResponseWriter, r *http.Request, c caller) error
}

// routes lists every route of the API.
func (h *Handler) routes() []route {
	const p = Prefix
	return []route{
		{"GET", p + "/openapi.json", public, h.openAPI},

		{"GET", p + "/articles", user.ArticleRead, h.listArticles},
		{"POST", p + "/articles", user.ArticleWriteOwn, h.createArticle},
		{"GET", p + "/articles/{slug}", user.ArticleRead, h.getArticle},
		{"PATCH", p + "/articles/{slug}", user.ArticleWriteOwn, h.updateArticle},
		{"POST", p + "/articles/{slug}/publish", user.ArticlePublish, h.publishArticle},
		{"POST", p + "/articles/{slug}/unpublish", user.ArticlePublish, h.unpublishArticle},

		{"GET", p + "/newsletters", user.CampaignRead, h.listNewsletters},
		{"POST", p + "/newsletters", user.NewsletterManage, h.createNewsletter},

		{"GET", p + "/campaigns", user.CampaignRead, h.listCampaigns},
		{"POST", p + "/campaigns", user.CampaignWrite, h.createCampaign},
		{"GET", p + "/campaigns/{id}", user.CampaignRead, h.getCampaign},
		{"POST", p + "/campaigns/{id}/send", user.CampaignSend, h.campaignAction("send")},
		{"POST", p + "/campaigns/{id}/schedule", user.CampaignSend, h.campaignAction("schedule")},
		{"POST", p + "/campaigns/{id}/pause", user.CampaignSend, h.campaignAction("pause")},
		{"POST", p + "/campaigns/{id}/resume", user.CampaignSend, h.campaignAction("resume")},
		{"POST", p + "/campaigns/{id}/cancel", user.CampaignSend, h.campaignAction("cancel")},
		// A test goes only to the few addresses given, but they are the
		// caller's to choose: it also needs the right to read what it
		// mails (see testCampaign).
		{"POST", p + "/campaigns/{id}/test", user.CampaignWrite, h.testCampaign},

		{"GET", p + "/subscribers", user.SubscriberRead, h.listSubscribers},
		{"POST", p + "/subscribers", user.SubscriberWrite, h.createSubscriber},
		{"POST", p + "/subscribers/import", user.SubscriberWrite, h.importSubscribers},
		{"GET", p + "/subscribers/{id}", user.SubscriberRead, h.getSubscriber},
		{"PATCH", p + "/subscribers/{id}", user.SubscriberWrite, h.updateSubscriber},
		{"POST", p + "/subscribers/{id}/unsubscribe", user.SubscriberWrite, h.unsubscribe},

		{"GET", p + "/webhooks", user.SettingsManage, h.listWebhooks},
		{"POST", p + "/webhooks", user.SettingsManage, h.createWebhook},
		{"DELETE", p + "/webhooks/{id}", user.SettingsManage, h.deleteWebhook},
	}
}

// caller is who made a request: the account and the token it used.
type caller struct {
	user  user.User
	token user.Token
}

// can reports whether the request may do p.
func (c caller) can(p user.Permission) bool { return c.token.Can(c.user.Role, p) }

// ServeHTTP answers unknown paths and methods with the API's own JSON
// errors rather than the mux's plain text.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.mux.Handler(r); pattern != "" {
		h.mux.ServeHTTP(w, r)
		return
	}
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		h.fail(w, r, errNoRoute)
		return
	}
	if allow[0] == "GET" {
		allow = append(allow, "HEAD")
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	h.fail(w, r, &apiError{status: http.StatusMethodNotAllowed, code: "method_not_allowed",
		message: fmt.Sprintf("%s is not allowed here; use %s", r.Method, strings.Join(allow, ", "))})
}

// handle checks who is calling and what they may do before the route's
// handler runs, so no handler reads an object for a caller who may not.
func (h *Handler) handle(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.check(w, r, rt); err != nil {
			h.fail(w, r, err)
		}
	})
}

func (h *Handler) check(w http.ResponseWriter, r *http.Request, rt route) error {
	if rt.perm == public {
		return rt.serve(w, r, caller{})
	}
	c, err := h.authenticate(r)
	if err != nil {
		return err
	}
	if wait := h.limits.wait(c.token.ID, h.cfg.Now()); wait > 0 {
		return &apiError{status: http.StatusTooManyRequests, code: "rate_limited",
			message: "too many requests with this token; slow down", retryAfter: wait}
	}
	if !c.can(rt.perm) {
		return &apiError{status: http.StatusForbidden, code: "forbidden",
			message: fmt.Sprintf("this needs the %s permission, which the token or its account's role does not hold", rt.perm)}
	}
	return rt.serve(w, r, c)
}

// authenticate reads the bearer token. Its plaintext is never logged.
func (h *Handler) authenticate(r *http.Request) (caller, error) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return caller{}, errNoToken
	}
	u, t, err := h.cfg.Users.Authenticate(r.Context(), strings.TrimSpace(tok))
	if err != nil {
		return caller{}, err
	}
	return caller{user: u, token: t}, nil
}

// clientIP is the address the request came from, for consent records.
// Proxies are expected to have set RemoteAddr.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
