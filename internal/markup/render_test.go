package markup

import (
	"strings"
	"sync"
	"testing"
)

// site is the base URL every test renders for; siteHost is its host.
const (
	site     = "https://news.example.org"
	siteHost = "news.example.org"
)

func TestHTMLRendersMarkdown(t *testing.T) {
	r := New(site)
	tests := []struct {
		name, in, want string
	}{
		{"heading with id", "# Budget vote", `<h1 id="budget-vote">Budget vote</h1>`},
		{"heading levels", "## Two\n\n### Three", "<h2 id=\"two\">Two</h2>\n<h3 id=\"three\">Three</h3>"},
		{"duplicate heading ids", "## Notes\n\n## Notes", "<h2 id=\"notes\">Notes</h2>\n<h2 id=\"notes-1\">Notes</h2>"},
		{"non-ASCII letters dropped from id", "## Élections à Zürich", `<h2 id="lections--zrich">Élections à Zürich</h2>`},
		{"emphasis", "*soft* and **loud** and ***both***", `<p><em>soft</em> and <strong>loud</strong> and <em><strong>both</strong></em></p>`},
		{"strikethrough", "~~withdrawn~~ confirmed", `<p><del>withdrawn</del> confirmed</p>`},
		{"relative link", "[About](/about)", `<p><a href="/about">About</a></p>`},
		{"own absolute link", "[Home](https://news.example.org/)", `<p><a href="https://news.example.org/">Home</a></p>`},
		{"external link", "[Source](https://gov.example/report)", `<p><a href="https://gov.example/report" rel="nofollow noopener noreferrer">Source</a></p>`},
		{"link title", `[Source](/r "The report")`, `<p><a href="/r" title="The report">Source</a></p>`},
		{"mailto link", "[Write](mailto:desk@example.org)", `<p><a href="mailto:desk@example.org">Write</a></p>`},
		{"autolink", "See https://gov.example/x now", `<p>See <a href="https://gov.example/x" rel="nofollow noopener noreferrer">https://gov.example/x</a> now</p>`},
		{"www autolink", "See www.gov.example today", `<p>See <a href="http://www.gov.example" rel="nofollow noopener noreferrer">www.gov.example</a> today</p>`},
		{"author rel replaced", `<a href="/x" rel="me">x</a>`, `<p><a href="/x">x</a></p>`},
		{"unordered list", "- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"},
		{"ordered list from 3", "3. three\n4. four", "<ol start=\"3\">\n<li>three</li>\n<li>four</li>\n</ol>"},
		{"nested list", "- a\n  - b", "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>"},
		{"table with alignment", "| Name | Votes |\n|:-----|------:|\n| Ada | 12 |",
			"<table>\n<thead>\n<tr>\n<th align=\"left\">Name</th>\n<th align=\"right\">Votes</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">Ada</td>\n<td align=\"right\">12</td>\n</tr>\n</tbody>\n</table>"},
		{"fenced code keeps language class", "```go\nif a < b {}\n```", "<pre><code class=\"language-go\">if a &lt; b {}\n</code></pre>"},
		{"indented code", "    <b>raw</b>", "<pre><code>&lt;b&gt;raw&lt;/b&gt;\n</code></pre>"},
		{"inline code", "use `<br>` here", `<p>use <code>&lt;br&gt;</code> here</p>`},
		{"block quote", "> said so", "<blockquote>\n<p>said so</p>\n</blockquote>"},
		{"typographer", `"Quoted" -- dashed...`, `<p>“Quoted” – dashed…</p>`},
		{"allowed raw HTML", "H<sub>2</sub>O and <abbr title=\"European Union\">EU</abbr>", `<p>H<sub>2</sub>O and <abbr title="European Union">EU</abbr></p>`},
		{"relative image", "![Map](/img/map.png)", `<p><img src="/img/map.png" alt="Map"/></p>`},
		{"own host image", "![Map](https://news.example.org/map.png)", `<p><img src="https://news.example.org/map.png" alt="Map"/></p>`},
		{"own host image, other case", "![Map](https://NEWS.Example.org/map.png)", `<p><img src="https://NEWS.Example.org/map.png" alt="Map"/></p>`},
		{"foreign image becomes alt", "Before ![Chart of votes](https://cdn.example/c.png) after", `<p>Before Chart of votes after</p>`},
		{"protocol-relative image dropped", "![pic](//cdn.example/c.png)", `<p>pic</p>`},
		{"foreign raw image dropped", `<img src="https://cdn.example/c.png" alt="pic">`, `pic`},
		{"image without alt vanishes", "x ![](https://cdn.example/c.png) y", `<p>x  y</p>`},
		{"checkbox item stays text", "- [ ] todo", "<ul>\n<li>[ ] todo</li>\n</ul>"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.TrimSpace(r.HTML(tt.in))
			if got != tt.want {
				t.Errorf("HTML(%q)\n got: %s\nwant: %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestHTMLWithoutUsableBaseURL(t *testing.T) {
	// With no readable site host, only relative images can be trusted.
	for _, base := range []string{"", "::not a url", "/relative"} {
		r := New(base)
		in := "![a](/a.png) ![b](https://news.example.org/b.png)"
		want := `<p><img src="/a.png" alt="a"/> b</p>`
		if got := strings.TrimSpace(r.HTML(in)); got != want {
			t.Errorf("New(%q).HTML(%q)\n got: %s\nwant: %s", base, in, got, want)
		}
	}
}

func TestHTMLConcurrentUse(t *testing.T) {
	// One Renderer serves every request; run with -race to check it.
	r := New(site)
	const in = "# Title\n\n## Title\n\n[x](https://gov.example) ![y](/y.png)"
	want := r.HTML(in)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got := r.HTML(in); got != want {
					t.Errorf("concurrent HTML(%q)\n got: %s\nwant: %s", in, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
