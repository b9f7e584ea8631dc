package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Segment is one piece of a templated part or header value: either static
// Text or the value of a named Slot, filled in per message.
type Segment struct {
	Text string
	Slot string
	// Before and After surround a slot's value and are left out with it
	// when the value is empty, so that a greeting such as "Hello NAME,"
	// disappears for a subscriber without a name.
	Before, After string
}

// Field is a header field whose value differs per message, such as
// List-Unsubscribe with the subscriber's own link.
type Field struct {
	Name  string
	Value []Segment
}

// SkeletonSpec is what every message of a campaign shares, with slots
// where the messages differ.
type SkeletonSpec struct {
	From    Address
	ReplyTo Address // optional
	Subject string
	Headers []Header  // static extra fields, encoded as Build encodes them
	Fields  []Field   // per-message fields; their text must be printable ASCII
	Slots   []string  // slot names, in the order Values.Slots fills them
	Text    []Segment // the text/plain part, required
	HTML    []Segment // the text/html part, optional
}

// Values is what one recipient's message puts into a Skeleton.
type Values struct {
	To        Address
	MessageID string // without angle brackets
	Date      time.Time
	// Slots holds one value per SkeletonSpec.Slots name, in that order.
	// A value is inserted as it is: the caller escapes it for where the
	// slot stands (HTML-escaped for the HTML part, raw for the text part).
	Slots []string
}

// Skeleton is a campaign's message compiled once, so that each of its
// thousands of recipients costs a few copies instead of a MIME build.
// Every static piece is already encoded and ends at the start of a line,
// so only the short slot values are encoded per message. It is read-only
// after NewSkeleton and safe for concurrent use.
type Skeleton struct {
	head   []byte  // static header fields
	fields []field // per-message fields
	body   []piece // from Content-Type to the end, quoted-printable
	uses   []int   // how often each slot is written, to size the output
	size   int     // bytes of static output per message
}

// piece is static output followed by an optional slot.
type piece struct {
	static        []byte
	slot          int // index into Values.Slots; -1 for none
	before, after []byte
}

type field struct {
	name   string
	pieces []piece // static text as written: header values are not encoded
}

// NewSkeleton checks and encodes what all messages share. It refuses what
// Build refuses (header injection, invalid addresses and UTF-8) and slot
// names it was not told about.
func NewSkeleton(spec SkeletonSpec) (*Skeleton, error) {
	s, err := newSkeleton(&spec)
	if err != nil {
		return nil, fmt.Errorf("mail: skeleton: %w", err)
	}
	return s, nil
}

func newSkeleton(spec *SkeletonSpec) (*Skeleton, error) {
	index := make(map[string]int, len(spec.Slots))
	for i, name := range spec.Slots {
		if name == "" {
			return nil, errors.New("slot name is empty")
		}
		if _, dup := index[name]; dup {
			return nil, fmt.Errorf("slot %q is declared twice", name)
		}
		index[name] = i
	}
	if len(spec.Text) == 0 {
		return nil, errors.New("text part is empty")
	}
	s := &Skeleton{uses: make([]int, len(spec.Slots))}
	head, err := staticHead(spec)
	if err != nil {
		return nil, err
	}
	s.head = head
	for _, f := range spec.Fields {
		if err := checkHeaderName(f.Name); err != nil {
			return nil, err
		}
		for _, h := range spec.Headers {
			if strings.EqualFold(h.Name, f.Name) {
				return nil, fmt.Errorf("header %s is both static and per message", f.Name)
			}
		}
		c := compiler{index: index, uses: s.uses, encode: headerText(f.Name)}
		if err := c.add(f.Value); err != nil {
			return nil, err
		}
		s.fields = append(s.fields, field{name: f.Name, pieces: c.finish()})
	}
	if s.body, err = compileBody(spec, index, s.uses); err != nil {
		return nil, err
	}
	s.size = len(s.head)
	for _, f := range s.fields {
		s.size += len(f.name) + 4
		for _, p := range f.pieces {
			s.size += len(p.static)
		}
	}
	for _, p := range s.body {
		s.size += len(p.static)
	}
	if s.size > MaxSize {
		return nil, fmt.Errorf("message is %d bytes, over the %d limit", s.size, MaxSize)
	}
	return s, nil
}

