package sqlite

import (
	"context"
	"fmt"
	"time"
)

// QueueStats reports how much mail waits in the delivery ledger and since
// when the oldest of it has waited, for the metrics read at each scrape.
// Waiting means queued (including retries not yet due) or leased to a
// worker; a paused campaign's held rows wait by choice and are left out,
// so pausing a send does not look like a stuck queue. oldest is the zero
// time when nothing waits.
func (s *Store) QueueStats(ctx context.Context) (depth int, oldest time.Time, err error) {
	var first int64
	err = s.queryRow(ctx, `SELECT count(*), coalesce(min(created_at), 0) FROM delivery
		WHERE state IN ('queued', 'sending')`).Scan(&depth, &first)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("sqlite: queue stats: %w", err)
	}
	return depth, fromMS(first), nil
}
