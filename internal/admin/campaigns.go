package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/subscriber"
)

// campaignPageSize is how many campaigns one page of the list shows.
const campaignPageSize = 30

// campaignRow is one campaign in a listing.
type campaignRow struct {
	progressView
	Kind                                     campaign.Kind
	SendAt, CreatedAt, StartedAt, FinishedAt time.Time
	// Audience is whom the campaign reaches: those in its ledger once
	// sending started, else whom it would reach if sent now.
	Audience int
	Unsent   bool // Audience is a count of now, not the ledger's
}

func newCampaignRow(c campaign.Campaign) campaignRow {
	return campaignRow{progressView: newProgress(c), Kind: c.Kind, SendAt: c.SendAt, CreatedAt: c.CreatedAt,
		StartedAt: c.StartedAt, FinishedAt: c.FinishedAt, Audience: c.Total,
		Unsent: c.State == campaign.Draft || c.State == campaign.Scheduled}
}

type campaignListView struct {
	page
	Rows  []campaignRow
	Older string
}

func (h *Handler) campaignList(w http.ResponseWriter, r *http.Request, s *staff) error {
	before, err := cursorParam(r.URL.Query().Get("before"))
	if err != nil {
		return err
	}
	list, err := h.cfg.Campaigns.ListCampaigns(r.Context(), before, campaignPageSize+1)
	if err != nil {
		return err
	}
	v := &campaignListView{page: h.pageFor(r, s, "Campaigns")}
	if len(list) > campaignPageSize {
		list = list[:campaignPageSize]
		v.Older = "/admin/campaigns?before=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	// Only the campaigns on the page are counted, each audience once:
	// drafts that share a newsletter and no narrowing ask one count.
	sizes := map[string]int{}
	for _, c := range list {
		row := newCampaignRow(c)
		if row.Unsent {
			key := fmt.Sprintf("%d\x00%s\x00%s", c.NewsletterID, c.AudienceLanguage, strings.Join(c.AudienceTags, ","))
			n, ok := sizes[key]
			if !ok {
				if n, err = h.cfg.Campaigns.AudienceSize(r.Context(), c.NewsletterID, c.AudienceLanguage, c.AudienceTags); err != nil {
					return err
				}
				sizes[key] = n
			}
			row.Audience = n
		}
		v.Rows = append(v.Rows, row)
	}
	return h.render(w, http.StatusOK, "campaigns", v)
}

// campaignForm is the composer's fields as typed.
type campaignForm struct {
	NewsletterID                       int64
	Subject, Preheader, Markdown, Mode string
	ArticleIDs                         []int64
	Tags, Language                     string
}

// campaignFormView is the composer.
type campaignFormView struct {
	page
	ID          int64
	Action      string
	Form        campaignForm
	Newsletters []subscriber.Newsletter
	Articles    []articleChoice
	Error       string
}

func (v *campaignFormView) setError(msg string) { v.Error = msg }

// articleChoice is an article the composer offers to include.
type articleChoice struct {
	ID          int64
	Title       string
	Language    string
	PublishedAt time.Time
	Visible     bool
	Checked     bool
}

func (h *Handler) campaignNew(w http.ResponseWriter, r *http.Request, s *staff) error {
	f := campaignForm{Mode: string(campaign.Full)}
	if id, err := strconv.ParseInt(r.URL.Query().Get("article"), 10, 64); err == nil && id > 0 {
		arts, err := h.cfg.Articles.ArticlesByID(r.Context(), []int64{id})
		if err != nil {
			return err
		}
		for _, a := range arts {
			f.ArticleIDs, f.Subject = append(f.ArticleIDs, a.ID), a.Title
		}
	}
	v, err := h.campaignFormView(r, s, "New campaign", f)
	if err != nil {
		return err
	}
	v.Action = "/admin/campaigns"
	return h.render(w, http.StatusOK, "campaign-form", v)
}

func (h *Handler) campaignFormView(r *http.Request, s *staff, title string, f campaignForm) (*campaignFormView, error) {
	ctx := r.Context()
	nls, err := h.cfg.Newsletters.Newsletters(ctx)
	if err != nil {
		return nil, err
	}
	if f.NewsletterID == 0 && len(nls) > 0 {
		f.NewsletterID = nls[0].ID
	}
	v := &campaignFormView{page: h.pageFor(r, s, title), Form: f, Newsletters: nls}
	chosen, err := h.cfg.Articles.ArticlesByID(ctx, f.ArticleIDs)
	if err != nil {
		return nil, err
	}
	recent, err := h.cfg.Articles.ListArticles(ctx, article.Query{Limit: 30}, h.now())
	if err != nil {
		return nil, err
	}
	now := h.now()
	seen := map[int64]bool{}
	for _, a := range append(chosen, recent...) {
		if seen[a.ID] {
			continue
		}
		seen[a.ID] = true
		v.Articles = append(v.Articles, articleChoice{ID: a.ID, Title: a.Title, Language: a.Language,
			PublishedAt: a.PublishedAt, Visible: a.IsVisible(now), Checked: slices.Contains(f.ArticleIDs, a.ID)})
	}
	return v, nil
}

func readCampaignForm(r *http.Request) (campaignForm, error) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := campaignForm{Subject: v("subject"), Preheader: v("preheader"), Markdown: r.PostFormValue("markdown"),
		Mode: v("mode"), Tags: v("tags"), Language: strings.ToLower(v("language"))}
	var err error
	if f.NewsletterID, err = strconv.ParseInt(v("newsletter"), 10, 64); err != nil {
		return f, invalid("Choose a newsletter.")
	}
	for _, s := range r.PostForm["article"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return f, invalid("An article chosen is not valid.")
		}
		if !slices.Contains(f.ArticleIDs, id) {
			f.ArticleIDs = append(f.ArticleIDs, id)
		}
	}
	return f, nil
}

