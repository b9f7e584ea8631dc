// Package smtp hands built messages to a mail server (a relay such as
// Postfix or a provider's submission port), over a small pool of reused
// connections with TLS and authentication. It knows nothing of campaigns
// or subscribers; failures come back as *mail.SendError for the delivery
// engine to retry or suppress.
package smtp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// TLSMode says how a connection is secured.
type TLSMode int

const (
	// TLSOpportunistic uses STARTTLS when the server offers it and sends in
	// the clear otherwise: right for a relay on the same host or network.
	TLSOpportunistic TLSMode = iota
	// TLSRequired refuses to send unless STARTTLS succeeds, so a network
	// attacker cannot strip it.
	TLSRequired
	// TLSImplicit speaks TLS from the first byte (smtps, port 465).
	TLSImplicit
)

// String names the mode for logs.
func (m TLSMode) String() string {
	switch m {
	case TLSOpportunistic:
		return "opportunistic"
	case TLSRequired:
		return "required"
	case TLSImplicit:
		return "implicit"
	}
	return "TLSMode(" + strconv.Itoa(int(m)) + ")"
}

const (
	defaultConnections = 4
	defaultTimeout     = 30 * time.Second
	defaultIdleTimeout = 30 * time.Second
	defaultLocalName   = "localhost"
	submissionPort     = 587
	smtpsPort          = 465
)

// Config says which server to use and how. The zero values of the optional
// fields mean the defaults given below.
type Config struct {
	Host     string
	Port     int // default 587, or 465 with TLSImplicit
	Username string
	Password string
	TLS      TLSMode
	// LocalName is the name given in EHLO; default "localhost". Some
	// servers score a message lower when it is not the sending host's name.
	LocalName   string
	Connections int           // most connections open at once; default 4
	Timeout     time.Duration // for the dial and for each command; default 30 s
	// TLSConfig, if set, is used for STARTTLS and implicit TLS (for
	// example to trust a private CA); ServerName defaults to Host.
	TLSConfig *tls.Config
	// IdleTimeout closes a pooled connection after this long unused, before
	// the server's own timeout makes it fail; default 30 s.
	IdleTimeout time.Duration
}

// ParseURL reads a server URL such as
//
//	smtp://user:password@mail.example.com:587?starttls=required&connections=8
//	smtps://user:password@mail.example.com
//
// The user and password are percent-decoded. The scheme smtp means port
// 587 and opportunistic STARTTLS, smtps means port 465 and implicit TLS.
// Errors never repeat the URL, which may hold the password.
func ParseURL(s string) (Config, error) {
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error would quote the URL, password and all
		}
		return Config{}, fmt.Errorf("smtp: parse URL: %w", err)
	}
	var c Config
	switch u.Scheme {
	case "smtp":
		c.Port, c.TLS = submissionPort, TLSOpportunistic
	case "smtps":
		c.Port, c.TLS = smtpsPort, TLSImplicit
	default:
		return Config{}, fmt.Errorf("smtp: URL scheme %q is not smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return Config{}, errors.New("smtp: URL has no host (want smtp://host:port)")
	}
	c.Host = u.Hostname()
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, fmt.Errorf("smtp: URL port %q is not a number from 1 to 65535", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	if u.Path != "" && u.Path != "/" {
		return Config{}, fmt.Errorf("smtp: URL path %q is not allowed", u.Path)
	}
	if u.Fragment != "" {
		return Config{}, errors.New("smtp: URL fragment is not allowed")
	}
	if err := c.parseQuery(u.RawQuery); err != nil {
		return Config{}, fmt.Errorf("smtp: URL: %w", err)
	}
	return c, nil
}

func (c *Config) parseQuery(raw string) error {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	for key, vals := range q {
		if len(vals) != 1 {
			return fmt.Errorf("query parameter %q is given %d times", key, len(vals))
		}
		v := vals[0]
		switch key {
		case "starttls":
			switch {
			case c.TLS == TLSImplicit:
				return errors.New("starttls does not apply to smtps, which is TLS from the start")
			case v == "required":
				c.TLS = TLSRequired
			case v == "opportunistic":
				c.TLS = TLSOpportunistic
			default:
				return fmt.Errorf("starttls=%q is not required or opportunistic", v)
			}
		case "connections":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				return fmt.Errorf("connections=%q is not a number from 1 to 100", v)
			}
			c.Connections = n
		default:
			return fmt.Errorf("unknown query parameter %q (known: starttls, connections)", key)
		}
	}
	return nil
}

// Redacted returns c as a URL for logs and status pages, with the password
// replaced by "xxxxx".
func (c Config) Redacted() string {
	c = c.withDefaults()
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	if c.TLS == TLSImplicit {
		u.Scheme = "smtps"
	}
	if c.Username != "" {
		u.User = url.User(c.Username)
		if c.Password != "" {
			u.User = url.UserPassword(c.Username, "xxxxx")
		}
	}
	q := url.Values{}
	if c.TLS == TLSRequired {
		q.Set("starttls", "required")
	}
	q.Set("connections", strconv.Itoa(c.Connections))
	u.RawQuery = q.Encode()
	return u.String()
}

// withDefaults fills in the optional fields.
func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = submissionPort
		if c.TLS == TLSImplicit {
			c.Port = smtpsPort
		}
	}
	if c.LocalName == "" {
		c.LocalName = defaultLocalName
	}
	if c.Connections <= 0 {
		c.Connections = defaultConnections
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = defaultIdleTimeout
	}
	return c
}

func (c Config) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }
