package admin

import (
	"context"
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
	Failures     []ledgerRow
	MoreFailures string
	Addresses    bool // whether the viewer may see recipients' addresses
}

// emailPreview is the message as it is sent, read back from its bytes.
type emailPreview struct {
	From, ReplyTo, Subject, Preheader, ListUnsubscribe string
	Text                                               string
	HTMLURL                                            string
}

// failurePage is how many failed deliveries one page of results shows.
const failurePage = 50

func (h *Handler) campaignPage(w http.ResponseWriter, r *http.Request, s *staff) error {
	c, err := h.loadCampaign(r)
	if err != nil {
		return err
	}
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
	if c.State != campaign.Draft && c.State != campaign.Scheduled {
		if v.Unsubscribed, err = h.cfg.Campaigns.CampaignUnsubscribes(ctx, c.ID); err != nil {
			return err
		}
		after, err := cursorParam(r.URL.Query().Get("failed_after"))
		if err != nil {
			return err
		}
		ds, rs, err := h.cfg.Ledger.CampaignLedger(ctx, c.ID, delivery.Failed, after, failurePage+1)
		if err != nil {
			return err
		}
		if len(ds) > failurePage {
			ds, rs = ds[:failurePage], rs[:failurePage]
			v.MoreFailures = fmt.Sprintf("/admin/campaigns/%d?failed_after=%d#failures", c.ID, ds[len(ds)-1].ID)
		}
		v.Failures = ledgerRows(ds, rs, v.Addresses)
	}
	return h.render(w, http.StatusOK, "campaign", v)
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
	from := h.cfg.From
	if nl.SenderEmail != "" {
		from = mail.Address{Name: nl.SenderName, Email: nl.SenderEmail}
	}
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
		Skipped: p.Skipped, Done: p.Done, Percent: pct, Frozen: p.Frozen})
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
