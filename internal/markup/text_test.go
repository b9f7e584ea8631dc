package markup

import "testing"

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"paragraphs", "<p>One.</p><p>Two.</p>", "One.\n\nTwo."},
		{"whitespace collapsed", "<p>  lots \n\t of   space  </p>", "lots of space"},
		{"inline elements joined", "<p>a <b>bold</b>, <em>em</em>phasis</p>", "a bold, emphasis"},
		{"headings on own line", "<h1>Title</h1><p>Body</p><h2>Sub</h2>Loose text", "Title\n\nBody\n\nSub\n\nLoose text"},
		{"line break", "<p>line one<br>  line two</p>", "line one\nline two"},
		{"entities decoded", "<p>Fish &amp; chips &lt;3 &eacute;t&eacute; &#8364;5 &nbsp;x</p>", "Fish & chips <3 été €5 \u00a0x"},
		{"list", "<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
		{"ordered list numbered", "<ol><li>one</li><li>two</li></ol>", "1. one\n2. two"},
		{"ordered list from its start", "<ol start=9><li>nine</li><li><p>ten</p><p>more</p></li></ol>", "9. nine\n10. ten\n\n    more"},
		{"list nested in ordered list", "<ol><li>a<ul><li>b</li></ul></li><li>c</li></ol>", "1. a\n   - b\n2. c"},
		{"nested list", "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "- a\n  - b\n- c"},
		{"loose list item", "<ul><li><p>first</p><p>second</p></li></ul>", "- first\n\n  second"},
		{"list between paragraphs", "<p>Before</p><ul><li>x</li></ul><p>After</p>", "Before\n\n- x\n\nAfter"},
		{"link with text", `<p>Read <a href="https://gov.example/r">the report</a>.</p>`, "Read the report (https://gov.example/r)."},
		{"link text is url", `<a href="https://gov.example/r">https://gov.example/r</a>`, "https://gov.example/r"},
		{"autolinked www", `<a href="http://www.gov.example">www.gov.example</a>`, "www.gov.example"},
		{"mailto shown once", `<a href="mailto:desk@example.org">desk@example.org</a>`, "desk@example.org"},
		{"fragment link", `<a href="#budget">budget</a>`, "budget"},
		{"link around image", `<a href="/p"><img src="/i.png" alt=""></a>`, "/p"},
		{"quote", "<blockquote><p>We will.</p><p>Soon.</p></blockquote>", "> We will.\n>\n> Soon."},
		{"nested quote", "<blockquote><p>a</p><blockquote><p>b</p></blockquote></blockquote>", "> a\n>\n> > b"},
		{"quote with list", "<blockquote><ul><li>x</li><li>y</li></ul></blockquote>", "> - x\n> - y"},
		{"pre keeps layout", "<pre><code>if x {\n    y()\n}\n</code></pre><p>after</p>", "if x {\n    y()\n}\n\nafter"},
		{"table", "<table><thead><tr><th>Name</th><th>Votes</th></tr></thead><tbody><tr><td>Ada</td><td>12</td></tr></tbody></table>", "Name | Votes\nAda | 12"},
		{"rule", "<p>a</p><hr><p>b</p>", "a\n\n---\n\nb"},
		{"image alt", `<p>Map: <img src="/m.png" alt="the district"></p>`, "Map: the district"},
		{"script and style dropped", "<style>p{}</style><p>kept</p><script>alert(1)</script>", "kept"},
		{"comment dropped", "<p>a<!-- secret -->b</p>", "ab"},
		{"whole document", "<!doctype html><html><head><title>T</title></head><body><p>Body</p></body></html>", "Body"},
		{"plain text", "just text & more", "just text & more"},
		{"unclosed tags", "<p>a<b>b<p>c", "ab\n\nc"},
		{"non-ASCII", "<h2>Привет, мир</h2><p>日本語の<strong>テキスト</strong>です。</p><ul><li>Ελληνικά</li></ul>", "Привет, мир\n\n日本語のテキストです。\n\n- Ελληνικά"},
		{"empty paragraphs skipped", "<p></p><p>&nbsp;</p><p>x</p><div> </div>", "x"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q)\n got: %q\nwant: %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTextOfRenderedMarkdown(t *testing.T) {
	// The email text part is made from the same HTML as the web page.
	r := New(site)
	in := "# Vote\n\nThe *council* voted [yes](https://gov.example/v).\n\n- one\n- two\n\n> quoted"
	want := "Vote\n\nThe council voted yes (https://gov.example/v).\n\n- one\n- two\n\n> quoted"
	if got := Text(r.HTML(in)); got != want {
		t.Errorf("Text(HTML(%q))\n got: %q\nwant: %q", in, got, want)
	}
}
