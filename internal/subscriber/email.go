package subscriber

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// MaxEmail is the longest address accepted (RFC 5321's path limit).
const MaxEmail = 254

// MaxName is the longest display name accepted.
const MaxName = 100

// AddressError says why an address or a name was refused, in words a
// reader can act on; Problem names the reason, for saying it in the
// reader's own language.
type AddressError struct {
	Problem Problem
	Reason  string
}

// Problem names what is wrong with what a reader typed.
type Problem string

// The problems of an address, a name or a choice of newsletters.
const (
	NoEmail           Problem = "no-email"
	EmailTooLong      Problem = "email-too-long"
	EmailInvalid      Problem = "email-invalid"
	EmailNoDomain     Problem = "email-no-domain"
	EmailLocalPart    Problem = "email-local-part"
	EmailBadDomain    Problem = "email-bad-domain"
	NameCharacters    Problem = "name-characters"
	NameTooLong       Problem = "name-too-long"
	UnknownNewsletter Problem = "unknown-newsletter"
	NoNewsletter      Problem = "no-newsletter"
)

func (e *AddressError) Error() string { return e.Reason }

// NormalizeEmail checks a typed address and returns it in the form Herald
// stores: trimmed, a bare addr-spec, the domain in lowercase ASCII. Anything
// that could smuggle a header or a second recipient is refused.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", &AddressError{NoEmail, "Please enter your email address."}
	case len(s) > MaxEmail:
		return "", &AddressError{EmailTooLong, "That email address is too long."}
	case !utf8.ValidString(s):
		return "", &AddressError{EmailInvalid, "That email address is not valid."}
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == ' ' || r == ',' || r == ';' || r == '<' || r == '>' || r == '"' || r == '(' || r == ')' || r == '\\' || r == '[' || r == ']' || r == ':' {
			return "", &AddressError{EmailInvalid, "That email address is not valid."}
		}
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.Count(s, "@") != 1 {
		return "", &AddressError{EmailNoDomain, "That email address is missing an @ and a domain."}
	}
	local, domain := s[:at], s[at+1:]
	for i := 0; i < len(local); i++ {
		if local[i] >= 0x80 {
			// Such addresses need SMTPUTF8 all along the way, which
			// too few mail servers offer to promise delivery.
			return "", &AddressError{EmailLocalPart, "Please use an address whose part before the @ has only Latin letters, digits and punctuation."}
		}
	}
	if len(local) > 64 || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", &AddressError{EmailInvalid, "That email address is not valid."}
	}
	ascii, err := idna.Lookup.ToASCII(strings.TrimSuffix(domain, "."))
	if err != nil || !validDomain(ascii) {
		return "", &AddressError{EmailBadDomain, "The part after the @ is not a valid domain."}
	}
	out := local + "@" + ascii
	if len(out) > MaxEmail {
		return "", &AddressError{EmailTooLong, "That email address is too long."}
	}
	if a, err := mail.ParseAddress(out); err != nil || a.Address != out {
		return "", &AddressError{EmailInvalid, "That email address is not valid."}
	}
	return out, nil
}

// EmailKey is the form used to find an address again: case does not matter.
func EmailKey(normalized string) string { return strings.ToLower(normalized) }

func validDomain(d string) bool {
	if len(d) < 3 || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	labels := strings.Split(d, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	// Every top-level domain has two characters at least.
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if tld[i] >= '0' && tld[i] <= '9' {
			return len(tld) > 1 && strings.HasPrefix(tld, "xn--")
		}
	}
	return true
}

// CleanName trims a display name and refuses what cannot go into a header.
func CleanName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n\x00") {
		return "", &AddressError{NameCharacters, "The name contains characters that are not allowed."}
	}
	if utf8.RuneCountInString(s) > MaxName {
		return "", &AddressError{NameTooLong, fmt.Sprintf("The name is longer than %d characters.", MaxName)}
	}
	return s, nil
}
