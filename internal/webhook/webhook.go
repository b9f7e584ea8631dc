// Package webhook tells other systems what happened in Herald: an article
// was published, a reader confirmed or left, a campaign finished. Each event
// is stored once, and each endpoint's request is a row in the delivery
// ledger, written in the same transaction; the delivery engine then sends it
// with the leases, retries and give-up rules that mail has. This package
// holds the events and endpoints, the rule for which URLs may receive them,
// and the renderer and HTTP sender the engine uses.
package webhook

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"herald/internal/delivery"
)

// Kind is the delivery kind of a webhook request in the ledger. Its row has
// subscriber 0, the event's ID in place of a campaign and the endpoint's
// URL as recipient.
const Kind delivery.Kind = "webhook"

// The events Herald emits. Their names are stable: receivers and stored
// endpoints name them.
const (
	ArticlePublished       = "article.published"
	SubscriberConfirmed    = "subscriber.confirmed"
	SubscriberUnsubscribed = "subscriber.unsubscribed"
	CampaignSent           = "campaign.sent"
)

// Events lists every event an endpoint may subscribe to.
func Events() []string {
	return []string{ArticlePublished, SubscriberConfirmed, SubscriberUnsubscribed, CampaignSent}
}

// Errors stores and this package return; each surface maps them to answers.
var (
	ErrNotFound = errors.New("webhook endpoint not found")
	// ErrDuplicate is returned for a second endpoint in force with the same
	// URL: a ledger row names its endpoint by URL, so there is one per URL.
	ErrDuplicate = errors.New("an endpoint with this URL exists already")
	// ErrNoEvent is returned by a store for an event ID it does not hold.
	ErrNoEvent = errors.New("webhook event not found")
	// ErrTooMany is returned by a store for an endpoint beyond
	// MaxEndpoints.
	ErrTooMany = fmt.Errorf("a site has at most %d webhook endpoints", MaxEndpoints)
)

// MaxEndpoints is the most endpoints in force a site may have. There is no
// reason to have more, so they are listed on one page, and one more is
// refused rather than left out of the list. Stores hold to it when they
// create an endpoint, so requests at once cannot pass it.
const MaxEndpoints = 100

// ValidationError names what is wrong with an endpoint.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// Endpoint is a URL that receives some events, signed with its secret.
type Endpoint struct {
	ID     int64
	URL    string
	Secret string
	Events []string
	// CreatedAt and DisabledAt: a disabled endpoint receives nothing more,
	// not even requests queued before it was disabled.
	CreatedAt  time.Time
	DisabledAt time.Time
}

// Wants reports whether the endpoint subscribes to event.
func (e Endpoint) Wants(event string) bool {
	return e.DisabledAt.IsZero() && slices.Contains(e.Events, event)
}

// Event is one thing that happened, as stored: Payload is the JSON the
// emitter was given.
type Event struct {
	ID        int64
	Name      string
	Payload   []byte
	CreatedAt time.Time
}

// Attempt is where one endpoint's request for an event stands in the
// ledger.
type Attempt struct {
	DeliveryID int64
	URL        string
	State      delivery.State
	Attempts   int
	Code       int    // the last HTTP status, 0 when there was none
	Text       string // what went wrong last
	DoneAt     time.Time
}

// MaxURL bounds an endpoint's URL.
const MaxURL = 2000

// NewEndpoint checks a URL and events for a new endpoint and gives it a new
// secret. allowPrivate admits loopback and private addresses, and plain
// HTTP to loopback, which only tests should need.
func NewEndpoint(rawURL string, events []string, allowPrivate bool, now time.Time) (Endpoint, error) {
	u, err := CheckURL(rawURL, allowPrivate)
	if err != nil {
		return Endpoint{}, err
	}
	if len(events) == 0 {
		return Endpoint{}, &ValidationError{"events", "name at least one of " + strings.Join(Events(), ", ")}
	}
	var clean []string
	for _, ev := range events {
		ev = strings.TrimSpace(ev)
		if !slices.Contains(Events(), ev) {
			return Endpoint{}, &ValidationError{"events", fmt.Sprintf("%q is not one of %s", ev, strings.Join(Events(), ", "))}
		}
		if !slices.Contains(clean, ev) {
			clean = append(clean, ev)
		}
	}
	b := make([]byte, 32)
	rand.Read(b)
	return Endpoint{URL: u, Secret: "whsec_" + hex.EncodeToString(b), Events: clean, CreatedAt: now.UTC().Truncate(time.Millisecond)}, nil
}

// CheckURL returns the URL an endpoint may have, or a *ValidationError: it
// must be absolute HTTPS without credentials, and must not name a loopback,
// private or link-local host unless allowPrivate. Names are not resolved
// here; the sender checks every address it connects to, so a name that
// later resolves somewhere private is still refused.
func CheckURL(raw string, allowPrivate bool) (string, error) {
	raw = strings.TrimSpace(raw)
	bad := func(msg string) (string, error) { return "", &ValidationError{"url", msg} }
	if raw == "" || len(raw) > MaxURL {
		return bad(fmt.Sprintf("an absolute https URL of at most %d bytes is required", MaxURL))
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return bad("is not an absolute URL")
	}
	// A final dot names the same host ("localhost.").
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	loopback := host == "localhost" || strings.HasSuffix(host, ".localhost")
	ip, perr := netip.ParseAddr(strings.Trim(host, "[]"))
	isIP := perr == nil
	if isIP {
		loopback = ip.IsLoopback()
	}
	switch {
	case !isIP && numericHost(host):
		// 127.1, 2130706433 and 0x7f000001 are addresses to some
		// resolvers and names to none: which one they reach cannot be
		// judged here.
		return bad("must name a host by its domain name or its full IP address")
	case u.User != nil:
		return bad("must not hold a user name or password")
	case u.Fragment != "":
		return bad("must not have a fragment (#...)")
	case u.Scheme == "http" && allowPrivate && loopback:
	case u.Scheme != "https":
		return bad("must start with https://")
	}
	if !allowPrivate && (loopback || isIP && !publicAddr(ip)) {
		return bad("must not point at a loopback, private or link-local address")
	}
	u.Host = strings.ToLower(u.Host)
	return u.String(), nil
}

// numericHost reports whether every label of host is a number, decimal,
// octal or hexadecimal, as the short and numeric spellings of an IPv4
// address are: no domain name has a numeric top-level label.
func numericHost(host string) bool {
	for _, label := range strings.Split(host, ".") {
		digits := strings.TrimPrefix(label, "0x")
		if digits == "" && label != "0x" {
			return false
		}
		hex := digits != label
		for _, r := range digits {
			if !('0' <= r && r <= '9' || hex && 'a' <= r && r <= 'f') {
				return false
			}
		}
	}
	return true
}

// blocked lists address ranges that are not on the public internet, beyond
// what netip's predicates cover: carrier-grade NAT, benchmarking, IETF
// protocol assignments, "this network" and the reserved class E.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// publicAddr reports whether ip is an address on the public internet, the
// only kind a webhook may reach: anything else could be an internal
// service that a crafted endpoint would make Herald call.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