// campaign builds and checks the campaign the form describes.
func (h *Handler) campaignOf(ctx context.Context, f campaignForm) (campaign.Campaign, error) {
	c := campaign.Campaign{NewsletterID: f.NewsletterID, Subject: f.Subject, Preheader: f.Preheader,
		Markdown: f.Markdown, ArticleMode: campaign.Mode(f.Mode), ArticleIDs: f.ArticleIDs,
		AudienceTags: splitList(f.Tags), AudienceLanguage: f.Language, State: campaign.Draft, Kind: campaign.Manual}
	if err := c.Validate(); err != nil {
		return c, err
	}
	if _, err := h.newsletter(ctx, c.NewsletterID); err != nil {
		return c, invalid("The newsletter chosen does not exist.")
	}
	arts, err := h.cfg.Articles.ArticlesByID(ctx, c.ArticleIDs)
	if err != nil {
		return c, err
	}
	if len(arts) != len(c.ArticleIDs) {
		return c, invalid("An article chosen no longer exists.")
	}
	return c, nil
}

// newsletter finds one newsletter by ID.
func (h *Handler) newsletter(ctx context.Context, id int64) (subscriber.Newsletter, error) {
	nls, err := h.cfg.Newsletters.Newsletters(ctx)
	if err != nil {
		return subscriber.Newsletter{}, err
	}
	for _, n := range nls {
		if n.ID == id {
			return n, nil
		}
	}
	return subscriber.Newsletter{}, subscriber.ErrNotFound
}

func (h *Handler) campaignCreate(w http.ResponseWriter, r *http.Request, s *staff) error {
	f, ferr := readCampaignForm(r)
	v, err := h.campaignFormView(r, s, "New campaign", f)
	if err != nil {
		return err
	}
	v.Action = "/admin/campaigns"
	if ferr != nil {
		return &formError{page: "campaign-form", view: v, err: ferr}
	}
	c, err := h.campaignOf(r.Context(), f)
	if err != nil {
		return h.campaignFormErr(v, err)
	}
	h.creating.Lock()
	defer h.creating.Unlock()
	id, err := h.campaignJustMade(r.Context(), c)
	if err != nil {
		return err
	}
	if id == 0 {
		if id, err = h.cfg.Campaigns.CreateCampaign(r.Context(), &c); err != nil {
			return err
		}
		h.log.InfoContext(r.Context(), "campaign created", "campaign", id, "user_id", s.User.ID)
	}
	return done(w, r, "/admin/campaigns/"+strconv.FormatInt(id, 10), "created")
}

