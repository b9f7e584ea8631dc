// Command campaign measures sending: a real campaign through the real
// engine (herald serve in its own process) to Postfix's smtp-sink on
// loopback. It prints messages per second, CPU seconds and peak memory of
// the herald process, with and without DKIM, and beside them what bounds
// them on this machine: the loopback path with nothing else done per
// message (Postfix's smtp-source, then Herald's own SMTP client, into the
// same sink) and the rate at which DKIM signing alone runs.
//
//	go run ./bench/campaign -recipients 100000 -connections 16
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"herald/bench/internal/pgdb"
	"herald/internal/campaign"
	"herald/internal/mail"
	"herald/internal/smtptest"
	"herald/internal/store/postgres"
	"herald/internal/store/sqlite"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/campaign:", err)
		os.Exit(1)
	}
}

type options struct {
	recipients, connections, rounds int
	stories                         int
	sink                            string
	dkim                            string // "", "rsa", "ed25519", or "both"
	postgres                        string // server URL: run on PostgreSQL instead of SQLite
	nodes                           int
}

func run() error {
	var o options
	flag.IntVar(&o.recipients, "recipients", 100000, "subscribers in the campaign")
	flag.IntVar(&o.connections, "connections", 16, "SMTP connections (and send workers)")
	flag.IntVar(&o.rounds, "rounds", 1, "runs of each configuration; the median is reported")
	flag.IntVar(&o.stories, "stories", 1, "stories in the issue: 1 makes a message of about 4.5 KB, each more adds about 0.7 KB")
	flag.StringVar(&o.sink, "sink", "/usr/sbin/smtp-sink", "Postfix's smtp-sink (apt-get install postfix)")
	flag.StringVar(&o.dkim, "dkim", "both", "none, rsa, ed25519 or both (none and rsa)")
	flag.StringVar(&o.postgres, "postgres", "", "a PostgreSQL server URL (bash .ci/postgres.sh prints one): each run gets a fresh database on it")
	flag.IntVar(&o.nodes, "nodes", 1, "herald serve processes sending together (needs -postgres when more than 1)")
	flag.Parse()
	if o.nodes < 1 || (o.nodes > 1 && o.postgres == "") {
		return errors.New("-nodes above 1 needs -postgres: several nodes share one PostgreSQL database")
	}
	if _, err := os.Stat(o.sink); err != nil {
		return fmt.Errorf("no smtp-sink at %s: apt-get install postfix", o.sink)
	}
	tmp, err := os.MkdirTemp("", "herald-bench-campaign-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "herald")
	if err := sh(nil, "go", "build", "-o", bin, "./cmd/herald"); err != nil {
		return fmt.Errorf("build herald (run from the repository root): %w", err)
	}
	csv := filepath.Join(tmp, "list.csv")
	if err := writeList(csv, o.recipients); err != nil {
		return err
	}
	md := filepath.Join(tmp, "issue.md")
	if err := os.WriteFile(md, []byte(issue(o.stories)), 0o600); err != nil {
		return err
	}
	store := "SQLite"
	if o.postgres != "" {
		store = fmt.Sprintf("PostgreSQL, %d node(s)", o.nodes)
	}
	fmt.Printf("machine: %d CPUs, %s; %s; %d recipients, %d connections per node, sink %s\n",
		runtime.NumCPU(), runtime.Version(), store, o.recipients, o.connections, o.sink)

	size, err := messageSize(bin, tmp, md)
	if err != nil {
		return err
	}
	fmt.Printf("one message: %d bytes (%d stories)\n", size, o.stories)
	if c, err := sourceCeiling(o, size); err != nil {
		fmt.Printf("smtp-source ceiling not measured: %v\n", err)
	} else {
		fmt.Printf("smtp-source alone, %d sessions, %d-byte messages: %.0f msg/s, the sink busy %.0f%% of the time (the loopback ceiling)\n",
			o.connections, size, c.rate, 100*c.sinkBusy)
	}
	if c, err := clientCeiling(o, size); err != nil {
		fmt.Printf("client ceiling not measured: %v\n", err)
	} else {
		fmt.Printf("Herald's SMTP client alone, %d connections, %d-byte messages: %.0f msg/s, %.0f µs of CPU a message, the sink busy %.0f%% of the time (the ceiling for any engine with this client and sink)\n",
			o.connections, size, c.rate, c.clientCPU.Seconds()*1e6, 100*c.sinkBusy)
	}

	configs := []string{"none"}
	switch o.dkim {
	case "both":
		configs = append(configs, "rsa")
	case "rsa", "ed25519":
		configs = []string{o.dkim}
	}
	for _, cfg := range configs {
		var results []result
		for range o.rounds {
			r, err := sendOnce(bin, tmp, csv, md, cfg, o)
			if err != nil {
				return err
			}
			results = append(results, r)
			fmt.Printf("dkim %-7s %8.0f msg/s  %6.1f s  cpu %6.1f s  peak RSS %4d MB  sink busy %3.0f%%\n",
				cfg, r.rate, r.seconds, r.cpu, r.rssMB, 100*r.sinkBusy)
		}
		slices.SortFunc(results, func(a, b result) int { return cmp.Compare(a.rate, b.rate) })
		m := results[len(results)/2]
		fmt.Printf("median dkim %-7s %8.0f msg/s  cpu %.1f s  peak RSS %d MB\n", cfg, m.rate, m.cpu, m.rssMB)
		if cfg != "none" {
			alone, err := signAlone(cfg, o.stories, 5*time.Second)
			if err != nil {
				return err
			}
			fmt.Printf("%s signing alone on %d cores: %.0f msg/s; the campaign ran at %.0f%% of it\n",
				cfg, runtime.NumCPU(), alone, 100*m.rate/alone)
		}
	}
	return nil
}

type result struct {
	rate, seconds, cpu float64
	sinkBusy           float64 // the sink's CPU time over the sending time
	rssMB              int64
}

// sendOnce builds a fresh database, imports the list, sends one campaign
// and measures the herald process that sent it.
func sendOnce(bin, tmp, csv, md, dkim string, o options) (result, error) {
	data, err := os.MkdirTemp(tmp, "data-")
	if err != nil {
		return result{}, err
	}
	dbArgs := []string{"--data", data}
	if o.postgres != "" {
		db, drop, err := pgdb.Create(context.Background(), o.postgres)
		if err != nil {
			return result{}, err
		}
		defer drop()
		dbArgs = append(dbArgs, "--database", db)
	}
	herald := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := sh(&out, bin, append(args, dbArgs...)...)
		return out.String(), err
	}
	if _, err := herald("subscriber", "import", csv, "--confirmed"); err != nil {
		return result{}, err
	}
	id, err := herald("campaign", "create", "--newsletter", "news", "--subject", "The week in the harbour", "--markdown", md)
	if err != nil {
		return result{}, err
	}
	id = strings.TrimSpace(id)

	sink, err := startSink(o)
	if err != nil {
		return result{}, err
	}
	defer sink.stop()

	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn",
		"--smtp", fmt.Sprintf("smtp://%s?connections=%d", sink.addr, o.connections)}, dbArgs...)
	if dkim != "none" {
		key := filepath.Join(data, "dkim.pem")
		// keygen touches no database, so it takes no --data.
		if err := sh(nil, bin, "dkim", "keygen", "--domain", "example.org", "--selector", "bench", "--algorithm", dkim, "--out", key); err != nil {
			return result{}, err
		}
		args = append(args, "--dkim-key", key, "--dkim-domain", "example.org", "--dkim-selector", "bench")
	}
	var nodes []*exec.Cmd
	for range o.nodes {
		srv := exec.Command(bin, args...)
		srv.Stderr = os.Stderr
		if err := srv.Start(); err != nil {
			return result{}, err
		}
		nodes = append(nodes, srv)
	}
	kill := func() {
		for _, n := range nodes {
			n.Process.Kill()
		}
	}
	time.Sleep(500 * time.Millisecond) // let it open the database and listen
	// The campaign's state is read from the database in this process: a
	// herald command per poll would take CPU from the servers measured.
	watch, err := openWatch(context.Background(), data, o.postgres, dbArgs)
	if err != nil {
		kill()
		return result{}, err
	}
	defer watch.Close()
	campaignID, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		kill()
		return result{}, fmt.Errorf("campaign create printed %q, not an ID", id)
	}
	start, sinkCPU0 := time.Now(), sink.cpu()
	if _, err := herald("campaign", "send", id); err != nil {
		kill()
		return result{}, err
	}
	// Sending ends when every address of the frozen audience has its
	// outcome in the ledger. The campaign is marked sent at the
	// scheduler's next tick, up to a second later; that is waited for and
	// told, not counted.
	var elapsed time.Duration
	var sinkBusy float64
	for {
		c, err := watch.Campaign(context.Background(), campaignID)
		if err != nil {
			kill()
			return result{}, err
		}
		if elapsed == 0 && !c.FrozenAt.IsZero() && c.Remaining() == 0 {
			elapsed = time.Since(start)
			sinkBusy = (sink.cpu() - sinkCPU0).Seconds() / elapsed.Seconds()
		}
		if c.State == campaign.Sent {
			if elapsed == 0 {
				elapsed = time.Since(start)
			}
			r := time.Since(start) - elapsed
			fmt.Fprintf(os.Stderr, "campaign %d: every address answered after %.1f s, marked sent %.1f s later\n", campaignID, elapsed.Seconds(), r.Seconds())
			break
		}
		if time.Since(start) > 30*time.Minute {
			kill()
			return result{}, errors.New("campaign did not finish in 30 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := result{rate: float64(o.recipients) / elapsed.Seconds(), seconds: elapsed.Seconds(), sinkBusy: sinkBusy}
	for _, srv := range nodes {
		r.rssMB = max(r.rssMB, peakRSS(srv.Process.Pid))
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
		if ru, ok := srv.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		}
	}
	return r, nil
}

// signAlone measures DKIM signing of a message like the campaign's on all
// cores and returns how many messages a second the cores allow when they
// do nothing else: the ceiling for a signed campaign.
func signAlone(alg string, stories int, d time.Duration) (float64, error) {
	key, _, err := mail.GenerateDKIMKey(alg)
	if err != nil {
		return 0, err
	}
	signer, err := mail.NewDKIM("example.org", "bench", key)
	if err != nil {
		return 0, err
	}
	msg, err := mail.Build(&mail.Message{
		From: mail.Address{Name: "Herald", Email: "news@example.org"}, To: mail.Address{Name: "Reader", Email: "reader@example.org"},
		Subject: "The week in the harbour", Text: issue(stories), HTML: "<p>" + issue(stories) + "</p>", MessageID: "c1.s1@example.org", Date: time.Now(),
	})
	if err != nil {
		return 0, err
	}
	var n atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cpu0 := selfCPU()
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := signer.Sign(msg); err == nil {
					n.Add(1)
				}
			}
		})
	}
	wg.Wait()
	// What the cores allow is counted from the CPU time each signature
	// took, so that other work on a shared machine does not lower it.
	perSign := (selfCPU() - cpu0).Seconds() / float64(n.Load())
	return float64(runtime.NumCPU()) / perSign, nil
}

