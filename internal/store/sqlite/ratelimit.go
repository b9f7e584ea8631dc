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
