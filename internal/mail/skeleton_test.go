package mail

import (
	"bytes"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// skeletonContents are bodies that stress quoted-printable: every one must
// come out of a Skeleton exactly as it comes out of Build.
func skeletonContents() []string {
	return []string{
		"Plain ASCII text.\n",
		"Café, naïve, Zoë — “quotes” and ünïcödé.\n\nSecond paragraph é",
		"日本語のニュースレター、今週の記事とお知らせ。日本語のニュースレター、今週の記事とお知らせ。日本語のニュースレター。\n",
		"Emoji 🎉🎉🎉 at the end 🎉",
		strings.Repeat("x", 300) + "\n" + strings.Repeat("long", 60),
		strings.Repeat("a", 76) + "\n" + strings.Repeat("b", 75) + "\n" + strings.Repeat("c", 77) + "\n",
		strings.Repeat("é", 38) + "\n" + strings.Repeat("y", 74) + "é\n",
		"=start\n.dot\n..two dots\n.\n=\n=3D\nend=",
		"trailing space \ntrailing tab\t\nboth \t\n   \nend ",
		"crlf\r\nlines\r\nand a lone\rcarriage return\r\n",
		"<p style=\"margin:0\">Hello <a href=\"https://example.com/a?b=1&amp;c=2\">link</a></p>\n<p>¡Olé!</p>",
		strings.Repeat("word ", 40) + "\n" + strings.Repeat(" ", 80) + "x",
		"\ttab start\n \tmixed\n",
		"From the start of a line\nFrom here\n",
	}
}

// splitContent cuts s into static text, a slot value and static text at
// rune boundaries, never inside a CRLF.
func splitContent(s string, at1, at2 int) (string, string, string) {
	cut := func(i int) int {
		i = min(i, len(s))
		for i < len(s) && (!utf8.RuneStart(s[i]) || i > 0 && s[i-1] == '\r' && s[i] == '\n') {
			i++
		}
		return i
	}
	a := cut(at1)
	b := max(a, cut(at2))
	return s[:a], s[a:b], s[b:]
}

// threeSegments is static text, a slot and static text.
func threeSegments(before, slot, after string) []Segment {
	return []Segment{{Text: before}, {Slot: slot}, {Text: after}}
}

func TestSkeletonMatchesBuild(t *testing.T) {
	subjects := []string{"Weekly digest", "Ünïcödé everywhere — “quotes”", "=?utf-8?q?looks_encoded?=", strings.Repeat("word ", 30) + "end",
		"日本語のニュースレター、今週の記事", "Party 🎉 time 🎉", "  spaced  out "}
	names := []string{"", "Zoë Test", "Plain Name", `<b>Zoë & "Co"</b>`, "日本語 の 名前", "a\\b", "Smith, John", strings.Repeat("Ä", 60)}
	contents := skeletonContents()
	n := 0
	for i, text := range contents {
		html := contents[(i+3)%len(contents)]
		for _, cuts := range [][2]int{{0, 0}, {0, 10}, {len(text) / 3, 2 * len(text) / 3}, {len(text), len(text)}, {5, 200}} {
			m := sampleMessage()
			m.Subject = subjects[n%len(subjects)]
			m.To.Name = names[n%len(names)]
			m.Text, m.HTML = text, html
			m.Headers = nil
			n++

			t1, tv, t2 := splitContent(text, cuts[0], cuts[1])
			h1, hv, h2 := splitContent(html, cuts[1], cuts[1]+40)
			sk, err := NewSkeleton(SkeletonSpec{
				From:    m.From,
				Subject: m.Subject,
				Slots:   []string{"t", "h"},
				Text:    threeSegments(t1, "t", t2),
				HTML:    threeSegments(h1, "h", h2),
			})
			if err != nil {
				t.Fatalf("NewSkeleton(text %q): %v", text, err)
			}
			got, err := sk.Render(nil, Values{To: m.To, MessageID: m.MessageID, Date: m.Date, Slots: []string{tv, hv}})
			if err != nil {
				t.Fatalf("Render(text %q, to %q): %v", text, m.To.Name, err)
			}
			want, err := Build(m)
			if err != nil {
				t.Fatalf("Build(text %q, to %q): %v", text, m.To.Name, err)
			}
			compareMessages(t, got, want)
			checkWireFormat(t, got)
		}
	}
}

// compareMessages checks that two encodings say the same thing to a reader.
func compareMessages(t *testing.T, got, want []byte) {
	t.Helper()
	pg, err := Parse(got)
	if err != nil {
		t.Fatalf("Parse(Render): %v\n%s", err, got)
	}
	pw, err := Parse(want)
	if err != nil {
		t.Fatalf("Parse(Build): %v", err)
	}
	type decoded struct {
		Subject, Text, HTML, MessageID string
		From, To                       netmail.Address
		Date                           time.Time
	}
	read := func(p ParsedMessage, raw []byte) decoded {
		d := decoded{Subject: p.Subject, Text: p.Text, HTML: p.HTML, MessageID: p.Header.Get("Message-Id"), Date: p.Date}
		msg, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("net/mail cannot read:\n%s", raw)
		}
		for field, dst := range map[string]*netmail.Address{"From": &d.From, "To": &d.To} {
			a, err := msg.Header.AddressList(field)
			if err != nil || len(a) != 1 {
				t.Fatalf("%s %q: %v, %d addresses", field, msg.Header.Get(field), err, len(a))
			}
			*dst = *a[0]
		}
		return d
	}
	if diff := cmp.Diff(read(pw, want), read(pg, got)); diff != "" {
		t.Errorf("Render and Build differ once decoded (-Build +Render):\n%s\n%s", diff, got)
	}
}

