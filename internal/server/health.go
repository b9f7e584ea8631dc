package server

import (
	"context"
	"net/http"
	"time"
)

// Pinger is a database that can say whether it answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// ReadyChecker is a database that can say whether it answers and whether
// its schema is the one this program was built for.
type ReadyChecker interface {
	Pinger
	MigrationsApplied(ctx context.Context) (bool, error)
}

// checkTimeout bounds a probe's database call: an orchestrator waits a
// few seconds for an answer, and a late one is as bad as none.
const checkTimeout = 2 * time.Second

// Health answers /healthz: 200 "ok" for as long as the process serves
// requests. Liveness never depends on the database, since restarting
// Herald does not bring a database back and a restart loop during an
// outage would only drop the mail being sent; that is what Ready is for.
// The database's answer to a ping is still reported, in the
// Herald-Database header ("ok" or "unreachable"), so a person looking at
// a live but unready process sees why without a second request.
func Health(st Pinger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		if st != nil {
			ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
			err := st.Ping(ctx)
			cancel()
			if err != nil {
				h.Set("Herald-Database", "unreachable")
			} else {
				h.Set("Herald-Database", "ok")
			}
		}
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write([]byte("ok\n"))
		}
	})
}

// Ready answers /readyz: 200 when the database answers and holds every
// migration this program knows, so a load balancer sends requests only to
// processes that can serve them; otherwise 503 with a short reason. The
// reason names the failing check but not the driver's error, which may
// name hosts and accounts and would be shown to whoever reaches the port.
func Ready(st ReadyChecker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
		defer cancel()
		status, body := http.StatusOK, "ready\n"
		if err := st.Ping(ctx); err != nil {
			status, body = http.StatusServiceUnavailable, "database unreachable\n"
		} else if ok, err := st.MigrationsApplied(ctx); err != nil {
			status, body = http.StatusServiceUnavailable, "cannot read the applied migrations\n"
		} else if !ok {
			status, body = http.StatusServiceUnavailable, "database migrations not applied\n"
		}
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			w.Write([]byte(body))
		}
	})
}
