// Package user holds the newsroom's staff accounts: who may sign in, what
// each role may do, and the rules that keep an account safe — password
// hashing, throttled sign-in that never tells a wrong password from an
// unknown address, sessions that end, a second factor, API tokens and CSRF
// tokens. The admin app and the JSON API stand on it; both attach one
// Permission to every route and ask Role.Can.
package user

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors the service and stores return; each surface maps them to answers.
var (
	ErrNotFound = errors.New("user not found")
	ErrInvalid  = errors.New("invalid account data")
	// ErrEmailTaken is returned when another account has the address.
	ErrEmailTaken = errors.New("an account with this email address exists already")
	// ErrLoginFailed is the one answer to every refused sign-in, whether
	// the address is unknown, the password or code wrong or the account
	// disabled: telling them apart would tell an attacker which addresses
	// have accounts.
	ErrLoginFailed = errors.New("the email address, password or code is not right")
	// ErrThrottled is returned while an address or network has had too many
	// failed sign-ins; unknown addresses are throttled alike.
	ErrThrottled = errors.New("too many failed sign-ins; please wait a few minutes and try again")
	// ErrNoSession is returned for a session token that is unknown, expired
	// or revoked, or whose account is disabled.
	ErrNoSession = errors.New("not signed in")
	// ErrBadToken is returned for an API token that is malformed, unknown
	// or revoked, or whose account is disabled.
	ErrBadToken = errors.New("the API token is not valid")
	// ErrBadCode is returned when a one-time code does not match, or was
	// used already.
	ErrBadCode = errors.New("the code is not right")
)

// Role is what a staff member is in the newsroom.
type Role string

// The roles, from most to least powerful.
const (
	// Owner runs the site: everything an editor does, plus staff accounts
	// and settings.
	Owner Role = "owner"
	// Editor publishes any article, sends campaigns and manages subscribers.
	Editor Role = "editor"
	// Author writes and submits their own articles; they cannot publish
	// nor see subscribers.
	Author Role = "author"
	// Viewer reads articles, campaigns and figures and changes nothing.
	Viewer Role = "viewer"
)

// Roles lists every role, most powerful first.
func Roles() []Role { return []Role{Owner, Editor, Author, Viewer} }

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", fmt.Errorf("%w: role %q is not one of owner, editor, author, viewer", ErrInvalid, s)
	}
	return r, nil
}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	switch r {
	case Owner, Editor, Author, Viewer:
		return true
	}
	return false
}

// Permission is one thing a route or command does; every route in the admin
// app and the API names the one it needs.
type Permission string

// The permissions. They double as API token scopes, so their names are
// stable: they are stored with tokens.
const (
	ArticleRead      Permission = "article:read"      // see every article, drafts included
	ArticleWriteOwn  Permission = "article:write-own" // write and submit articles one is an author of
	ArticleWriteAny  Permission = "article:write-any" // edit anyone's article
	ArticlePublish   Permission = "article:publish"   // publish, schedule and unpublish
	CampaignRead     Permission = "campaign:read"
	CampaignWrite    Permission = "campaign:write"
	CampaignSend     Permission = "campaign:send"
	NewsletterManage Permission = "newsletter:manage" // newsletters, their senders and digests
	SubscriberRead   Permission = "subscriber:read"   // addresses are personal data
	SubscriberWrite  Permission = "subscriber:write"
	StatsRead        Permission = "stats:read" // delivery and campaign figures, no addresses
	UserManage       Permission = "user:manage"
	SettingsManage   Permission = "settings:manage"
)

