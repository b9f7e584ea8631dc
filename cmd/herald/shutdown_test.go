package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"herald/internal/smtptest"
)

// slowSignup is a POST /subscribe whose body arrives in two parts, so that
// the server holds it in progress until the test sends the rest.
type slowSignup struct {
	rest []byte
	w    *io.PipeWriter
	done chan error
	code int
}

func startSlowSignup(t *testing.T, base, email string) *slowSignup {
	t.Helper()
	body := url.Values{"email": {email}, "language": {"en"}, "source": {"/"}, "newsletter": {"1"}}.Encode()
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", base+"/subscribe", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // the page it leads to is asked for after the server has gone
	}}
	s := &slowSignup{rest: []byte(body[len(body)/2:]), w: pw, done: make(chan error, 1)}
	go func() {
		resp, err := client.Do(req)
		if err == nil {
			s.code = resp.StatusCode
			resp.Body.Close()
		}
		s.done <- err
	}()
	// Returns once the headers are out and the first half is taken.
	if _, err := pw.Write([]byte(body[:len(body)/2])); err != nil {
		t.Fatal(err)
	}
	return s
}

// finish sends the rest of the body and checks the answer.
func (s *slowSignup) finish(t *testing.T) {
	t.Helper()
	s.w.Write(s.rest)
	s.w.Close()
	select {
	case err := <-s.done:
		if err != nil || s.code >= 400 {
			t.Errorf("POST /subscribe in progress at shutdown: %d, %v; want it answered", s.code, err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("POST /subscribe in progress at shutdown: no answer within 10 s")
	}
}

// serveIn runs herald serve until ctx ends and waits until it answers.
func serveIn(ctx context.Context, t *testing.T, addr string, args ...string) (<-chan error, *syncBuffer) {
	t.Helper()
	done, stderr := make(chan error, 1), newSyncBuffer()
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--log-level", "warn"}, args...), env(nil), strings.NewReader(""), io.Discard, stderr)
	}()
	for deadline := time.Now().Add(15 * time.Second); ; {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return done, stderr
		}
		select {
		case err := <-done:
			t.Fatalf("herald serve exited early: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("herald serve did not answer within 15 s\n%s", stderr.String())
		}
	}
}

// TestShutdownStopsClaimingAtOnce stops herald serve while a campaign is
// going out through a slow mail server and two signups are still being
// posted. The sends in flight finish; the signups are answered, but their
// confirmation emails wait for the next start; and nothing claimed is left
// leased, so the next start sends everything at once rather than after the
// lease.
func TestShutdownStopsClaimingAtOnce(t *testing.T) {
	sink, err := smtptest.Start(smtptest.Options{Reply: func(string, []string, []byte) error {
		time.Sleep(100 * time.Millisecond)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	data, addr := t.TempDir(), freeAddr(t)
	args := []string{"--data", data, "--smtp", sink.URL() + "?connections=1", "--lease", "60s"}
	readers := addresses("r", 30)
	id := newCampaign(t, data, readers)
	cliAt(t, data, "campaign", "send", id)

	ctx, stop := context.WithCancel(context.Background())
	done, stderr := serveIn(ctx, t, addr, args...)
	if _, err := sink.Wait(1, 15*time.Second); err != nil {
		stop()
		t.Fatalf("no campaign message arrived: %v\n%s", err, stderr.String())
	}
	first := startSlowSignup(t, "http://"+addr, "first@example.org")
	second := startSlowSignup(t, "http://"+addr, "second@example.org")
	time.Sleep(100 * time.Millisecond) // the server reads the headers
	stop()                             // SIGTERM
	atStop := sink.Count()
	time.Sleep(200 * time.Millisecond)
	first.finish(t)
	time.Sleep(1500 * time.Millisecond) // time enough for a sender still claiming to send it
	second.finish(t)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("herald serve returned %v after SIGTERM\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("herald serve did not stop within 30 s of SIGTERM")
	}
	got := sink.Received()
	for _, a := range []string{"first@example.org", "second@example.org"} {
		if got[a] > 0 {
			t.Errorf("%s got a confirmation email after SIGTERM; want it kept queued for the next start", a)
		}
	}
	if n := sink.Count() - atStop; n > 8 {
		t.Errorf("%d campaign messages went out after SIGTERM; want at most the 8 a worker has in flight", n)
	}

	ctx, stop = context.WithCancel(context.Background())
	done, stderr = serveIn(ctx, t, addr, args...)
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("herald serve returned %v\n%s", err, stderr.String())
		}
	}()
	want := len(readers) + 2
	if _, err := sink.Wait(want, 15*time.Second); err != nil {
		t.Fatalf("after a restart %d of %d messages arrived within 15 s (a lease of 60 s left behind?): %v\n%s",
			sink.Count(), want, err, stderr.String())
	}
	for _, a := range append(readers, "first@example.org", "second@example.org") {
		if n := sink.Received()[a]; n != 1 {
			t.Errorf("%s received %d messages; want 1", a, n)
		}
	}
}

// TestShutdownSaysWhatItCutOff gives a request that outlasts the shutdown
// deadline: the shutdown closes its connection and says so in words.
func TestShutdownSaysWhatItCutOff(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var inProgress requests
	srv := &http.Server{Handler: inProgress.count(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	answered := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); inProgress.n.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the slow request did not reach its handler within 5 s")
		}
	}
	err = stopServing(srv, &inProgress, 200*time.Millisecond)
	want := "gave up after 200ms on 1 HTTP request still in progress; its connection was closed unanswered"
	if err == nil || err.Error() != want {
		t.Errorf("stopServing with a request in progress past the deadline = %v; want %q", err, want)
	}
	select {
	case err := <-answered:
		if err == nil {
			t.Errorf("the cut-off request was answered; want its connection closed")
		}
	case <-time.After(5 * time.Second):
		t.Errorf("the cut-off request's connection is still open 5 s after the shutdown gave up")
	}
}
