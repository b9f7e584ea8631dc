package mail

import (
	"bytes"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSkeleton checks that whatever an editor writes into a campaign and
// whatever a subscriber types as their name, a Skeleton either refuses it
// for a stated reason or writes a message that parses back to exactly that
// content, with no field added or lost.
func FuzzSkeleton(f *testing.F) {
	for _, s := range skeletonContents() {
		a, b, c := splitContent(s, len(s)/3, 2*len(s)/3)
		f.Add(a, b, c, "Zoë", "https://example.com/u/abc")
	}
	f.Add("", "", "", "", "")
	f.Add("end with CR\r", "\nslot starts with LF", "x", "Eve\nBcc: x@example.com", "https://x\r\nBcc: y@example.com")
	f.Add(strings.Repeat("a", 75), "=", strings.Repeat("b", 74)+" ", `"Quoted" \ name`, "mailto:u@example.com?subject=x y")
	f.Add("--=_alt-", "\r\n--=_alt-0123", "--", "=?utf-8?q?x?=", "<evil>")
	f.Fuzz(func(t *testing.T, before, slot, after, name, url string) {
		spec := SkeletonSpec{
			From:    Address{Name: "Café Gazette", Email: "news@example.com"},
			Subject: "Issue",
			Fields:  []Field{{Name: "List-Unsubscribe", Value: []Segment{{Text: "<"}, {Slot: "url"}, {Text: ">"}}}},
			Slots:   []string{"slot", "url"},
			Text:    []Segment{{Text: before}, {Slot: "slot", Before: "[", After: "]"}, {Text: after}},
			HTML:    []Segment{{Text: after}, {Slot: "url"}, {Text: before}, {Slot: "slot"}},
		}
		sk, err := NewSkeleton(spec)
		if err != nil {
			if utf8.ValidString(before) && utf8.ValidString(after) {
				t.Fatalf("NewSkeleton(%q, %q) = %v, want success", before, after, err)
			}
			return
		}
		v := campaignValues(name, url)
		v.Slots = []string{slot, url}
		raw, err := sk.Render(nil, v)
		if err != nil {
			clean := utf8.ValidString(name) && !strings.ContainsAny(name, "\r\n\x00") && len(name) < 400 &&
				utf8.ValidString(slot) && printableASCII(url) && len(url) < 900
			if clean {
				t.Fatalf("Render(name %q, slot %q, url %q) = %v, want success", name, slot, url, err)
			}
			return
		}
		checkWireFormat(t, raw)
		p, err := Parse(raw)
		if err != nil {
			t.Fatalf("Render wrote a message Parse cannot read: %v\n%s", err, raw)
		}
		lines := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n") }
		wantText := lines(before) + lines(after)
		if slot != "" {
			wantText = lines(before) + "[" + lines(slot) + "]" + lines(after)
		}
		if p.Text != wantText {
			t.Errorf("Text = %q, want %q\n%s", p.Text, wantText, raw)
		}
		if want := lines(after) + url + lines(before) + lines(slot); p.HTML != want {
			t.Errorf("HTML = %q, want %q\n%s", p.HTML, want, raw)
		}
		if got := p.Header.Get("List-Unsubscribe"); got != "<"+url+">" {
			t.Errorf("List-Unsubscribe = %q, want %q", got, "<"+url+">")
		}
		to, err := netmail.ParseAddress(p.Header.Get("To"))
		if err != nil || to.Name != name || to.Address != v.To.Email {
			t.Errorf("To %q reads as %+v (err %v), want name %q", p.Header.Get("To"), to, err, name)
		}
		var names []string
		for k, vs := range p.Header {
			names = append(names, k)
			if len(vs) != 1 {
				t.Errorf("field %s appears %d times", k, len(vs))
			}
		}
		slices.Sort(names)
		want := []string{"Content-Type", "Date", "From", "List-Unsubscribe", "Message-Id", "Mime-Version", "Subject", "To"}
		if !slices.Equal(names, want) {
			t.Errorf("header fields = %q, want %q\n%s", names, want, raw)
		}
		if bytes.Count(raw, []byte("\r\n--=_alt-")) != 3 {
			t.Errorf("message has other than three boundary lines:\n%s", raw)
		}
	})
}
