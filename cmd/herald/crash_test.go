package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"herald/internal/smtptest"
)

// process is herald serve in a child process (this test binary re-run as
// herald, see TestMain), which a test may kill outright.
type process struct {
	cmd    *exec.Cmd
	addr   string // where it serves
	stderr bytes.Buffer
}

func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	// A later --addr wins: the test must know where to ask whether the
	// process is up.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &process{addr: addr, cmd: exec.Command(os.Args[0], append(append([]string{"serve"}, args...), "--addr", addr)...)}
	p.cmd.Env = append(os.Environ(), "HERALD_RUN_MAIN=1")
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *process) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
}

// stop sends SIGTERM once the process serves (before that it has not yet
// taken the signal over) and checks that it exits cleanly.
func (p *process) stop(t *testing.T) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	for up := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Errorf("herald serve exited with %v before it served\n%s", err, p.stderr.String())
			return
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(up) {
			t.Errorf("herald serve did not answer on %s within 30 s", p.addr)
			break
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("herald serve exited with %v after SIGTERM\n%s", err, p.stderr.String())
		}
	case <-time.After(30 * time.Second):
		p.kill()
		t.Errorf("herald serve did not stop within 30 s of SIGTERM")
	}
}

// cliAt runs a herald command on a data folder and returns its output.
func cliAt(t *testing.T, data string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--data", data)
	if err := run(context.Background(), args, env(nil), strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("herald %v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

type status struct {
	State     string `json:"state"`
	Total     int    `json:"total"`
	Sent      int    `json:"sent"`
	Failed    int    `json:"failed"`
	Remaining int    `json:"remaining"`
}

func campaignState(t *testing.T, data, id string) status {
	t.Helper()
	return statusOf(t, cliAt(t, data, "campaign", "status", id, "--json"))
}

func statusOf(t *testing.T, out string) status {
	t.Helper()
	var s status
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("campaign status --json printed %q: %v", out, err)
	}
	return s
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// addresses makes n addresses starting with prefix.
func addresses(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d@example.org", prefix, i)
	}
	return out
}

// newCampaign imports addrs as confirmed subscribers of the default
// newsletter and makes a draft campaign, whose ID it returns.
func newCampaign(t *testing.T, data string, addrs []string) string {
	t.Helper()
	return newCampaignWith(t, func(args ...string) string { return cliAt(t, data, args...) }, addrs)
}

func newCampaignWith(t *testing.T, cli func(args ...string) string, addrs []string) string {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("email,name\n")
	for i, a := range addrs {
		fmt.Fprintf(&csv, "%s,Reader %d\n", a, i)
	}
	file := filepath.Join(t.TempDir(), "list.csv")
	os.WriteFile(file, []byte(csv.String()), 0o600)
	cli("subscriber", "import", file, "--confirmed")
	md := writeTemp(t, "# This week\n\nThe **harbour** is open again.\n")
	return strings.TrimSpace(cli("campaign", "create", "--newsletter", "news", "--subject", "This week", "--markdown", md))
}

// repeatBound is what one kill of a sending process may repeat: the
// messages in flight (a worker sends up to the engine's pipeline depth of
// 8 back to back), plus the answers waiting to be written (the engine's
// result buffer, one per worker, the recorder group being written and the
// one being collected, 64 each).
func repeatBound(workers int) int { return workers*8 + workers + 64 + 64 }

// TestCampaignSurvivesKills kills the sending process with SIGKILL at
// random moments during a 20,000-recipient campaign, restarts it each time,
// and checks at the SMTP server that nobody was missed and that the repeats
// stay within what can be in flight or answered-but-unrecorded at a kill.
func TestCampaignSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("long: kills and restarts a sending process")
	}
	const recipients, kills, workers = 20000, 10, 8
	perKill := repeatBound(workers)

	sink, err := smtptest.Start(smtptest.Options{Discard: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	data := t.TempDir()
	addrs := addresses("k", recipients)
	id := newCampaign(t, data, addrs)
	cliAt(t, data, "campaign", "send", id)

	args := []string{"--data", data, "--addr", "127.0.0.1:0", "--smtp", sink.URL() + "?connections=" + fmt.Sprint(workers),
		"--lease", "2s", "--log-level", "warn"}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for k := 0; k < kills; k++ {
		p := startProcess(t, args...)
		time.Sleep(time.Duration(300+rng.IntN(900)) * time.Millisecond)
		p.kill()
		t.Logf("kill %d: %d messages at the server", k+1, sink.Count())
	}
	p := startProcess(t, args...)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		s := campaignState(t, data, id)
		if s.State == "sent" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign not sent after 3 minutes: %+v\n%s", s, p.stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	p.stop(t)

	got := sink.Received()
	lost, dups := 0, 0
	for _, a := range addrs {
		switch n := got[a]; {
		case n == 0:
			lost++
		case n > 1:
			dups += n - 1
		}
	}
	s := campaignState(t, data, id)
	t.Logf("%d recipients, %d kills: %d lost, %d repeats (bound %d); ledger %+v", recipients, kills, lost, dups, kills*perKill, s)
	if lost > 0 {
		t.Errorf("%d recipients never received the campaign", lost)
	}
	if dups > kills*perKill {
		t.Errorf("%d repeats, more than %d (%d kills × %d in flight or unrecorded)", dups, kills*perKill, kills, perKill)
	}
	if s.Sent != recipients || s.Total != recipients || s.Remaining != 0 {
		t.Errorf("ledger says %+v; want all %d sent", s, recipients)
	}
}

// TestCampaignThroughUnreliableServer sends through a server that defers
// 30% of transactions with 421, drops 5% of connections after DATA and
// refuses some addresses with 550: everything deliverable arrives, and no
// refused address is ever tried again.
func TestCampaignThroughUnreliableServer(t *testing.T) {
	const recipients = 1500
	var calls, drops int
	var mu = make(chan struct{}, 1)
	lock := func() func() { mu <- struct{}{}; return func() { <-mu } }
	rng := rand.New(rand.NewPCG(7, 7))
	refused := map[string]int{}
	sink, err := smtptest.Start(smtptest.Options{
		Discard: true,
		Drop: func(string, []string) bool {
			defer lock()()
			drops++
			return rng.IntN(100) < 5
		},
		Reply: func(_ string, to []string, _ []byte) error {
			defer lock()()
			calls++
			if strings.HasPrefix(to[0], "gone") {
				refused[to[0]]++
				return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
			}
			if rng.IntN(100) < 30 {
				return &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 7, 0}, Message: "try again later"}
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	h := startHerald(t, "--smtp", sink.URL(), "--retry-min", "50ms")
	addrs, gone := addresses("u", recipients), addresses("gone", 20)
	id := newCampaign(t, h.data, append(append([]string(nil), addrs...), gone...))
	cliAt(t, h.data, "campaign", "send", id)

	deadline := time.Now().Add(2 * time.Minute)
	for campaignState(t, h.data, id).State != "sent" {
		if time.Now().After(deadline) {
			t.Fatalf("campaign not sent after 2 minutes: %+v", campaignState(t, h.data, id))
		}
		time.Sleep(200 * time.Millisecond)
	}
	got := sink.Received()
	for _, a := range addrs {
		if got[a] == 0 {
			t.Errorf("%s never received the campaign", a)
		}
	}
	s := campaignState(t, h.data, id)
	if s.Failed != len(gone) || s.Sent != recipients {
		t.Errorf("ledger %+v; want %d sent and the %d refused addresses failed", s, recipients, len(gone))
	}
	defer lock()()
	for _, a := range gone {
		if got[a] != 0 || refused[a] != 1 {
			t.Errorf("%s: delivered %d times, refused %d times; want tried once and never delivered", a, got[a], refused[a])
		}
	}
	t.Logf("%d transactions, %d DATA commands seen by the drop check", calls, drops)
}
