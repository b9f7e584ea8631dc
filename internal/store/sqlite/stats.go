package sqlite

import (
	"context"
	"fmt"
	"time"
)

// QueueStats reports how much mail waits in the delivery ledger and since
// when the oldest of it has waited, for the metrics read at each scrape.
// Waiting means queued, including retries not yet due and rows leased to a
// worker; a paused campaign's held rows wait by choice and are left out,
// so pausing a send does not look like a stuck queue. oldest is the zero
// time when nothing waits.
//
// The ledger keeps every message ever sent, so the query must not read
// it whole at each scrape: the queued rows are counted on their partial
// index (delivery_due), and the oldest is found as the lowest ID there,
// since IDs are handed out in the order rows are queued; only that one row
// is then read for its time.
func (s *Store) QueueStats(ctx context.Context) (depth int, oldest time.Time, err error) {
	var first int64
	err = s.queryRow(ctx, `SELECT
		(SELECT count(*) FROM delivery WHERE state = 'queued'),
		coalesce((SELECT created_at FROM delivery WHERE id = (SELECT min(id) FROM delivery WHERE state = 'queued')), 0)`,
	).Scan(&depth, &first)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("sqlite: queue stats: %w", err)
	}
	return depth, fromMS(first), nil
}
