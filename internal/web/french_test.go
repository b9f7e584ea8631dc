package web

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
)

// frenchWords is every French sentence of the site, by where it is kept.
func frenchWords() map[string]string {
	out := map[string]string{}
	for name, table := range map[string]any{"box": DefaultWords()["fr"], "labels": labelsIn("fr"), "links": linkLanguages["fr"]} {
		v := reflect.ValueOf(table)
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() && f.Type.Kind() == reflect.String {
				out[name+"."+f.Name] = v.Field(i).String()
			}
		}
	}
	for title, words := range errorWords["fr"] {
		out["error "+title] = words[0] + " " + words[1]
	}
	for p, text := range problemWords["fr"] {
		out[fmt.Sprint("problem ", p)] = text
	}
	for status, words := range refusalWords["fr"] {
		out[fmt.Sprint("refusal ", status)] = words[0] + " " + words[1]
	}
	return out
}

// French puts a narrow no-break space (U+202F) before ?, ! and ;, and a
// no-break space (U+00A0) before a colon, so that the mark never starts a
// line of its own.
func TestFrenchSpacesBeforeMarks(t *testing.T) {
	for where, text := range frenchWords() {
		runes := []rune(text)
		for i, r := range runes {
			want := map[rune]rune{'?': '\u202f', '!': '\u202f', ';': '\u202f', ':': '\u00a0'}[r]
			if want != 0 && (i == 0 || runes[i-1] != want) {
				t.Errorf("%s: %q has %q before %q, want %U", where, text, string(runes[max(i-1, 0)]), r, want)
			}
		}
	}
}

// A link to a French translation names it as French writes it.
func TestFrenchTranslationLink(t *testing.T) {
	e := newEnv(t)
	e.addArticle("talks", "Talks open", e.now.Add(-2*time.Hour))
	e.addArticle("pourparlers", "Les pourparlers s'ouvrent", e.now.Add(-time.Hour), func(a *article.Article) {
		a.Language, a.TranslationOf = "fr", "talks"
	})
	e.addArticle("conversaciones", "Se abren las conversaciones", e.now.Add(-time.Hour), func(a *article.Article) {
		a.Language, a.TranslationOf = "es", "talks"
	})
	body := e.get("/articles/talks").Body.String()
	for _, want := range []string{">Français\u00a0: Les pourparlers s&#39;ouvrent</a>", ">Español: Se abren las conversaciones</a>"} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /articles/talks: no %q in\n%s", want, body)
		}
	}
}
