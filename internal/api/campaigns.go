package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"herald/internal/campaign"
	"herald/internal/lang"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// campaignSummary is a campaign in a listing: everything but its Markdown.
type campaignSummary struct {
	ID               int64          `json:"id"`
	NewsletterID     int64          `json:"newsletter_id"`
	Kind             string         `json:"kind"`
	Subject          string         `json:"subject"`
	Preheader        string         `json:"preheader"`
	ArticleMode      string         `json:"article_mode"`
	ArticleIDs       []int64        `json:"article_ids"`
	AudienceTags     []string       `json:"audience_tags"`
	AudienceLanguage string         `json:"audience_language"`
	State            string         `json:"state"`
	SendAt           time.Time      `json:"send_at,omitzero"`
	StartedAt        time.Time      `json:"started_at,omitzero"`
	FrozenAt         time.Time      `json:"frozen_at,omitzero"`
	FinishedAt       time.Time      `json:"finished_at,omitzero"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
	Counts           campaignCounts `json:"counts"`
}

// campaignCounts is how far the send has got. Total grows while the
// audience is written into the ledger (until frozen_at).
type campaignCounts struct {
	Total     int `json:"total"`
	Sent      int `json:"sent"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
	Remaining int `json:"remaining"`
}

type campaignJSON struct {
	campaignSummary
	Markdown string `json:"markdown"`
}

func campaignSummaryOut(c campaign.Campaign) campaignSummary {
	s := campaignSummary{ID: c.ID, NewsletterID: c.NewsletterID, Kind: string(c.Kind), Subject: c.Subject,
		Preheader: c.Preheader, ArticleMode: string(c.ArticleMode), ArticleIDs: []int64{}, AudienceTags: []string{},
		AudienceLanguage: c.AudienceLanguage, State: string(c.State), SendAt: c.SendAt, StartedAt: c.StartedAt,
		FrozenAt: c.FrozenAt, FinishedAt: c.FinishedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		Counts: campaignCounts{Total: c.Total, Sent: c.Sent, Failed: c.Failed, Skipped: c.Skipped, Remaining: c.Remaining()}}
	s.ArticleIDs = append(s.ArticleIDs, c.ArticleIDs...)
	s.AudienceTags = append(s.AudienceTags, c.AudienceTags...)
	return s
}

func campaignOut(c campaign.Campaign) campaignJSON {
	return campaignJSON{campaignSummary: campaignSummaryOut(c), Markdown: c.Markdown}
}

// listCampaigns lists campaigns newest first; the cursor is the last ID.
func (h *Handler) listCampaigns(w http.ResponseWriter, r *http.Request, c caller) error {
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	cur, err := cursor(r, 1)
	if err != nil {
		return err
	}
	var before int64
	if cur != nil {
		if before = cur[0]; before <= 0 {
			return badRequest("cursor", "cursor must be a next_cursor value from an earlier page")
		}
	}
	list, err := h.cfg.Store.ListCampaigns(r.Context(), before, limit+1)
	if err != nil {
		return err
	}
	out := page[campaignSummary]{Items: []campaignSummary{}}
	if len(list) > limit {
		list = list[:limit]
		out.NextCursor = encodeCursor(list[limit-1].ID)
	}
	for _, cp := range list {
		out.Items = append(out.Items, campaignSummaryOut(cp))
	}
	return reply(w, http.StatusOK, out)
}

func (h *Handler) getCampaign(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "campaign")
	if err != nil {
		return err
	}
	cp, err := h.cfg.Store.Campaign(r.Context(), id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, campaignOut(cp))
}

type campaignInput struct {
	NewsletterID     int64    `json:"newsletter_id"`
	Subject          string   `json:"subject"`
	Preheader        string   `json:"preheader"`
	Markdown         string   `json:"markdown"`
	ArticleMode      string   `json:"article_mode"`
	ArticleIDs       []int64  `json:"article_ids"`
	AudienceTags     []string `json:"audience_tags"`
	AudienceLanguage string   `json:"audience_language"`
}

