package campaign

import (
	"strings"
	"testing"
)

// unsubscribeLink is what every custom template must hold.
const unsubscribeLink = `<a href="{{.UnsubscribeURL}}">Unsubscribe</a>`

func TestCustomTemplateRefused(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"unknown field", `{{.Secret}}` + unsubscribeLink, `no field "Secret"`},
		{"unknown field in an untaken branch", `{{if false}}{{.Secret}}{{end}}` + unsubscribeLink, `no field "Secret"`},
		{"unknown field through a variable", `{{$v := .}}{{$v.Secret}}` + unsubscribeLink, `no field "Secret"`},
		{"unknown field of an article", `{{range .Articles}}{{.Password}}{{end}}` + unsubscribeLink, `no field "Password"`},
		{"method of a field", `{{range .Articles}}{{.Published.Location}}{{end}}` + unsubscribeLink, `no field "Location"`},
		{"call", `{{call .Subject}}` + unsubscribeLink, `function "call" is not allowed`},
		{"html escaper", `{{html .Subject}}` + unsubscribeLink, `function "html" is not allowed`},
		{"function not offered", `{{env "HOME"}}` + unsubscribeLink, `function "env" not defined`},
		{"file reading", `{{readFile "/etc/passwd"}}` + unsubscribeLink, `function "readFile" not defined`},
		{"undefined template", `{{template "x"}}` + unsubscribeLink, `template "x" is not defined`},
		{"undefined template in a branch", `{{if .Articles}}{{template "x" .}}{{end}}` + unsubscribeLink, `template "x" is not defined`},
		{"recursion", `{{define "a"}}{{if .}}{{template "a" (slice . 1)}}{{template "a" (slice . 1)}}{{end}}{{end}}{{template "a" .Articles}}` + unsubscribeLink, `calls itself`},
		{"loop over a number", `{{range 1000000000000}}{{end}}` + unsubscribeLink, `range may only loop over .Articles`},
		{"loop over a variable", `{{$n := 1000000000000}}{{range $n}}{{end}}` + unsubscribeLink, `range may only loop over .Articles`},
		{"loop over a computed list", `{{range slice .Articles 1}}{{end}}` + unsubscribeLink, `range may only loop over .Articles`},
		{"too much work", `{{range .Articles}}{{range $.Articles}}{{range $.Articles}}` + strings.Repeat(`{{if false}}{{end}}`, 10) + `{{end}}{{end}}{{end}}` + unsubscribeLink, `too many actions`},
		{"deep loops", `{{range .Articles}}{{range $.Articles}}{{range $.Articles}}{{range $.Articles}}x{{end}}{{end}}{{end}}{{end}}` + unsubscribeLink, `nested more than`},
		{"syntax error", `{{if}}` + unsubscribeLink, `template:`},
		{"source too large", strings.Repeat("x", maxTemplateSource) + unsubscribeLink, `over the 262144 limit`},
		{"no unsubscribe link", `<p>{{.Subject}}</p>`, `no unsubscribe link`},
		{"unsubscribe link in a query", `<a href="https://example.com/?u={{.UnsubscribeURL}}">x</a>` + unsubscribeLink, `only a whole <a href>`},
		{"greeting in a link", `<a href="{{.Greeting}}">x</a>` + unsubscribeLink, `only a whole <a href>`},
		{"greeting in an attribute", `<img alt="{{.Greeting}}">` + unsubscribeLink, `<img alt>`},
		{"link in an event handler", `<a onclick="location={{.UnsubscribeURL}}" href="{{.UnsubscribeURL}}">x</a>`, `<a onclick>`},
		{"link in a script", `<script>var u = {{.UnsubscribeURL}};</script>` + unsubscribeLink, `inside <script>`},
		{"greeting in a style", `<style>p::before { content: "{{.Greeting}}" }</style>` + unsubscribeLink, `inside <style>`},
		{"forged marker", `{{slice .Greeting 0 (len (slice .Greeting 1))}}x` + unsubscribeLink, `cuts the greeting or a link short`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fullCompose()
			c.Template = tc.src
			_, err := NewEmail(c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewEmail(Template: %.80q) = %v, want an error with %q", tc.src, err, tc.want)
			}
		})
	}
}

func TestCustomTemplateOutputTooLarge(t *testing.T) {
	c := fullCompose()
	c.Campaign.Markdown = strings.Repeat("A paragraph of the issue that is long enough.\n\n", 15000) // about 700 KB
	c.Template = `{{.Intro}}{{.Intro}}{{.Intro}}{{.Intro}}` + unsubscribeLink
	if _, err := NewEmail(c); err == nil || !strings.Contains(err.Error(), "over the size limit") {
		t.Errorf("NewEmail with 2.8 MB of template output = %v, want the size limit", err)
	}
}

func TestCustomTemplate(t *testing.T) {
	c := fullCompose()
	c.Campaign.Subject = `<script>alert("subject")</script>`
	c.Articles[0].Title = `<img src=x onerror=alert(1)>`
	c.Template = `<!doctype html><html><head><style>.lead { color: #123456 }</style></head><body>
<h1 class="lead">{{.Subject}}</h1>
<p>{{.Greeting}}</p>
{{range .Articles}}<h2><a href="{{.URL}}">{{.Title | upper}}</a></h2><p>{{formatDate "2 January 2006" .Published}} {{.Byline | lower}} {{truncate 12 .Standfirst}}</p>{{end}}
<a href="{{.SiteURL}}/about">About</a>
<p>` + unsubscribeLink + ` <a href="{{.PreferencesURL}}">Preferences</a></p>
</body></html>`
	r := testRecipient()
	_, p := render(t, c, r)
	for _, want := range []string{
		`<h1 class="lead" style="color:#123456">&lt;script&gt;alert(&#34;subject&#34;)&lt;/script&gt;</h1>`,
		`Hello &lt;b&gt;Zoë &amp; &#34;Co&#34;&lt;/b&gt;,`,
		`&lt;IMG SRC=X ONERROR=ALERT(1)&gt;`,
		`29 November 2026 by maya lindqvist The first…`,
		`<a href="https://news.example.org/about">About</a>`,
		`<a href="` + r.UnsubscribeURL + `">Unsubscribe</a>`,
		`<a href="https://news.example.org/preferences/AQIH-x_9?tab=newsletters&amp;lang=en">Preferences</a>`,
	} {
		if !strings.Contains(p.HTML, want) {
			t.Errorf("custom template output lacks %q:\n%s", want, p.HTML)
		}
	}
	if strings.Contains(p.HTML, "<script") || strings.Contains(p.HTML, "<img") {
		t.Errorf("custom template output holds markup from the content:\n%s", p.HTML)
	}
	if !strings.Contains(p.Text, "Unsubscribe:\n"+r.UnsubscribeURL) {
		t.Errorf("text part of a custom-template email lacks the unsubscribe link:\n%s", p.Text)
	}
}