// grants is the role table: which roles hold each permission. Reading it
// row by row is how the newsroom's rules are reviewed, so it stays a table.
var grants = []struct {
	perm  Permission
	roles []Role
}{
	{ArticleRead, []Role{Owner, Editor, Author, Viewer}},
	{ArticleWriteOwn, []Role{Owner, Editor, Author}},
	{ArticleWriteAny, []Role{Owner, Editor}},
	{ArticlePublish, []Role{Owner, Editor}},
	{CampaignRead, []Role{Owner, Editor, Viewer}},
	{CampaignWrite, []Role{Owner, Editor}},
	{CampaignSend, []Role{Owner, Editor}},
	{NewsletterManage, []Role{Owner, Editor}},
	{SubscriberRead, []Role{Owner, Editor}},
	{SubscriberWrite, []Role{Owner, Editor}},
	{StatsRead, []Role{Owner, Editor, Viewer}},
	{UserManage, []Role{Owner}},
	{SettingsManage, []Role{Owner}},
}

// Includes reports whether holding p allows q as well. Editing anyone's
// article includes editing one's own, as writing and submitting are the
// same acts on any article; every other permission allows only itself. The
// role table lists both for the roles that hold write-any, so this matters
// where a permission is held alone, as by a token scoped to it.
func (p Permission) Includes(q Permission) bool {
	return p == q || p == ArticleWriteAny && q == ArticleWriteOwn
}

// Can reports whether the role holds p. Unknown roles and permissions hold
// nothing.
func (r Role) Can(p Permission) bool {
	for _, g := range grants {
		if g.perm == p {
			return slices.Contains(g.roles, r)
		}
	}
	return false
}

// Permissions lists what the role holds, in the table's order.
func (r Role) Permissions() []Permission {
	var list []Permission
	for _, p := range Permissions() {
		if r.Can(p) {
			list = append(list, p)
		}
	}
	return list
}

// Permissions lists every permission.
func Permissions() []Permission {
	list := make([]Permission, len(grants))
	for i, g := range grants {
		list[i] = g.perm
	}
	return list
}

// ParsePermission returns the permission named s.
func ParsePermission(s string) (Permission, error) {
	p := Permission(strings.TrimSpace(s))
	for _, g := range grants {
		if g.perm == p {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: unknown permission %q", ErrInvalid, s)
}

// User is a staff account.
type User struct {
	ID    int64
	Email string
	Name  string
	Role  Role
	// PasswordHash is the argon2id hash in its encoded form; it carries
	// its own parameters, so older hashes keep working when they change.
	PasswordHash string
	// TOTPSecret is the base32 second-factor secret; empty when the
	// account has none.
	TOTPSecret        string
	CreatedAt         time.Time
	PasswordChangedAt time.Time
	Disabled          bool
}

// Can reports whether the account may do p: it must be active and its role
// must hold p.
func (u User) Can(p Permission) bool { return !u.Disabled && u.Role.Can(p) }

// HasTOTP reports whether signing in needs a one-time code.
func (u User) HasTOTP() bool { return u.TOTPSecret != "" }

// MaxEmail and MaxName bound what an account stores.
const (
	MaxEmail = 254
	MaxName  = 100
)

// EmailKey is the form an address is looked up by: case does not matter.
// Sign-in throttling counts by it too, so unknown addresses count alike.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CheckNew reports what Service.Create would refuse in u and password
// before anything is stored, so that a command can refuse them before it
// opens, or creates, the database.
func CheckNew(u User, password string) error {
	if _, err := normalizeEmail(u.Email); err != nil {
		return err
	}
	if _, err := checkName(u.Name); err != nil {
		return err
	}
	if !u.Role.Valid() {
		return fmt.Errorf("%w: role %q", ErrInvalid, u.Role)
	}
	return CheckPassword(password)
}

// normalizeEmail checks an address typed for a staff account and returns it
// trimmed and bare.
func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxEmail || !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: email address %q", ErrInvalid, s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", fmt.Errorf("%w: %q is not a bare email address", ErrInvalid, s)
	}
	return s, nil
}

// checkName refuses names that cannot be shown on one line.
func checkName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxName || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", fmt.Errorf("%w: a name is one line of at most %d bytes", ErrInvalid, MaxName)
	}
	return s, nil
}
