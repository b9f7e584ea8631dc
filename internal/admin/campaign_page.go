package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"herald/internal/campaign"
	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// campaignView is one campaign: its email as subscribers get it, what can
// be done with it now, its progress while it sends and its results after.
type campaignView struct {
	page
	C            campaign.Campaign
	Newsletter   string
	Progress     progressView
	Email        emailPreview
	EmailError   string
	TestTo       string
	SendAt       string // datetime-local default for scheduling
	Unsubscribed int
	Ledger       campaignLedger
	Addresses    bool   // whether the viewer may see recipients' addresses
	Error        string // why a test or a send was refused
	// Audience is whom the campaign would reach if sent now, for a draft
	// or a scheduled campaign.
	Audience int
}

// SendQuestion is what Send now asks: how many it would mail.
func (v *campaignView) SendQuestion() string { return sendQuestion(v.Audience) }

func sendQuestion(n int) string {
	if n == 1 {
		return "Send this campaign to its audience, 1 address, now?"
	}
	return fmt.Sprintf("Send this campaign to its audience, %d addresses, now?", n)
}

func (v *campaignView) setError(msg string) { v.Error = msg }

// campaignLedger is one page of the campaign's deliveries in one state.
type campaignLedger struct {
	State delivery.State // shown; "" for every state
	Tabs  []ledgerTab
	Rows  []ledgerRow
	More  string // the next page, if any
}

// ledgerTab links to the deliveries in one state.
type ledgerTab struct {
	Label, URL string
	Count      int
	Current    bool
}

// emailPreview is the message as it is sent, read back from its bytes.
type emailPreview struct {
	From, ReplyTo, Subject, Preheader, ListUnsubscribe string
	Text                                               string
	HTMLURL                                            string
}

// ledgerPage is how many deliveries one page of results shows.
const ledgerPage = 50

// ledgerStates are the states the results can be narrowed to, as the
// query parameter names them.
var ledgerStates = map[string]delivery.State{"failed": delivery.Failed, "sent": delivery.Sent,
	"skipped": delivery.Skipped, "waiting": delivery.Queued, "held": delivery.Held, "all": ""}

func (h *Handler) campaignPage(w http.ResponseWriter, r *http.Request, s *staff) error {
	c, err := h.loadCampaign(r)
	if err != nil {
		return err
	}
	v, err := h.campaignView(r, s, c)
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "campaign", v)
}

