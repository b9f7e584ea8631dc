package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/mail"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"herald/internal/server"
	"herald/internal/store"
	"herald/internal/subscriber"
)

// config is every setting, from flags, HERALD_* variables and defaults, in
// that order of precedence.
type config struct {
	addr        string
	data        string
	database    string
	baseURL     string
	smtp        string
	from        string
	secret      string
	siteName    string
	language    string
	logLevel    string
	signupLimit int
	json        bool // for list commands

	dkimKey, dkimDomain, dkimSelector string
	lease, retryMin, retryMaxAge      time.Duration
	rate, ratePerHour, ratePerDay     int
	connections                       int // of the SMTP pool, once parsed
	trustedProxies                    string
	metricsToken                      string
	proxies                           server.Proxies
	shareLimits                       bool // count signup limits in the database (several nodes)

	// badEnv holds, by flag name, why a HERALD_* variable's value could
	// not be read; a flag given on the command line replaces the value.
	badEnv map[string]string
	// given marks the flags set on the command line, so a value refused
	// is reported under the name the user wrote: --lease or HERALD_LEASE.
	given map[string]bool
}

// settingsOf names the shared settings that command reads. Only these
// are its flags, so a flag it would ignore is refused instead; the others
// keep their defaults and their variables are not read.
func settingsOf(command string) []string {
	db := []string{"data", "database"}
	switch command {
	case "dkim keygen":
		return nil
	case "serve":
		return append(db, "addr", "base-url", "smtp", "from", "secret", "site-name", "language", "log-level", "signup-limit",
			"metrics-token", "trusted-proxies", "dkim-key", "dkim-domain", "dkim-selector")
	case "article publish":
		return append(db, "addr", "base-url") // links to the articles
	case "article list", "subscriber list", "newsletter list", "campaign list", "campaign status", "user list", "user tokens":
		return append(db, "json")
	case "subscriber import":
		return append(db, "json", "secret") // the secret finds people erased before the erasure key
	case "newsletter create":
		return append(db, "language")
	case "user totp":
		return append(db, "site-name") // names the account in the authenticator app
	}
	return db
}

// newFlags defines the shared settings the command reads on a flag set
// named for it. Its usage, asked for with --help, is written to out.
func newFlags(name string, getenv func(string) string, out io.Writer) (*flag.FlagSet, *config) {
	c := &config{badEnv: map[string]string{}, given: map[string]bool{}}
	uses := settingsOf(name)
	note := ""
	if len(uses) > 0 {
		note = "Each setting above also comes from a variable named after it: --data from HERALD_DATA, --base-url from HERALD_BASE_URL.\n"
	}
	fs := newFlagSet(name, out, note)
	env := func(flagName, def string) string {
		if v := getenv(envName(flagName)); v != "" {
			return v
		}
		return def
	}
	str := func(p *string, flagName, def, help string) {
		*p = def
		if slices.Contains(uses, flagName) {
			fs.StringVar(p, flagName, env(flagName, def), help)
		}
	}
	str(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	str(&c.data, "data", "herald-data", "folder for the database and other files")
	str(&c.database, "database", "", "database: an SQLite file path (default DATA/herald.db)")
	str(&c.baseURL, "base-url", "", "the site's public URL, used in emails and feeds (default http://ADDR)")
	str(&c.smtp, "smtp", "", "mail server, smtp://user:pass@host:port or smtps://…; ?starttls=required refuses plain text (default: the built-in outbox)")
	str(&c.from, "from", "", "sender address of the emails (default newsletter@ the base URL's host)")
	str(&c.secret, "secret", "", "secret for signed links (default: generated once and kept in the database)")
	str(&c.siteName, "site-name", "Herald", "the publication's name")
	str(&c.language, "language", "en", "the publication's main language")
	str(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	c.signupLimit = 10
	if slices.Contains(uses, "signup-limit") {
		fs.Func("signup-limit", "signups allowed per minute from one IP address; 0 turns the limit off (default 10)", func(s string) error {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return errors.New("must be a whole number, 0 or more")
			}
			c.signupLimit = n
			return nil
		})
		if v := getenv("HERALD_SIGNUP_LIMIT"); v != "" {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				c.signupLimit = n
			} else {
				c.badEnv["signup-limit"] = fmt.Sprintf("HERALD_SIGNUP_LIMIT %q must be a whole number, 0 or more", v)
			}
		}
	}
	if slices.Contains(uses, "json") {
		fs.BoolVar(&c.json, "json", false, "print JSON, one object per line")
	}
	if name == "serve" {
		str(&c.metricsToken, "metrics-token", "", "lets a scraper read /metrics from elsewhere than loopback with Authorization: Bearer TOKEN")
		str(&c.trustedProxies, "trusted-proxies", "", "load balancers (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For is believed")
		str(&c.dkimKey, "dkim-key", "", "PEM file of the DKIM private key (see herald dkim keygen)")
		str(&c.dkimDomain, "dkim-domain", "", "domain that signs (d=)")
		str(&c.dkimSelector, "dkim-selector", "", "DKIM selector (s=)")
		dur := func(p *time.Duration, flagName string, def time.Duration, help string) {
			*p = def
			if v := getenv(envName(flagName)); v != "" {
				if d, err := time.ParseDuration(v); err == nil {
					*p = d
				} else {
					c.badEnv[flagName] = fmt.Sprintf("%s %q must be a duration such as 30s or 24h", envName(flagName), v)
				}
			}
			fs.DurationVar(p, flagName, *p, help)
		}
		dur(&c.lease, "lease", 60*time.Second, "how long a sending process holds a claimed delivery; a dead process's work is taken over after this")
		dur(&c.retryMin, "retry-min", 30*time.Second, "first retry after a temporary failure; doubles each time")
		dur(&c.retryMaxAge, "retry-max-age", 24*time.Hour, "give up on a delivery this long after its first attempt")
		num := func(p *int, flagName, help string) {
			if v := getenv(envName(flagName)); v != "" {
				if n, err := strconv.Atoi(v); err == nil {
					*p = n
				} else {
					c.badEnv[flagName] = fmt.Sprintf("%s %q must be a whole number, 0 or more", envName(flagName), v)
				}
			}
			fs.IntVar(p, flagName, *p, help)
		}
		num(&c.rate, "rate", "messages per second at most; 0 for no limit")
		num(&c.ratePerHour, "rate-per-hour", "messages per hour at most (a provider's quota); 0 for no limit")
		num(&c.ratePerDay, "rate-per-day", "messages per day at most; 0 for no limit")
	}
	return fs, c
}