// selfCPU is the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// messageSize sends the campaign to one subscriber through a Go SMTP
// server and returns the size of the message as it arrived.
func messageSize(bin, tmp, md string) (int, error) {
	data, err := os.MkdirTemp(tmp, "probe-")
	if err != nil {
		return 0, err
	}
	csv := filepath.Join(data, "one.csv")
	if err := writeList(csv, 1); err != nil {
		return 0, err
	}
	herald := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := sh(&out, bin, append(args, "--data", data)...)
		return strings.TrimSpace(out.String()), err
	}
	if _, err := herald("subscriber", "import", csv, "--confirmed"); err != nil {
		return 0, err
	}
	id, err := herald("campaign", "create", "--newsletter", "news", "--subject", "The week in the harbour", "--markdown", md)
	if err != nil {
		return 0, err
	}
	if _, err := herald("campaign", "send", id); err != nil {
		return 0, err
	}
	srv, err := smtptest.Start(smtptest.Options{})
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	serve := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--log-level", "warn", "--data", data, "--smtp", srv.URL())
	serve.Stderr = os.Stderr
	if err := serve.Start(); err != nil {
		return 0, err
	}
	defer func() { serve.Process.Kill(); serve.Wait() }()
	msgs, err := srv.Wait(1, 30*time.Second)
	if err != nil {
		return 0, fmt.Errorf("probe message: %w", err)
	}
	return len(msgs[0].Data), nil
}

