package sqlite

import (
	"context"
	"fmt"
	"time"
)

// CountInWindow adds one to key's counter for the fixed window holding now
// and returns the new count. Every process on the database shares it, so a
// limit built on it holds for all of them together.
func (s *Store) CountInWindow(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	start := now.UnixMilli() - now.UnixMilli()%window.Milliseconds()
	var n int
	err := s.write.QueryRowContext(ctx, `INSERT INTO rate_window (key, window_start, count) VALUES (?, ?, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1 RETURNING count`, key, start).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count in window: %w", err)
	}
	if n == 1 && start%(10*window.Milliseconds()) == 0 {
		// Now and then, forget windows long past.
		s.write.ExecContext(ctx, `DELETE FROM rate_window WHERE window_start < ?`, start-window.Milliseconds())
	}
	return n, nil
}

// TakeFromWindow takes up to want of the limit units that key's fixed
// window holding now allows, and returns how many it got: fewer when the
// window is nearly spent, none when it is. Every process on the database
// shares the windows, so the limit holds for all of them together.
func (s *Store) TakeFromWindow(ctx context.Context, key string, window time.Duration, now time.Time, want, limit int) (int, error) {
	if want <= 0 || limit <= 0 {
		return 0, nil
	}
	start := now.UnixMilli() - now.UnixMilli()%window.Milliseconds()
	var got int
	// The right-hand sides of SET all see the row as it was, so granted is
	// what this call added to count.
	err := s.write.QueryRowContext(ctx, `INSERT INTO rate_window (key, window_start, count, granted) VALUES (?1, ?2, min(?3, ?4), min(?3, ?4))
		ON CONFLICT (key, window_start) DO UPDATE SET
			granted = min(?3, max(0, ?4 - count)), count = count + min(?3, max(0, ?4 - count))
		RETURNING granted`, key, start, want, limit).Scan(&got)
	if err != nil {
		return 0, fmt.Errorf("sqlite: take from window: %w", err)
	}
	if got > 0 && start%(100*window.Milliseconds()) == 0 {
		// Now and then, forget this key's windows long past.
		s.write.ExecContext(ctx, `DELETE FROM rate_window WHERE key = ? AND window_start < ?`, key, start-window.Milliseconds())
	}
	return got, nil
}