// envName is the variable that gives the flag flagName a value.
func envName(flagName string) string {
	return "HERALD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// source names where the value of the flag flagName came from, for a
// message refusing it: the flag if it was on the command line, else its
// variable.
func (c *config) source(flagName string) string {
	if c.given[flagName] {
		return "--" + flagName
	}
	return envName(flagName)
}

// newFlagSet makes a flag set for a command whose usage, asked for with
// --help, is written to out: the command's lines of the program's usage,
// its flags, then note.
func newFlagSet(name string, out io.Writer, note string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage:\n%s\nFlags:\n", usageOf(name))
		printDefaults(fs)
		fmt.Fprint(fs.Output(), note)
	}
	return fs
}

// printDefaults lists the flags with their defaults. A default may come
// from the environment, so secrets and passwords in URLs are left out.
func printDefaults(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if u, err := url.Parse(f.DefValue); f.Name == "secret" || f.Name == "metrics-token" {
			f.DefValue = ""
		} else if err == nil && u.User != nil {
			f.DefValue = u.Redacted()
		}
	})
	fs.PrintDefaults()
}

// parseArgs parses flags wherever they stand among the positional
// arguments. Asked for help, it prints the usage and returns flag.ErrHelp;
// a flag it cannot take is told in one line with the way to the usage.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	// The flag package would print the error and the whole usage; the
	// error is for the caller to tell, the usage only when asked for.
	out := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(out)
	var positional []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			fs.Usage()
			return nil, err
		} else if err != nil {
			return nil, &usageError{msg: err.Error(), help: fs.Name()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// check validates the settings and fills in the derived defaults.
func (c *config) check() error {
	// One unreadable variable at a time, in a fixed order.
	if names := slices.Sorted(maps.Keys(c.badEnv)); len(names) > 0 {
		return errors.New(c.badEnv[names[0]])
	}
	host, port, err := net.SplitHostPort(c.addr)
	if err != nil {
		return fmt.Errorf("%s %q is not host:port", c.source("addr"), c.addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%s %q has no valid port", c.source("addr"), c.addr)
	}
	if c.database == "" {
		c.database = filepath.Join(c.data, "herald.db")
	}
	if isPostgres(c.database) {
		// Several nodes share one database: limits must be counted there.
		c.shareLimits = true
	} else {
		c.database = strings.TrimPrefix(strings.TrimPrefix(c.database, "sqlite:"), "file:")
	}
	if c.baseURL == "" {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.baseURL = "http://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(c.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%s %q must be an absolute http or https URL such as https://news.example.org", c.source("base-url"), c.baseURL)
	}
	// The site's routes start at /, so under a path the pages would link
	// to one place and the emails and feeds to another.
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("%s %q has a path (%s); Herald serves from the root of a host, so give the URL without it, "+
			"such as %s://%s, and serve Herald at that root or on a host of its own", c.source("base-url"), c.baseURL, u.Path, u.Scheme, u.Host)
	}
	c.baseURL = strings.TrimRight(c.baseURL, "/")
	if c.from == "" {
		h := u.Hostname()
		if net.ParseIP(h) != nil {
			h = "localhost"
		}
		// Quoted as needed, so that a name with a comma, parentheses or
		// quotes is the name and not a list, a comment or a quoted part.
		c.from = (&mail.Address{Name: c.siteName, Address: "newsletter@" + h}).String()
	}
	if _, err := mail.ParseAddress(c.from); err != nil || strings.ContainsAny(c.from, "\r\n") {
		return fmt.Errorf("%s %q is not an email address", c.source("from"), c.from)
	}
	if c.secret != "" && len(c.secret) < 32 {
		return errors.New(c.source("secret") + " must be at least 32 characters")
	}
	if strings.TrimSpace(c.siteName) == "" || strings.ContainsAny(c.siteName, "\r\n") {
		return errors.New(c.source("site-name") + " must be one line of text")
	}
	if c.language, err = checkLanguage(c.source("language"), c.language); err != nil {
		return err
	}
	if c.metricsToken != "" && len(c.metricsToken) < 16 {
		return errors.New(c.source("metrics-token") + " must be at least 16 characters, so that it cannot be guessed")
	}
	if _, err := parseLevel(c.logLevel); err != nil {
		return fmt.Errorf("%s %w", c.source("log-level"), err)
	}
	if c.proxies, err = server.ParseProxies(c.trustedProxies); err != nil {
		return fmt.Errorf("%s: %w", c.source("trusted-proxies"), err)
	}
	c.dkimDomain = strings.TrimSuffix(c.dkimDomain, ".") // as herald dkim keygen takes it
	for _, d := range []struct {
		name  string
		value time.Duration
	}{{"lease", c.lease}, {"retry-min", c.retryMin}, {"retry-max-age", c.retryMaxAge}} {
		if d.value < 0 {
			return fmt.Errorf("%s %s must not be negative: give a duration such as 30s or 24h", c.source(d.name), d.value)
		}
	}
	for _, r := range []struct {
		name  string
		value int
	}{{"rate", c.rate}, {"rate-per-hour", c.ratePerHour}, {"rate-per-day", c.ratePerDay}} {
		if r.value < 0 {
			return fmt.Errorf("%s %d must be a whole number, 0 or more", c.source(r.name), r.value)
		}
	}
	switch {
	case c.lease != 0 && c.lease < 2*time.Second:
		return fmt.Errorf("%s must be at least 2s", c.source("lease"))
	case (c.dkimKey != "") != (c.dkimDomain != "") || (c.dkimKey != "") != (c.dkimSelector != ""):
		return errors.New("DKIM needs all three of --dkim-key, --dkim-domain and --dkim-selector")
	}
	return nil
}

// checkLanguage returns a BCP 47 language tag as Herald stores tags, in
// its canonical form in lowercase (en_US is en-us), or an error naming the
// flag that gave it.
func checkLanguage(flagName, s string) (string, error) {
	tag, err := language.Parse(s)
	if err != nil || strings.TrimSpace(s) != s {
		return "", fmt.Errorf("%s %q is not a language tag (BCP 47) such as en, pt-BR or zh-Hant", flagName, s)
	}
	return strings.ToLower(tag.String()), nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("%q must be debug, info, warn or error", s)
	}
	return l, nil
}

