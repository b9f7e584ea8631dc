package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"herald/internal/smtptest"
	"herald/internal/store/pgtest"
)

// TestSeveralNodesShareACampaign runs three herald processes on one
// PostgreSQL database, kills one with SIGKILL in the middle of a campaign,
// and checks at the SMTP server that everyone got the message, that the
// repeats stay within what the killed node had in flight or unrecorded, and
// that a scheduled campaign fires once, not once per node.
func TestSeveralNodesShareACampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("long: runs three server processes")
	}
	db := pgtest.Database(t)
	const recipients, workers = 6000, 8
	perKill := repeatBound(workers)

	sink, err := smtptest.Start(smtptest.Options{Discard: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	data := t.TempDir()
	cli := func(args ...string) string { return cliAt(t, data, append(args, "--database", db)...) }
	addrs := addresses("n", recipients)
	id := newCampaignWith(t, cli, addrs)

	args := []string{"--database", db, "--data", data, "--addr", "127.0.0.1:0", "--log-level", "warn",
		"--smtp", sink.URL() + "?connections=" + fmt.Sprint(workers), "--lease", "2s"}
	nodes := []*process{startProcess(t, args...), startProcess(t, args...), startProcess(t, args...)}
	cli("campaign", "send", id)
	deadline := time.Now().Add(time.Minute)
	for sink.Count() < recipients/4 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d messages after a minute\n%s", sink.Count(), nodes[0].stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	nodes[0].kill()
	t.Logf("killed a node at %d messages", sink.Count())
	waitSent := func(id string) status {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			var s status
			s = statusOf(t, cli("campaign", "status", id, "--json"))
			if s.State == "sent" {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("campaign %s not sent after 2 minutes: %+v", id, s)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	s := waitSent(id)
	got := sink.Received()
	lost, dups := 0, 0
	for _, a := range addrs {
		if got[a] == 0 {
			lost++
		}
		dups += max(0, got[a]-1)
	}
	t.Logf("%d recipients, 3 nodes, 1 killed: %d lost, %d repeats (bound %d); ledger %+v", recipients, lost, dups, perKill, s)
	if lost > 0 || dups > perKill || s.Sent != recipients {
		t.Errorf("lost %d, repeated %d (bound %d), ledger sent %d of %d", lost, dups, perKill, s.Sent, recipients)
	}

	// A scheduled campaign, seen by the two nodes left, fires once.
	md := writeTemp(t, "# Later\n\nA scheduled issue.\n")
	id2 := strings.TrimSpace(cli("campaign", "create", "--newsletter", "news", "--subject", "Later", "--markdown", md))
	before := sink.Received()
	cli("campaign", "send", id2, "--at", time.Now().Add(2*time.Second).UTC().Format(time.RFC3339))
	s2 := waitSent(id2)
	after := sink.Received()
	for _, a := range addrs {
		if n := after[a] - before[a]; n != 1 {
			t.Fatalf("%s got the scheduled campaign %d times, want once (ledger %+v)", a, n, s2)
		}
	}
	for _, n := range nodes[1:] {
		n.stop(t)
	}
}