// staticHead encodes the header fields every message shares.
func staticHead(spec *SkeletonSpec) ([]byte, error) {
	if err := checkAddress("from", spec.From); err != nil {
		return nil, err
	}
	if spec.ReplyTo != (Address{}) {
		if err := checkAddress("reply-to", spec.ReplyTo); err != nil {
			return nil, err
		}
	}
	if err := checkText("subject", spec.Subject); err != nil {
		return nil, err
	}
	head, err := appendAddress(nil, "From", spec.From)
	if err != nil {
		return nil, err
	}
	if spec.ReplyTo != (Address{}) {
		if head, err = appendAddress(head, "Reply-To", spec.ReplyTo); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	writeField(&b, "Subject", encodeUnstructured(spec.Subject))
	b.WriteString("MIME-Version: 1.0\r\n")
	for _, h := range spec.Headers {
		if err := checkHeaderName(h.Name); err != nil {
			return nil, err
		}
		if err := checkText("header "+h.Name, h.Value); err != nil {
			return nil, err
		}
		writeField(&b, h.Name, encodeValue(h.Value))
	}
	head = append(head, b.Bytes()...)
	if err := checkLines(head); err != nil {
		return nil, err
	}
	return head, nil
}

// compileBody encodes the parts around their slots. The boundary starts
// with "=_", which quoted-printable text can never contain, so no slot
// value can end a part early.
func compileBody(spec *SkeletonSpec, index map[string]int, uses []int) ([]piece, error) {
	const (
		qp    = "Content-Transfer-Encoding: quoted-printable\r\n"
		plain = "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
		html  = "Content-Type: text/html; charset=UTF-8\r\n\r\n"
	)
	c := compiler{index: index, uses: uses, encode: bodyText}
	if len(spec.HTML) == 0 {
		c.text.WriteString(qp + plain)
		if err := c.add(spec.Text); err != nil {
			return nil, fmt.Errorf("text part: %w", err)
		}
		return c.finish(), nil
	}
	b := boundaryFor(spec)
	c.text.WriteString("Content-Type: multipart/alternative;\r\n boundary=\"" + b + "\"\r\n\r\n")
	c.text.WriteString("--" + b + "\r\n" + qp + plain)
	if err := c.add(spec.Text); err != nil {
		return nil, fmt.Errorf("text part: %w", err)
	}
	c.text.WriteString("\r\n--" + b + "\r\n" + qp + html)
	if err := c.add(spec.HTML); err != nil {
		return nil, fmt.Errorf("html part: %w", err)
	}
	c.text.WriteString("\r\n--" + b + "--\r\n")
	return c.finish(), nil
}

// boundaryFor derives the multipart boundary from the campaign's content,
// so that one campaign always encodes the same way.
func boundaryFor(spec *SkeletonSpec) string {
	h := sha256.New()
	for _, s := range []string{spec.From.Email, spec.Subject} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, segs := range [][]Segment{spec.Text, spec.HTML} {
		for _, seg := range segs {
			h.Write([]byte(seg.Text + "\x00" + seg.Slot + "\x00" + seg.Before + "\x00" + seg.After + "\x00"))
		}
		h.Write([]byte{1})
	}
	return "=_alt-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// Render appends the complete message for one recipient to dst, CRLF line
// endings, ready for signing and SMTP DATA. On error dst is returned as it
// was. It allocates only when dst has too little room and when the display
// name needs RFC 2047 encoding.
func (s *Skeleton) Render(dst []byte, v Values) ([]byte, error) {
	n, err := s.check(&v)
	if err != nil {
		return dst, fmt.Errorf("mail: render: %w", err)
	}
	start := len(dst)
	out := slices.Grow(dst, n)
	out = append(out, s.head...)
	if out, err = appendAddress(out, "To", v.To); err != nil {
		return dst[:start], fmt.Errorf("mail: render: %w", err)
	}
	out = append(out, "Date: "...)
	out = appendDate(out, v.Date)
	out = append(out, "\r\nMessage-ID: <"...)
	out = append(out, v.MessageID...)
	out = append(out, ">\r\n"...)
	for _, f := range s.fields {
		line := len(out)
		out = append(out, f.name...)
		out = append(out, ": "...)
		out = fill(out, f.pieces, v.Slots, false)
		if len(out)-line > maxLine {
			return dst[:start], fmt.Errorf("mail: render: header %s is longer than %d bytes", f.name, maxLine)
		}
		out = append(out, '\r', '\n')
	}
	out = fill(out, s.body, v.Slots, true)
	if len(out)-start > MaxSize {
		return dst[:start], fmt.Errorf("mail: render: message is %d bytes, over the %d limit", len(out)-start, MaxSize)
	}
	return out, nil
}

// check refuses values that would inject a header or break the encoding,
// and returns how many bytes the message may take.
func (s *Skeleton) check(v *Values) (int, error) {
	if len(v.Slots) != len(s.uses) {
		return 0, fmt.Errorf("%d slot values for %d slots", len(v.Slots), len(s.uses))
	}
	if err := checkText("to name", v.To.Name); err != nil {
		return 0, err
	}
	if err := checkMailbox("to", v.To.Email); err != nil {
		return 0, err
	}
	if err := checkMessageID(v.MessageID); err != nil {
		return 0, err
	}
	_, offset := v.Date.Zone()
	if y := v.Date.Year(); v.Date.IsZero() || y < 1 || y > 9999 || offset <= -86400 || offset >= 86400 {
		return 0, errors.New("date is not set or out of range")
	}
	n := s.size + 4*len(v.To.Name) + len(v.To.Email) + len(v.MessageID) + 96
	for i, val := range v.Slots {
		if !utf8.ValidString(val) {
			return 0, fmt.Errorf("slot %d is not valid UTF-8", i)
		}
		// Quoted-printable triples a byte at worst and breaks lines every 75.
		n += s.uses[i] * (3*len(val) + len(val)/25 + 3)
	}
	for _, f := range s.fields {
		for _, p := range f.pieces {
			if p.slot >= 0 && !printableASCII(v.Slots[p.slot]) {
				return 0, fmt.Errorf("header %s: slot value is not printable ASCII", f.name)
			}
		}
	}
	for _, p := range s.body {
		if p.slot >= 0 {
			n += len(p.before) + len(p.after)
		}
	}
	return n, nil
}

// fill writes pieces with their slot values, quoted-printable encoded in
// the body and as they are in header fields. (A plain branch rather than an
// encoder function keeps the values from escaping to the heap.)
func fill(dst []byte, pieces []piece, slots []string, qp bool) []byte {
	for _, p := range pieces {
		dst = append(dst, p.static...)
		if p.slot < 0 || slots[p.slot] == "" {
			continue
		}
		dst = append(dst, p.before...)
		if qp {
			dst = appendQP(dst, slots[p.slot])
		} else {
			dst = append(dst, slots[p.slot]...)
		}
		dst = append(dst, p.after...)
	}
	return dst
}
