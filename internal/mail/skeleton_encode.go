package mail

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// qpMaxLine is the longest quoted-printable line RFC 2045 allows, counting
// the "=" of a soft line break.
const qpMaxLine = 76

// appendQP appends s quoted-printable encoded, starting at the beginning of
// a line, and ends at the beginning of one too: with a soft line break
// unless s itself ended with a line break. That is what lets a Skeleton
// encode its static text once and slot values apart, in any order.
//
// Line breaks ("\r\n", "\n" or a lone "\r") become CRLF, as in Build.
// Spaces and tabs before a line break or at the end are escaped, since
// transports drop trailing whitespace, and so is a dot starting a line,
// which SMTP would otherwise read as the end of the data on a path that
// forgets dot-stuffing.
func appendQP(dst []byte, s string) []byte {
	const hexDigits = "0123456789ABCDEF"
	col := 0
	for i := 0; i < len(s); {
		c := s[i]
		if qpPlain(c) && (c != '.' || col > 0) && col < qpMaxLine-1 {
			// Copy the run of plain bytes that fits on this line at once:
			// most text is plain, and this is the per-message hot path.
			j, end := i+1, min(len(s), i+qpMaxLine-1-col)
			for j < end && qpPlain(s[j]) {
				j++
			}
			dst = append(dst, s[i:j]...)
			col += j - i
			i = j
			continue
		}
		i++
		if c == '\r' || c == '\n' {
			if c == '\r' && i < len(s) && s[i] == '\n' {
				i++
			}
			dst = append(dst, '\r', '\n')
			col = 0
			continue
		}
		literal := qpPlain(c)
		if c == ' ' || c == '\t' {
			literal = i < len(s) && s[i] != '\r' && s[i] != '\n'
		}
		width := 1
		if !literal {
			width = 3
		}
		if col+width > qpMaxLine-1 {
			dst = append(dst, '=', '\r', '\n')
			col = 0
		}
		if col == 0 && c == '.' {
			literal, width = false, 3
		}
		if literal {
			dst = append(dst, c)
		} else {
			dst = append(dst, '=', hexDigits[c>>4], hexDigits[c&0x0f])
		}
		col += width
	}
	if col > 0 {
		dst = append(dst, '=', '\r', '\n')
	}
	return dst
}

// qpPlain reports whether c stands for itself anywhere in a line.
func qpPlain(c byte) bool { return c >= '!' && c <= '~' && c != '=' }

// appendAddress appends an address field and its CRLF. A printable ASCII
// display name is quoted, as net/mail quotes it; any other name becomes
// RFC 2047 encoded-words, folded between words so that lines stay short.
func appendAddress(dst []byte, field string, a Address) ([]byte, error) {
	start := len(dst)
	dst = append(dst, field...)
	dst = append(dst, ": "...)
	switch {
	case a.Name == "":
	case printableASCII(a.Name):
		dst = append(dst, '"')
		for i := 0; i < len(a.Name); i++ {
			if c := a.Name[i]; c == '"' || c == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, a.Name[i])
		}
		dst = append(dst, '"', ' ')
	default:
		col := len(field) + 2
		words := encodeWords(a.Name)
		for words != "" {
			w, rest, _ := strings.Cut(words, " ")
			if col > len(field)+2 && col+len(w) > foldAt {
				dst = append(dst[:len(dst)-1], '\r', '\n', ' ')
				col = 1
			}
			dst = append(dst, w...)
			dst = append(dst, ' ')
			col += len(w) + 1
			words = rest
		}
		if col+len(a.Email)+2 > foldAt {
			dst = append(dst[:len(dst)-1], '\r', '\n', ' ')
		}
	}
	dst = append(dst, '<')
	dst = append(dst, a.Email...)
	dst = append(dst, '>')
	if last := len(dst) - start - lastLineStart(dst[start:]); last > maxLine {
		return dst[:start], fmt.Errorf("%s name is too long for a header line", strings.ToLower(field))
	}
	return append(dst, '\r', '\n'), nil
}

// lastLineStart is where the last line of a folded field begins.
func lastLineStart(b []byte) int {
	for i := len(b) - 1; i > 0; i-- {
		if b[i] == '\n' {
			return i + 1
		}
	}
	return 0
}

