package sqlite

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"
)

// ledgerHeld rebuilds the delivery ledger with the state check of today.
//
//go:embed repair/ledger_held.sql
var ledgerHeld string

// repairLedgerCheck fixes a database made by Herald's first build, whose
// ledger refuses the state 'held' that pausing a campaign writes: that
// build's first migration lacked it, and later builds changed the
// migration instead of adding one. Such a ledger is rebuilt once, in one
// transaction; any other database costs a look at its schema.
func (s *Store) repairLedgerCheck(ctx context.Context) error {
	var schema string
	if err := s.write.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'delivery'`).Scan(&schema); err != nil {
		return fmt.Errorf("sqlite: read the ledger's schema: %w", err)
	}
	if strings.Contains(schema, "'held'") {
		return nil
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, ledgerHeld)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: rebuild the ledger to hold paused mail: %w", err)
	}
	return nil
}
