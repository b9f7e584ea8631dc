package sqlite

import (
	"context"
	"database/sql"
	"strings"
)

// bulkQuery is a statement whose row part repeats: head, row, row, …, tail.
// fixed holds the values of the placeholders in head.
type bulkQuery struct {
	head, row, tail string
	fixed           []any
}

func (q bulkQuery) text(n int) string {
	var b strings.Builder
	b.WriteString(q.head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(q.row)
	}
	b.WriteString(q.tail)
	return b.String()
}

// bulk runs q over count rows, importBatch rows a statement; fill appends
// the values of row i.
func bulk(ctx context.Context, tx *sql.Tx, q bulkQuery, count int, fill func(i int, args []any) []any,
	run func(st *sql.Stmt, from, to int, args []any) error) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, len(q.fixed)+min(count, importBatch)*strings.Count(q.row, "?"))
	for from := 0; from < count; from += importBatch {
		to := min(from+importBatch, count)
		args = append(args[:0], q.fixed...)
		for i := from; i < to; i++ {
			args = fill(i, args)
		}
		st := full
		if to-from < importBatch || full == nil {
			var err error
			if st, err = tx.PrepareContext(ctx, q.text(to-from)); err != nil {
				return err
			}
			if to-from == importBatch {
				full = st
			} else {
				defer st.Close()
			}
		}
		if err := run(st, from, to, args); err != nil {
			return err
		}
	}
	return nil
}

// exec runs a bulk write; done, if set, hears how many rows each batch
// changed.
func exec(ctx context.Context, tx *sql.Tx, q bulkQuery, count int, fill func(i int, args []any) []any, done func(from, to int, changed int64)) error {
	return bulk(ctx, tx, q, count, fill, func(st *sql.Stmt, from, to int, args []any) error {
		r, err := st.ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		if done != nil {
			n, err := r.RowsAffected()
			if err != nil {
				return err
			}
			done(from, to, n)
		}
		return nil
	})
}

// query runs a bulk read, calling scan for every row found.
func query(ctx context.Context, tx *sql.Tx, q bulkQuery, count int, fill func(i int, args []any) []any, scan func(*sql.Rows) error) error {
	return bulk(ctx, tx, q, count, fill, func(st *sql.Stmt, _, _ int, args []any) error {
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
