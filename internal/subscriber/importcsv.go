package subscriber

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"herald/internal/lang"
)

// importColumns are the columns an import file may have. An export's state,
// created_at and language columns are accepted so that an export can be
// imported again: state "unsubscribed" keeps the row out, state "pending"
// keeps it pending, and state "confirmed" is confirmed only by an import
// that vouches for consent; created_at is not used; language is the
// subscriber's (see ImportAddress.Decide).
var importColumns = []string{"email", "name", "tags", "state", "created_at", "language"}

// ImportReader reads an import file: CSV whose header row names the
// columns. It keeps only one row, of at most MaxImportRow bytes, in memory,
// so files of any size can be read.
type ImportReader struct {
	csv    *csvReader
	bom    int64
	width  int
	column map[string]int
	end    int // the line the last row read ends on
}

// NewImportReader reads the header of a CSV file. A UTF-8 byte order mark,
// as spreadsheets write, is passed over.
func NewImportReader(r io.Reader) (*ImportReader, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	ir := &ImportReader{column: map[string]int{}}
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
		ir.bom = 3
	}
	ir.csv = &csvReader{br: br, max: MaxImportRow}
	head, _, _, err := ir.csv.read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("import: the file is empty; its first line must name the columns, such as email,name,tags")
	}
	if err != nil {
		return nil, fmt.Errorf("import: header: %w", err)
	}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(importColumns, h) {
			return nil, fmt.Errorf("import: unknown column %q in the header; the columns allowed are %s", h, strings.Join(importColumns, ", "))
		}
		if _, dup := ir.column[h]; dup {
			return nil, fmt.Errorf("import: column %q appears twice in the header", h)
		}
		ir.column[h] = i
	}
	if _, ok := ir.column["email"]; !ok {
		return nil, errors.New("import: the header has no email column")
	}
	ir.width = len(head)
	return ir, nil
}

// Offset is how many bytes of the file the rows read so far took.
func (r *ImportReader) Offset() int64 { return r.bom + r.csv.offset }

// Next returns the next row. A row that cannot be imported comes back as a
// *RowError and reading can go on; io.EOF ends the file; a *FileError is a
// fault after which the rows cannot be told apart, and any other error is
// the file's reader failing: after either, reading must stop.
func (r *ImportReader) Next() (ImportRow, error) {
	row, err := r.next()
	if re, ok := err.(*RowError); ok && r.end > re.Line {
		// A quoted field took the row over line ends, perhaps because of
		// a stray quote; the operator should know which lines it took.
		re.Reason += fmt.Sprintf(" (the row runs from line %d to line %d: is a quote missing or stray?)", re.Line, r.end)
	}
	return row, err
}

func (r *ImportReader) next() (ImportRow, error) {
	rec, line, end, err := r.csv.read()
	r.end = end
	if err != nil {
		var re *RowError
		var fe *FileError
		switch {
		case errors.As(err, &re), errors.As(err, &fe), errors.Is(err, io.EOF):
			return ImportRow{}, err
		}
		return ImportRow{}, fmt.Errorf("import: read: %w", err)
	}
	if len(rec) != r.width {
		return ImportRow{}, &RowError{Line: line, Reason: fmt.Sprintf("%d fields where the header names %d", len(rec), r.width)}
	}
	row := ImportRow{Line: line}
	cell := func(name string) string {
		if i, ok := r.column[name]; ok {
			return unquoteFormula(rec[i])
		}
		return ""
	}
	if row.Email, err = NormalizeEmail(cell("email")); err != nil {
		if strings.TrimSpace(cell("email")) == "" {
			return ImportRow{}, &RowError{Line: line, Reason: "no email address"}
		}
		return ImportRow{}, &RowError{Line: line, Reason: reason(err)}
	}
	if row.Name, err = CleanName(cell("name")); err != nil {
		return ImportRow{}, &RowError{Line: line, Reason: reason(err)}
	}
	if row.Tags, err = splitTags(cell("tags")); err != nil {
		return ImportRow{}, &RowError{Line: line, Reason: err.Error()}
	}
	if row.Language = strings.ToLower(strings.TrimSpace(cell("language"))); row.Language != "" {
		if err := lang.Check(row.Language); err != nil {
			return ImportRow{}, &RowError{Line: line, Reason: err.Error()}
		}
	}
	switch s := State(strings.ToLower(strings.TrimSpace(cell("state")))); s {
	case "":
	case Confirmed:
		row.Confirmed = true
	case Pending:
		row.Pending = true
	case Unsubscribed:
		row.Unsubscribed = true
	default:
		return ImportRow{}, &RowError{Line: line, Reason: fmt.Sprintf("state %q is not pending, confirmed or unsubscribed", s)}
	}
	return row, nil
}

func reason(err error) string {
	var ae *AddressError
	if errors.As(err, &ae) {
		return ae.Reason
	}
	return err.Error()
}

// splitTags reads a tags cell: tags separated by ";" or "|", in any case.
func splitTags(cell string) ([]string, error) {
	if strings.TrimSpace(cell) == "" {
		return nil, nil
	}
	var tags []string
	for _, part := range strings.FieldsFunc(cell, func(r rune) bool { return r == ';' || r == '|' }) {
		t, err := NormalizeTag(part)
		if err != nil {
			return nil, err
		}
		if t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if len(tags) > MaxTags {
		return nil, fmt.Errorf("more than %d tags", MaxTags)
	}
	return tags, nil
}

// NeutralizeCell makes a cell safe to open in a spreadsheet: one that would
// start a formula gets a leading single quote. Import takes it off again.
func NeutralizeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func unquoteFormula(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}
