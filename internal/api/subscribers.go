package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"herald/internal/lang"
	"herald/internal/subscriber"
	"herald/internal/user"
	"herald/internal/webhook"
)

// subscriberJSON is a subscriber with its tags and subscriptions.
type subscriberJSON struct {
	ID            int64              `json:"id"`
	Email         string             `json:"email"`
	Name          string             `json:"name"`
	Language      string             `json:"language"`
	Tags          []string           `json:"tags"`
	CreatedAt     time.Time          `json:"created_at"`
	Subscriptions []subscriptionJSON `json:"subscriptions"`
}

type subscriptionJSON struct {
	NewsletterID   int64     `json:"newsletter_id"`
	NewsletterSlug string    `json:"newsletter_slug"`
	State          string    `json:"state"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func subscriberOut(s subscriber.Subscriber, tags []string) subscriberJSON {
	out := subscriberJSON{ID: s.ID, Email: s.Email, Name: s.Name, Language: s.Language, Tags: []string{},
		CreatedAt: s.CreatedAt, Subscriptions: []subscriptionJSON{}}
	out.Tags = append(out.Tags, tags...)
	for _, sp := range s.Subscriptions {
		out.Subscriptions = append(out.Subscriptions, subscriptionJSON{NewsletterID: sp.NewsletterID,
			NewsletterSlug: sp.NewsletterSlug, State: string(sp.State), UpdatedAt: sp.UpdatedAt})
	}
	return out
}

// listSubscribers lists subscribers in ID order, so that people signing up
// meanwhile land on later pages and no page repeats or skips anyone.
// Filters: email (exact, any case), newsletter_id and state, tag.
func (h *Handler) listSubscribers(w http.ResponseWriter, r *http.Request, c caller) error {
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	cur, err := cursor(r, 1)
	if err != nil {
		return err
	}
	var after int64
	if cur != nil {
		after = cur[0]
	}
	nl, err := queryID(r, "newsletter_id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	state := subscriber.State(q.Get("state"))
	switch state {
	case "", subscriber.Pending, subscriber.Confirmed, subscriber.Unsubscribed:
	default:
		return badRequest("state", "state must be pending, confirmed or unsubscribed")
	}
	tag := ""
	if q.Get("tag") != "" {
		if tag, err = subscriber.NormalizeTag(q.Get("tag")); err != nil {
			return badRequest("tag", err.Error())
		}
	}
	email := strings.TrimSpace(q.Get("email"))
	list, err := h.cfg.Store.FilterSubscribers(r.Context(), email, state, nl, tag, after, limit+1)
	if err != nil {
		return err
	}
	out := page[subscriberJSON]{Items: []subscriberJSON{}}
	if len(list) > limit {
		list = list[:limit]
		out.NextCursor = encodeCursor(list[limit-1].ID)
	}
	ids := make([]int64, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	tags, err := h.cfg.Store.TagsOfSubscribers(r.Context(), ids)
	if err != nil {
		return err
	}
	for _, s := range list {
		out.Items = append(out.Items, subscriberOut(s, tags[s.ID]))
	}
	return reply(w, http.StatusOK, out)
}

// loadSubscriber returns a subscriber with its tags.
func (h *Handler) loadSubscriber(ctx context.Context, id int64) (subscriberJSON, subscriber.Subscriber, error) {
	s, err := h.cfg.Store.SubscriberByID(ctx, id)
	if err != nil {
		return subscriberJSON{}, s, err
	}
	tags, err := h.cfg.Store.TagsOfSubscribers(ctx, []int64{id})
	if err != nil {
		return subscriberJSON{}, s, err
	}
	return subscriberOut(s, tags[id]), s, nil
}

func (h *Handler) getSubscriber(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "subscriber")
	if err != nil {
		return err
	}
	out, _, err := h.loadSubscriber(r.Context(), id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out)
}

type subscriberInput struct {
	Email         string   `json:"email"`
	Name          string   `json:"name"`
	Tags          []string `json:"tags"`
	NewsletterIDs []int64  `json:"newsletter_ids"`
	// Language is stored as the subscriber's, as the signup box stores
	// the language of its page, when the address is new to Herald; a
	// known address keeps its own, since anyone who may add addresses may
	// give one that is not theirs to speak for.
	Language string `json:"language"`
	// Confirmed adds the address as confirmed without an email, for moving
	// a list whose consent was gathered elsewhere; the import rules apply,
	// so people who left or bounced stay out.
	Confirmed bool `json:"confirmed"`
}

// createSubscriber adds an address to newsletters. By default it follows
// the public signup rules: the subscription is pending and a confirmation
// email is queued. It answers 201 for an address new to Herald and 200 for
// one it had.
func (h *Handler) createSubscriber(w http.ResponseWriter, r *http.Request, c caller) error {
	var in subscriberInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	email, err := subscriber.NormalizeEmail(in.Email)
	if err != nil {
		return invalid("email", reasonOf(err))
	}
	name, err := subscriber.CleanName(in.Name)
	if err != nil {
		return invalid("name", reasonOf(err))
	}
	tags, err := cleanTags(in.Tags)
	if err != nil {
		return err
	}
	language, err := cleanLanguage(in.Language)
	if err != nil {
		return err
	}
	ctx := r.Context()
	nls, err := h.cfg.Store.Newsletters(ctx)
	if err != nil {
		return err
	}
	if len(in.NewsletterIDs) == 0 || len(in.NewsletterIDs) > 100 {
		return invalid("newsletter_ids", "newsletter_ids must name 1 to 100 newsletters")
	}
	for _, id := range in.NewsletterIDs {
		if !hasNewsletter(nls, id) {
			return invalid("newsletter_ids", fmt.Sprintf("there is no newsletter %d", id))
		}
	}
	erased, err := subscriber.Erased(ctx, h.cfg.Store, h.cfg.Erasure, email)
	if err != nil {
		return err
	}
	mayRead := c.can(user.SubscriberRead)
	if erased {
		if !mayRead {
			return accepted(w)
		}
		return conflict("email", "the address is not added: "+subscriber.ReasonErased)
	}
	stored, err := h.cfg.Store.SubscriberByEmail(ctx, email)
	existed := err == nil
	if err != nil && !errors.Is(err, subscriber.ErrNotFound) {
		return err
	}
	var oldTags []string
	if existed && len(tags) > 0 {
		old, err := h.cfg.Store.TagsOfSubscribers(ctx, []int64{stored.ID})
		if err != nil {
			return err
		}
		oldTags = old[stored.ID]
		if len(mergeTags(oldTags, tags)) > subscriber.MaxTags {
			return invalid("tags", fmt.Sprintf("the subscriber has %d tags; with these it would have more than %d", len(oldTags), subscriber.MaxTags))
		}
	}
	source := fmt.Sprintf("API, account %d, token %d", c.user.ID, c.token.ID)
	now := h.cfg.Now()
	if in.Confirmed {
		err := h.addConfirmed(ctx, email, name, tags, language, in.NewsletterIDs, source, now)
		if errors.Is(err, errNotAdded) && !mayRead {
			// Why it was refused would tell what became of the person.
			return accepted(w)
		}
		if err != nil {
			return err
		}
	} else {
		err := h.cfg.Signups.Signup(ctx, subscriber.Signup{Email: email, Name: name, Newsletters: in.NewsletterIDs,
			Source: source, Wording: "added through the API; the confirmation email asks for consent",
			Language: language, IP: clientIP(r), At: now})
		if err != nil {
			return err
		}
	}
	sub, err := h.cfg.Store.SubscriberByEmail(ctx, email)
	if err != nil {
		return err
	}
	if !in.Confirmed && len(tags) > 0 {
		if err := h.cfg.Store.UpdateSubscriberProfile(ctx, sub.ID, sub.Name, sub.Language, mergeTags(oldTags, tags)); err != nil {
			return err
		}
	}
	if !mayRead {
		// Nothing of the record, not even whether the address was there.
		return accepted(w)
	}
	out, _, err := h.loadSubscriber(ctx, sub.ID)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if existed {
		status = http.StatusOK
	}
	w.Header().Set("Location", Prefix+"/subscribers/"+strconv.FormatInt(sub.ID, 10))
	return reply(w, status, out)
}

// accepted answers a change made by a caller that may make it but not
// read what it changed, such as a signup form's token: it learns that the
// change was taken, and nothing of the person, article or campaign.
func accepted(w http.ResponseWriter) error {
	return reply(w, http.StatusAccepted, map[string]bool{"accepted": true})
}

// errNotAdded marks the refusal of an address for what became of its
// person: they left, bounced or were erased.
var errNotAdded = errors.New("address not added")

// addConfirmed adds the address confirmed to each newsletter by the rules
// of an import, in the language given if it is new, and announces the
// subscriptions it confirmed. It is refused only when no newsletter would
// take the address.
func (h *Handler) addConfirmed(ctx context.Context, email, name string, tags []string, language string, nls []int64, source string, now time.Time) error {
	row := subscriber.ImportRow{Line: 1, Email: email, Name: name, Tags: tags}
	var confirmed []int64
	var skip string
	taken := 0
	for _, nl := range nls {
		// Each newsletter is an import of its own, so an address the one
		// before created counts as existing, not as a repeat in the file.
		since, err := h.cfg.Store.LastSubscriberID(ctx)
		if err != nil {
			return err
		}
		opts := subscriber.ImportOptions{Confirmed: true, Source: source, At: now, Since: since, Language: language}
		res, err := h.cfg.Store.ImportSubscribers(ctx, nl, []subscriber.ImportRow{row}, opts)
		if err != nil {
			return err
		}
		if len(res.Skips) > 0 {
			skip = res.Skips[0].Reason
			continue
		}
		taken++
		if res.Imported+res.Updated > 0 {
			confirmed = append(confirmed, nl)
		}
	}
	if taken == 0 {
		return fmt.Errorf("%w: %w", errNotAdded, conflict("email", "the address is not added: "+skip))
	}
	if len(confirmed) > 0 {
		sub, err := h.cfg.Store.SubscriberByEmail(ctx, email)
		if err != nil {
			return err
		}
		h.emit(ctx, webhook.SubscriberConfirmed, subscriberEvent{ID: sub.ID, Email: sub.Email, NewsletterIDs: confirmed})
	}
	return nil
}

// subscriberEvent is the payload of the subscriber events the API emits.
type subscriberEvent struct {
	ID            int64   `json:"id"`
	Email         string  `json:"email"`
	NewsletterIDs []int64 `json:"newsletter_ids"`
}

// emit announces a change already committed. A failure is logged, not
// returned: the change stands, and the client must not retry it.
func (h *Handler) emit(ctx context.Context, event string, payload any) {
	if h.cfg.Events == nil {
		return
	}
	if err := h.cfg.Events.Emit(ctx, event, payload); err != nil {
		h.cfg.Logger.ErrorContext(ctx, "webhook event lost", "event", event, "err", err)
	}
}

// subscriberPatch changes a subscriber's profile; fields left out keep
// their value. An empty language clears it, so the site's applies.
type subscriberPatch struct {
	Name     *string   `json:"name"`
	Language *string   `json:"language"`
	Tags     *[]string `json:"tags"`
}

func (h *Handler) updateSubscriber(w http.ResponseWriter, r *http.Request, c caller) error {
	var in subscriberPatch
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	id, err := pathID(r, "subscriber")
	if err != nil {
		return err
	}
	ctx := r.Context()
	cur, sub, err := h.loadSubscriber(ctx, id)
	if err != nil {
		return err
	}
	name, language, tags := sub.Name, sub.Language, cur.Tags
	if in.Name != nil {
		if name, err = subscriber.CleanName(*in.Name); err != nil {
			return invalid("name", reasonOf(err))
		}
	}
	if in.Language != nil {
		if language, err = cleanLanguage(*in.Language); err != nil {
			return err
		}
	}
	if in.Tags != nil {
		if tags, err = cleanTags(*in.Tags); err != nil {
			return err
		}
	}
	if err := h.cfg.Store.UpdateSubscriberProfile(ctx, id, name, language, tags); err != nil {
		return err
	}
	if !c.can(user.SubscriberRead) {
		return accepted(w)
	}
	out, _, err := h.loadSubscriber(ctx, id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out)
}

// unsubscribeInput names the newsletter left; 0 is all of them.
type unsubscribeInput struct {
	NewsletterID int64 `json:"newsletter_id"`
}

// unsubscribe ends a subscriber's subscription to one newsletter, or to
// all when newsletter_id is left out, with a consent record naming the
// account that did it.
func (h *Handler) unsubscribe(w http.ResponseWriter, r *http.Request, c caller) error {
	var in unsubscribeInput
	if err := decode(w, r, &in, true); err != nil {
		return err
	}
	id, err := pathID(r, "subscriber")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if in.NewsletterID != 0 {
		nls, err := h.cfg.Store.Newsletters(ctx)
		if err != nil {
			return err
		}
		if !hasNewsletter(nls, in.NewsletterID) {
			return invalid("newsletter_id", fmt.Sprintf("there is no newsletter %d", in.NewsletterID))
		}
	}
	sub, err := h.cfg.Store.SubscriberByID(ctx, id)
	if err != nil {
		return err
	}
	// Announced is what this request ended, as the store tells it, so that
	// requests at once announce each unsubscription once.
	ended, err := h.cfg.Store.UnsubscribeSubscriber(ctx, id, in.NewsletterID, subscriber.Consent{
		SubscriberID: id, NewsletterID: in.NewsletterID, Action: subscriber.ConsentUnsubscribe, At: h.cfg.Now(),
		Source: fmt.Sprintf("API, account %d, token %d", c.user.ID, c.token.ID), IP: clientIP(r)})
	if err != nil {
		return err
	}
	if len(ended) > 0 {
		h.emit(ctx, webhook.SubscriberUnsubscribed, subscriberEvent{ID: sub.ID, Email: sub.Email, NewsletterIDs: ended})
	}
	if !c.can(user.SubscriberRead) {
		return accepted(w)
	}
	out, _, err := h.loadSubscriber(ctx, id)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, out)
}

// cleanLanguage returns a subscriber's language as stored: a tag in
// lowercase, or "" for none.
func cleanLanguage(in string) (string, error) {
	language := strings.ToLower(strings.TrimSpace(in))
	if language != "" && !lang.Valid(language) {
		return "", invalid("language", "language must be a language tag such as en or pt-br")
	}
	return language, nil
}

// cleanTags applies the import's rules for tags to a list given whole.
func cleanTags(in []string) ([]string, error) {
	if len(in) > subscriber.MaxTags {
		return nil, invalid("tags", fmt.Sprintf("at most %d tags", subscriber.MaxTags))
	}
	var out []string
	for _, t := range in {
		t, err := subscriber.NormalizeTag(t)
		if err != nil {
			return nil, invalid("tags", err.Error())
		}
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

func mergeTags(old, add []string) []string {
	out := slices.Clone(old)
	for _, t := range add {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func reasonOf(err error) string {
	var ae *subscriber.AddressError
	if errors.As(err, &ae) {
		return ae.Reason
	}
	return err.Error()
}
