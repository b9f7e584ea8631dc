// Command site measures the public site on loopback: requests per second and
// latency of an article page and of the signup POST, beside the same page
// served as a static file by the Go standard library. Herald and the static
// server run as separate processes; this program is the load.
//
//	go run ./bench/site -duration 10s -connections 16 -rounds 3
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"herald/bench/internal/pgdb"
	"herald/internal/smtptest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/site:", err)
		os.Exit(1)
	}
}

func run() error {
	duration := flag.Duration("duration", 10*time.Second, "length of each measurement")
	conns := flag.Int("connections", 16, "concurrent connections")
	rounds := flag.Int("rounds", 3, "rounds of the three measurements; medians are reported")
	sinkPath := flag.String("sink", "/usr/sbin/smtp-sink", "Postfix's smtp-sink, for the confirmation emails")
	postgres := flag.String("postgres", "", "a PostgreSQL server URL (bash .ci/postgres.sh prints one): Herald runs on a fresh database there instead of SQLite")
	serveStatic := flag.String("serve-static", "", "internal: serve this folder on -addr and do nothing else")
	addr := flag.String("addr", "", "internal: address for -serve-static")
	flag.Parse()
	if *serveStatic != "" {
		return http.ListenAndServe(*addr, http.FileServer(http.Dir(*serveStatic)))
	}

	tmp, err := os.MkdirTemp("", "herald-bench-site-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "herald")
	build := exec.Command("go", "build", "-o", bin, "./cmd/herald")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build herald (run from the repository root): %w", err)
	}
	// The confirmation emails go to Postfix's smtp-sink when it is
	// installed (apt-get install postfix): a sink written in C leaves the
	// cores to Herald. Otherwise a Go SMTP server in this process takes them.
	var smtpURL, sinkName string
	if _, err := os.Stat(*sinkPath); err == nil {
		addr := freeAddr()
		sink := exec.Command(*sinkPath, "-u", "nobody", addr, "1024")
		if err := sink.Start(); err != nil {
			return err
		}
		defer func() { sink.Process.Kill(); sink.Wait() }()
		if err := waitPort(addr); err != nil {
			return err
		}
		smtpURL, sinkName = "smtp://"+addr, *sinkPath
	} else {
		sink, err := smtptest.Start(smtptest.Options{Discard: true})
		if err != nil {
			return err
		}
		defer sink.Close()
		smtpURL, sinkName = sink.URL(), "a Go SMTP server in this process"
	}

	store := "SQLite"
	args := []string{"--data", filepath.Join(tmp, "data")}
	if *postgres != "" {
		db, drop, err := pgdb.Create(context.Background(), *postgres)
		if err != nil {
			return err
		}
		defer drop()
		store = "PostgreSQL"
		args = append(args, "--database", db)
	}
	heraldAddr := freeAddr()
	herald := exec.Command(bin, append([]string{"serve", "--addr", heraldAddr,
		"--signup-limit", "0", "--smtp", smtpURL, "--log-level", "warn"}, args...)...)
	herald.Stderr = os.Stderr
	if err := herald.Start(); err != nil {
		return err
	}
	defer stop(herald)
	base := "http://" + heraldAddr
	if err := waitUp(base + "/robots.txt"); err != nil {
		return err
	}
	const articlePath = "/articles/harbour-bridge-reopens"
	page, err := fetch(base + articlePath)
	if err != nil {
		return err
	}
	staticDir := filepath.Join(tmp, "static")
	os.MkdirAll(staticDir, 0o755)
	if err := os.WriteFile(filepath.Join(staticDir, "article.html"), page, 0o644); err != nil {
		return err
	}
	staticAddr := freeAddr()
	self, _ := os.Executable()
	static := exec.Command(self, "-serve-static", staticDir, "-addr", staticAddr)
	static.Stderr = os.Stderr
	if err := static.Start(); err != nil {
		return err
	}
	defer stop(static)
	if err := waitUp("http://" + staticAddr + "/article.html"); err != nil {
		return err
	}

	fmt.Printf("machine: %d CPUs (GOMAXPROCS %d), %s; Herald on %s; page %d bytes; %d connections, %s per measurement, %d rounds\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), store, len(page), *conns, *duration, *rounds)
	var signupSeq atomic.Int64
	targets := []target{
		{name: "static file (net/http FileServer)", addr: staticAddr, req: getter(getRequest(staticAddr, "/article.html"))},
		{name: "article page (Herald)", addr: heraldAddr, req: getter(getRequest(heraldAddr, articlePath))},
		{name: "signup POST (Herald, durable)", addr: heraldAddr, req: func(buf []byte) []byte {
			n := signupSeq.Add(1)
			form := url.Values{"email": {fmt.Sprintf("bench%d@example.com", n)}, "newsletter": {"1"}, "language": {"en"}, "source": {articlePath}}
			return postForm(buf[:0], heraldAddr, "/subscribe", []byte(form.Encode()))
		}},
	}
	results := make([][]result, len(targets))
	for round := 1; round <= *rounds; round++ {
		for i, t := range targets {
			load(t, *conns, time.Second) // warm up
			r := load(t, *conns, *duration)
			results[i] = append(results[i], r)
			fmt.Printf("round %d  %-36s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d\n",
				round, t.name, r.rps, ms(r.p50), ms(r.p99), r.errors)
		}
	}
	fmt.Println()
	fmt.Println("| measurement | req/s (median) | p50 ms | p99 ms |")
	fmt.Println("| --- | ---: | ---: | ---: |")
	var medians []result
	for i, t := range targets {
		m := median(results[i])
		medians = append(medians, m)
		fmt.Printf("| %s | %.0f | %.2f | %.2f |\n", t.name, m.rps, ms(m.p50), ms(m.p99))
	}
	fmt.Printf("\narticle page at %.0f%% of the static file's rate\n", 100*medians[1].rps/medians[0].rps)
	fmt.Printf("signups committed: %d; confirmation emails sent to %s so far: %s\n", signupSeq.Load(), sinkName, sentConfirmations(base))
	return nil
}

// sentConfirmations reads from Herald's metrics how many confirmation
// emails (transactional mail) the mail server accepted.
func sentConfirmations(base string) string {
	body, err := fetch(base + "/metrics")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, `herald_mail_sent_total{kind="transactional"} `) {
			return strings.Fields(line)[1]
		}
	}
	return "0"
}

