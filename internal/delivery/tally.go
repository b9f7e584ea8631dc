package delivery

import (
	"cmp"
	"slices"
	"time"
)

// Tally gathers what recording a group of results changed, as the store
// learns which of them applied: how many, which addresses to suppress, how
// each campaign's counters move, and how much mail each minute sent, which
// the quotas count.
type Tally struct {
	byID      map[int64]*Result
	Applied   int
	Suppress  []*Result
	campaigns map[int64]*CampaignCounts
	minutes   map[int64]int
}

// MinuteCount is how many more messages were sent in one minute, counted
// in minutes since the Unix epoch.
type MinuteCount struct {
	Minute int64
	Sent   int
}

// CampaignCounts is how much one campaign's sent, failed and skipped
// counters grow.
type CampaignCounts struct {
	CampaignID            int64
	Sent, Failed, Skipped int
}

// NewTally starts a tally for the results rs.
func NewTally(rs []Result) *Tally {
	t := &Tally{byID: make(map[int64]*Result, len(rs)), campaigns: map[int64]*CampaignCounts{}, minutes: map[int64]int{}}
	for i := range rs {
		t.byID[rs[i].ID] = &rs[i]
	}
	return t
}

// Add notes that the result for delivery id was written; campaignID is
// its campaign when it belongs to one's ledger, 0 otherwise, and mail is
// false for a delivery that is not an email (a webhook).
func (t *Tally) Add(id, campaignID int64, mail bool) {
	r := t.byID[id]
	if r == nil {
		return
	}
	t.Applied++
	if r.Suppress {
		t.Suppress = append(t.Suppress, r)
	}
	if mail && r.State == Sent {
		t.minutes[MinuteOf(r.At)]++
	}
	if campaignID == 0 {
		return
	}
	c := t.counts(campaignID)
	switch r.State {
	case Sent:
		c.Sent++
	case Failed:
		c.Failed++
	case Skipped:
		c.Skipped++
	}
}

// Skip counts a row of campaignID's ledger skipped after its result was
// written: its campaign was cancelled while it was out with a worker, and
// the result handed it back.
func (t *Tally) Skip(campaignID int64) { t.counts(campaignID).Skipped++ }

func (t *Tally) counts(campaignID int64) *CampaignCounts {
	c := t.campaigns[campaignID]
	if c == nil {
		c = &CampaignCounts{CampaignID: campaignID}
		t.campaigns[campaignID] = c
	}
	return c
}

// Campaigns returns the counter changes in campaign ID order, the order in
// which writers lock campaigns so that two never wait on each other in a
// cycle.
func (t *Tally) Campaigns() []CampaignCounts {
	out := make([]CampaignCounts, 0, len(t.campaigns))
	for _, c := range t.campaigns {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b CampaignCounts) int { return cmp.Compare(a.CampaignID, b.CampaignID) })
	return out
}

// Minutes returns the mail sent in each minute, in minute order, the order
// in which writers lock the minutes' rows.
func (t *Tally) Minutes() []MinuteCount {
	out := make([]MinuteCount, 0, len(t.minutes))
	for m, n := range t.minutes {
		out = append(out, MinuteCount{m, n})
	}
	slices.SortFunc(out, func(a, b MinuteCount) int { return cmp.Compare(a.Minute, b.Minute) })
	return out
}

// MinuteOf is the minute since the Unix epoch that holds t: the unit in
// which stores count sent mail for quotas.
func MinuteOf(t time.Time) int64 {
	ms := t.UnixMilli()
	if ms < 0 {
		return (ms - 59999) / 60000
	}
	return ms / 60000
}
