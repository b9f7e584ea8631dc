package subscriber

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// MaxImportRow is the most bytes one row of an import file may take. An
// address, a name and fifty tags fit in a few kilobytes; a longer row is a
// mistake, and keeping it would cost memory for nothing.
const MaxImportRow = 64 << 10

// FileError is a fault in an import file after which the rows can no longer
// be told apart, such as a quote that is never closed: the import stops at
// the line it names.
type FileError struct {
	Line   int
	Reason string
}

func (e *FileError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Why a row is left out when its quotes are wrong.
const (
	reasonBareQuote = `a quote (") inside a field that is not itself in quotes`
	reasonQuote     = `a quoted field is closed before other text: a quote inside it is not doubled ("")`
)

// csvState is where csvReader stands within a record.
type csvState int

const (
	fieldStart csvState = iota // nothing of the field read yet
	unquoted                   // in a field without quotes
	quoted                     // in a quoted field
	quoteSeen                  // in a quoted field, just after a quote
	skipLine                   // the row is bad: the rest of its line is passed over
)

// csvReader reads the records of a CSV file as encoding/csv does without
// options (RFC 4180, CRLF or LF, blank lines passed over), but it keeps at
// most max bytes of a record and tells a bad row, after which reading goes
// on at the next line, from a fault after which where the next row begins
// cannot be known.
type csvReader struct {
	br     *bufio.Reader
	max    int
	line   int   // lines read
	offset int64 // bytes read
	buf    []byte
	ends   []int
	fields []string
}

// read returns the next record and the lines it starts and ends on. A row
// that is bad but whose end is known comes back as a *RowError; a fault
// that leaves the rest of the file unreadable as a *FileError.
func (r *csvReader) read() (fields []string, start, end int, err error) {
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	st := fieldStart
	var quoteLine, size int
	var over bool
	var bad string
	store := func(b []byte) {
		if !over {
			r.buf = append(r.buf, b...)
		}
	}
	endField := func() {
		if !over {
			r.ends = append(r.ends, len(r.buf))
		}
	}
	finish := func() ([]string, int, int, error) {
		if over {
			return nil, start, end, &RowError{Line: start, Reason: fmt.Sprintf("the row is longer than %d KiB", r.max>>10)}
		}
		s := string(r.buf)
		r.fields = r.fields[:0]
		from := 0
		for _, to := range r.ends {
			r.fields = append(r.fields, s[from:to])
			from = to
		}
		return r.fields, start, end, nil
	}
	for {
		seg, rerr := r.br.ReadSlice('\n')
		if rerr != nil && rerr != bufio.ErrBufferFull && rerr != io.EOF {
			return nil, start, end, rerr
		}
		if rerr == bufio.ErrBufferFull && len(seg) > 1 && seg[len(seg)-1] == '\r' {
			// Whether this CR ends the line shows only in what follows it:
			// it is read again at the start of the next piece.
			seg = seg[:len(seg)-1]
			r.br.UnreadByte()
		}
		r.offset += int64(len(seg))
		line := r.line + 1
		body := seg
		ended := len(body) > 0 && body[len(body)-1] == '\n'
		if ended {
			r.line++
			body = body[:len(body)-1]
		}
		if (ended || rerr == io.EOF) && len(body) > 0 && body[len(body)-1] == '\r' {
			body = body[:len(body)-1]
		}
		if start == 0 {
			if len(body) == 0 && ended {
				continue // a blank line
			}
			if len(body) == 0 && rerr == io.EOF {
				return nil, 0, 0, io.EOF
			}
			start = line
		}
		end = line
		if size += len(seg); size > r.max && !over {
			over = true
			if (st == quoted || st == quoteSeen) && quoteLine < line {
				return nil, start, end, &FileError{Line: quoteLine, Reason: fmt.Sprintf(
					"the quote that opens a field on this line is still open %d KiB later: a quote is missing or stray, so where the next rows begin cannot be told", r.max>>10)}
			}
		}
		for i := 0; i < len(body); {
			switch st {
			case skipLine:
				i = len(body)
			case fieldStart:
				if body[i] == '"' {
					st, quoteLine = quoted, line
					i++
				} else {
					st = unquoted
				}
			case unquoted:
				j := bytes.IndexAny(body[i:], `,"`)
				if j < 0 {
					store(body[i:])
					i = len(body)
					continue
				}
				store(body[i : i+j])
				i += j
				if body[i] == ',' {
					endField()
					st = fieldStart
				} else {
					st, bad = skipLine, reasonBareQuote
				}
				i++
			case quoted:
				j := bytes.IndexByte(body[i:], '"')
				if j < 0 {
					store(body[i:])
					i = len(body)
					continue
				}
				store(body[i : i+j])
				i += j + 1
				st = quoteSeen
			case quoteSeen:
				switch body[i] {
				case '"':
					store(body[i : i+1])
					st = quoted
				case ',':
					endField()
					st = fieldStart
				default:
					if quoteLine < line {
						return nil, start, end, &FileError{Line: quoteLine, Reason: fmt.Sprintf(
							"the quote that opens a field on this line closes on line %d before other text: a quote is missing or stray, so where the next rows begin cannot be told", line)}
					}
					st, bad = skipLine, reasonQuote
				}
				i++
			}
		}
		switch {
		case ended && st == quoted:
			if over {
				return nil, start, end, &FileError{Line: quoteLine, Reason: fmt.Sprintf(
					"the quote that opens a field on this line is still open %d KiB later: a quote is missing or stray, so where the next rows begin cannot be told", r.max>>10)}
			}
			store([]byte{'\n'})
		case (ended || rerr == io.EOF) && st == skipLine:
			return nil, start, end, &RowError{Line: start, Reason: bad}
		case !ended && rerr == io.EOF && st == quoted:
			return nil, start, end, &FileError{Line: quoteLine, Reason: `the quote that opens a field on this line is never closed, so the rest of the file would be that one field; close it, or double a quote meant as text ("")`}
		case ended || rerr == io.EOF:
			endField()
			return finish()
		}
	}
}
