package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"herald/internal/delivery"
	"herald/internal/lang"
	"herald/internal/subscriber"
)

// subscriberPageSize is how many subscribers one page of the list shows.
const subscriberPageSize = 50

// subscriberListView is the searchable list of subscribers.
type subscriberListView struct {
	page
	Query, State, Tag string
	Newsletter        int64
	Newsletters       []subscriber.Newsletter
	States            []subscriber.State
	Rows              []subscriber.Subscriber
	Older             string
}

func (h *Handler) subscriberList(w http.ResponseWriter, r *http.Request, s *staff) error {
	q := r.URL.Query()
	v := &subscriberListView{page: h.pageFor(r, s, "Subscribers"), Query: strings.TrimSpace(q.Get("q")),
		Tag:    strings.ToLower(strings.TrimSpace(q.Get("tag"))),
		States: []subscriber.State{subscriber.Pending, subscriber.Confirmed, subscriber.Unsubscribed}}
	switch st := subscriber.State(q.Get("state")); st {
	case "", subscriber.Pending, subscriber.Confirmed, subscriber.Unsubscribed:
		v.State = string(st)
	default:
		return invalid("There is no subscription state %q.", st)
	}
	if n := q.Get("newsletter"); n != "" {
		id, err := strconv.ParseInt(n, 10, 64)
		if err != nil || id <= 0 {
			return invalid("Choose a newsletter from the list.")
		}
		v.Newsletter = id
	}
	before, err := cursorParam(q.Get("before"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	if v.Newsletters, err = h.cfg.Newsletters.Newsletters(ctx); err != nil {
		return err
	}
	list, err := h.cfg.Subscribers.SearchSubscribers(ctx, v.Query, subscriber.State(v.State), v.Newsletter, v.Tag, before, subscriberPageSize+1)
	if err != nil {
		return err
	}
	if len(list) > subscriberPageSize {
		list = list[:subscriberPageSize]
		v.Older = "/admin/subscribers?" + encodeQuery("q", v.Query, "state", v.State, "tag", v.Tag,
			"newsletter", optionalID(v.Newsletter), "before", strconv.FormatInt(list[len(list)-1].ID, 10))
	}
	v.Rows = list
	return h.render(w, http.StatusOK, "subscribers", v)
}

func optionalID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// subscriberView is one person: what they are subscribed to, the consent
// they gave and the mail they were sent.
type subscriberView struct {
	page
	Sub      subscriber.Subscriber
	Names    map[int64]string // newsletter names by ID
	Tags     string
	Language string // as in the form
	// SiteLanguage is the publication's main language, which the mail
	// to a subscriber without a language of their own is written in.
	SiteLanguage string
	Consents     []subscriber.Consent
	Deliveries   []ledgerRow
	Older        string
	Error        string
}

func (v *subscriberView) setError(msg string) { v.Error = msg }

// deliveryPage is how many deliveries one page of a subscriber's history shows.
const deliveryPage = 50

func (h *Handler) subscriberView(r *http.Request, s *staff) (*subscriberView, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	sub, err := h.cfg.Subscribers.SubscriberByID(ctx, id)
	if err != nil {
		return nil, err
	}
	title := sub.Email
	v := &subscriberView{page: h.pageFor(r, s, title), Sub: sub, Language: sub.Language,
		SiteLanguage: h.languages(ctx)[0]}
	nls, err := h.cfg.Newsletters.Newsletters(ctx)
	if err != nil {
		return nil, err
	}
	v.Names = newsletterNames(nls)
	tags, err := h.cfg.Subscribers.SubscriberTags(ctx, id)
	if err != nil {
		return nil, err
	}
	v.Tags = strings.Join(tags, ", ")
	if v.Consents, err = h.cfg.Subscribers.Consents(ctx, id); err != nil {
		return nil, err
	}
	before, err := cursorParam(r.URL.Query().Get("before"))
	if err != nil {
		return nil, err
	}
	ds, rs, err := h.cfg.Ledger.SubscriberLedger(ctx, id, before, deliveryPage+1)
	if err != nil {
		return nil, err
	}
	if len(ds) > deliveryPage {
		ds, rs = ds[:deliveryPage], rs[:deliveryPage]
		v.Older = "/admin/subscribers/" + strconv.FormatInt(id, 10) + "?before=" + strconv.FormatInt(ds[len(ds)-1].ID, 10) + "#deliveries"
	}
	v.Deliveries = ledgerRows(ds, rs, true)
	return v, nil
}

func (h *Handler) subscriberPage(w http.ResponseWriter, r *http.Request, s *staff) error {
	v, err := h.subscriberView(r, s)
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "subscriber", v)
}

func (h *Handler) subscriberTags(w http.ResponseWriter, r *http.Request, s *staff) error {
	v, err := h.subscriberView(r, s)
	if err != nil {
		return err
	}
	v.Tags = r.PostFormValue("tags")
	var tags []string
	for _, t := range splitList(strings.ReplaceAll(v.Tags, ";", ",")) {
		tag, err := subscriber.NormalizeTag(t)
		if err != nil {
			return &formError{page: "subscriber", view: v, err: invalid("%s.", strings.ToUpper(err.Error()[:1])+err.Error()[1:])}
		}
		if tag != "" && !contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	if len(tags) > subscriber.MaxTags {
		return &formError{page: "subscriber", view: v, err: invalid("A subscriber has at most %d tags.", subscriber.MaxTags)}
	}
	if err := h.cfg.Subscribers.SetSubscriberTags(r.Context(), v.Sub.ID, tags); err != nil {
		return err
	}
	h.log.InfoContext(r.Context(), "subscriber tags changed", "subscriber", v.Sub.ID, "user_id", s.User.ID)
	return done(w, r, "/admin/subscribers/"+strconv.FormatInt(v.Sub.ID, 10), "tags")
}

// subscriberLanguage sets the language the person's mail is written in;
// an empty one leaves it to the site's.
func (h *Handler) subscriberLanguage(w http.ResponseWriter, r *http.Request, s *staff) error {
	v, err := h.subscriberView(r, s)
	if err != nil {
		return err
	}
	v.Language = r.PostFormValue("language")
	language := strings.ToLower(strings.TrimSpace(v.Language))
	if language != "" && !lang.Valid(language) {
		return &formError{page: "subscriber", view: v, err: invalid("%s.", lang.Check(language))}
	}
	if err := h.cfg.Subscribers.SetSubscriberLanguage(r.Context(), v.Sub.ID, language); err != nil {
		return err
	}
	h.log.InfoContext(r.Context(), "subscriber language changed", "subscriber", v.Sub.ID, "user_id", s.User.ID)
	return done(w, r, "/admin/subscribers/"+strconv.FormatInt(v.Sub.ID, 10), "language")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// subscriberErase forgets a person on their request. Only a keyed hash of
// their address stays, on the suppression list, so that no import adds
// them again (see subscriber.SkipErased) yet their address cannot be read
// back from it.
//
// A confirmed erasure of a person no longer there was pressed again, by a
// double click or a reload: the first press erased them, as only an
// erasure removes a subscriber, so it leads where the first one did.
func (h *Handler) subscriberErase(w http.ResponseWriter, r *http.Request, s *staff) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	confirmed := r.PostFormValue("confirm") == "yes"
	sub, err := h.cfg.Subscribers.SubscriberByID(r.Context(), id)
	if errors.Is(err, subscriber.ErrNotFound) && confirmed {
		return done(w, r, "/admin/subscribers", "erased")
	}
	if err != nil {
		return err
	}
	if !confirmed {
		return invalid("Tick the box to confirm that this person's data is to be erased.")
	}
	key := h.cfg.Erasure.Key(sub.Email)
	err = h.cfg.Subscribers.EraseSubscriber(r.Context(), id, key, "erased on request", h.now())
	if errors.Is(err, subscriber.ErrNotFound) {
		return done(w, r, "/admin/subscribers", "erased")
	}
	if err != nil {
		return err
	}
	h.log.InfoContext(r.Context(), "subscriber erased", "subscriber", id, "user_id", s.User.ID)
	return done(w, r, "/admin/subscribers", "erased")
}

// personalData is one person's data as the GDPR export gives it.
type personalData struct {
	ExportedAt    time.Time              `json:"exported_at"`
	ID            int64                  `json:"id"`
	Email         string                 `json:"email"`
	Name          string                 `json:"name"`
	Language      string                 `json:"language"`
	CreatedAt     time.Time              `json:"created_at"`
	Tags          []string               `json:"tags"`
	Subscriptions []personalSubscription `json:"subscriptions"`
	Consents      []personalConsent      `json:"consents"`
	Deliveries    []personalDelivery     `json:"deliveries"`
}

type personalSubscription struct {
	Newsletter string           `json:"newsletter"`
	State      subscriber.State `json:"state"`
	UpdatedAt  time.Time        `json:"updated_at"`
}

type personalConsent struct {
	Newsletter string                   `json:"newsletter"`
	Action     subscriber.ConsentAction `json:"action"`
	At         time.Time                `json:"at"`
	Source     string                   `json:"source"`
	Wording    string                   `json:"wording"`
	IP         string                   `json:"ip"`
}

type personalDelivery struct {
	Kind       delivery.Kind  `json:"kind"`
	CampaignID int64          `json:"campaign_id,omitempty"`
	State      delivery.State `json:"state"`
	QueuedAt   time.Time      `json:"queued_at"`
	DoneAt     *time.Time     `json:"done_at,omitempty"`
	Answer     string         `json:"server_answer,omitempty"`
}

// maxExportDeliveries bounds the delivery history in one export; a person
// mailed daily for thirty years stays under it.
const maxExportDeliveries = 20000

func (h *Handler) subscriberData(w http.ResponseWriter, r *http.Request, s *staff) error {
	v, err := h.subscriberView(r, s)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := personalData{ExportedAt: h.now().UTC(), ID: v.Sub.ID, Email: v.Sub.Email, Name: v.Sub.Name,
		Language: v.Sub.Language, CreatedAt: v.Sub.CreatedAt, Tags: splitList(v.Tags)}
	for _, sp := range v.Sub.Subscriptions {
		d.Subscriptions = append(d.Subscriptions, personalSubscription{Newsletter: v.Names[sp.NewsletterID], State: sp.State, UpdatedAt: sp.UpdatedAt})
	}
	for _, c := range v.Consents {
		d.Consents = append(d.Consents, personalConsent{Newsletter: v.Names[c.NewsletterID], Action: c.Action, At: c.At,
			Source: c.Source, Wording: c.Wording, IP: c.IP})
	}
	var before int64
	for len(d.Deliveries) < maxExportDeliveries {
		ds, rs, err := h.cfg.Ledger.SubscriberLedger(ctx, v.Sub.ID, before, 1000)
		if err != nil {
			return err
		}
		for i, dl := range ds {
			pd := personalDelivery{Kind: dl.Kind, CampaignID: dl.CampaignID, State: rs[i].State, QueuedAt: dl.CreatedAt,
				Answer: strings.TrimSpace(strconv.Itoa(rs[i].Code) + " " + rs[i].Status + " " + rs[i].Text)}
			if rs[i].Code == 0 {
				pd.Answer = strings.TrimSpace(rs[i].Status + " " + rs[i].Text)
			}
			if !rs[i].At.IsZero() {
				at := rs[i].At
				pd.DoneAt = &at
			}
			d.Deliveries = append(d.Deliveries, pd)
		}
		if len(ds) < 1000 {
			break
		}
		before = ds[len(ds)-1].ID
	}
	w.Header().Set("Content-Disposition", `attachment; filename="subscriber-`+strconv.FormatInt(v.Sub.ID, 10)+`.json"`)
	h.log.InfoContext(ctx, "subscriber data exported", "subscriber", v.Sub.ID, "user_id", s.User.ID)
	writeJSON(w, http.StatusOK, d)
	return nil
}
