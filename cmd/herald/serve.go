package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	netmail "net/mail"
	"os"
	"strings"
	"sync"
	"time"

	"herald/internal/admin"
	"herald/internal/api"
	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/mail/smtp"
	"herald/internal/markup"
	"herald/internal/metrics"
	"herald/internal/server"
	"herald/internal/subscriber"
	"herald/internal/user"
	"herald/internal/web"
	"herald/internal/webhook"
)

// serve runs the site and the sender until ctx ends, then shuts down: it
// stops taking requests and claiming mail at once, lets the requests in
// progress and the sends in flight finish, and closes the database.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var own serveFlags
	c, pos, err := setup("serve", args, getenv, stdout, own.define)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{msg: fmt.Sprintf("serve takes no arguments, got %q", pos[0])}
	}
	logger := newLogger(c, stderr)
	// Settings that can be checked without the database are checked
	// first, so a refused start creates nothing.
	var scfg smtp.Config
	if c.smtp != "" {
		if scfg, err = smtp.ParseURL(c.smtp); err != nil {
			return &usageError{msg: c.source("smtp") + ": " + strings.TrimPrefix(err.Error(), "smtp: "), help: "serve"}
		}
	}
	sign, err := c.dkimSigner()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.addr, err)
	}
	defer ln.Close()
	st, err := c.openStore(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting: each migration is whole or absent
		}
		return err
	}
	defer st.Close()
	secret, err := c.loadSecret(ctx, st)
	if err != nil {
		return err
	}
	erasure, err := c.loadErasure(ctx, st)
	if err != nil {
		return err
	}
	// The engine is built below; what queues work before then wakes it
	// through this.
	var engine *delivery.Engine
	wake := func() {
		if engine != nil {
			engine.Nudge()
		}
	}
	events := webhook.NewEmitter(webhook.EmitterConfig{Store: st, Queued: wake, Logger: logger.With("component", "webhooks")})
	publisher := article.NewPublisher(st, markup.New(c.baseURL).HTML).WithEvents(events, time.Now, logger)

	var sender delivery.Sender
	var outbox web.OutboxReader
	var adminOutbox admin.OutboxReader
	transport := "the built-in outbox (no --smtp given)"
	if c.smtp != "" {
		c.connections = scfg.Connections
		s := smtp.New(scfg, logger)
		defer s.Close()
		sender = s
		logger.Info("sending mail through", "smtp", scfg.Redacted())
		transport = "SMTP " + scfg.Redacted()
	} else {
		sender, outbox, adminOutbox = mail.NewOutbox(st, time.Now), st, st
	}
	from, _ := netmail.ParseAddress(c.from)
	signer := subscriber.NewSigner(secret)
	mailer, err := subscriber.NewMailer(subscriber.MailConfig{
		Site: c.siteName, BaseURL: c.baseURL, From: mail.Address{Name: from.Name, Email: from.Address}, Signer: signer,
		Language: c.language,
	}, st)
	if err != nil {
		return err
	}
	campaigns, err := campaign.NewRenderer(campaign.RendererConfig{Store: st, SiteName: c.siteName, BaseURL: c.baseURL,
		From: mail.Address{Name: from.Name, Email: from.Address}, Signer: signer})
	if err != nil {
		return err
	}
	reg := metrics.NewRegistry()
	observed := metrics.NewHerald(reg, st, time.Now, logger.With("component", "metrics"))
	hooks := webhook.NewSender(webhook.SenderConfig{})
	defer hooks.Close()
	engine, err = delivery.New(delivery.Config{
		Store: st, Sender: sender, Logger: logger.With("component", "delivery"), Sign: sign,
		Renderers: map[delivery.Kind]delivery.Renderer{
			delivery.KindConfirm: mailer, delivery.KindWelcome: mailer,
			delivery.KindCampaign: campaigns, delivery.KindCampaignTest: campaigns,
			webhook.Kind:        webhook.NewRenderer(st, time.Now),
			admin.KindTestEmail: admin.NewTestMail(c.siteName, c.baseURL, mail.Address{Name: from.Name, Email: from.Address}, time.Now),
		},
		Senders: map[delivery.Kind]delivery.Sender{webhook.Kind: hooks},
		Workers: c.workers(), Lease: c.lease, RetryMin: c.retryMin, RetryMaxAge: c.retryMaxAge,
		PerSecond: c.rate, Window: st, Counter: st, Observer: observed,
		Quotas: []delivery.Quota{{Window: time.Hour, Max: c.ratePerHour}, {Window: 24 * time.Hour, Max: c.ratePerDay}},
	})
	if err != nil {
		return err
	}
	scheduler := campaign.NewScheduler(campaign.SchedulerConfig{Store: st, Digests: campaign.NewDigests(st, logger),
		Queued: engine.Nudge, Logger: logger.With("component", "campaigns"), Events: events, Articles: publisher})
	subs := subscriber.NewService(subscriber.Config{Store: st, Signer: signer, Queued: engine.Nudge, Logger: logger, Events: events})
	users := user.NewService(user.Config{Store: st, Issuer: c.siteName, Logger: logger.With("component", "users")})
	apiHandler, err := api.New(api.Config{Store: st, Users: users, Signups: subs, Publisher: publisher, Events: events, Erasure: erasure,
		Language: c.language, Queued: engine.Nudge, Started: scheduler.Nudge, Logger: logger.With("component", "api")})
	if err != nil {
		return err
	}
	var shared web.WindowCounter
	if c.shareLimits {
		shared = st
	}
	site, err := web.New(web.Config{
		Site:            web.Site{Name: c.siteName, BaseURL: c.baseURL, Language: c.language},
		Words:           web.DefaultWords(),
		Articles:        st,
		Subscriptions:   subs,
		Outbox:          outbox,
		SignupPerMinute: c.signupLimit,
		SharedCounter:   shared,
		Counts:          observed,
		Settings:        st,
		CacheTTL:        2 * time.Second,
		Logger:          logger,
		Now:             time.Now,
	})
	if err != nil {
		return err
	}
	dkim := ""
	if c.dkimKey != "" {
		dkim = c.dkimDomain + ", selector " + c.dkimSelector
	}
	app, err := admin.New(admin.Config{
		Site:     admin.Site{Name: c.siteName, BaseURL: c.baseURL},
		From:     mail.Address{Name: from.Name, Email: from.Address},
		Users:    users,
		Articles: st, Publisher: publisher, Markdown: markup.New(c.baseURL).HTML,
		Newsletters: st, Campaigns: st, Subscribers: st, Ledger: st, Settings: st,
		Outbox:        adminOutbox,
		Mail:          admin.MailStatus{Transport: transport, DKIM: dkim},
		Secret:        secret,
		Erasure:       erasure,
		SecureCookies: strings.HasPrefix(c.baseURL, "https://"),
		Queued:        engine.Nudge, Scheduled: scheduler.Nudge,
		Logger: logger.With("component", "admin"), Now: time.Now,
	})
	if err != nil {
		return err
	}

	// Examples make a first try on a laptop look like a site; a database
	// meant for several nodes is meant for production. They come once the
	// settings have all been accepted, so a refused start leaves none.
	if !isPostgres(c.database) {
		if err := seedDemo(ctx, st, publisher, time.Now(), !own.noDemo); err != nil {
			return err
		}
	}
	var inProgress requests
	srv := &http.Server{
		Handler: inProgress.count(server.New(server.Config{
			Site: site, Admin: app, API: apiHandler, Logger: logger, Proxies: c.proxies, Requests: observed,
			Health: server.Health(st), Ready: server.Ready(st), Metrics: reg, MetricsToken: c.metricsToken,
		})),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("Herald is running", "url", c.baseURL, "listen", ln.Addr().String(), "database", redactDSN(c.database))
	if staff, err := users.Users(ctx, 0, 1); err == nil && len(staff) == 0 {
		logger.Info("no staff account yet: create the first with `herald user add you@example.org --role owner`, then sign in",
			"admin", c.baseURL+"/admin/")
	} else {
		logger.Info("the newsroom signs in at", "admin", c.baseURL+"/admin/")
	}
	if outbox != nil {
		logger.Info("no --smtp given: emails are kept in the built-in outbox", "outbox", "http://"+ln.Addr().String()+"/outbox")
	}

	engineCtx, stopEngine := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	var engineErr error
	wg.Go(func() { engineErr = engine.Run(engineCtx) })
	wg.Go(func() { scheduler.Run(engineCtx) })
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	// The sender stops claiming at once and finishes the sends in flight
	// (each within its send timeout) while the requests in progress are
	// answered; what those requests queue waits for the next start.
	logger.Info("shutting down")
	stopEngine()
	if e := stopServing(srv, &inProgress, shutdownTimeout); e != nil {
		err = errors.Join(err, e)
	}
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, engineErr)
}

// serveFlags are the flags only serve takes, beside the settings. Both
// serve --help and herald help list them from define.
type serveFlags struct {
	noDemo bool
}

func (f *serveFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.noDemo, "no-demo", false, "publish no example articles into a new SQLite database, then or later (PostgreSQL never gets them)")
}

func newLogger(c *config, stderr io.Writer) *slog.Logger {
	level, _ := parseLevel(c.logLevel)
	if stderr == nil {
		stderr = os.Stderr
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}

// workers matches the engine's concurrency to the SMTP connection pool, so
// every connection is kept busy and none waits for a worker.
func (c *config) workers() int {
	if c.connections > 0 {
		return c.connections
	}
	return 8
}

// dkimSigner loads the DKIM key, if one is configured.
func (c *config) dkimSigner() (func([]byte) ([]byte, error), error) {
	if c.dkimKey == "" {
		return nil, nil
	}
	key, err := os.ReadFile(c.dkimKey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.source("dkim-key"), err)
	}
	d, err := mail.NewDKIM(c.dkimDomain, c.dkimSelector, key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.source("dkim-key"), err)
	}
	return d.Sign, nil
}
