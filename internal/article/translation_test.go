package article_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/store/sqlite"
)

// A translation is the story in another language: one in the language of
// its original, or of another version readers can see, would give the
// story two pages for one language.
func TestTranslationNeedsALanguageOfItsOwn(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := article.NewPublisher(st, func(md string) string { return "<p>" + md + "</p>" })
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	save := func(a article.Article) error {
		a.Status, a.PublishedAt = article.Published, at
		_, err := p.Publish(ctx, &a)
		return err
	}
	if err := save(article.Article{Title: "Night markets return", Slug: "night-markets", Language: "en"}); err != nil {
		t.Fatal(err)
	}
	if err := save(article.Article{Title: "Marchés de nuit", Slug: "marches", Language: "fr", TranslationOf: "night-markets"}); err != nil {
		t.Fatalf("Publish(a French translation) = %v; want it saved", err)
	}
	for _, lang := range []string{"en", "EN", "fr"} {
		err := save(article.Article{Title: "Again", Slug: "again-" + strings.ToLower(lang), Language: lang, TranslationOf: "night-markets"})
		var ve *article.ValidationError
		if !errors.As(err, &ve) || ve.Field != "language" {
			t.Errorf("Publish(a translation of an English story with a French version, in %s) = %v; want a refusal of the language", lang, err)
		}
	}
	if err := save(article.Article{Title: "Marchés de nuit, corrigé", Slug: "marches", Language: "fr", TranslationOf: "night-markets"}); err != nil {
		t.Errorf("Publish(the French translation again, corrected) = %v; want it saved", err)
	}
	if err := save(article.Article{Title: "Nachtmärkte", Slug: "nachtmaerkte", Language: "de", TranslationOf: "night-markets"}); err != nil {
		t.Errorf("Publish(a German translation) = %v; want it saved", err)
	}
}
