package web

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"herald/internal/article"
)

// langOf is the language a screen reader speaks n in: the lang attribute
// of n or of its nearest ancestor that has one.
func langOf(n *html.Node) string {
	for ; n != nil; n = n.Parent {
		if n.Type != html.ElementNode {
			continue
		}
		if l, ok := attr(n, "lang"); ok {
			return l
		}
	}
	return ""
}

// wantSpokenIn checks that each of texts, wherever it stands on the page,
// is inside an element whose language is want.
func wantSpokenIn(t *testing.T, target, body, want string, texts ...string) {
	t.Helper()
	doc := parseHTML(t, body)
	found := map[string]bool{}
	for n := range doc.Descendants() {
		if n.Type != html.TextNode {
			continue
		}
		for _, text := range texts {
			if strings.Contains(n.Data, text) {
				found[text] = true
				if got := langOf(n.Parent); got != want {
					t.Errorf("GET %s: %q is in an element of lang %q, want %q", target, text, got, want)
				}
			}
		}
	}
	for _, text := range texts {
		if !found[text] {
			t.Errorf("GET %s: no %q on the page", target, text)
		}
	}
}

// An article in a language Herald has no words for is shown with the site's
// words around it in English: those words say so, so that a screen reader
// does not read them with the article's pronunciation.
func TestEnglishWordsAroundAnArticleInAnotherLanguageAreMarked(t *testing.T) {
	e := newEnv(t)
	e.addArticle("storia", "Una storia", e.now.Add(-48*time.Hour), func(a *article.Article) {
		a.Language, a.Standfirst = "it", "Che cosa è successo."
		a.UpdatedAt = e.now.Add(-time.Hour)
	})
	db, err := sql.Open("sqlite", e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO newsletter (slug, name, description, language, created_at) VALUES ('mattino', 'Il Mattino', '', 'it', 1)`); err != nil {
		t.Fatalf("insert an Italian newsletter: %v", err)
	}
	w := e.get("/articles/storia")
	wantStatus(t, "GET /articles/storia", w, 200)
	body := w.Body.String()
	wantSpokenIn(t, "/articles/storia", body, "it", "Il Mattino")
	wantSpokenIn(t, "/articles/storia", body, "en", "Our journalism in your inbox.")
	if !strings.Contains(body, `<html lang="it" dir="ltr">`) {
		t.Fatalf("GET /articles/storia: page not in Italian:\n%s", body)
	}
	wantSpokenIn(t, "/articles/storia", body, "it", "Una storia", "Che cosa è successo.")
	wantSpokenIn(t, "/articles/storia", body, "en", "Skip to content", "By", "Updated",
		"Topics", "Subscribe to our newsletter", "Email address", e.now.Add(-48*time.Hour).Format("January"))
	home := findAll(parseHTML(t, body), func(n *html.Node) bool { return n.Data == "a" && textOf(n) == "Home" })
	if len(home) != 1 || langOf(home[0]) != "en" {
		t.Errorf("GET /articles/storia: footer's Home link = %v, want one in English", home)
	}
}

// A site whose language Herald has no words for shows its listings with
// English words, marked as English, around the articles in its language.
func TestEnglishWordsOfASiteInAnotherLanguageAreMarked(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Site.Language = "it" })
	for i := range perPage + 1 {
		e.addArticle("storia-"+string(rune('a'+i)), "Storia", e.now.Add(-time.Duration(i+1)*time.Hour), func(a *article.Article) {
			a.Language, a.Section = "it", "Cronaca"
		})
	}
	for _, target := range []string{"/", "/section/cronaca"} {
		w := e.get(target)
		wantStatus(t, "GET "+target, w, 200)
		body := w.Body.String()
		wantSpokenIn(t, target, body, "it", "Storia", "Cronaca")
		wantSpokenIn(t, target, body, "en", "Skip to content", "Older articles", e.now.Format("2006"))
	}
	wantSpokenIn(t, "/", e.get("/").Body.String(), "en", "Latest news", "Subscribe to our newsletter")
}

// A site in one of the languages Herald has words in says everything of its
// own in that language: what kind of listing a page is, an empty listing,
// the pager, and the error pages.
func TestSiteWordsInTheSiteLanguage(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Site.Language = "fr" })
	e.addArticle("histoire", "Histoire", e.now.Add(-time.Hour), func(a *article.Article) {
		a.Language, a.Section, a.Tags = "fr", "Politique", []article.Tag{{Name: "Mairie"}}
	})
	for target, want := range map[string][]string{
		"/section/politique":   {"Rubrique"},
		"/tag/mairie":          {"Mot-clé"},
		"/author/ada-reporter": {"Auteur"},
		"/?before=1-1":         {"Il n'y a pas d'articles plus anciens."},
	} {
		w := e.get(target)
		wantStatus(t, "GET "+target, w, 200)
		wantSpokenIn(t, target, w.Body.String(), "fr", want...)
	}
	for target, want := range map[string]struct {
		status int
		text   string
	}{
		"/nope":             {404, "Page introuvable"},
		"/articles/nope":    {404, "Il n'y a rien à cette adresse."},
		"/?before=x":        {400, "Adresse de page non valide"},
		"/section/personne": {404, "Page introuvable"},
	} {
		w := e.get(target)
		wantStatus(t, "GET "+target, w, want.status)
		wantSpokenIn(t, target, w.Body.String(), "fr", want.text, "Accueil")
	}
	w := e.do(httptest.NewRequest(http.MethodPut, "/articles/histoire", nil))
	wantStatus(t, "PUT /articles/histoire", w, 405)
	wantSpokenIn(t, "PUT /articles/histoire", w.Body.String(), "fr", "Requête non autorisée")
}

// An error page Herald has no words for in the site's language is in
// English and says so.
func TestErrorPageWithoutWordsIsEnglish(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Site.Language = "it" })
	w := e.get("/nope")
	wantStatus(t, "GET /nope", w, 404)
	wantSpokenIn(t, "/nope", w.Body.String(), "en", "Page not found", "There is nothing at this address.")
	e.addArticle("storia", "Storia", e.now.Add(-time.Hour), func(a *article.Article) { a.Language, a.Section = "it", "Cronaca" })
	w = e.get("/section/cronaca")
	wantSpokenIn(t, "/section/cronaca", w.Body.String(), "en", "Section")
}