// recentCampaigns is how many of the newest campaigns campaignJustMade
// looks through: a form posted twice finds its first among the last few.
const recentCampaigns = 10

// campaignJustMade returns the ID of the draft that the new campaign c
// became a moment ago, 0 for none: the form was posted twice (a double
// click on Create, a form sent again), not a second campaign written. It
// is one made from the same words within repeatWindow and not saved
// since. Campaigns record no author, so the same words from a colleague
// within the minute count as the same campaign too.
func (h *Handler) campaignJustMade(ctx context.Context, c campaign.Campaign) (int64, error) {
	list, err := h.cfg.Campaigns.ListCampaigns(ctx, 0, recentCampaigns)
	if err != nil {
		return 0, err
	}
	now := h.now()
	for _, o := range list {
		age := now.Sub(o.CreatedAt)
		if o.State != campaign.Draft || o.Kind != campaign.Manual || !o.UpdatedAt.Equal(o.CreatedAt) ||
			age > repeatWindow || age < -repeatWindow || o.NewsletterID != c.NewsletterID || o.Subject != c.Subject ||
			o.Preheader != c.Preheader || o.Markdown != c.Markdown || o.ArticleMode != c.ArticleMode ||
			!slices.Equal(o.AudienceTags, c.AudienceTags) || o.AudienceLanguage != c.AudienceLanguage {
			continue
		}
		// The list leaves out the articles.
		full, err := h.cfg.Campaigns.Campaign(ctx, o.ID)
		if err != nil {
			return 0, err
		}
		if slices.Equal(full.ArticleIDs, c.ArticleIDs) {
			return o.ID, nil
		}
	}
	return 0, nil
}

// campaignFormErr shows the composer again for a refused campaign, and
// passes any other failure on.
func (h *Handler) campaignFormErr(v *campaignFormView, err error) error {
	var cv *campaign.ValidationError
	var se *statusError
	if errors.As(err, &cv) || errors.As(err, &se) {
		return &formError{page: "campaign-form", view: v, err: err}
	}
	return err
}

func (h *Handler) campaignEdit(w http.ResponseWriter, r *http.Request, s *staff) error {
	c, err := h.loadCampaign(r)
	if err != nil {
		return err
	}
	if c.State != campaign.Draft {
		return campaign.ErrState
	}
	f := campaignForm{NewsletterID: c.NewsletterID, Subject: c.Subject, Preheader: c.Preheader, Markdown: c.Markdown,
		Mode: string(c.ArticleMode), ArticleIDs: c.ArticleIDs, Tags: strings.Join(c.AudienceTags, ", "), Language: c.AudienceLanguage}
	v, err := h.campaignFormView(r, s, "Edit: "+c.Subject, f)
	if err != nil {
		return err
	}
	v.ID, v.Action = c.ID, "/admin/campaigns/"+strconv.FormatInt(c.ID, 10)
	return h.render(w, http.StatusOK, "campaign-form", v)
}

func (h *Handler) campaignSave(w http.ResponseWriter, r *http.Request, s *staff) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	f, ferr := readCampaignForm(r)
	v, err := h.campaignFormView(r, s, "Edit campaign", f)
	if err != nil {
		return err
	}
	v.ID, v.Action = id, "/admin/campaigns/"+strconv.FormatInt(id, 10)
	if ferr != nil {
		return &formError{page: "campaign-form", view: v, err: ferr}
	}
	c, err := h.campaignOf(r.Context(), f)
	if err != nil {
		return h.campaignFormErr(v, err)
	}
	c.ID = id
	if err := h.cfg.Campaigns.UpdateCampaign(r.Context(), &c); err != nil {
		return err
	}
	return done(w, r, v.Action, "saved")
}

func (h *Handler) loadCampaign(r *http.Request) (campaign.Campaign, error) {
	id, err := idParam(r)
	if err != nil {
		return campaign.Campaign{}, err
	}
	return h.cfg.Campaigns.Campaign(r.Context(), id)
}
