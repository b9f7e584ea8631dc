// Package admin is the newsroom's web app under /admin: signing in, writing
// and publishing articles, composing and sending campaigns, looking after
// subscribers and, for the owner, staff and settings. Pages are rendered on
// the server and work without JavaScript; small scripts served from here
// add live previews and progress bars. Every route names the permission it
// needs, and one wrapper checks the session, that permission and the CSRF
// token before any handler runs.
package admin

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"herald/internal/article"
	"herald/internal/assets"
	"herald/internal/mail"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// Site is what the app says about the publication.
type Site struct {
	Name    string
	BaseURL string // absolute, without a trailing slash: previews link to the public site with it
}

// MailStatus describes how mail leaves this server, for the settings page
// to show. It is read-only here: it comes from the command line.
type MailStatus struct {
	Transport string // such as "SMTP smtp://mail.example.org:587 (STARTTLS required)" or "built-in outbox"
	DKIM      string // such as "example.org, selector herald"; empty when messages are not signed
}

// Config is everything the app depends on; New copies what it keeps.
type Config struct {
	Site Site
	// From is the sender of campaigns whose newsletter names none, and of
	// test emails.
	From mail.Address

	Users     Users
	Articles  ArticleStore
	Publisher *article.Publisher
	// Markdown renders an article body to sanitised HTML for the live
	// preview; it must be the renderer the Publisher saves with, so the
	// preview shows what readers will get.
	Markdown    func(markdown string) string
	Newsletters NewsletterStore
	Campaigns   CampaignStore
	Subscribers SubscriberStore
	Ledger      LedgerStore
	Settings    SettingStore
	Outbox      OutboxReader // nil when mail goes to an SMTP server
	Mail        MailStatus

	// Secret is the site secret, from which the CSRF key is derived.
	Secret []byte
	// Erasure keys the hashes that stand for erased addresses.
	Erasure subscriber.Erasure
	// SecureCookies marks cookies Secure; it must be set when the site is
	// served over https, and is forced on when BaseURL is https.
	SecureCookies bool

	// Queued wakes the delivery engine after mail was queued, and
	// Scheduled the campaign scheduler after a campaign was started or
	// scheduled; either may be nil.
	Queued    func()
	Scheduled func()

	Logger *slog.Logger
	Now    func() time.Time
}

// Handler serves the newsroom app. It is safe for concurrent use.
type Handler struct {
	cfg    Config
	csrf   *user.CSRF
	pages  *pages
	assets *assets.Set
	table  []route
	mux    *http.ServeMux
	log    *slog.Logger
	now    func() time.Time
	// creating is held while a new campaign is looked for among those
	// just made and then created, so that a form posted twice at once
	// makes one (see campaignCreate).
	creating sync.Mutex
}

// New checks cfg and builds the handler, parsing every template up front so
// that a broken one stops the program at start, not on an editor's click.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Users == nil || cfg.Articles == nil || cfg.Publisher == nil || cfg.Markdown == nil ||
		cfg.Newsletters == nil || cfg.Campaigns == nil || cfg.Subscribers == nil || cfg.Ledger == nil || cfg.Settings == nil:
		return nil, errors.New("admin: users, stores, publisher and Markdown renderer are all required")
	case !strings.HasPrefix(cfg.Site.BaseURL, "http://") && !strings.HasPrefix(cfg.Site.BaseURL, "https://"):
		return nil, fmt.Errorf("admin: base URL %q is not an absolute http(s) URL", cfg.Site.BaseURL)
	case cfg.From.Email == "":
		return nil, errors.New("admin: no sender address")
	}
	csrf, err := user.NewCSRF(cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	cfg.Site.BaseURL = strings.TrimRight(cfg.Site.BaseURL, "/")
	if cfg.Site.Name == "" {
		cfg.Site.Name = "Herald"
	}
	if strings.HasPrefix(cfg.Site.BaseURL, "https://") {
		cfg.SecureCookies = true
	}
	for _, f := range []*func(){&cfg.Queued, &cfg.Scheduled} {
		if *f == nil {
			*f = func() {}
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{cfg: cfg, csrf: csrf, log: cfg.Logger, now: cfg.Now}
	if h.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	h.table = h.routes()
	h.mux = http.NewServeMux()
	for _, rt := range h.table {
		h.mux.Handle(rt.pattern, h.wrap(rt))
	}
	return h, nil
}

// ServeHTTP answers one request under /admin/. Requests the mux cannot
// route get the app's own 404 and 405 pages, with its security headers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.mux.Handler(r); pattern != "" {
		h.mux.ServeHTTP(w, r)
		return
	}
	setSecurityHeaders(w.Header())
	probe := &headerProbe{header: http.Header{}}
	h.mux.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		h.fail(w, r, nil, errMethod)
		return
	}
	h.fail(w, r, nil, errNotFound)
}

// headerProbe records what the mux's own fallback handlers would answer, so
// the status and Allow header can go with the app's page.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(status int)      { p.status = status }
