package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/internal/campaign"
	"herald/internal/store/sqlite"
)

// TestCampaignSendAndResumeRefusals: resume is for paused campaigns only,
// and a send refuses a time gone by and articles not public by then, each
// leaving the campaign a draft.
func TestCampaignSendAndResumeRefusals(t *testing.T) {
	data := t.TempDir()
	later := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	story := writeFile(t, "story.md", "---\ntitle: Embargoed\nslug: embargoed\nstatus: scheduled\npublished: "+
		later.Format(time.RFC3339)+"\n---\nText.\n")
	mustHerald(t, data, "article", "publish", story)
	out, _ := mustHerald(t, data, "campaign", "create", "--newsletter", "news", "--subject", "Soon", "--article", "embargoed")
	id := strings.TrimSpace(out)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"campaign", "resume", id}, "is draft; only a paused campaign resumes"},
		{[]string{"campaign", "send", id}, `include "Embargoed", which is not published by then`},
		{[]string{"campaign", "send", id, "--at", later.Add(-time.Hour).Format(time.RFC3339)}, "not published by then"},
		{[]string{"campaign", "send", id, "--at", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}, "the time given with --at has passed"},
	} {
		if _, _, err := herald(t, data, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("herald %v = %v; want an error saying %q", tc.args, err, tc.want)
		}
		if out, _ := mustHerald(t, data, "campaign", "status", id, "--json"); !strings.Contains(out, `"state":"draft"`) {
			t.Errorf("after herald %v: status %s; want still a draft", tc.args, out)
		}
	}
	at := later.Add(time.Hour).Format(time.RFC3339)
	if out, _ := mustHerald(t, data, "campaign", "send", id, "--at", at); !strings.Contains(out, "scheduled") {
		t.Errorf("campaign send --at %s printed %q; want it scheduled", at, out)
	}
	if _, _, err := herald(t, data, "campaign", "resume", id); err == nil || !strings.Contains(err.Error(), "is scheduled") {
		t.Errorf("resuming a scheduled campaign = %v; want a refusal", err)
	}
}

// TestCampaignCreateRefusesAudienceLanguage: a language no subscriber can
// hold would make a campaign that goes to nobody and is then marked sent.
func TestCampaignCreateRefusesAudienceLanguage(t *testing.T) {
	data := t.TempDir()
	story := writeFile(t, "story.md", "---\ntitle: Tides\nslug: tides\n---\nText.\n")
	mustHerald(t, data, "article", "publish", story)
	for _, l := range []string{"en_US", "xx-!!", "english"} {
		args := []string{"campaign", "create", "--newsletter", "news", "--subject", "Tides", "--article", "tides", "--audience-language", l}
		_, _, err := herald(t, data, args...)
		if want := `--audience-language: "` + strings.ToLower(l) + `" is not a language tag such as en or pt-br`; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("herald %v = %v; want an error saying %q", args, err, want)
		}
	}
	if out, _ := mustHerald(t, data, "campaign", "list", "--json"); out != "" {
		t.Errorf("campaign list after the refusals = %q; want no campaign made", out)
	}
	out, _ := mustHerald(t, data, "campaign", "create", "--newsletter", "news", "--subject", "Marés", "--article", "tides", "--audience-language", "PT-BR")
	if id := strings.TrimSpace(out); id != "1" {
		t.Errorf("campaign create --audience-language PT-BR printed %q; want the new campaign's ID 1", out)
	}
}

// TestCampaignTestChecksEveryAddressFirst: a bad address or too many
// refuse the whole test, so none goes out to the addresses before it.
func TestCampaignTestChecksEveryAddressFirst(t *testing.T) {
	data := t.TempDir()
	story := writeFile(t, "story.md", "---\ntitle: Tides\nslug: tides\n---\nText.\n")
	mustHerald(t, data, "article", "publish", story)
	mustHerald(t, data, "campaign", "create", "--newsletter", "news", "--subject", "Tides", "--article", "tides")
	six := "a@example.org,b@example.org,c@example.org,d@example.org,e@example.org,f@example.org"
	for _, tc := range []struct{ to, want string }{
		{"a@example.org,bad", `--to "bad"`},
		{six, "a test goes to at most 5"},
	} {
		out, _, err := herald(t, data, "campaign", "test", "1", "--to", tc.to)
		if err == nil || !strings.Contains(err.Error(), tc.want) || out != "" {
			t.Errorf("campaign test 1 --to %s = %v, printing %q; want an error saying %q and nothing queued", tc.to, err, out, tc.want)
		}
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if depth, _, err := st.QueueStats(context.Background()); err != nil || depth != 0 {
		t.Errorf("QueueStats after the refused tests = %d, %v; want nothing queued", depth, err)
	}
	if _, _, err := herald(t, data, "campaign", "test", "999", "--to", "a@example.org"); err == nil || err.Error() != "no campaign 999" {
		t.Errorf("campaign test 999 = %v; want \"no campaign 999\"", err)
	}
	out, _ := mustHerald(t, data, "campaign", "test", "1", "--to", "a@example.org, A@example.org")
	if strings.Count(out, "queued for a@example.org") != 1 {
		t.Errorf("campaign test 1 --to 'a@example.org, A@example.org' printed %q; want one test queued for a@example.org", out)
	}
}

// TestProgressLineTimeLeft: the time left is rounded up to the second, so
// a campaign with mail still to send never says 0s, nor a second less
// than it needs.
func TestProgressLineTimeLeft(t *testing.T) {
	for _, tc := range []struct {
		remaining int
		rate      float64
		want      string
	}{
		{18, 20, "left 1s"},
		{219, 20, "left 11s"},
		{200, 20, "left 10s"},
		{3000, 20, "left 2m30s"},
		{0, 20, "left -"},
		{18, 0, "left -"},
	} {
		c := campaign.Campaign{ID: 1, State: campaign.Sending, Total: 300, Sent: 300 - tc.remaining, FrozenAt: time.Now()}
		if tc.remaining > 300 {
			c.Total, c.Sent = tc.remaining, 0
		}
		if got := progressLine(c, tc.rate); !strings.HasSuffix(got, tc.want) {
			t.Errorf("progressLine with %d remaining at %v/s = %q; want it to end %q", tc.remaining, tc.rate, got, tc.want)
		}
	}
}
