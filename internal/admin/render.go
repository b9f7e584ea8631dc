package admin

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"herald/internal/delivery"
	"herald/internal/user"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages is the parsed template of each page, each with the layout and the
// partials, so that every page fills the layout's "main" block its own way.
type pages struct{ byName map[string]*template.Template }

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("admin: list templates: %w", err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.New(name).Funcs(templateFuncs()).ParseFS(templateFiles,
			"templates/layout.html", "templates/partials.html", file)
		if err != nil {
			return nil, fmt.Errorf("admin: parse template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// templateFuncs formats values for people; none of them reaches anything
// but its arguments.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "–"
			}
			return t.UTC().Format("2 Jan 2006, 15:04 UTC")
		},
		"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// weekday names a digest's day, 0 for Sunday as time.Weekday counts.
		"weekday": func(d int) string { return time.Weekday(d % 7).String() },
		"kind": func(k delivery.Kind) string {
			switch k {
			case delivery.KindConfirm:
				return "confirmation email"
			case delivery.KindWelcome:
				return "welcome email"
			case delivery.KindCampaign:
				return "campaign"
			case delivery.KindCampaignTest:
				return "test of campaign"
			case KindTestEmail:
				return "test email"
			}
			return string(k)
		},
		// ask is the question a button that cannot be undone asks first.
		"ask": func(q string) string { return questions[q] },
		"percent": func(part, whole int) int {
			if whole <= 0 {
				return 0
			}
			return part * 100 / whole
		},
	}
}

// page is what the layout needs; every view embeds it.
type page struct {
	Title  string // this page's part of the <title>
	Site   string
	User   *user.User // nil when no one is signed in
	CSRF   string
	Nav    []navItem
	CSS    string
	JS     string
	Icon   string
	Flash  string
	Public string // the public site, for "view on site" links
	// Skip is the id the skip link leads to, when not the main content:
	// the element a page starts the focus at.
	Skip string
	// Refusal says the page is a form shown again because it was refused,
	// which its title says first, as a screen reader reads it on load.
	Refusal bool
	// ErrorField names the form field a refusal shown on the page is
	// about: the field is marked for it, and the page's script focuses it.
	ErrorField string
}

// refuse marks the page as a refused form, about field or, with "", about
// no one field.
func (p *page) refuse(field string) { p.Refusal, p.ErrorField = true, field }

// Refused is the attributes of the field called name: when the refusal on
// the page is about it, it is invalid and described by the message (id
// form-error) after the descriptions ids it always has, so that a screen
// reader says why on reaching it, with or without the page's script.
func (p page) Refused(name string, ids ...string) template.HTMLAttr {
	var b strings.Builder
	if name != "" && name == p.ErrorField {
		b.WriteString(` aria-invalid="true"`)
		ids = append(ids, "form-error")
	}
	if len(ids) > 0 {
		fmt.Fprintf(&b, ` aria-describedby="%s"`, template.HTMLEscapeString(strings.Join(ids, " ")))
	}
	return template.HTMLAttr(b.String())
}

// navItem is one entry of the main menu.
type navItem struct {
	Label, URL string
	Current    bool
}

// Can reports whether the signed-in person may do p; templates show only
// the controls they can use. The route's own check is what enforces it.
func (p page) Can(perm string) bool {
	return p.User != nil && p.User.Can(user.Permission(perm))
}

// menu lists the sections of the app a role may open, in the order of the
// newsroom's day.
var menu = []struct {
	label, url string
	perm       user.Permission
}{
	{"Dashboard", "/admin/", user.ArticleRead},
	{"Articles", "/admin/articles", user.ArticleRead},
	{"Campaigns", "/admin/campaigns", user.CampaignRead},
	{"Newsletters", "/admin/newsletters", user.CampaignRead},
	{"Subscribers", "/admin/subscribers", user.SubscriberRead},
	{"Outbox", "/admin/outbox", user.SubscriberRead},
	{"Staff", "/admin/staff", user.UserManage},
	{"Settings", "/admin/settings", user.SettingsManage},
}

// basePage fills what every page shares. current is the menu entry to mark,
// found from the title when it names a section.
func (h *Handler) basePage(s *staff, title string) page {
	p := page{Title: title, Site: h.cfg.Site.Name, Public: h.cfg.Site.BaseURL,
		CSS: h.assets.URL("admin.css"), JS: h.assets.URL("admin.js"), Icon: h.assets.URL("icon.svg")}
	if s == nil {
		return p
	}
	u := s.User
	p.User, p.CSRF = &u, s.CSRF
	for _, m := range menu {
		if u.Can(m.perm) {
			p.Nav = append(p.Nav, navItem{Label: m.label, URL: m.url})
		}
	}
	return p
}

// pageFor is basePage for a request: it marks the menu entry the address
// falls under and picks up the message of the action just done.
func (h *Handler) pageFor(r *http.Request, s *staff, title string) page {
	p := h.basePage(s, title)
	best := -1
	for i, n := range p.Nav {
		if r.URL.Path == n.URL || (n.URL != "/admin/" && strings.HasPrefix(r.URL.Path, n.URL+"/")) {
			best = i
		}
	}
	if best >= 0 {
		p.Nav[best].Current = true
	}
	p.Flash = flashes[r.URL.Query().Get("done")]
	return p
}

// flashes are the messages shown after an action; the address names one
// by code, so no text from the address ever reaches the page.
var flashes = map[string]string{
	"saved":       "Saved.",
	"created":     "Created.",
	"published":   "Published: readers can see it now.",
	"scheduled":   "Scheduled.",
	"unpublished": "Unpublished: readers no longer see it.",
	"submitted":   "Submitted: an editor can now publish it.",
	"test":        "Test email queued.",
	"sending":     "Sending has started.",
	"unscheduled": "The campaign is a draft again.",
	"paused":      "Paused: nothing more goes out until you resume.",
	"resumed":     "Resumed.",
	"cancelled":   "Cancelled: what was not yet sent will not be.",
	"tags":        "Tags saved.",
	"language":    "Language saved.",
	"erased":      "The person's data was erased; no import will add their address again.",
	"role":        "Role changed.",
	"access":      "Access changed.",
	"signed-out":  "You have signed out.",
}

// render writes a page with status. It renders into memory first, so a
// failing template never sends half a page with a 200 status.
func (h *Handler) render(w http.ResponseWriter, status int, name string, view any) error {
	t, ok := h.pages.byName[name]
	if !ok {
		return fmt.Errorf("admin: no template %s", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", view); err != nil {
		return fmt.Errorf("admin: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// done redirects after an action to url with the flash message code.
func done(w http.ResponseWriter, r *http.Request, to, code string) error {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	http.Redirect(w, r, to+sep+"done="+code, http.StatusSeeOther)
	return nil
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
