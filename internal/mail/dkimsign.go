package mail

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
)

// The DKIM signature (RFC 6376, with RFC 8463 for Ed25519) is made here
// rather than by a general library: Herald signs every message of a
// campaign, and a signer that streams through a pipe and a goroutine spent
// about 0.18 ms a message on top of the signature itself. The messages are
// Herald's own (CRLF lines, each field once), so the work is two passes over
// bytes already in memory. Tests verify the result with go-msgauth, an
// independent implementation.

// hashes reuses SHA-256 states between messages.
var hashes = sync.Pool{New: func() any { return sha256.New() }}

// canonBufs reuses the buffers canonical forms are written into.
var canonBufs = sync.Pool{New: func() any { return new([]byte) }}

// Sign returns raw with a DKIM-Signature field prepended (rsa-sha256 or
// ed25519-sha256, relaxed/relaxed). raw must be a complete message with
// CRLF line endings, such as Build returns.
func (d *DKIM) Sign(raw []byte) ([]byte, error) {
	header, body := splitMessage(raw)
	fields := headerFields(header)
	keys := make([]string, 0, len(signedFields))
	for _, name := range signedFields {
		if lastField(fields, name) != nil {
			keys = append(keys, name)
		}
	}
	if len(keys) == 0 || keys[0] != "From" {
		return nil, errors.New("mail: dkim: message has no From field")
	}
	return d.sign(raw, fields, keys, body)
}

// sign computes the signature of a message split into its fields and body.
func (d *DKIM) sign(raw []byte, fields [][]byte, keys []string, body []byte) ([]byte, error) {
	h := hashes.Get().(hash.Hash)
	defer hashes.Put(h)

	buf := canonBufs.Get().(*[]byte)
	defer canonBufs.Put(buf)
	*buf = relaxedBody((*buf)[:0], body)
	h.Reset()
	h.Write(*buf)
	var sum [sha256.Size]byte
	bh := base64.StdEncoding.EncodeToString(h.Sum(sum[:0]))

	alg := "rsa-sha256"
	if _, ok := d.key.(ed25519.PrivateKey); ok {
		alg = "ed25519-sha256"
	}
	// The field is written folded, with b= empty, and hashed as it will
	// stand: a verifier empties b= in the field it receives and
	// canonicalises what is left, folds included.
	var f folder
	f.add("DKIM-Signature: v=1;")
	f.add(" a=" + alg + ";")
	f.add(" c=relaxed/relaxed;")
	f.add(" d=" + d.domain + ";")
	f.add(" s=" + d.selector + ";")
	f.add(" t=" + strconv.FormatInt(d.now().Unix(), 10) + ";")
	for i, k := range keys {
		tok := k
		if i == 0 {
			tok = " h=" + k
		}
		if i < len(keys)-1 {
			tok += ":"
		} else {
			tok += ";"
		}
		f.add(tok)
	}
	f.add(" bh=" + bh + ";")
	f.add(" b=")

	h.Reset()
	*buf = (*buf)[:0]
	for _, k := range keys {
		*buf = append(relaxedField(*buf, lastField(fields, k)), "\r\n"...)
	}
	*buf = relaxedField(*buf, f.b)
	h.Write(*buf)
	digest := h.Sum(sum[:0])

	var sig []byte
	var err error
	switch k := d.key.(type) {
	case ed25519.PrivateKey:
		// RFC 8463: PureEdDSA over the SHA-256 hash.
		sig = ed25519.Sign(k, digest)
	default:
		sig, err = d.key.Sign(rand.Reader, digest, crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("mail: dkim: %w", err)
		}
	}
	b64 := base64.StdEncoding.EncodeToString(sig)
	for len(b64) > 0 {
		n := min(len(b64), max(76-f.col, 8))
		f.add(b64[:n])
		b64 = b64[n:]
		if len(b64) > 0 {
			f.b = append(f.b, "\r\n "...)
			f.col = 1
		}
	}
	f.b = append(f.b, "\r\n"...)

	out := make([]byte, 0, len(f.b)+len(raw))
	out = append(out, f.b...)
	return append(out, raw...), nil
}