// checkWireFormat holds a message to RFC 5322 and RFC 2045: CRLF line
// endings, header lines within 998 bytes, body lines within 76, and no
// body line starting with a dot.
func checkWireFormat(t *testing.T, raw []byte) {
	t.Helper()
	if bytes.Count(raw, []byte("\n")) != bytes.Count(raw, []byte("\r\n")) || bytes.Count(raw, []byte("\r")) != bytes.Count(raw, []byte("\r\n")) {
		t.Errorf("message has a bare CR or LF:\n%q", raw)
	}
	head, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		if len(line) > maxLine {
			t.Errorf("header line of %d bytes: %.80q", len(line), line)
		}
	}
	for _, line := range bytes.Split(body, []byte("\r\n")) {
		if len(line) > qpMaxLine {
			t.Errorf("body line of %d bytes: %q", len(line), line)
		}
		if bytes.HasPrefix(line, []byte(".")) {
			t.Errorf("body line starts with a dot: %q", line)
		}
	}
}

func TestAppendQPLines(t *testing.T) {
	for _, s := range skeletonContents() {
		out := appendQP(nil, s)
		if !bytes.HasSuffix(out, []byte("\r\n")) && len(out) > 0 {
			t.Errorf("appendQP(%q) does not end at the start of a line: %q", s, out)
		}
		for _, line := range bytes.Split(out, []byte("\r\n")) {
			if len(line) > qpMaxLine {
				t.Errorf("appendQP(%q) wrote a line of %d bytes: %q", s, len(line), line)
			}
			if l := len(line); l > 0 && (line[l-1] == ' ' || line[l-1] == '\t') {
				t.Errorf("appendQP(%q) wrote a line ending in whitespace: %q", s, line)
			}
		}
	}
	if got := appendQP(nil, ""); len(got) != 0 {
		t.Errorf("appendQP(\"\") = %q, want nothing", got)
	}
}

func TestAppendDate(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("", -7*3600), time.FixedZone("", 5*3600+45*60), time.FixedZone("", -(9*3600 + 30*60))}
	for _, tm := range []time.Time{
		time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Date(1999, 7, 4, 12, 5, 9, 0, time.UTC),
		time.Date(2024, 2, 29, 0, 0, 1, 0, time.UTC),
	} {
		for _, z := range zones {
			tz := tm.In(z)
			if got, want := string(appendDate(nil, tz)), tz.Format(time.RFC1123Z); got != want {
				t.Errorf("appendDate(%v) = %q, want %q", tz, got, want)
			}
		}
	}
}

// campaignSpec is a skeleton shaped like a campaign: a greeting that
// disappears without a name, and the unsubscribe link in both parts and
// in List-Unsubscribe.
func campaignSpec() SkeletonSpec {
	return SkeletonSpec{
		From:    Address{Name: "Café Gazette", Email: "news@example.com"},
		ReplyTo: Address{Name: "Desk", Email: "desk@example.com"},
		Subject: "Issue 12: the harbour",
		Headers: []Header{
			{Name: "List-Id", Value: "Café Gazette <gazette.example.com>"},
			{Name: "Precedence", Value: "bulk"},
		},
		Fields: []Field{{Name: "List-Unsubscribe", Value: []Segment{{Text: "<"}, {Slot: "url"}, {Text: ">"}}}},
		Slots:  []string{"name", "name.html", "url", "url.html"},
		Text: []Segment{
			{Slot: "name", Before: "Hello ", After: ",\n\n"},
			{Text: "The news.\n\nUnsubscribe: "}, {Slot: "url"}, {Text: "\n"},
		},
		HTML: []Segment{
			{Text: "<p>"}, {Slot: "name.html", Before: "Hello ", After: ","}, {Text: "</p>\n<p>The news.</p>\n"},
			{Text: `<a href="`}, {Slot: "url.html"}, {Text: `">Unsubscribe</a>`},
		},
	}
}

