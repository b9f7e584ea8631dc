package delivery

import (
	"cmp"
	"slices"
)

// Tally gathers what recording a group of results changed, as the store
// learns which of them applied: how many, which addresses to suppress, and
// how each campaign's counters move.
type Tally struct {
	byID      map[int64]*Result
	Applied   int
	Suppress  []*Result
	campaigns map[int64]*CampaignCounts
}

// CampaignCounts is how much one campaign's sent, failed and skipped
// counters grow.
type CampaignCounts struct {
	CampaignID            int64
	Sent, Failed, Skipped int
}

// NewTally starts a tally for the results rs.
func NewTally(rs []Result) *Tally {
	t := &Tally{byID: make(map[int64]*Result, len(rs)), campaigns: map[int64]*CampaignCounts{}}
	for i := range rs {
		t.byID[rs[i].ID] = &rs[i]
	}
	return t
}

// Add notes that the result for delivery id was written; campaignID is
// its campaign when it belongs to one's ledger, 0 otherwise.
func (t *Tally) Add(id, campaignID int64) {
	r := t.byID[id]
	if r == nil {
		return
	}
	t.Applied++
	if r.Suppress {
		t.Suppress = append(t.Suppress, r)
	}
	if campaignID == 0 {
		return
	}
	c := t.campaigns[campaignID]
	if c == nil {
		c = &CampaignCounts{CampaignID: campaignID}
		t.campaigns[campaignID] = c
	}
	switch r.State {
	case Sent:
		c.Sent++
	case Failed:
		c.Failed++
	case Skipped:
		c.Skipped++
	}
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
