package admin

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"herald/internal/article"
	"herald/internal/user"
)

// Start a translation opens the editor in a language the story lacks, and
// a translation typed in a language it has is refused as such.
func TestTranslationStartsInALanguageTheStoryLacks(t *testing.T) {
	e := newEnv(t)
	if err := e.st.SetSetting(context.Background(), settingLanguages, "en,fr,de"); err != nil {
		t.Fatal(err)
	}
	orig := e.publish(t, article.Article{Title: "Night markets return", Slug: "night-markets", Body: "The stalls are back."})
	e.publish(t, article.Article{Title: "Les marchés de nuit", Slug: "marches-de-nuit", Language: "fr", TranslationOf: "night-markets",
		Status: article.Draft})
	editor := e.as(t, user.Editor)
	stored, err := e.st.ArticleBySlug(context.Background(), orig.Slug)
	if err != nil {
		t.Fatal(err)
	}
	page := editor.get(fmt.Sprintf("/admin/articles/%d", stored.ID))
	link := regexpFind(page.body, `href="(/admin/articles/new\?[^"]*)">Start a translation`)
	if want := "/admin/articles/new?language=de&amp;translation_of=night-markets"; link != want {
		t.Fatalf("Start a translation of an English story with a French draft links to %q; want %q", link, want)
	}
	form := editor.get(strings.ReplaceAll(link, "&amp;", "&"))
	if !strings.Contains(form.body, `name="language" list="languages" required maxlength="12" value="de"`) {
		t.Error("the new translation's editor does not start in German")
	}
	r := editor.post("/admin/articles", storyForm("Night markets, again", "x", "translation_of", "night-markets"))
	mustStatus(t, "create an English translation of an English story", r, http.StatusBadRequest)
	if !strings.Contains(r.body, `data-field="language"`) || !strings.Contains(r.body, "Language must differ from the original") {
		t.Errorf("the refusal does not name the language:\n%s", regexpFind(r.body, `(<div id="form-error"[^\n]*)`))
	}
}
