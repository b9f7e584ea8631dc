// Package web is the outlet's public face: article pages, listings, feeds,
// sitemaps and the newsletter box, rendered on the server so that every page
// works with JavaScript off and is cheap to cache. It asks nothing of any
// other host: no fonts, scripts or trackers load from elsewhere.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"herald/internal/article"
	"herald/internal/mail"
	"herald/internal/subscriber"
)

// Site is what every page says about the outlet itself.
type Site struct {
	Name        string
	BaseURL     string // absolute, without a trailing slash: canonical URLs and feeds start with it
	Language    string // the language of pages that are not one article's
	Description string
	Logo        string // an image URL, https:// or a path on this site; the name is shown when empty
}

// ArticleReader is what the pages need from the article store. Translations
// of an article returned by ArticleBySlug are expected to be visible ones.
type ArticleReader interface {
	ArticleBySlug(ctx context.Context, slug string) (article.Article, error) // article.ErrNotFound
	ListArticles(ctx context.Context, q article.Query, now time.Time) ([]article.Article, error)
}

// Subscriptions is the newsletter side the box and the email links talk to.
// Signup answers nil whether the address was new, pending or already
// subscribed, so the site never reveals who is on the list.
type Subscriptions interface {
	Newsletters(ctx context.Context) ([]subscriber.Newsletter, error)
	Signup(ctx context.Context, s subscriber.Signup) error // *subscriber.AddressError for a bad address or name
	ConfirmInfo(ctx context.Context, token string) (subscriber.LinkInfo, error)
	Confirm(ctx context.Context, token, ip string) (subscriber.LinkInfo, error)
	UnsubscribeInfo(ctx context.Context, token string) (subscriber.LinkInfo, error)
	Unsubscribe(ctx context.Context, token string, all bool, ip string) (subscriber.LinkInfo, error)
	Preferences(ctx context.Context, token string) (subscriber.Preferences, error)
	// SavePreferences answers *subscriber.AddressError for a bad name or a
	// newsletter not on offer, and then changes nothing.
	SavePreferences(ctx context.Context, token string, f subscriber.PreferencesForm) (subscriber.Saved, error)
}

// OutboxReader gives a developer the emails a capturing sender kept instead
// of sending, so confirmation links can be followed without a mail server.
type OutboxReader interface {
	ListOutbox(ctx context.Context, beforeID int64, limit int) ([]mail.OutboxMessage, error)
	OutboxMessage(ctx context.Context, id int64) (mail.OutboxMessage, error)
}

// Config is everything the public site depends on; New copies what it keeps.
type Config struct {
	Site          Site
	Words         map[string]Words // by language; nil means DefaultWords
	Articles      ArticleReader
	Subscriptions Subscriptions
	Outbox        OutboxReader // nil: /outbox is not served

	// SignupPerMinute limits signups per client address; 0 turns the limit
	// off, which only benchmarks should do.
	SignupPerMinute int
	// SharedCounter, when set, counts signups per address in the database
	// instead of in this process, so the limit holds across several
	// processes behind one load balancer.
	SharedCounter WindowCounter
	// Counts, when set, hears of signups and confirmations (metrics).
	Counts Counts
	// Settings, when set, lays the newsroom's settings (name, languages,
	// signup words) over Site and Words, read again every few seconds.
	Settings SettingsReader
	// CacheTTL is how long rendered pages are reused; 0 renders every time.
	CacheTTL time.Duration

	Logger *slog.Logger
	Now    func() time.Time
}

// Counts hears of what readers do, for metrics.
type Counts interface {
	Signup()
	Confirmation()
}

// Handler serves the public site. It is safe for concurrent use.
type Handler struct {
	site     Site
	words    map[string]Words
	articles ArticleReader
	subs     Subscriptions
	outbox   OutboxReader
	log      *slog.Logger
	now      func() time.Time

	pages  *pages
	assets *siteAssets
	snapshotHolder
	limiter signupLimiter // nil: no limit
	counts  Counts
	cache   *pageCache
	mux     *http.ServeMux
}

// New checks cfg and builds the handler, parsing every template up front so
// a broken one stops the program at start rather than on a reader's request.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Articles == nil:
		return nil, errors.New("web: no article reader")
	case cfg.Subscriptions == nil:
		return nil, errors.New("web: no subscriptions")
	case !strings.HasPrefix(cfg.Site.BaseURL, "http://") && !strings.HasPrefix(cfg.Site.BaseURL, "https://"):
		return nil, fmt.Errorf("web: base URL %q is not an absolute http(s) URL", cfg.Site.BaseURL)
	case cfg.SignupPerMinute < 0:
		return nil, errors.New("web: negative signup limit")
	}
	h := &Handler{
		site:     cfg.Site,
		articles: cfg.Articles,
		subs:     cfg.Subscriptions,
		outbox:   cfg.Outbox,
		log:      cfg.Logger,
		now:      cfg.Now,
	}
	h.site.BaseURL = strings.TrimRight(h.site.BaseURL, "/")
	if h.site.Language == "" {
		h.site.Language = "en"
	}
	if h.site.Name == "" {
		h.site.Name = "Herald"
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.words = make(map[string]Words, len(cfg.Words)+4)
	src := cfg.Words
	if src == nil {
		src = DefaultWords()
	}
	for lang, w := range src {
		h.words[strings.ToLower(lang)] = w
	}
	if _, ok := h.words["en"]; !ok {
		h.words["en"] = DefaultWords()["en"]
	}
	var err error
	if h.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if h.pages, err = parsePages(); err != nil {
		return nil, err
	}
	switch {
	case cfg.SignupPerMinute > 0 && cfg.SharedCounter != nil:
		h.limiter = &sharedLimiter{counter: cfg.SharedCounter, perMinute: cfg.SignupPerMinute, log: h.log}
	case cfg.SignupPerMinute > 0:
		h.limiter = newLimiter(cfg.SignupPerMinute, 10000)
	}
	h.counts = cfg.Counts
	h.settings = cfg.Settings
	h.snap.Store(h.load(context.Background()))
	h.cache = newPageCache(cfg.CacheTTL, 512)
	h.mux = http.NewServeMux()
	h.routes()
	return h, nil
}

// ServeHTTP answers one request. Requests the mux cannot route get the
// site's own 404 and 405 pages rather than its plain-text ones.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd, pattern := h.mux.Handler(r)
	if pattern == "" {
		setSecurityHeaders(w.Header())
		probe := &headerProbe{header: http.Header{}}
		hd.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			h.fail(w, r, &statusError{status: http.StatusMethodNotAllowed, title: "Not allowed",
				msg: "This address does not accept that kind of request."})
			return
		}
		h.fail(w, r, errNotFound)
		return
	}
	if h.cacheable(r, pattern) {
		h.serveCached(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// headerProbe records what the mux's own not-found and not-allowed handlers
// would answer, so the status and Allow header can be kept with our page.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(status int)      { p.status = status }
