package admin

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/internal/campaign"
	"herald/internal/subscriber"
)

func (h *Handler) campaignTest(w http.ResponseWriter, r *http.Request, s *staff) error {
	c, err := h.loadCampaign(r)
	if err != nil {
		return err
	}
	typed := r.PostFormValue("to")
	to, err := testRecipients(typed)
	if err != nil {
		return h.refusedOnPage(r, s, c, &fieldError{field: "to", err: err}, func(v *campaignView) { v.TestTo = typed })
	}
	for _, email := range to {
		if err := h.cfg.Campaigns.QueueTestSend(r.Context(), c.ID, email, h.now()); err != nil {
			return err
		}
	}
	h.cfg.Queued()
	h.log.InfoContext(r.Context(), "campaign test queued", "campaign", c.ID, "user_id", s.User.ID, "recipients", len(to))
	return done(w, r, campaignURL(c.ID), "test")
}

// testRecipients reads the addresses a test goes to, separated by commas.
func testRecipients(typed string) ([]string, error) {
	var to []string
	for _, a := range strings.Split(typed, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		email, err := subscriber.NormalizeEmail(a)
		if err != nil {
			return nil, err
		}
		to = append(to, email)
	}
	switch {
	case len(to) == 0:
		return nil, invalid("Give the address to send the test to.")
	case len(to) > campaign.MaxTestRecipients:
		return nil, invalid("A test goes to at most %d addresses.", campaign.MaxTestRecipients)
	}
	return to, nil
}

// campaignSend sends a campaign now, or schedules it for the time given.
// Articles it carries must be public by then: the email links to them.
func (h *Handler) campaignSend(w http.ResponseWriter, r *http.Request, s *staff) error {
	c, err := h.loadCampaign(r)
	if err != nil {
		return err
	}
	now := h.now()
	typed := r.PostFormValue("send_at")
	refused := func(err error) error {
		return h.refusedOnPage(r, s, c, err, func(v *campaignView) {
			if typed != "" {
				v.SendAt = typed
			}
		})
	}
	var at time.Time
	if r.PostFormValue("when") == "later" {
		at, err = time.ParseInLocation(datetimeLocal, strings.TrimSpace(typed), time.UTC)
		if err != nil {
			return refused(&fieldError{field: "send_at", err: invalid("Give the date and time to send at.")})
		}
	}
	arts, err := h.cfg.Articles.ArticlesByID(r.Context(), c.ArticleIDs)
	if err != nil {
		return err
	}
	to, err := campaign.Start(arts, now, at)
	if err != nil {
		return refused(err)
	}
	if to == campaign.Sending {
		n, err := h.cfg.Campaigns.AudienceSize(r.Context(), c.NewsletterID, c.AudienceLanguage, c.AudienceTags)
		if err != nil {
			return err
		}
		if ok, err := h.ask(w, r, s, sendQuestion(n), "Yes, send now", campaignURL(c.ID)); !ok {
			return err
		}
	}
	if err := h.cfg.Campaigns.MoveCampaign(r.Context(), c.ID, to, now, at); err != nil {
		if to == campaign.Sending && h.movedAlready(r, c.ID, err, campaign.Sending, campaign.Sent) {
			return done(w, r, campaignURL(c.ID), "sending")
		}
		return err
	}
	h.cfg.Scheduled()
	h.log.InfoContext(r.Context(), "campaign "+string(to), "campaign", c.ID, "user_id", s.User.ID)
	if to == campaign.Scheduled {
		return done(w, r, campaignURL(c.ID), "scheduled")
	}
	return done(w, r, campaignURL(c.ID), "sending")
}

func (h *Handler) campaignUnschedule(w http.ResponseWriter, r *http.Request, s *staff) error {
	return h.moveCampaign(w, r, s, campaign.Draft, "unscheduled")
}

func (h *Handler) campaignPause(w http.ResponseWriter, r *http.Request, s *staff) error {
	return h.moveCampaign(w, r, s, campaign.Paused, "paused")
}

func (h *Handler) campaignResume(w http.ResponseWriter, r *http.Request, s *staff) error {
	return h.moveCampaign(w, r, s, campaign.Sending, "resumed")
}

func (h *Handler) campaignCancel(w http.ResponseWriter, r *http.Request, s *staff) error {
	return h.moveCampaign(w, r, s, campaign.Cancelled, "cancelled")
}

// moveCampaign changes a campaign's state; the store allows only the legal
// moves and brings the campaign's queued mail along.
func (h *Handler) moveCampaign(w http.ResponseWriter, r *http.Request, s *staff, to campaign.State, code string) error {
	c, err := h.loadCampaign(r)
	if err != nil {
		return err
	}
	if c.State == to {
		// Pressed again, as by a double click: the first press did it.
		return done(w, r, campaignURL(c.ID), code)
	}
	if to == campaign.Sending {
		if err := campaign.Resume(c.State); err != nil {
			return err
		}
	}
	if to == campaign.Cancelled {
		q := "stop"
		if c.State == campaign.Scheduled || c.State == campaign.Draft {
			q = "cancel"
		}
		if ok, err := h.askFirst(w, r, s, q, "Yes, cancel it", campaignURL(c.ID)); !ok {
			return err
		}
	}
	if err := h.cfg.Campaigns.MoveCampaign(r.Context(), c.ID, to, h.now(), time.Time{}); err != nil {
		if h.movedAlready(r, c.ID, err, to) {
			return done(w, r, campaignURL(c.ID), code)
		}
		return err
	}
	h.cfg.Scheduled()
	h.cfg.Queued()
	h.log.InfoContext(r.Context(), "campaign "+string(to), "campaign", c.ID, "user_id", s.User.ID)
	return done(w, r, campaignURL(c.ID), code)
}

// movedAlready reports whether a move the store refused for the
// campaign's state was made already, by a press of the same button that
// came first (a double click, a form posted twice): the campaign stands
// in one of the states the move leads to, so the person got what they
// asked for.
func (h *Handler) movedAlready(r *http.Request, id int64, err error, to ...campaign.State) bool {
	if !errors.Is(err, campaign.ErrState) {
		return false
	}
	c, err := h.cfg.Campaigns.Campaign(r.Context(), id)
	return err == nil && slices.Contains(to, c.State)
}

func campaignURL(id int64) string { return "/admin/campaigns/" + strconv.FormatInt(id, 10) }
