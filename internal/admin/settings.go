package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"herald/internal/lang"
	"herald/internal/subscriber"
)

// The settings are stored under these keys. The signup box's wording is
// stored per language under signupKeyPrefix + language, as JSON.
const (
	settingName      = "site.name"
	settingLogo      = "site.logo_url"
	settingLanguages = "site.languages"
	signupKeyPrefix  = "signup.words."
)

// settings are what the owner sets for the publication.
type settings struct {
	Name      string
	LogoURL   string
	Languages []string
	Signup    map[string]signupWords
}

// signupWords is the newsletter box in one language. Empty fields keep the
// site's built-in wording.
type signupWords struct {
	Heading string `json:"heading,omitempty"`
	Intro   string `json:"intro,omitempty"`
	Button  string `json:"button,omitempty"`
	Consent string `json:"consent,omitempty"`
}

// loadSettings reads the settings, storing the defaults on first use.
func (h *Handler) loadSettings(ctx context.Context) (settings, error) {
	var st settings
	var err error
	if st.Name, err = h.cfg.Settings.EnsureSetting(ctx, settingName, h.cfg.Site.Name); err != nil {
		return st, err
	}
	if st.LogoURL, err = h.cfg.Settings.EnsureSetting(ctx, settingLogo, ""); err != nil {
		return st, err
	}
	langs, err := h.cfg.Settings.EnsureSetting(ctx, settingLanguages, "en")
	if err != nil {
		return st, err
	}
	st.Languages = splitList(langs)
	if len(st.Languages) == 0 {
		st.Languages = []string{"en"}
	}
	st.Signup = map[string]signupWords{}
	for _, l := range st.Languages {
		raw, err := h.cfg.Settings.EnsureSetting(ctx, signupKeyPrefix+l, "{}")
		if err != nil {
			return st, err
		}
		var w signupWords
		if err := json.Unmarshal([]byte(raw), &w); err != nil {
			return st, fmt.Errorf("setting %s%s: %w", signupKeyPrefix, l, err)
		}
		st.Signup[l] = w
	}
	return st, nil
}

// settingsView is the owner's settings page.
type settingsView struct {
	page
	Form   settingsForm
	Mail   MailStatus
	Outbox bool
	TestTo string
	Tests  []ledgerRow
	Error  string
	// TestError is why the test email was refused, shown beside its
	// field; testing says a refusal belongs there.
	TestError string
	testing   bool
}

func (v *settingsView) setError(msg string) {
	if v.testing {
		v.TestError = msg
		return
	}
	v.Error = msg
}

// settingsForm is the settings as typed, one box per language.
type settingsForm struct {
	Name, LogoURL, Languages string
	Words                    []languageWords
}

type languageWords struct {
	Language string
	signupWords
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request, s *staff) error {
	st, err := h.loadSettings(r.Context())
	if err != nil {
		return err
	}
	v, err := h.settingsView(r, s, formOfSettings(st))
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "settings", v)
}

func formOfSettings(st settings) settingsForm {
	f := settingsForm{Name: st.Name, LogoURL: st.LogoURL, Languages: strings.Join(st.Languages, ", ")}
	for _, l := range st.Languages {
		f.Words = append(f.Words, languageWords{Language: l, signupWords: st.Signup[l]})
	}
	return f
}

func (h *Handler) settingsView(r *http.Request, s *staff, f settingsForm) (*settingsView, error) {
	v := &settingsView{page: h.pageFor(r, s, "Settings"), Form: f, Mail: h.cfg.Mail, Outbox: h.cfg.Outbox != nil,
		TestTo: s.User.Email}
	ds, rs, err := h.cfg.Ledger.AddressedDeliveries(r.Context(), KindTestEmail, 5)
	if err != nil {
		return nil, err
	}
	v.Tests = ledgerRows(ds, rs, true)
	return v, nil
}

