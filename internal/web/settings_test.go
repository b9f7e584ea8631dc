package web

import (
	"context"
	"strings"
	"testing"
	"time"
)

// What the newsroom sets in the admin app reaches the public pages within
// a few seconds, without a restart.
func TestSettingsReachThePublicSite(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Settings = nil })
	e.h.settings = e.store
	ctx := context.Background()
	if body := e.get("/").Body.String(); !strings.Contains(body, "The Test Herald") {
		t.Fatalf("home page before settings lacks the configured name")
	}
	for k, v := range map[string]string{
		"site.name":       "The Harbour Gazette",
		"site.languages":  "en,pt",
		"signup.words.en": `{"heading":"Get the Gazette","button":"Sign me up"}`,
		"signup.words.pt": `{"heading":"Receba a Gazeta"}`,
	} {
		if err := e.store.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	e.now = e.now.Add(settingsTTL + time.Second)
	body := e.get("/?fresh=1").Body.String()
	for _, want := range []string{"The Harbour Gazette", "Get the Gazette", "Sign me up"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page after the settings changed lacks %q", want)
		}
	}
	if w := e.h.cur().words["pt"]; w.Heading != "Receba a Gazeta" || w.Button == "" {
		t.Errorf("Portuguese words = %+v; want the heading set and the rest from the defaults", w)
	}
	// A setting that is not valid JSON leaves the defaults in place.
	e.store.SetSetting(ctx, "signup.words.en", "{not json")
	e.now = e.now.Add(settingsTTL + time.Second)
	if w := e.h.cur().words["en"]; w.Heading != DefaultWords()["en"].Heading {
		t.Errorf("after a broken setting, heading = %q", w.Heading)
	}
}

// A logo set in the admin app replaces the name in the masthead, which
// stays as its text, and becomes the publisher's logo for search engines.
func TestLogoSetting(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Settings = nil })
	e.h.settings = e.store
	e.addArticle("bridge", "Bridge", e.now.Add(-time.Hour))
	if err := e.store.SetSetting(context.Background(), "site.logo_url", "/media/logo.svg"); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(settingsTTL + time.Second)
	body := e.get("/articles/bridge").Body.String()
	for _, want := range []string{`<img class="logo" src="/media/logo.svg" alt="The Test Herald">`,
		`"logo":"` + e.h.site.BaseURL + `/media/logo.svg"`} {
		if !strings.Contains(body, want) {
			t.Errorf("article page lacks %s", want)
		}
	}
}