func writeList(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	w.WriteString("email,name\n")
	for i := range n {
		fmt.Fprintf(w, "reader%d@example.org,Reader %d\n", i, i)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// peakRSS reads a running process's peak resident memory, in MB, from
// /proc. (The rusage of a finished child is no use here: Linux counts in
// it the memory of the parent that started it.)
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb / 1024
		}
	}
	return 0
}

// issue is a newsletter of the given number of stories, as a Markdown file.
func issue(stories int) string {
	var b strings.Builder
	b.WriteString("# The week in the harbour\n\n")
	for i := range stories {
		fmt.Fprintf(&b, "## Story %d\n\nThe swing bridge carried its first buses this week after twenty-six months of repairs; "+
			"commuters on lines 4 and 11 get their old routes back and cyclists a lane of their own. [Read more](/articles/story-%d)\n\n", i+1, i+1)
	}
	return b.String()
}

func sh(out *bytes.Buffer, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	var errOut bytes.Buffer
	if out != nil {
		cmd.Stdout = out
	}
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, errOut.String())
	}
	return nil
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitPort(addr string) {
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// campaignWatch reads campaigns from the database the servers use.
type campaignWatch interface {
	Campaign(ctx context.Context, id int64) (campaign.Campaign, error)
	Close() error
}

func openWatch(ctx context.Context, data, postgresURL string, dbArgs []string) (campaignWatch, error) {
	if postgresURL != "" {
		return postgres.Open(ctx, dbArgs[len(dbArgs)-1])
	}
	return sqlite.Open(ctx, filepath.Join(data, "herald.db"))
}
