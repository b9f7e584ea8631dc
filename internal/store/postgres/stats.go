package postgres

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
//
// The ledger keeps every message ever sent, so the query must not read
// it whole at each scrape: each state is counted on its own partial index
// (delivery_due, delivery_leased), and the oldest row is found as the
// lowest ID there, since IDs are handed out in the order rows are queued;
// only that one row is then read for its time.
func (s *Store) QueueStats(ctx context.Context) (depth int, oldest time.Time, err error) {
	var queued, sending int
	var firstQueued, firstSending int64
	err = s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM delivery WHERE state = 'queued'),
		(SELECT count(*) FROM delivery WHERE state = 'sending'),
		coalesce((SELECT created_at FROM delivery WHERE id = (SELECT min(id) FROM delivery WHERE state = 'queued')), 0),
		coalesce((SELECT created_at FROM delivery WHERE id = (SELECT min(id) FROM delivery WHERE state = 'sending')), 0)`,
	).Scan(&queued, &sending, &firstQueued, &firstSending)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("postgres: queue stats: %w", err)
	}
	return queued + sending, fromMS(earliestStamp(firstQueued, firstSending)), nil
}

// earliestStamp returns the smaller of two stored times, where 0 means none.
func earliestStamp(a, b int64) int64 {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}