// loadSecret returns the configured secret, or the one kept in the database,
// generating it on first use so that every process on the database agrees.
func (c *config) loadSecret(ctx context.Context, st database) ([]byte, error) {
	if c.secret != "" {
		return []byte(c.secret), nil
	}
	b := make([]byte, 32)
	rand.Read(b)
	v, err := st.EnsureSetting(ctx, "secret", hex.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	return []byte(v), nil
}

// loadErasure returns the keys of the hashes that stand for erased people.
// New erasures are keyed with the database's own erasure key, made on
// first use, so that every process on the database (a server started with
// --secret, an import run from a shell without it) keys them alike. People
// erased before it existed were keyed with the site secret of the server
// that erased them: the secret given to this process and the one kept in
// the database still find them.
func (c *config) loadErasure(ctx context.Context, st database) (subscriber.Erasure, error) {
	b := make([]byte, 32)
	rand.Read(b)
	key, err := st.EnsureSetting(ctx, "erasure_key", hex.EncodeToString(b))
	if err != nil {
		return subscriber.Erasure{}, err
	}
	var older [][]byte
	if c.secret != "" {
		older = append(older, []byte(c.secret))
	}
	stored, err := st.Setting(ctx, "secret")
	switch {
	case err == nil:
		older = append(older, []byte(stored))
	case !errors.Is(err, store.ErrNoSetting):
		return subscriber.Erasure{}, err
	}
	return subscriber.NewErasure([]byte(key), older...), nil
}

// setup parses the command line of a command and checks the settings. A
// command with flags of its own defines them in extra, which may be nil.
// The usage, asked for with --help, goes to stdout.
func setup(name string, args []string, getenv func(string) string, stdout io.Writer, extra func(*flag.FlagSet)) (*config, []string, error) {
	fs, c := newFlags(name, getenv, stdout)
	if extra != nil {
		extra(fs)
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, nil, err
	}
	fs.Visit(func(f *flag.Flag) {
		c.given[f.Name] = true
		delete(c.badEnv, f.Name)
	})
	// A refused value is as much a usage error as an unknown flag: both
	// exit 2, whether the flag package or check found it.
	if err := c.check(); err != nil {
		return nil, nil, &usageError{msg: err.Error(), help: name}
	}
	return c, pos, nil
}
