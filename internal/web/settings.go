package web

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"time"
)

// SettingsReader reads what the newsroom set in the admin app: the
// publication's name, its languages and the signup box's words.
type SettingsReader interface {
	Setting(ctx context.Context, key string) (string, error)
}

// The setting keys the admin app writes.
const (
	settingName      = "site.name"
	settingLogo      = "site.logo_url"
	settingLanguages = "site.languages"
	settingWords     = "signup.words." // + language: JSON heading, intro, button, consent
)

// settingsTTL is how soon a change in the admin app shows on the site.
const settingsTTL = 5 * time.Second

// snapshot is the site as configured, with the newsroom's settings laid
// over it; requests read it without locks and it is replaced whole.
type snapshot struct {
	site  Site
	words map[string]Words
	at    time.Time
}

// cur returns the current snapshot, refreshing it first when it is stale.
// One request refreshes while the others keep reading the old one.
func (h *Handler) cur() *snapshot {
	s := h.snap.Load()
	if h.settings == nil || h.now().Sub(s.at) < settingsTTL || !h.refreshing.CompareAndSwap(false, true) {
		return s
	}
	defer h.refreshing.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	next := h.load(ctx)
	h.snap.Store(next)
	return next
}

// load builds a snapshot from the configuration and the stored settings.
// A setting that cannot be read leaves the configured value in place.
func (h *Handler) load(ctx context.Context) *snapshot {
	s := &snapshot{site: h.site, words: make(map[string]Words, len(h.words)), at: h.now()}
	for k, w := range h.words {
		s.words[k] = w
	}
	if h.settings == nil {
		return s
	}
	if name, err := h.settings.Setting(ctx, settingName); err == nil && strings.TrimSpace(name) != "" && !strings.ContainsAny(name, "\r\n") {
		s.site.Name = strings.TrimSpace(name)
	}
	if logo, err := h.settings.Setting(ctx, settingLogo); err == nil && len(logo) <= 2000 && !strings.ContainsAny(logo, "\r\n") {
		// The admin app accepts only https:// URLs and paths here; the
		// templates escape whatever else a changed database might hold.
		s.site.Logo = strings.TrimSpace(logo)
	}
	langs := map[string]bool{}
	for k := range s.words {
		langs[k] = true
	}
	if list, err := h.settings.Setting(ctx, settingLanguages); err == nil {
		for _, l := range strings.Split(list, ",") {
			if l = strings.ToLower(strings.TrimSpace(l)); l != "" && len(l) <= 12 {
				langs[l] = true
			}
		}
	}
	for l := range langs {
		raw, err := h.settings.Setting(ctx, settingWords+l)
		if err != nil {
			continue
		}
		var set struct{ Heading, Intro, Button, Consent string }
		if json.Unmarshal([]byte(raw), &set) != nil {
			h.log.Warn("signup words setting is not valid JSON", "language", l)
			continue
		}
		w, ok := s.words[l]
		if !ok {
			w = s.words["en"]
		}
		for _, f := range []struct {
			dst *string
			v   string
		}{
			{&w.Heading, set.Heading}, {&w.Intro, set.Intro}, {&w.Button, set.Button}, {&w.Consent, set.Consent},
		} {
			if v := strings.TrimSpace(f.v); v != "" {
				*f.dst = v
			}
		}
		s.words[l] = w
	}
	return s
}

// snapshotHolder is embedded in Handler.
type snapshotHolder struct {
	settings   SettingsReader
	snap       atomic.Pointer[snapshot]
	refreshing atomic.Bool
}