// campaignView gathers what the campaign's page shows.
func (h *Handler) campaignView(r *http.Request, s *staff, c campaign.Campaign) (*campaignView, error) {
	ctx := r.Context()
	v := &campaignView{page: h.pageFor(r, s, c.Subject), C: c, Progress: newProgress(c), TestTo: s.User.Email,
		SendAt:    h.now().UTC().Add(time.Hour).Truncate(time.Hour).Format(datetimeLocal),
		Addresses: s.User.Can(user.SubscriberRead)}
	if nl, err := h.newsletter(ctx, c.NewsletterID); err == nil {
		v.Newsletter = nl.Name
	}
	if msg, err := h.campaignMessage(ctx, c, s); err != nil {
		v.EmailError = err.Error()
	} else {
		p, err := mail.Parse(msg)
		if err != nil {
			v.EmailError = err.Error()
		}
		v.Email = emailPreview{From: p.From, ReplyTo: p.Header.Get("Reply-To"), Subject: p.Subject, Preheader: c.Preheader,
			ListUnsubscribe: p.Header.Get("List-Unsubscribe"), Text: p.Text,
			HTMLURL: "/admin/campaigns/" + strconv.FormatInt(c.ID, 10) + "/email"}
	}
	if c.State == campaign.Draft || c.State == campaign.Scheduled {
		n, err := h.cfg.Campaigns.AudienceSize(ctx, c.NewsletterID, c.AudienceLanguage, c.AudienceTags)
		if err != nil {
			return nil, err
		}
		v.Audience = n
	}
	if c.State != campaign.Draft && c.State != campaign.Scheduled {
		var err error
		if v.Unsubscribed, err = h.cfg.Campaigns.CampaignUnsubscribes(ctx, c.ID); err != nil {
			return nil, err
		}
		if v.Ledger, err = h.campaignLedger(ctx, c, r.URL.Query(), v.Addresses); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// refusedOnPage shows the campaign's page again with why a test or a send
// was refused, keeping what was typed; any other failure passes on.
func (h *Handler) refusedOnPage(r *http.Request, s *staff, c campaign.Campaign, err error, keep func(*campaignView)) error {
	var cv *campaign.ValidationError
	var ae *subscriber.AddressError
	var se *statusError
	if !errors.As(err, &cv) && !errors.As(err, &ae) && !(errors.As(err, &se) && se.status == http.StatusBadRequest) {
		return err
	}
	v, verr := h.campaignView(r, s, c)
	if verr != nil {
		return err
	}
	keep(v)
	return &formError{page: "campaign", view: v, err: err}
}

// campaignLedger reads the page of the campaign's deliveries the query
// asks for: failures unless it names another state, after a cursor.
func (h *Handler) campaignLedger(ctx context.Context, c campaign.Campaign, q url.Values, addresses bool) (campaignLedger, error) {
	name := q.Get("ledger")
	if name == "" {
		name = "failed"
	}
	state, ok := ledgerStates[name]
	if !ok {
		return campaignLedger{}, &statusError{http.StatusBadRequest, "Not found", "There is no such list of deliveries."}
	}
	after, err := cursorParam(q.Get("after"))
	if err != nil {
		return campaignLedger{}, err
	}
	ds, rs, err := h.cfg.Ledger.CampaignLedger(ctx, c.ID, state, after, ledgerPage+1)
	if err != nil {
		return campaignLedger{}, err
	}
	base := fmt.Sprintf("/admin/campaigns/%d?ledger=", c.ID)
	l := campaignLedger{State: state}
	if len(ds) > ledgerPage {
		ds, rs = ds[:ledgerPage], rs[:ledgerPage]
		l.More = fmt.Sprintf("%s%s&after=%d#deliveries", base, name, ds[len(ds)-1].ID)
	}
	l.Rows = ledgerRows(ds, rs, addresses)
	waiting := max(c.Total-c.Sent-c.Failed-c.Skipped, 0)
	for _, t := range []struct {
		name, label string
		count       int
	}{{"failed", "Failed", c.Failed}, {"sent", "Sent", c.Sent}, {"skipped", "Skipped", c.Skipped}, {"waiting", "Waiting", waiting}, {"all", "All", c.Total}} {
		if t.name == "waiting" && c.State == campaign.Paused {
			t.name = "held"
		}
		l.Tabs = append(l.Tabs, ledgerTab{Label: t.label, URL: base + t.name + "#deliveries", Count: t.count, Current: t.name == name})
	}
	return l, nil
}

// campaignMessage builds the campaign's email exactly as the renderer of
// the delivery engine does, addressed to the person looking at it, with
// the links a test send carries.
func (h *Handler) campaignMessage(ctx context.Context, c campaign.Campaign, s *staff) ([]byte, error) {
	nl, err := h.newsletter(ctx, c.NewsletterID)
	if err != nil {
		return nil, fmt.Errorf("the campaign's newsletter: %w", err)
	}
	arts, err := h.cfg.Articles.ArticlesByID(ctx, c.ArticleIDs)
	if err != nil {
		return nil, err
	}
	from := campaign.Sender(nl, h.cfg.From)
	var replyTo mail.Address
	if nl.ReplyTo != "" {
		replyTo = mail.Address{Email: nl.ReplyTo}
	}
	e, err := campaign.NewEmail(campaign.Compose{SiteName: h.cfg.Site.Name, BaseURL: h.cfg.Site.BaseURL,
		Newsletter: nl, Campaign: c, Articles: arts, From: from, ReplyTo: replyTo})
	if err != nil {
		return nil, err
	}
	host := "localhost"
	if u, err := url.Parse(h.cfg.Site.BaseURL); err == nil {
		host = u.Hostname()
	}
	return e.Render(nil, campaign.Recipient{Email: s.User.Email, Name: s.User.Name,
		UnsubscribeURL: h.cfg.Site.BaseURL + "/", PreferencesURL: h.cfg.Site.BaseURL + "/",
		MessageID: fmt.Sprintf("c%d.preview@%s", c.ID, host), Date: h.now()})
}

// emailCSP fences off a framed email: mail may carry its own styles but
// never a script, a form, a plugin or a request to another host, and only
// the app may frame it.
func (h *Handler) emailCSP() string {
	img := "'self' data:"
	if u, err := url.Parse(h.cfg.Site.BaseURL); err == nil && u.Host != "" {
		img += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'none'; style-src 'unsafe-inline'; img-src " + img +
		"; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox"
}

// writeEmailHTML sends the HTML part of a message for an <iframe
// sandbox> of the app, the one kind of answer the app lets itself frame.
func (h *Handler) writeEmailHTML(w http.ResponseWriter, html string) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", h.emailCSP())
	hdr.Set("X-Frame-Options", "SAMEORIGIN")
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(html))
}

func (h *Handler) campaignEmailHTML(w http.ResponseWriter, r *http.Request, s *staff) error {
	c, err := h.loadCampaign(r)
	if err != nil {
		return err
	}
	msg, err := h.campaignMessage(r.Context(), c, s)
	if err != nil {
		return err
	}
	p, err := mail.Parse(msg)
	if err != nil {
		return err
	}
	h.writeEmailHTML(w, p.HTML)
	return nil
}

// progressJSON is what the progress script reads.
type progressJSON struct {
	State   campaign.State `json:"state"`
	Total   int            `json:"total"`
	Sent    int            `json:"sent"`
	Failed  int            `json:"failed"`
	Skipped int            `json:"skipped"`
	Done    int            `json:"done"`
	Percent int            `json:"percent"`
	Frozen  bool           `json:"frozen"`
	Waiting int            `json:"waiting"`
	Live    bool           `json:"live"` // read again: the figures still move
}

func (h *Handler) campaignProgress(w http.ResponseWriter, r *http.Request, _ *staff) error {
	c, err := h.loadCampaign(r)
	if err != nil {
		return err
	}
	p := newProgress(c)
	pct := 0
	if p.Total > 0 {
		pct = p.Done * 100 / p.Total
	}
	writeJSON(w, http.StatusOK, progressJSON{State: p.State, Total: p.Total, Sent: p.Sent, Failed: p.Failed,
		Skipped: p.Skipped, Done: p.Done, Percent: pct, Frozen: p.Frozen, Waiting: p.Waiting, Live: p.Live})
	return nil
}

// newsletterNames maps newsletter IDs to names for listings.
func newsletterNames(nls []subscriber.Newsletter) map[int64]string {
	m := make(map[int64]string, len(nls))
	for _, n := range nls {
		m[n.ID] = n.Name
	}
	return m
}
