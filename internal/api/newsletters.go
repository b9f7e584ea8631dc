package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/lang"
	"herald/internal/store"
	"herald/internal/subscriber"
)

// newsletterJSON is a newsletter as the API shows it.
type newsletterJSON struct {
	ID            int64     `json:"id"`
	Slug          string    `json:"slug"`
	Name          string    `json:"name"`
	Description   string    `json:"description"`
	SenderName    string    `json:"sender_name"`
	SenderEmail   string    `json:"sender_email"`
	ReplyTo       string    `json:"reply_to"`
	Language      string    `json:"language"`
	Digest        string    `json:"digest"`
	DigestTime    string    `json:"digest_time"`
	DigestWeekday int       `json:"digest_weekday"`
	Timezone      string    `json:"timezone"`
	CreatedAt     time.Time `json:"created_at"`
}

func newsletterOut(n subscriber.Newsletter) newsletterJSON {
	return newsletterJSON{ID: n.ID, Slug: n.Slug, Name: n.Name, Description: n.Description, SenderName: n.SenderName,
		SenderEmail: n.SenderEmail, ReplyTo: n.ReplyTo, Language: n.Language, Digest: n.Digest,
		DigestTime: n.DigestTime, DigestWeekday: n.DigestWeekday, Timezone: n.Timezone, CreatedAt: n.CreatedAt}
}

// listNewsletters lists every newsletter; there are few, so one page.
func (h *Handler) listNewsletters(w http.ResponseWriter, r *http.Request, c caller) error {
	nls, err := h.cfg.Store.Newsletters(r.Context())
	if err != nil {
		return err
	}
	out := page[newsletterJSON]{Items: []newsletterJSON{}}
	for _, n := range nls {
		out.Items = append(out.Items, newsletterOut(n))
	}
	return reply(w, http.StatusOK, out)
}

type newsletterInput struct {
	Slug          string `json:"slug"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	SenderName    string `json:"sender_name"`
	SenderEmail   string `json:"sender_email"`
	ReplyTo       string `json:"reply_to"`
	Language      string `json:"language"`
	Digest        string `json:"digest"`
	DigestTime    string `json:"digest_time"`
	DigestWeekday *int   `json:"digest_weekday"`
	Timezone      string `json:"timezone"`
}

func (h *Handler) createNewsletter(w http.ResponseWriter, r *http.Request, c caller) error {
	var in newsletterInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	now := h.cfg.Now().UTC().Truncate(time.Millisecond)
	n := subscriber.Newsletter{Slug: strings.TrimSpace(in.Slug), Name: strings.TrimSpace(in.Name),
		Description: strings.TrimSpace(in.Description), SenderName: strings.TrimSpace(in.SenderName),
		Language: strings.ToLower(strings.TrimSpace(in.Language)), Digest: in.Digest, DigestTime: in.DigestTime,
		DigestWeekday: 1, Timezone: in.Timezone, CreatedAt: now}
	if in.DigestWeekday != nil {
		n.DigestWeekday = *in.DigestWeekday
	}
	if n.Language == "" {
		n.Language = h.cfg.Language
	}
	if n.DigestTime == "" {
		n.DigestTime = "07:00"
	}
	if n.Timezone == "" {
		n.Timezone = "UTC"
	}
	if err := checkNewsletter(&n, in, now); err != nil {
		return err
	}
	if n.Digest != "" {
		n.LastDigestAt = now // the first digest covers what comes next
	}
	ctx := r.Context()
	nls, err := h.cfg.Store.Newsletters(ctx)
	if err != nil {
		return err
	}
	taken := conflict("slug", "a newsletter with the slug "+n.Slug+" exists already")
	for _, o := range nls {
		if o.Slug == n.Slug {
			return taken
		}
	}
	// Another request may have taken the slug since the list was read.
	n.ID, err = h.cfg.Store.CreateNewsletter(ctx, &n)
	if errors.Is(err, store.ErrDuplicate) {
		return taken
	}
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, newsletterOut(n))
}

// hasControl reports whether s holds a control character: a line break,
// which would end a header or a line, or one such as NUL, which
// PostgreSQL cannot store in text.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

// checkNewsletter applies the rules the command line applies to a new
// newsletter.
func checkNewsletter(n *subscriber.Newsletter, in newsletterInput, now time.Time) error {
	switch {
	case !article.ValidSlug(n.Slug):
		return invalid("slug", "slug must be 1 to 120 lowercase letters, digits and single hyphens")
	case n.Name == "" || len(n.Name) > 200 || hasControl(n.Name):
		return invalid("name", "name is required: one line of at most 200 characters")
	case hasControl(n.Description) || len(n.Description) > 1000:
		return invalid("description", "description must be one line of at most 1000 characters")
	case hasControl(n.SenderName) || strings.Contains(n.SenderName, `"`) || len(n.SenderName) > 200:
		return invalid("sender_name", "sender_name must be one line of at most 200 characters, without quotes")
	case !lang.Valid(n.Language):
		return invalid("language", "language must be a language tag such as en or pt-br")
	case n.Digest != "" && n.Digest != "daily" && n.Digest != "weekly":
		return invalid("digest", `digest must be "", "daily" or "weekly"`)
	case n.DigestWeekday < 0 || n.DigestWeekday > 6:
		return invalid("digest_weekday", "digest_weekday must be 0 (Sunday) to 6 (Saturday)")
	}
	for _, a := range []struct {
		field, v string
		dst      *string
	}{{"sender_email", in.SenderEmail, &n.SenderEmail}, {"reply_to", in.ReplyTo, &n.ReplyTo}} {
		if strings.TrimSpace(a.v) == "" {
			continue
		}
		norm, err := subscriber.NormalizeEmail(a.v)
		if err != nil {
			return invalid(a.field, fmt.Sprintf("%s: %v", a.field, err))
		}
		*a.dst = norm
	}
	// Checked whether a digest is on or not, so that switching one on
	// later does not meet a setting refused only then.
	if n.Timezone != "" {
		if _, err := time.LoadLocation(n.Timezone); err != nil || n.Timezone == "Local" {
			return invalid("timezone", fmt.Sprintf("timezone %q is not a time zone such as Europe/Paris or UTC", n.Timezone))
		}
	}
	if n.DigestTime != "" {
		if _, _, err := campaign.ParseClock(n.DigestTime); err != nil {
			return invalid("digest_time", err.Error())
		}
	}
	if n.Digest != "" {
		if _, err := campaign.NextDigest(*n, now); err != nil {
			return invalid("digest_time", err.Error())
		}
	}
	return nil
}
