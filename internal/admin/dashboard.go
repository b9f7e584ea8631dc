package admin

import (
	"net/http"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// dashboardView is the first page after signing in: the list's health, the
// mail going out now, the last campaigns and the latest articles. Each part
// shows only to roles that may see it.
type dashboardView struct {
	page
	Counts    []newsletterCount
	Totals    newsletterCount
	Chart     lineChart
	Sent      lineChart
	Sending   []progressView
	Campaigns []campaignRow
	Articles  []articleRow
}

// newsletterCount is one newsletter's subscriptions by state.
type newsletterCount struct {
	Name                             string
	Pending, Confirmed, Unsubscribed int
}

// chartDays is how far back the dashboard's chart looks.
const chartDays = 30

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, s *staff) error {
	ctx := r.Context()
	v := &dashboardView{page: h.pageFor(r, s, "Dashboard")}
	if s.User.Can(user.StatsRead) {
		nls, err := h.cfg.Newsletters.Newsletters(ctx)
		if err != nil {
			return err
		}
		counts, err := h.cfg.Subscribers.SubscriptionCounts(ctx)
		if err != nil {
			return err
		}
		for _, nl := range nls {
			c := newsletterCount{Name: nl.Name, Pending: counts[nl.ID][subscriber.Pending],
				Confirmed: counts[nl.ID][subscriber.Confirmed], Unsubscribed: counts[nl.ID][subscriber.Unsubscribed]}
			v.Counts = append(v.Counts, c)
			v.Totals.Pending += c.Pending
			v.Totals.Confirmed += c.Confirmed
			v.Totals.Unsubscribed += c.Unsubscribed
		}
		today := h.now().UTC().Truncate(24 * time.Hour)
		first := today.AddDate(0, 0, -(chartDays - 1))
		confirms, err := h.cfg.Subscribers.DailyConsents(ctx, subscriber.ConsentConfirm, first, chartDays)
		if err != nil {
			return err
		}
		unsubs, err := h.cfg.Subscribers.DailyConsents(ctx, subscriber.ConsentUnsubscribe, first, chartDays)
		if err != nil {
			return err
		}
		v.Chart = newLineChart("Confirmed subscriptions, last 30 days", "Confirmed", first,
			confirmedSeries(v.Totals.Confirmed, confirms, unsubs))
		sent, err := h.cfg.Ledger.DailySent(ctx, first, chartDays)
		if err != nil {
			return err
		}
		v.Sent = newLineChart("Emails sent per day, last 30 days", "Sent", first, sent)
		v.Chart.ID, v.Sent.ID = "growth", "sent"
	}
	if s.User.Can(user.CampaignRead) {
		active, err := h.cfg.Campaigns.ActiveCampaigns(ctx, 20)
		if err != nil {
			return err
		}
		for _, c := range active {
			if c.State == campaign.Sending || c.State == campaign.Paused {
				v.Sending = append(v.Sending, newProgress(c))
			}
		}
		last, err := h.cfg.Campaigns.ListCampaigns(ctx, 0, 5)
		if err != nil {
			return err
		}
		for _, c := range last {
			v.Campaigns = append(v.Campaigns, newCampaignRow(c))
		}
	}
	arts, err := h.cfg.Articles.SearchArticles(ctx, "", "", 0, 8)
	if err != nil {
		return err
	}
	if v.Articles, err = h.articleRows(ctx, arts); err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "dashboard", v)
}

// progressView is a campaign's progress as the bar and the script show it.
type progressView struct {
	ID                           int64
	Subject                      string
	State                        campaign.State
	Total, Sent, Failed, Skipped int
	Done                         int
	Frozen                       bool // the whole audience is in the ledger: Total is final
	Waiting                      int  // deliveries in the ledger with no outcome yet
	// Live says the figures still move, so the page keeps reading them:
	// while the campaign goes, and after a cancel until the mail that was
	// out with a worker has its answer.
	Live bool
}

func newProgress(c campaign.Campaign) progressView {
	p := progressView{ID: c.ID, Subject: c.Subject, State: c.State, Total: c.Total, Sent: c.Sent, Failed: c.Failed,
		Skipped: c.Skipped, Done: c.Sent + c.Failed + c.Skipped, Waiting: c.Remaining(),
		Frozen: !c.FrozenAt.IsZero() || (c.State != campaign.Sending && c.State != campaign.Paused)}
	switch c.State {
	case campaign.Scheduled, campaign.Sending, campaign.Paused:
		p.Live = true
	case campaign.Cancelled:
		p.Live = p.Waiting > 0
	}
	return p
}

// articleRow is one article in a listing.
type articleRow struct {
	ID          int64
	Title       string
	Slug        string
	Language    string
	Status      article.Status
	Submitted   bool
	Visible     bool
	Authors     string
	PublishedAt time.Time
	UpdatedAt   time.Time
}
