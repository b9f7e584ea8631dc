package web

import (
	"strings"
	"testing"
)

func TestDefaultWords(t *testing.T) {
	words := DefaultWords()
	for _, lang := range []string{"en", "fr", "de", "es"} {
		w, ok := words[lang]
		if !ok {
			t.Fatalf("DefaultWords has no %q", lang)
		}
		for i, s := range []string{w.Heading, w.Intro, w.EmailLabel, w.NameLabel, w.NewslettersLabel, w.Button, w.Wait, w.Thanks, w.ThanksDetail, w.Consent} {
			if strings.TrimSpace(s) == "" {
				t.Errorf("DefaultWords()[%q] field %d is empty", lang, i)
			}
		}
	}
	en := words["en"]
	if en.Heading != "Subscribe to our newsletter" || en.Button != "Subscribe" || en.Wait != "Please wait..." || en.Thanks != "Thank you for sign up!" {
		t.Errorf("English words = %+v", en)
	}
	e := newEnv(t, func(c *Config) {
		c.Site.Language = "de"
		c.Words = map[string]Words{"de": DefaultWords()["de"]}
	})
	if lang, w := e.h.wordsFor("pt-br"); lang != "de" || w.Button != "Abonnieren" {
		t.Errorf("wordsFor(pt-br) with only German = %q, %+v", lang, w)
	}
	if lang, _ := e.h.wordsFor("xx"); lang != "de" {
		t.Errorf("wordsFor(xx) = %q, want the site's language", lang)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	e := newEnv(t)
	good := Config{Site: Site{BaseURL: testBase}, Articles: e.store, Subscriptions: e.h.subs}
	if _, err := New(good); err != nil {
		t.Fatalf("New(minimal config) = %v", err)
	}
	for name, cfg := range map[string]Config{
		"no articles":      {Site: good.Site, Subscriptions: good.Subscriptions},
		"no subscriptions": {Site: good.Site, Articles: good.Articles},
		"relative base":    {Site: Site{BaseURL: "news.example"}, Articles: good.Articles, Subscriptions: good.Subscriptions},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%s) succeeded", name)
		}
	}
}