func campaignValues(name, url string) Values {
	return Values{
		To:        Address{Name: name, Email: "zoe@example.org"},
		MessageID: "c12.s34@example.com",
		Date:      time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("", 3600)),
		Slots:     []string{name, strings.ReplaceAll(name, "&", "&amp;"), url, strings.ReplaceAll(url, "&", "&amp;")},
	}
}

func TestSkeletonRender(t *testing.T) {
	sk, err := NewSkeleton(campaignSpec())
	if err != nil {
		t.Fatalf("NewSkeleton: %v", err)
	}
	const url = "https://example.com/unsubscribe/AbC-12_x?n=1&s=2"
	for _, tc := range []struct{ name, text, html string }{
		{"Zoë & Co", "Hello Zoë & Co,\n\nThe news.\n\nUnsubscribe: " + url + "\n",
			"<p>Hello Zoë &amp; Co,</p>\n<p>The news.</p>\n<a href=\"https://example.com/unsubscribe/AbC-12_x?n=1&amp;s=2\">Unsubscribe</a>"},
		{"", "The news.\n\nUnsubscribe: " + url + "\n",
			"<p></p>\n<p>The news.</p>\n<a href=\"https://example.com/unsubscribe/AbC-12_x?n=1&amp;s=2\">Unsubscribe</a>"},
	} {
		v := campaignValues(tc.name, url)
		raw, err := sk.Render([]byte("previous"), v)
		if err != nil {
			t.Fatalf("Render(name %q): %v", tc.name, err)
		}
		if !bytes.HasPrefix(raw, []byte("previous")) {
			t.Fatalf("Render did not append to dst: %.20q", raw)
		}
		raw = raw[len("previous"):]
		checkWireFormat(t, raw)
		p, err := Parse(raw)
		if err != nil {
			t.Fatalf("Parse(Render(name %q)): %v\n%s", tc.name, err, raw)
		}
		checks := []struct{ field, got, want string }{
			{"Text", p.Text, tc.text},
			{"HTML", p.HTML, tc.html},
			{"Subject", p.Subject, "Issue 12: the harbour"},
			{"Reply-To", decodeHeader(p.Header.Get("Reply-To")), `"Desk" <desk@example.com>`},
			{"List-Unsubscribe", p.Header.Get("List-Unsubscribe"), "<" + url + ">"},
			{"List-Id", decodeHeader(p.Header.Get("List-Id")), "Café Gazette <gazette.example.com>"},
			{"Precedence", p.Header.Get("Precedence"), "bulk"},
			{"Message-ID", p.Header.Get("Message-Id"), "<c12.s34@example.com>"},
			{"MIME-Version", p.Header.Get("Mime-Version"), "1.0"},
			{"Date", p.Header.Get("Date"), "Sun, 01 Mar 2026 09:30:00 +0100"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("Render(name %q) %s = %q, want %q", tc.name, c.field, c.got, c.want)
			}
		}
		again, _ := sk.Render(nil, v)
		if !bytes.Equal(raw, again) {
			t.Errorf("Render is not deterministic")
		}
	}
}

func TestSkeletonBoundary(t *testing.T) {
	a, _ := NewSkeleton(campaignSpec())
	b, _ := NewSkeleton(campaignSpec())
	other := campaignSpec()
	other.Subject = "Issue 13"
	c, _ := NewSkeleton(other)
	v := campaignValues("Zoë", "https://example.com/u")
	ra, _ := a.Render(nil, v)
	rb, _ := b.Render(nil, v)
	rc, _ := c.Render(nil, v)
	boundary := func(raw []byte) string {
		p, err := Parse(raw)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		_, b, _ := strings.Cut(p.Header.Get("Content-Type"), "boundary=")
		return b
	}
	if boundary(ra) != boundary(rb) || !bytes.Equal(ra, rb) {
		t.Errorf("two skeletons of one campaign differ: boundaries %s and %s", boundary(ra), boundary(rb))
	}
	if boundary(ra) == boundary(rc) {
		t.Errorf("two campaigns share boundary %s", boundary(ra))
	}
	if !strings.HasPrefix(boundary(ra), `"=_`) {
		t.Errorf("boundary %s does not start with =_, which quoted-printable cannot contain", boundary(ra))
	}
}

func TestSkeletonTextOnly(t *testing.T) {
	spec := campaignSpec()
	spec.HTML = nil
	sk, err := NewSkeleton(spec)
	if err != nil {
		t.Fatalf("NewSkeleton: %v", err)
	}
	raw, err := sk.Render(nil, campaignValues("Zoë", "https://example.com/u"))
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	p, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if ct := p.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" || p.HTML != "" {
		t.Errorf("Content-Type = %q, HTML = %q; want text/plain and no HTML", ct, p.HTML)
	}
	if want := "Hello Zoë,\n\nThe news.\n\nUnsubscribe: https://example.com/u\n"; p.Text != want {
		t.Errorf("Text = %q, want %q", p.Text, want)
	}
}
