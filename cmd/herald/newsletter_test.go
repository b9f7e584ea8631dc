package main

import (
	"strings"
	"testing"
)

func TestNewsletterCreateRefusesBadSettings(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--language", "zz!!<script>"}, "--language"},
		{[]string{"--newsletter-language", "zz"}, "--newsletter-language"},
		{[]string{"--newsletter-language", "en--us"}, "--newsletter-language"},
		{[]string{"--timezone", "Mars/Base"}, "--timezone"},
		{[]string{"--timezone", "Local"}, "--timezone"},
		{[]string{"--digest-time", "99:99"}, "--digest-time"},
		{[]string{"--digest-time", "7"}, "--digest-time"},
	} {
		args := append([]string{"newsletter", "create", "morning", "--name", "Morning"}, tc.args...)
		if _, _, err := herald(t, data, args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("herald %v = %v; want an error naming %s", args, err, tc.want)
		}
	}
	out, _ := mustHerald(t, data, "newsletter", "list")
	if strings.Contains(out, "morning") {
		t.Errorf("a refused newsletter was stored:\n%s", out)
	}
}

func TestNewsletterCreateStoresTheLanguageInLowercase(t *testing.T) {
	data := t.TempDir()
	mustHerald(t, data, "newsletter", "create", "manha", "--name", "Manhã", "--newsletter-language", "pt-BR", "--timezone", "Europe/Lisbon", "--digest-time", "07:30")
	out, _ := mustHerald(t, data, "newsletter", "list", "--json")
	if !strings.Contains(out, `"language":"pt-br"`) {
		t.Errorf("newsletter list --json = %s; want the new newsletter in pt-br", out)
	}
}

func TestServeSettingsRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--language", "zz!!<script>"}, "--language"},
		{[]string{"--language", ""}, "--language"},
		{[]string{"--metrics-token", "short-token"}, "--metrics-token"},
	} {
		if _, _, err := setup("serve", tc.args, env(nil), &strings.Builder{}, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v = %v; want an error naming %s", tc.args, err, tc.want)
		}
	}
	c, _, err := setup("serve", []string{"--language", "zh-Hant", "--metrics-token", "sixteen-chars-ok"}, env(nil), &strings.Builder{}, nil)
	if err != nil || c.language != "zh-hant" {
		t.Errorf("serve --language zh-Hant --metrics-token sixteen-chars-ok: %v; want it taken, the language as zh-hant", err)
	}
}