func waitPort(addr string) error {
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("nothing listens on %s", addr)
}

// target is one measurement: the server's address and what encodes the
// next request into a buffer.
type target struct {
	name string
	addr string
	req  func(buf []byte) []byte
}

// getter repeats one encoded request.
func getter(req []byte) func([]byte) []byte {
	return func([]byte) []byte { return req }
}

type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int64
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return result{
		rps: pick(func(r result) float64 { return r.rps }),
		p50: time.Duration(pick(func(r result) float64 { return float64(r.p50) })),
		p99: time.Duration(pick(func(r result) float64 { return float64(r.p99) })),
	}
}

// load keeps conns requests in flight, one per keep-alive connection, for d
// and measures each one.
func load(t target, conns int, d time.Duration) result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var all []time.Duration
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Go(func() {
			c := &conn{addr: t.addr}
			defer c.close()
			lat := make([]time.Duration, 0, 1<<16)
			var buf []byte
			for ctx.Err() == nil {
				buf = t.req(buf)
				t0 := time.Now()
				if err := c.do(buf); err != nil {
					errs.Add(1)
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	r := result{rps: float64(len(all)) / elapsed.Seconds(), errors: errs.Load()}
	if len(all) > 0 {
		r.p50 = all[len(all)/2]
		r.p99 = all[len(all)*99/100]
	}
	return r
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitUp(u string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("server at " + u + " did not start")
}

func fetch(u string) ([]byte, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func stop(c *exec.Cmd) {
	c.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		c.Process.Kill()
	}
}
