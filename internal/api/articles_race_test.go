package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"herald/internal/article"
	"herald/internal/user"
)

// call is one request sent from a goroutine of its own, where the test
// may not stop: errors come back in the answer instead.
type call struct {
	token        string // the token sendAll was given when empty
	method, path string
	body         any
	status       int
	answer       string
	err          error
}

// sendAll sends the calls at the same moment and waits for every answer.
func (e *testEnv) sendAll(token string, calls []*call) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body io.Reader = http.NoBody
			if c.body != nil {
				data, err := json.Marshal(c.body)
				if err != nil {
					c.err = err
					return
				}
				body = bytes.NewReader(data)
			}
			req, err := http.NewRequest(c.method, e.srv.URL+c.path, body)
			if err != nil {
				c.err = err
				return
			}
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			} else {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			if c.body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			<-start
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				c.err = err
				return
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			c.status, c.answer = resp.StatusCode, string(data)
		}()
	}
	close(start)
	wg.Wait()
}

// checkAnswers fails the test unless every call was answered with want.
func checkAnswers(t *testing.T, calls []*call, want int) {
	t.Helper()
	for _, c := range calls {
		if c.err != nil || c.status != want {
			t.Fatalf("%s %s with %v = %d %s, %v; want %d", c.method, c.path, c.body, c.status, c.answer, c.err, want)
		}
	}
}

// Two PATCHes of different fields sent at once both keep their change.
func TestConcurrentPatchesKeepBothChanges(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	for i := range 30 {
		slug := fmt.Sprintf("patched-%d", i)
		e.addArticle(slug, time.Time{})
		path := "/api/v1/articles/" + slug
		calls := []*call{
			{method: "PATCH", path: path, body: map[string]string{"title": "T1"}},
			{method: "PATCH", path: path, body: map[string]string{"standfirst": "S1"}},
		}
		e.sendAll(tok, calls)
		checkAnswers(t, calls, http.StatusOK)
		got, err := e.store.ArticleBySlug(t.Context(), slug)
		if err != nil {
			t.Fatalf("ArticleBySlug(%s) = %v", slug, err)
		}
		if got.Title != "T1" || got.Standfirst != "S1" {
			t.Fatalf("after PATCH {title: T1} and PATCH {standfirst: S1} at once, %s has title %q and standfirst %q; want T1 and S1",
				slug, got.Title, got.Standfirst)
		}
	}
}

// A publish racing a PATCH leaves the article published, with the change.
func TestPublishRacingPatchStaysPublished(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	for i := range 30 {
		slug := fmt.Sprintf("raced-%d", i)
		e.addArticle(slug, time.Time{})
		path := "/api/v1/articles/" + slug
		calls := []*call{
			{method: "POST", path: path + "/publish"},
			{method: "PATCH", path: path, body: map[string]string{"title": "T1"}},
		}
		e.sendAll(tok, calls)
		checkAnswers(t, calls, http.StatusOK)
		got, err := e.store.ArticleBySlug(t.Context(), slug)
		if err != nil {
			t.Fatalf("ArticleBySlug(%s) = %v", slug, err)
		}
		if got.Status != article.Published || got.Title != "T1" {
			t.Fatalf("after POST %s/publish and PATCH {title: T1} at once, the article is %s with title %q; want published with T1",
				path, got.Status, got.Title)
		}
	}
}

// A PATCH with If-Match saves only over the version it names.
func TestPatchIfMatch(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(user.Editor)
	e.addArticle("matched", time.Time{})
	first := e.do(tok, "GET", "/api/v1/articles/matched", nil)
	first.want(t, 200, nil)
	tag := first.header.Get("ETag")
	if tag == "" {
		t.Fatal("GET /api/v1/articles/matched has no ETag")
	}
	ok := e.do(tok, "PATCH", "/api/v1/articles/matched", map[string]string{"title": "Mine"}, "If-Match", tag)
	ok.want(t, 200, nil)
	if next := ok.header.Get("ETag"); next == "" || next == tag {
		t.Errorf("PATCH with If-Match %s answered ETag %q; want a new one", tag, next)
	}
	e.do(tok, "PATCH", "/api/v1/articles/matched", map[string]string{"title": "Stale"}, "If-Match", tag).
		wantError(t, http.StatusPreconditionFailed, "precondition_failed", "")
	e.do(tok, "PATCH", "/api/v1/articles/matched", map[string]string{"standfirst": "Any"}, "If-Match", "*").want(t, 200, nil)
	got, _ := e.store.ArticleBySlug(t.Context(), "matched")
	if got.Title != "Mine" || got.Standfirst != "Any" {
		t.Errorf("after the PATCHes the article has title %q and standfirst %q; want Mine and Any", got.Title, got.Standfirst)
	}
}

// Several callers creating one slug at once: one 201, the others 409 on
// the slug, and the article stays the winner's.
func TestConcurrentCreatesOfOneSlug(t *testing.T) {
	e := newEnv(t)
	const n = 4
	users := make([]user.User, n)
	tokens := make([]string, n)
	for i := range n {
		users[i] = e.account(user.Author)
		tokens[i] = e.token(users[i])
	}
	for round := range 50 {
		slug := fmt.Sprintf("contested-%d", round)
		calls := make([]*call, n)
		for i := range calls {
			calls[i] = &call{token: tokens[i], method: "POST", path: "/api/v1/articles",
				body: map[string]string{"slug": slug, "title": fmt.Sprintf("By %d", i)}}
		}
		e.sendAll("", calls)
		winner := -1
		for i, c := range calls {
			switch {
			case c.err == nil && c.status == http.StatusCreated && winner < 0:
				winner = i
			case c.err == nil && c.status == http.StatusConflict:
				var body errorBody
				if err := json.Unmarshal([]byte(c.answer), &body); err != nil || body.Error.Field != "slug" {
					t.Fatalf("POST /api/v1/articles with slug %s answered 409 %s; want the field slug named", slug, c.answer)
				}
			default:
				t.Fatalf("%d POST /api/v1/articles with slug %s at once answered %d %s, %v (call %d); want one 201 and the others 409",
					n, slug, c.status, c.answer, c.err, i)
			}
		}
		if winner < 0 {
			t.Fatalf("%d POST /api/v1/articles with slug %s at once: none answered 201", n, slug)
		}
		got, err := e.store.ArticleBySlug(t.Context(), slug)
		if err != nil {
			t.Fatalf("ArticleBySlug(%s) = %v", slug, err)
		}
		by, err := e.store.ArticleCreator(t.Context(), got.ID)
		if got.Title != fmt.Sprintf("By %d", winner) || err != nil || by != users[winner].ID {
			t.Fatalf("after the creates of %s: title %q, creator %d (%v); want By %d, created by %d",
				slug, got.Title, by, err, winner, users[winner].ID)
		}
	}
}