// splitMessage returns the header of a message, each field ending in CRLF,
// and its body, after the empty line. A message without an empty line is
// all header.
func splitMessage(raw []byte) (header, body []byte) {
	if bytes.HasPrefix(raw, []byte("\r\n")) {
		return nil, raw[2:]
	}
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return raw[:i+2], raw[i+4:]
	}
	return raw, nil
}

// headerFields cuts a header into its fields, each with its folded lines
// and without the final CRLF.
func headerFields(header []byte) [][]byte {
	var fields [][]byte
	for len(header) > 0 {
		end := 0
		for {
			i := bytes.Index(header[end:], []byte("\r\n"))
			if i < 0 {
				end = len(header)
				break
			}
			end += i + 2
			if end >= len(header) || (header[end] != ' ' && header[end] != '\t') {
				break
			}
		}
		fields = append(fields, bytes.TrimSuffix(header[:end], []byte("\r\n")))
		header = header[end:]
	}
	return fields
}

// lastField returns the bottom-most field called name, the one a signature
// naming it once covers, or nil.
func lastField(fields [][]byte, name string) []byte {
	for i := len(fields) - 1; i >= 0; i-- {
		n, _, ok := bytes.Cut(fields[i], []byte(":"))
		if ok && strings.EqualFold(string(bytes.TrimRight(n, " \t")), name) {
			return fields[i]
		}
	}
	return nil
}

// isWSP reports whether c is white space within a line.
func isWSP(c byte) bool { return c == ' ' || c == '\t' }

// relaxedField appends a field in the relaxed form (RFC 6376, 3.4.2) to
// dst: the name in lower case, the lines unfolded, each run of white space
// one space, none at the end or around the colon. No CRLF is appended.
func relaxedField(dst, field []byte) []byte {
	name, value, _ := bytes.Cut(field, []byte(":"))
	name = bytes.TrimRight(name, " \t")
	for _, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, ':')
	space, started := false, false
	for _, c := range value {
		switch {
		case c == '\r' || c == '\n':
			// Unfolding: the line break goes, the white space after it
			// stays and is collapsed below.
		case isWSP(c):
			space = true
		default:
			if space && started {
				dst = append(dst, ' ')
			}
			space, started = false, true
			dst = append(dst, c)
		}
	}
	return dst
}

// relaxedBody appends a body in the relaxed form (RFC 6376, 3.4.4) to dst:
// white space at the end of lines removed and each other run of it one
// space, empty lines at the end removed, and a non-empty body ending in
// CRLF. A bare LF ends a line like CRLF.
func relaxedBody(dst, body []byte) []byte {
	empty := 0 // empty lines seen and not yet written
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		line = bytes.TrimRight(line, " \t")
		if len(line) == 0 {
			empty++
			continue
		}
		for ; empty > 0; empty-- {
			dst = append(dst, "\r\n"...)
		}
		if bytes.IndexByte(line, '\t') < 0 && !bytes.Contains(line, []byte("  ")) {
			// Most lines of text: nothing to collapse.
			dst = append(dst, line...)
		} else {
			for i := 0; i < len(line); i++ {
				c := line[i]
				if isWSP(c) {
					for i+1 < len(line) && isWSP(line[i+1]) {
						i++
					}
					c = ' '
				}
				dst = append(dst, c)
			}
		}
		dst = append(dst, "\r\n"...)
	}
	return dst
}

// folder writes a field in lines of at most about 76 characters, breaking
// before a token that would not fit.
type folder struct {
	b   []byte
	col int
}

func (f *folder) add(tok string) {
	if f.col > 0 && f.col+len(tok) > 76 {
		f.b = append(f.b, "\r\n"...)
		f.col = 0
		if tok[0] != ' ' {
			f.b = append(f.b, ' ')
			f.col = 1
		}
	}
	f.b = append(f.b, tok...)
	f.col += len(tok)
}
