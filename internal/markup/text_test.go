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

func TestTextPart(t *testing.T) {
	long := "The council voted on Tuesday to reopen the harbour bridge to buses and bicycles from Monday morning."
	url := "https://gov.example/reports/2026/harbour-bridge-reopening-timetable-and-consultation-responses.pdf"
	tests := []struct {
		name, in string
		width    int
		want     string
	}{
		{"paragraph wrapped between words", "<p>" + long + "</p>", 72,
			"The council voted on Tuesday to reopen the harbour bridge to buses and\nbicycles from Monday morning."},
		{"short paragraph kept", "<p>One line.</p><p>Two.</p>", 72, "One line.\n\nTwo."},
		{"line breaks kept and each wrapped", "<p>aaa bbb ccc<br>ddd eee</p>", 8, "aaa bbb\nccc\nddd eee"},
		{"h1 underlined with =", "<h1>Vote</h1><p>Body</p>", 72, "Vote\n====\n\nBody"},
		{"h2 underlined with -", "<p>a</p><h2>The <em>new</em> timetable</h2><p>b</p>", 72, "a\n\nThe new timetable\n-----------------\n\nb"},
		{"h3 underlined with -", "<h3>Notes</h3>", 72, "Notes\n-----"},
		{"long heading wrapped, underlined to its longest line", "<h2>Bridge reopens for buses</h2>", 16, "Bridge reopens\nfor buses\n--------------"},
		{"code indented, not wrapped", "<p>Run:</p><pre><code>go run ./cmd/herald serve --addr :8080 --base-url https://news.example.org\n\nexit\n</code></pre>", 20,
			"Run:\n\n    go run ./cmd/herald serve --addr :8080 --base-url https://news.example.org\n\n    exit"},
		{"url never broken, on a line of its own", `<p>Read <a href="` + url + `">the full report</a> now.</p>`, 72,
			"Read the full report\n(" + url + ")\nnow."},
		{"bare url alone", "<p>See " + url + " today</p>", 72, "See\n" + url + "\ntoday"},
		{"list item wrapped under its text", "<ul><li>" + long + "</li></ul>", 40,
			"- The council voted on Tuesday to reopen\n  the harbour bridge to buses and\n  bicycles from Monday morning."},
		{"numbered item wrapped under its text", "<ol start=9><li>aaa bbb ccc</li><li>ddd eee fff</li></ol>", 22,
			"9. aaa bbb ccc\n10. ddd eee fff"},
		{"quote prefixed and wrapped under the prefix", "<blockquote><p>" + long + "</p></blockquote>", 40,
			"> The council voted on Tuesday to reopen\n> the harbour bridge to buses and\n> bicycles from Monday morning."},
		{"nested quote wrapped under both prefixes", "<blockquote><blockquote><p>aaaa bbbb cccc dddd eeee ffff gggg</p></blockquote></blockquote>", 24,
			"> > aaaa bbbb cccc dddd\n> > eeee ffff gggg"},
		{"heading in a quote", "<blockquote><h2>Q</h2><p>a</p></blockquote>", 72, "> Q\n> -\n>\n> a"},
		{"runes counted, not bytes", "<p>Привет мир, это длинная строка</p>", 30, "Привет мир, это длинная строка"},
		{"wide characters take two columns", "<p>안녕하세요 여러분 반갑습니다</p>", 20, "안녕하세요 여러분\n반갑습니다"},
		{"wide heading underlined to its columns", "<h1>日本語</h1>", 72, "日本語\n======"},
		{"text without spaces kept whole", "<p>日本語のテキストです。日本語のテキストです。日本語のテキストです。</p>", 20,
			"日本語のテキストです。日本語のテキストです。日本語のテキストです。"},
		{"combining mark after a space stays with it", "<p>aaaa \u0301bbb cc</p>", 6, "aaaa \u0301bbb\ncc"},
		{"no-break space does not break", "<p>aaa bbb\u00a0ccc</p>", 8, "aaa\nbbb\u00a0ccc"},
		{"emoji kept whole", "<p>party 👩\u200d👩\u200d👧 time</p>", 8, "party\n👩\u200d👩\u200d👧\ntime"},
		{"table rows not wrapped", "<table><tr><td>aaaa bbbb</td><td>cccc dddd</td></tr></table>", 10, "aaaa bbbb | cccc dddd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TextPart(tt.in, tt.width); got != tt.want {
				t.Errorf("TextPart(%q, %d)\n got: %q\nwant: %q", tt.in, tt.width, got, tt.want)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"one two three", 7, "one two\nthree"},
		{"one two three", 0, "one two three"},
		{"one\ntwo three", 5, "one\ntwo\nthree"},
		{"averyveryverylongword x", 5, "averyveryverylongword\nx"},
		{"", 10, ""},
	}
	for _, tt := range tests {
		if got := Wrap(tt.in, tt.width); got != tt.want {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}
