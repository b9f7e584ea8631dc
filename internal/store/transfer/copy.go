package transfer

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// plan is how one table is copied and checked: the columns in the target's
// order and the columns that order its rows the same way on both sides.
type plan struct {
	name  string
	cols  []column // as the target declares them
	order []column // the primary key; every column when there is none
}

func newPlan(target table) plan {
	p := plan{name: target.name, cols: target.cols}
	for _, name := range target.pk {
		c, _ := target.column(name)
		p.order = append(p.order, c)
	}
	if len(p.order) == 0 {
		p.order = target.cols
	}
	return p
}

// textual reports whether c holds text, which is ordered byte by byte on
// both sides: SQLite's BINARY collation and PostgreSQL's "C" agree,
// whatever the database's locale.
func (c column) textual() bool { return c.kind == kindText || c.kind == kindJSON }

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// sourceQuery reads the table from SQLite in key order.
func (p plan) sourceQuery() string {
	cols := make([]string, len(p.cols))
	for i, c := range p.cols {
		cols[i] = quote(c.name)
	}
	order := make([]string, len(p.order))
	for i, c := range p.order {
		order[i] = quote(c.name)
		if c.textual() {
			order[i] += " COLLATE BINARY"
		}
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + quote(p.name) + " ORDER BY " + strings.Join(order, ", ")
}

// targetQuery reads the table back from PostgreSQL in the same order. JSON
// comes back as the text that was stored, not as decoded values.
func (p plan) targetQuery() string {
	cols := make([]string, len(p.cols))
	for i, c := range p.cols {
		cols[i] = quote(c.name)
		if c.kind == kindJSON {
			cols[i] += "::text"
		}
	}
	order := make([]string, len(p.order))
	for i, c := range p.order {
		order[i] = quote(c.name)
		if c.kind == kindJSON {
			order[i] += "::text" // json has no ordering of its own
		}
		if c.textual() {
			order[i] += ` COLLATE "C"`
		}
		order[i] += " NULLS FIRST" // where SQLite puts them
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + quote(p.name) + " ORDER BY " + strings.Join(order, ", ")
}

// digest is a SHA-256 over rows whose values are written as tagged,
// length-prefixed text: a number as its decimal digits, text and bytes as
// they are, NULL as a tag alone. Both drivers' values go through the same
// code, so equal data gives equal sums whichever engine it came from.
type digest struct {
	h    hash.Hash
	buf  []byte
	rows int64
}

func newDigest() *digest { return &digest{h: sha256.New()} }

func (d *digest) row(vals []any) error {
	for _, v := range vals {
		var tag byte
		d.buf = d.buf[:0]
		switch x := v.(type) {
		case nil:
			tag = 'n'
		case int64:
			tag, d.buf = 'i', strconv.AppendInt(d.buf, x, 10)
		case int32:
			tag, d.buf = 'i', strconv.AppendInt(d.buf, int64(x), 10)
		case int16:
			tag, d.buf = 'i', strconv.AppendInt(d.buf, int64(x), 10)
		case float64:
			tag, d.buf = 'f', strconv.AppendFloat(d.buf, x, 'g', -1, 64)
		case float32:
			tag, d.buf = 'f', strconv.AppendFloat(d.buf, float64(x), 'g', -1, 32)
		case string:
			tag, d.buf = 's', append(d.buf, x...)
		case []byte:
			tag, d.buf = 'b', append(d.buf, x...)
		default:
			return fmt.Errorf("a value of Go type %T cannot be compared", v)
		}
		var head [1 + binary.MaxVarintLen64]byte
		head[0] = tag
		n := binary.PutUvarint(head[1:], uint64(len(d.buf)))
		d.h.Write(head[:1+n])
		d.h.Write(d.buf)
	}
	d.h.Write([]byte{'\n'})
	d.rows++
	return nil
}

func (d *digest) sum() string { return fmt.Sprintf("%x", d.h.Sum(nil)) }

// sourceRows feeds CopyFrom from the SQLite query, summing each row on
// the way through.
type sourceRows struct {
	rows     *sql.Rows
	vals     []any
	ptrs     []any
	text     []bool // the columns holding text
	cleaned  int64  // text values changed to fit PostgreSQL
	d        *digest
	err      error
	progress func(rows int64)
	next     time.Time
}

// clean makes text storable in PostgreSQL, which refuses NUL bytes and
// invalid UTF-8 where SQLite keeps them, as the PostgreSQL store does
// with such text from outside: each invalid byte becomes U+FFFD and NUL
// is dropped. It reports whether s had to change.
func clean(s string) (string, bool) {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s, false
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", ""), true
}

func (s *sourceRows) Next() bool {
	if !s.rows.Next() {
		s.err = s.rows.Err()
		return false
	}
	if err := s.rows.Scan(s.ptrs...); err != nil {
		s.err = err
		return false
	}
	for i, text := range s.text {
		if v, ok := s.vals[i].(string); ok && text {
			if c, changed := clean(v); changed {
				s.vals[i] = c
				s.cleaned++
			}
		}
	}
	if err := s.d.row(s.vals); err != nil {
		s.err = err
		return false
	}
	if s.progress != nil && s.d.rows%1024 == 0 {
		if now := time.Now(); now.After(s.next) {
			s.progress(s.d.rows)
			s.next = now.Add(time.Second)
		}
	}
	return true
}

func (s *sourceRows) Values() ([]any, error) { return s.vals, nil }
func (s *sourceRows) Err() error             { return s.err }

// copyTable streams the table from the source snapshot into the target
// with COPY and returns the rows read and their sum, taken over the values
// as written, and how many text values were cleaned to fit. progress, when
// set, hears the running count about once a second.
func copyTable(ctx context.Context, src *sql.Tx, dst pgx.Tx, p plan, progress func(rows int64)) (copied, error) {
	rows, err := src.QueryContext(ctx, p.sourceQuery())
	if err != nil {
		return copied{}, fmt.Errorf("read %s from the source: %w", p.name, err)
	}
	defer rows.Close()
	s := &sourceRows{rows: rows, vals: make([]any, len(p.cols)), ptrs: make([]any, len(p.cols)), text: make([]bool, len(p.cols)),
		d: newDigest(), progress: progress, next: time.Now().Add(time.Second)}
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
		s.text[i] = p.cols[i].textual()
	}
	names := make([]string, len(p.cols))
	for i, c := range p.cols {
		names[i] = c.name
	}
	n, err := dst.CopyFrom(ctx, pgx.Identifier{p.name}, names, s)
	if s.err != nil {
		return copied{}, fmt.Errorf("read %s from the source: %w", p.name, s.err)
	}
	if err != nil {
		return copied{}, fmt.Errorf("copy %s into the target: %w", p.name, err)
	}
	if n != s.d.rows {
		return copied{}, fmt.Errorf("copy %s into the target: %d rows read but %d written", p.name, s.d.rows, n)
	}
	return copied{rows: n, sum: s.d.sum(), cleaned: s.cleaned}, nil
}

// copied is what copyTable wrote.
type copied struct {
	rows    int64
	sum     string
	cleaned int64
}

// sumTarget reads the table back from the target, inside the copying
// transaction, and returns its rows and their sum.
func sumTarget(ctx context.Context, dst pgx.Tx, p plan) (int64, string, error) {
	rows, err := dst.Query(ctx, p.targetQuery())
	if err != nil {
		return 0, "", fmt.Errorf("read %s back from the target: %w", p.name, err)
	}
	defer rows.Close()
	d := newDigest()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return 0, "", fmt.Errorf("read %s back from the target: %w", p.name, err)
		}
		if err := d.row(vals); err != nil {
			return 0, "", fmt.Errorf("read %s back from the target: %w", p.name, err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, "", fmt.Errorf("read %s back from the target: %w", p.name, err)
	}
	return d.rows, d.sum(), nil
}

// resetSequences sets each generated-ID sequence of the table to follow
// its highest ID, or the highest the source ever gave when its SQLite
// sequence remembers more (IDs of rows deleted since, such as erased
// subscribers', are never given again), so that the next row PostgreSQL
// numbers neither collides with a copied one nor takes a deleted one's ID.
func resetSequences(ctx context.Context, src *sql.Tx, dst pgx.Tx, table string) error {
	var given int64
	err := src.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = ?`, table).Scan(&given)
	if err != nil && !errors.Is(err, sql.ErrNoRows) && !strings.Contains(err.Error(), "no such table") {
		return fmt.Errorf("read the sequence of %s: %w", table, err)
	}
	rows, err := dst.Query(ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1
			AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`, table)
	if err != nil {
		return fmt.Errorf("find the sequences of %s: %w", table, err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("find the sequences of %s: %w", table, err)
	}
	for _, col := range cols {
		q := `SELECT setval(pg_get_serial_sequence($1, $2), greatest(coalesce(max(` + quote(col) + `), 0), $3) + 1, false) FROM ` + quote(table)
		if _, err := dst.Exec(ctx, q, quote(table), col, given); err != nil {
			return fmt.Errorf("reset the sequence of %s.%s: %w", table, col, err)
		}
	}
	return nil
}