// checkMailbox is checkAddress for the recipient of each message, without
// its allocations: it accepts a dot-atom local part and domain, which is
// every address subscriber.NormalizeEmail lets through and nothing a
// header parser could read as more than one mailbox.
func checkMailbox(what, email string) error {
	if email == "" {
		return fmt.Errorf("%s address is empty", what)
	}
	if len(email) > maxEmail {
		return fmt.Errorf("%s address is longer than %d bytes", what, maxEmail)
	}
	at := strings.IndexByte(email, '@')
	if at < 0 || !dotAtom(email[:at]) || !dotAtom(email[at+1:]) {
		return fmt.Errorf("%s address %q is not a plain local@domain address", what, email)
	}
	return nil
}

// dotAtom reports whether s is atext separated by single dots.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if s[i-1] == '.' {
				return false
			}
		case !isAtext(c):
			return false
		}
	}
	return true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// appendDate appends t as time.RFC1123Z formats it, which is the RFC 5322
// date form, without parsing the layout for every message.
func appendDate(dst []byte, t time.Time) []byte {
	const (
		days   = "SunMonTueWedThuFriSat"
		months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	)
	year, month, day := t.Date()
	hour, minute, second := t.Clock()
	_, offset := t.Zone()
	wd := int(t.Weekday())
	dst = append(dst, days[3*wd:3*wd+3]...)
	dst = append(dst, ',', ' ')
	dst = appendDigits(dst, day, 2)
	dst = append(dst, ' ')
	dst = append(dst, months[3*(month-1):3*month]...)
	dst = append(dst, ' ')
	dst = appendDigits(dst, year, 4)
	dst = append(dst, ' ')
	dst = appendDigits(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, second, 2)
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	offset /= 60
	dst = append(dst, ' ', sign)
	dst = appendDigits(dst, offset/60, 2)
	return appendDigits(dst, offset%60, 2)
}

// appendDigits appends n, which is not negative, zero-padded to width.
func appendDigits(dst []byte, n, width int) []byte {
	var buf [8]byte
	i := len(buf)
	for n > 0 || i > len(buf)-width {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return append(dst, buf[i:]...)
}

// compiler turns segments into pieces: static text runs are joined and
// encoded once, and each slot starts a new piece.
type compiler struct {
	index  map[string]int
	uses   []int
	encode func(dst []byte, s string) ([]byte, error)
	text   bytes.Buffer // encoded static output not yet in a piece
	run    strings.Builder
	pieces []piece
}

func (c *compiler) add(segs []Segment) error {
	for _, seg := range segs {
		if seg.Slot == "" {
			if seg.Before != "" || seg.After != "" {
				return errors.New("a segment without a slot has Before or After text")
			}
			c.run.WriteString(seg.Text)
			continue
		}
		if seg.Text != "" {
			return fmt.Errorf("segment for slot %q also has text", seg.Slot)
		}
		i, ok := c.index[seg.Slot]
		if !ok {
			return fmt.Errorf("slot %q is not declared in Slots", seg.Slot)
		}
		if err := c.flush(); err != nil {
			return err
		}
		before, err := c.encode(nil, seg.Before)
		if err != nil {
			return err
		}
		after, err := c.encode(nil, seg.After)
		if err != nil {
			return err
		}
		c.pieces = append(c.pieces, piece{static: bytes.Clone(c.text.Bytes()), slot: i, before: before, after: after})
		c.text.Reset()
		c.uses[i]++
	}
	return c.flush()
}

// flush encodes the pending run of static text.
func (c *compiler) flush() error {
	out, err := c.encode(c.text.AvailableBuffer(), c.run.String())
	if err != nil {
		return err
	}
	c.text.Write(out)
	c.run.Reset()
	return nil
}

func (c *compiler) finish() []piece {
	return append(c.pieces, piece{static: bytes.Clone(c.text.Bytes()), slot: -1})
}

func bodyText(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return dst, errors.New("text is not valid UTF-8")
	}
	return appendQP(dst, s), nil
}

// headerText returns the check for the static text of a per-message
// field, which is written without encoding.
func headerText(name string) func(dst []byte, s string) ([]byte, error) {
	return func(dst []byte, s string) ([]byte, error) {
		if !printableASCII(s) {
			return dst, fmt.Errorf("header %s: text %q is not printable ASCII", name, s)
		}
		return append(dst, s...), nil
	}
}
