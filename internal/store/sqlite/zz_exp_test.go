package sqlite

import (
	"context"
	"fmt"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

func TestZZExp(t *testing.T) {
	ctx := context.Background()
	for _, variant := range []string{"selectvalues", "direct", "directdefer", "nofk", "numbered"} {
		st, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"))
		if err != nil {
			t.Fatal(err)
		}
		// 300k subscribers
		err = st.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300000)
				INSERT INTO subscriber (id, email, email_key, name, created_at) SELECT i, 'u'||i||'@x.org', 'u'||i||'@x.org', '', 0 FROM n`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for c := 0; c < 3; c++ {
			err = st.tx(ctx, func(tx *sql.Tx) error {
				if variant == "directdefer" {
					tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`)
				}
				if variant == "nofk" {
					// cannot change inside tx; emulate via ignore
				}
				q := bulkQuery{head: `INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at)
			SELECT column1, ?, column2, ?, ? FROM (VALUES `, row: `(?, ?)`, tail: `)`, fixed: []any{int64(1), int64(5), int64(5)}}
				fill := func(i int, args []any) []any { return append(args, int64(c*100000+i+1), "pending") }
				if variant != "selectvalues" {
					q = bulkQuery{head: `INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at) VALUES `, row: `(?, ?, ?, ?, ?)`}
					fill = func(i int, args []any) []any { return append(args, int64(c*100000+i+1), int64(1), "pending", int64(5), int64(5)) }
				}
				return exec(ctx, tx, q, 100000, fill, nil)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		fmt.Println(variant, time.Since(start))
		st.Close()
	}
}
