package admin

import (
	"time"

	"herald/internal/delivery"
)

// ledgerRow is one delivery as a page shows it: where it stands and what
// the mail server last said about it.
type ledgerRow struct {
	ID          int64
	Kind        delivery.Kind
	CampaignID  int64
	Recipient   string // empty when the viewer may not see addresses, or after an erasure
	State       delivery.State
	Attempts    int
	Code        int
	Status      string
	Text        string
	CreatedAt   time.Time
	DoneAt      time.Time
	NextAttempt time.Time
}

// ledgerRows pairs what the store returned; addresses are kept only when
// the viewer may see them.
func ledgerRows(ds []delivery.Delivery, rs []delivery.Result, addresses bool) []ledgerRow {
	rows := make([]ledgerRow, 0, len(ds))
	for i, d := range ds {
		r := rs[i]
		row := ledgerRow{ID: d.ID, Kind: d.Kind, CampaignID: d.CampaignID, State: r.State, Attempts: d.Attempts,
			Code: r.Code, Status: r.Status, Text: r.Text, CreatedAt: d.CreatedAt, DoneAt: r.At}
		if r.State == delivery.Queued {
			row.NextAttempt = r.NextAttempt
		}
		if addresses {
			row.Recipient = d.Recipient
		}
		rows = append(rows, row)
	}
	return rows
}