// createCampaign stores a draft campaign; sending is a separate step.
func (h *Handler) createCampaign(w http.ResponseWriter, r *http.Request, c caller) error {
	var in campaignInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	cp := campaign.Campaign{NewsletterID: in.NewsletterID, Subject: in.Subject, Preheader: in.Preheader,
		Markdown: in.Markdown, ArticleMode: campaign.Mode(in.ArticleMode), ArticleIDs: in.ArticleIDs,
		AudienceTags: in.AudienceTags, AudienceLanguage: strings.ToLower(strings.TrimSpace(in.AudienceLanguage)),
		State: campaign.Draft, Kind: campaign.Manual}
	if err := cp.Validate(); err != nil {
		return err
	}
	if cp.AudienceLanguage != "" && !lang.Valid(cp.AudienceLanguage) {
		return invalid("audience_language", "audience_language must be a language tag such as en or pt-br")
	}
	ctx := r.Context()
	nls, err := h.cfg.Store.Newsletters(ctx)
	if err != nil {
		return err
	}
	if !hasNewsletter(nls, cp.NewsletterID) {
		return invalid("newsletter_id", fmt.Sprintf("there is no newsletter %d", cp.NewsletterID))
	}
	if len(cp.ArticleIDs) > 0 {
		found, err := h.cfg.Store.ArticlesByID(ctx, cp.ArticleIDs)
		if err != nil {
			return err
		}
		have := map[int64]bool{}
		for _, a := range found {
			have[a.ID] = true
		}
		listed := map[int64]bool{}
		for _, id := range cp.ArticleIDs {
			if !have[id] {
				return invalid("article_ids", fmt.Sprintf("there is no article %d", id))
			}
			if listed[id] {
				return invalid("article_ids", fmt.Sprintf("article %d is listed twice; the email would hold it twice", id))
			}
			listed[id] = true
		}
	}
	id, err := h.cfg.Store.CreateCampaign(ctx, &cp)
	if err != nil {
		return err
	}
	saved, err := h.cfg.Store.Campaign(ctx, id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/campaigns/"+strconv.FormatInt(id, 10))
	return reply(w, http.StatusCreated, campaignOut(saved))
}

func hasNewsletter(nls []subscriber.Newsletter, id int64) bool {
	for _, n := range nls {
		if n.ID == id {
			return true
		}
	}
	return false
}

// sendInput is the body of a send or a schedule.
type sendInput struct {
	SendAt *time.Time `json:"send_at"`
}

// campaignAction moves a campaign through its states: send (now, or at
// send_at when given and to come), schedule (send_at required), pause,
// resume and cancel. The store checks the move against the state the
// campaign is in at that moment. A caller that may not read campaigns is
// told only that the move was made.
func (h *Handler) campaignAction(action string) func(http.ResponseWriter, *http.Request, caller) error {
	return func(w http.ResponseWriter, r *http.Request, c caller) error {
		var in sendInput
		if action == "send" || action == "schedule" {
			if err := decode(w, r, &in, action == "send"); err != nil {
				return err
			}
		}
		id, err := pathID(r, "campaign")
		if err != nil {
			return err
		}
		ctx := r.Context()
		now := h.cfg.Now().UTC().Truncate(time.Millisecond)
		var to campaign.State
		var at time.Time
		switch action {
		case "send", "schedule":
			if in.SendAt != nil {
				at = in.SendAt.UTC()
			} else if action == "schedule" {
				return invalid("send_at", "send_at is required: a time to come, in RFC 3339")
			}
			cp, err := h.cfg.Store.Campaign(ctx, id)
			if err != nil {
				return err
			}
			arts, err := h.cfg.Store.ArticlesByID(ctx, cp.ArticleIDs)
			if err != nil {
				return err
			}
			if to, err = campaign.Start(arts, now, at); err != nil {
				return err
			}
		case "pause":
			to = campaign.Paused
		case "cancel":
			to = campaign.Cancelled
		case "resume":
			to = campaign.Sending
			cp, err := h.cfg.Store.Campaign(ctx, id)
			if err != nil {
				return err
			}
			if err := campaign.Resume(cp.State); err != nil {
				return conflict("", fmt.Sprintf("campaign %d is %s; only a paused campaign resumes", id, cp.State))
			}
		}
		if err := h.cfg.Store.MoveCampaign(ctx, id, to, now, at); err != nil {
			if !errors.Is(err, campaign.ErrState) {
				return err
			}
			cp, lerr := h.cfg.Store.Campaign(ctx, id)
			if lerr != nil {
				return lerr
			}
			return conflict("", fmt.Sprintf("campaign %d is %s; it cannot %s", id, cp.State, action))
		}
		h.cfg.Started()
		if !c.can(user.CampaignRead) {
			return accepted(w)
		}
		cp, err := h.cfg.Store.Campaign(ctx, id)
		if err != nil {
			return err
		}
		return reply(w, http.StatusOK, campaignOut(cp))
	}
}

// testSendInput names the addresses a test goes to.
type testSendInput struct {
	Emails []string `json:"emails"`
}

// testCampaign queues the campaign to a few addresses outside its ledger,
// to check how it looks. The email holds the campaign and its articles,
// drafts too, and goes where the caller says, so the caller must be one
// who may read them.
func (h *Handler) testCampaign(w http.ResponseWriter, r *http.Request, c caller) error {
	if !c.can(user.CampaignRead) {
		return forbidden("", "a test mails the campaign to the addresses given, so it also needs the "+
			string(user.CampaignRead)+" permission, which the token or its account's role does not hold")
	}
	var in testSendInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	if len(in.Emails) == 0 || len(in.Emails) > campaign.MaxTestRecipients {
		return invalid("emails", fmt.Sprintf("emails must list 1 to %d addresses", campaign.MaxTestRecipients))
	}
	var emails []string
	for _, e := range in.Emails {
		norm, err := subscriber.NormalizeEmail(e)
		if err != nil {
			return invalid("emails", fmt.Sprintf("%q: %v", e, err))
		}
		emails = append(emails, norm)
	}
	id, err := pathID(r, "campaign")
	if err != nil {
		return err
	}
	ctx := r.Context()
	cp, err := h.cfg.Store.Campaign(ctx, id)
	if err != nil {
		return err
	}
	if len(cp.ArticleIDs) > 0 && !c.can(user.ArticleRead) {
		return forbidden("", "this campaign holds articles, which a test mails whatever their state, so it also needs the "+
			string(user.ArticleRead)+" permission, which the token or its account's role does not hold")
	}
	now := h.cfg.Now()
	for _, e := range emails {
		if err := h.cfg.Store.QueueTestSend(ctx, id, e, now); err != nil {
			return err
		}
	}
	h.cfg.Queued()
	return reply(w, http.StatusAccepted, struct {
		Queued []string `json:"queued"`
	}{emails})
}