// readSettingsForm reads the settings as typed, with the words of each
// language named.
func readSettingsForm(r *http.Request) settingsForm {
	f := settingsForm{Name: strings.TrimSpace(r.PostFormValue("name")), LogoURL: strings.TrimSpace(r.PostFormValue("logo_url")),
		Languages: strings.ToLower(strings.TrimSpace(r.PostFormValue("languages")))}
	for _, l := range splitList(f.Languages) {
		f.Words = append(f.Words, languageWords{Language: l, signupWords: signupWords{
			Heading: strings.TrimSpace(r.PostFormValue("heading_" + l)),
			Intro:   strings.TrimSpace(r.PostFormValue("intro_" + l)),
			Button:  strings.TrimSpace(r.PostFormValue("button_" + l)),
			Consent: strings.TrimSpace(r.PostFormValue("consent_" + l)),
		}})
	}
	return f
}

func (h *Handler) settingsSave(w http.ResponseWriter, r *http.Request, s *staff) error {
	f := readSettingsForm(r)
	langs := splitList(f.Languages)
	v, err := h.settingsView(r, s, f)
	if err != nil {
		return err
	}
	if err := checkSettings(f, langs); err != nil {
		return &formError{page: "settings", view: v, err: err}
	}
	ctx := r.Context()
	for _, kv := range [][2]string{{settingName, f.Name}, {settingLogo, f.LogoURL}, {settingLanguages, strings.Join(langs, ",")}} {
		if err := h.cfg.Settings.SetSetting(ctx, kv[0], kv[1]); err != nil {
			return err
		}
	}
	for _, lw := range f.Words {
		b, err := json.Marshal(lw.signupWords)
		if err != nil {
			return err
		}
		if err := h.cfg.Settings.SetSetting(ctx, signupKeyPrefix+lw.Language, string(b)); err != nil {
			return err
		}
	}
	h.log.InfoContext(ctx, "settings saved", "user_id", s.User.ID)
	return done(w, r, "/admin/settings", "saved")
}

// checkSettings refuses what the public site could not show as it is.
func checkSettings(f settingsForm, langs []string) error {
	if f.Name == "" || utf8.RuneCountInString(f.Name) > 200 || strings.ContainsAny(f.Name, "\r\n\x00") {
		return invalid("The publication's name must be one line of 1 to 200 characters.")
	}
	if f.LogoURL != "" {
		u, err := url.Parse(f.LogoURL)
		switch {
		case err != nil, len(f.LogoURL) > 2000:
			return invalid("The logo URL is not a URL.")
		case u.Scheme == "https" && u.Host != "":
		case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(f.LogoURL, "//"):
		default:
			return invalid("The logo URL must start with https:// or be a path on this site such as /static/logo.svg.")
		}
	}
	if len(langs) == 0 || len(langs) > 20 {
		return invalid("Give between 1 and 20 languages, separated by commas, such as en, fr.")
	}
	for _, l := range langs {
		if err := lang.Check(l); err != nil {
			return invalid("%s.", err)
		}
	}
	for _, lw := range f.Words {
		for _, s := range []string{lw.Heading, lw.Intro, lw.Button, lw.Consent} {
			if utf8.RuneCountInString(s) > 1000 || strings.ContainsAny(s, "\r\n\x00") {
				return invalid("The signup box's wording in %s must be single lines of at most 1000 characters.", lw.Language)
			}
		}
	}
	return nil
}

// settingsTestEmail queues a test email to the address given, through the
// delivery engine like every other message.
func (h *Handler) settingsTestEmail(w http.ResponseWriter, r *http.Request, s *staff) error {
	typed := strings.TrimSpace(r.PostFormValue("to"))
	to, err := subscriber.NormalizeEmail(typed)
	if err != nil {
		st, serr := h.loadSettings(r.Context())
		if serr != nil {
			return serr
		}
		v, verr := h.settingsView(r, s, formOfSettings(st))
		if verr != nil {
			return verr
		}
		v.TestTo, v.testing = typed, true
		return &formError{page: "settings", view: v, err: err}
	}
	if _, err := h.cfg.Ledger.QueueAddressed(r.Context(), KindTestEmail, to, h.now()); err != nil {
		return err
	}
	h.cfg.Queued()
	h.log.InfoContext(r.Context(), "test email queued", "user_id", s.User.ID)
	return done(w, r, "/admin/settings", "test")
}
