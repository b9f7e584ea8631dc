package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"unicode/utf8"
)

const (
	// foldAt is the line length RFC 5322 recommends; longer header values
	// are folded at spaces so that old clients show them whole.
	foldAt = 78
	// maxLine is the hard limit of RFC 5322 on a line without its CRLF;
	// servers may cut or refuse longer lines.
	maxLine = 998
	// maxPlainWord is the longest run of non-space characters left
	// unencoded in a subject. Longer runs cannot be folded, so they are
	// RFC 2047-encoded, which splits them into words of at most 75 bytes.
	maxPlainWord = 70
	// maxEmail is the longest path RFC 5321 allows, which is the longest
	// address a server accepts.
	maxEmail = 254
)

// checkText refuses a header value, name or address that could end the
// header early (CR, LF) or that receiving software truncates (NUL), and
// bytes that are not UTF-8, which is the only charset Build declares.
func checkText(what, s string) error {
	if i := strings.IndexAny(s, "\r\n\x00"); i >= 0 {
		return fmt.Errorf("%s contains a forbidden control character (%q)", what, s[i])
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	return nil
}

// checkAddress accepts only a bare ASCII addr-spec, so that what goes into
// the header is exactly the mailbox the caller named. Internationalised
// addresses would need SMTPUTF8 end to end, which Herald does not promise.
func checkAddress(what string, a Address) error {
	if err := checkText(what+" name", a.Name); err != nil {
		return err
	}
	if strings.Contains(a.Name, `\`) && needsEncoding(a.Name) {
		// net/mail's Address.String leaves the backslash unescaped inside
		// the encoded-word, which parsers (its own included) then refuse.
		return fmt.Errorf("%s name %q mixes a backslash with characters that need encoding", what, a.Name)
	}
	if err := checkText(what+" address", a.Email); err != nil {
		return err
	}
	if a.Email == "" {
		return fmt.Errorf("%s address is empty", what)
	}
	if len(a.Email) > maxEmail {
		return fmt.Errorf("%s address is longer than %d bytes", what, maxEmail)
	}
	for i := 0; i < len(a.Email); i++ {
		if c := a.Email[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%s address %q has a space or non-ASCII character", what, a.Email)
		}
	}
	p, err := netmail.ParseAddress(a.Email)
	if err != nil {
		return fmt.Errorf("%s address %q: %w", what, a.Email, err)
	}
	if p.Name != "" || p.Address != a.Email {
		return fmt.Errorf("%s address %q is not a plain addr-spec", what, a.Email)
	}
	return nil
}

// checkMessageID accepts id-left "@" id-right made of dot-atom text, which
// is what RFC 5322 asks of new Message-IDs and leaves nothing to escape.
func checkMessageID(id string) error {
	if id == "" {
		return errors.New("message ID is empty")
	}
	if len(id) > maxEmail {
		return fmt.Errorf("message ID is longer than %d bytes", maxEmail)
	}
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") {
		return fmt.Errorf("message ID %q is not of the form left@right", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c != '@' && !isAtext(c) && c != '.' {
			return fmt.Errorf("message ID %q contains %q", id, c)
		}
	}
	return nil
}

func isAtext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// checkHeaderName accepts the token characters of RFC 7230: RFC 5322
// allows any printable ASCII but the colon, yet parsers such as Go's
// net/mail refuse the rest, and no real field needs them.
func checkHeaderName(name string) error {
	if name == "" {
		return errors.New("header name is empty")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isToken(c) {
			return fmt.Errorf("header name %q contains %q", name, c)
		}
	}
	if isReserved(name) {
		return fmt.Errorf("header %q is written by Build and cannot be set in Headers", name)
	}
	return nil
}

func isToken(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isReserved reports whether name is a field Build writes itself or one
// that would repeat a field of Message; with two copies, receivers pick
// either one.
func isReserved(name string) bool {
	if len(name) >= 8 && strings.EqualFold(name[:8], "Content-") {
		return true
	}
	for _, r := range [...]string{
		"From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date",
		"Message-ID", "MIME-Version", "DKIM-Signature",
	} {
		if strings.EqualFold(name, r) {
			return true
		}
	}
	return false
}

// encodeUnstructured returns s ready for an unstructured field such as
// Subject: as it is when folding and decoding give s back unchanged, as
// RFC 2047 encoded-words otherwise (non-ASCII, control characters, runs of
// spaces, text that looks like an encoded-word, very long words).
func encodeUnstructured(s string) string {
	if plainSafe(s) {
		return s
	}
	return encodeWords(s)
}

func plainSafe(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	word := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			if s[i-1] == ' ' {
				return false
			}
			word = 0
		case c < '!' || c > '~':
			return false
		case c == '?' && i > 0 && s[i-1] == '=':
			return false
		default:
			if word++; word > maxPlainWord {
				return false
			}
		}
	}
	return true
}

const (
	wordPrefixQ = "=?UTF-8?q?"
	wordPrefixB = "=?UTF-8?b?"
	// wordRoom is what is left of the 75 bytes RFC 2047 allows an
	// encoded-word once the prefix and the closing "?=" are written.
	wordRoom = 75 - len(wordPrefixQ) - len("?=")
)

// encodeWords encodes all of s as UTF-8 encoded-words separated by spaces,
// never splitting a character. It picks Q encoding for mostly-ASCII text,
// which stays readable, and B encoding otherwise, which is shorter.
//
// The standard library's mime.WordEncoder cannot be used: it leaves ASCII
// text alone even when decoders would change it (such as "=?x?q?y?=").
func encodeWords(s string) string {
	escaped := 0
	for i := 0; i < len(s); i++ {
		if !qLiteral(s[i]) && s[i] != ' ' {
			escaped++
		}
	}
	useB := escaped*2 > len(s)
	var b strings.Builder
	b.Grow(len(s)*2 + 16)
	for s != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		n, used := 0, 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			cost := 0
			if useB {
				cost = base64.StdEncoding.EncodedLen(n+size) - used
			} else {
				for _, c := range []byte(s[n : n+size]) {
					cost += qLen(c)
				}
			}
			if used+cost > wordRoom && n > 0 {
				break
			}
			used += cost
			n += size
		}
		if useB {
			b.WriteString(wordPrefixB)
			b.WriteString(base64.StdEncoding.EncodeToString([]byte(s[:n])))
		} else {
			b.WriteString(wordPrefixQ)
			writeQ(&b, s[:n])
		}
		b.WriteString("?=")
		s = s[n:]
	}
	return b.String()
}

// qLiteral is the set RFC 2047 allows unescaped in an encoded-word that
// stands in a phrase (section 5(3)); it is also valid everywhere else.
func qLiteral(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '!' || c == '*' || c == '+' || c == '-' || c == '/'
}

func qLen(c byte) int {
	if qLiteral(c) || c == ' ' {
		return 1
	}
	return 3
}

func writeQ(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			b.WriteByte('_')
		case qLiteral(c):
			b.WriteByte(c)
		default:
			b.WriteByte('=')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0x0f])
		}
	}
}

// encodeValue prepares an extra header value. Printable ASCII words are
// written as given, because structured parts such as List-Id's <id> or
// List-Unsubscribe's URIs must stay readable to software; each run of
// words with other characters becomes RFC 2047 encoded-words.
func encodeValue(v string) string {
	if !needsEncoding(v) {
		return v
	}
	words := strings.Split(v, " ")
	var b strings.Builder
	for i := 0; i < len(words); {
		if i > 0 {
			b.WriteByte(' ')
		}
		if !needsEncoding(words[i]) {
			b.WriteString(words[i])
			i++
			continue
		}
		j := i + 1
		for j < len(words) && needsEncoding(words[j]) {
			j++
		}
		b.WriteString(encodeWords(strings.Join(words[i:j], " ")))
		i = j
	}
	return b.String()
}

func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c > '~' {
			return true
		}
	}
	return false
}

// writeField writes "Name: value" and CRLF, folding before a space when a
// line would pass foldAt. Unfolding (removing the CRLFs) gives value back.
func writeField(b *bytes.Buffer, name, value string) {
	b.WriteString(name)
	b.WriteString(": ")
	lineLen := len(name) + 2
	lineHasText := false
	for value != "" {
		next := strings.IndexByte(value[1:], ' ') + 1
		if next == 0 {
			next = len(value)
		}
		seg := value[:next]
		if lineHasText && seg[0] == ' ' && lineLen+len(seg) > foldAt {
			b.WriteString("\r\n")
			lineLen, lineHasText = 0, false
		}
		b.WriteString(seg)
		lineLen += len(seg)
		lineHasText = lineHasText || strings.TrimLeft(seg, " \t") != ""
		value = value[next:]
	}
	b.WriteString("\r\n")
}

// checkLines refuses a header section with a line longer than RFC 5322
// allows (an unbreakable word in a display name or header value).
func checkLines(msg []byte) error {
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(msg)
	}
	for h := msg[:end]; len(h) > 0; {
		line, rest, _ := bytes.Cut(h, []byte("\r\n"))
		if len(line) > maxLine {
			name, _, _ := bytes.Cut(line, []byte(":"))
			return fmt.Errorf("header %.40q has a line longer than %d bytes", name, maxLine)
		}
		h = rest
	}
	return nil
}
