package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// shutdownTimeout is how long a stopping server waits for the requests in
// progress to be answered. The mail sender stops claiming at once and is
// bounded by its own send timeout.
const shutdownTimeout = 15 * time.Second

// requests counts the HTTP requests being answered, so that a shutdown
// that cannot wait for all of them can say how many it cut off.
type requests struct{ n atomic.Int64 }

func (r *requests) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.n.Add(1)
		defer r.n.Add(-1)
		h.ServeHTTP(w, req)
	})
}

// stopServing stops taking requests and waits up to timeout for those in
// progress to be answered. Those still unanswered then have their
// connections closed, and the error says how many there were.
func stopServing(srv *http.Server, inProgress *requests, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err == nil {
		return nil
	}
	n := int(inProgress.n.Load())
	srv.Close()
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stop serving: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("gave up after %s on connections still sending a request; they were closed unanswered", timeout)
	}
	return fmt.Errorf("gave up after %s on %s still in progress; %s closed unanswered",
		timeout, plural(n, "HTTP request", "HTTP requests"), verb(n, "its connection was", "their connections were"))
}
