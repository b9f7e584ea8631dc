package lang

import (
	"fmt"

	"golang.org/x/text/language"
)

// Valid reports whether s is a language tag as Herald stores one: a
// lowercase primary subtag of two or three letters, then subtags of one to
// eight letters or digits, such as en, pt-br or zh-hant. Subscribers,
// newsletters, articles and a campaign's audience are matched on these
// tags by plain comparison, so a tag in any other shape (en_US, EN) would
// silently match nobody.
func Valid(s string) bool {
	if len(s) < 2 || len(s) > 12 {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '-' {
			r := s[i]
			letter, digit := r >= 'a' && r <= 'z', r >= '0' && r <= '9'
			if !letter && !(digit && start > 0) {
				return false
			}
			continue
		}
		n := i - start
		if n < 1 || n > 8 || start == 0 && (n < 2 || n > 3) {
			return false
		}
		start = i + 1
	}
	return true
}

// Check returns an error that says what a language tag looks like when s
// is not one, worded alike wherever a tag is typed in.
func Check(s string) error {
	if Valid(s) {
		return nil
	}
	return fmt.Errorf("%q is not a language tag such as en or pt-br", s)
}

// Known reports whether s is Valid and also a tag BCP 47 reads, with
// subtags its registry holds. zz-zz-zz has the shape Valid asks for but
// names no language, so no subscriber's tag is likely to match it; where a
// tag only chooses whom to reach, such as a campaign's audience, that is
// worth refusing.
func Known(s string) bool {
	if !Valid(s) {
		return false
	}
	_, err := language.Parse(s)
	return err == nil
}
