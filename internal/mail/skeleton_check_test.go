package mail

import (
	"strings"
	"testing"
	"time"
)

func TestNewSkeletonRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*SkeletonSpec)
	}{
		{"undeclared slot", func(s *SkeletonSpec) { s.Text = append(s.Text, Segment{Slot: "other"}) }},
		{"slot declared twice", func(s *SkeletonSpec) { s.Slots = append(s.Slots, "url") }},
		{"empty slot name", func(s *SkeletonSpec) { s.Slots = append(s.Slots, "") }},
		{"text and slot in one segment", func(s *SkeletonSpec) { s.HTML[0].Slot = "url" }},
		{"before without a slot", func(s *SkeletonSpec) { s.Text[1].Before = "x" }},
		{"empty text part", func(s *SkeletonSpec) { s.Text = nil }},
		{"invalid UTF-8 text", func(s *SkeletonSpec) { s.Text[1].Text = "caf\xe9" }},
		{"invalid UTF-8 before", func(s *SkeletonSpec) { s.HTML[1].Before = "caf\xe9" }},
		{"LF in subject", func(s *SkeletonSpec) { s.Subject = "Hi\nBcc: x@example.com" }},
		{"CR in from name", func(s *SkeletonSpec) { s.From.Name = "Eve\rBcc: x@example.com" }},
		{"invalid from", func(s *SkeletonSpec) { s.From.Email = "not an address" }},
		{"reply-to without address", func(s *SkeletonSpec) { s.ReplyTo = Address{Name: "Desk"} }},
		{"LF in header value", func(s *SkeletonSpec) { s.Headers[0].Value = "x\r\nBcc: x@example.com" }},
		{"header overrides To", func(s *SkeletonSpec) { s.Headers[0].Name = "To" }},
		{"field repeats a header", func(s *SkeletonSpec) { s.Headers[1].Name = "list-unsubscribe" }},
		{"field overrides Date", func(s *SkeletonSpec) { s.Fields[0].Name = "Date" }},
		{"colon in field name", func(s *SkeletonSpec) { s.Fields[0].Name = "Bcc: x@example.com\r\nX" }},
		{"LF in field text", func(s *SkeletonSpec) { s.Fields[0].Value[0].Text = "<\r\nBcc: x@example.com" }},
		{"non-ASCII field text", func(s *SkeletonSpec) { s.Fields[0].Value[0].Text = "é" }},
		{"unbreakable header", func(s *SkeletonSpec) { s.Headers[0].Value = strings.Repeat("x", 1000) }},
		{"over 10 MiB", func(s *SkeletonSpec) { s.Text[1].Text = strings.Repeat("a", MaxSize) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := campaignSpec()
			tc.edit(&spec)
			if _, err := NewSkeleton(spec); err == nil {
				t.Errorf("NewSkeleton succeeded, want an error")
			}
		})
	}
}

func TestSkeletonRenderRefuses(t *testing.T) {
	sk, err := NewSkeleton(campaignSpec())
	if err != nil {
		t.Fatalf("NewSkeleton: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Values)
	}{
		{"LF in name", func(v *Values) { v.To.Name = "Zoë\nBcc: x@example.com" }},
		{"CR in name", func(v *Values) { v.To.Name = "Zoë\rBcc: x@example.com" }},
		{"NUL in name", func(v *Values) { v.To.Name = "Zoë\x00" }},
		{"invalid UTF-8 name", func(v *Values) { v.To.Name = "caf\xe9" }},
		{"unbreakable name", func(v *Values) { v.To.Name = strings.Repeat("n", 1000) }},
		{"empty address", func(v *Values) { v.To.Email = "" }},
		{"two addresses", func(v *Values) { v.To.Email = "a@example.org,b@example.org" }},
		{"address with brackets", func(v *Values) { v.To.Email = "<a@example.org>" }},
		{"address with space", func(v *Values) { v.To.Email = "a b@example.org" }},
		{"address with LF", func(v *Values) { v.To.Email = "a@example.org\nBcc: x@example.com" }},
		{"non-ASCII address", func(v *Values) { v.To.Email = "zoë@example.org" }},
		{"address without domain", func(v *Values) { v.To.Email = "a@" }},
		{"address with two dots", func(v *Values) { v.To.Email = "a..b@example.org" }},
		{"address with two @", func(v *Values) { v.To.Email = "a@b@example.org" }},
		{"message ID with LF", func(v *Values) { v.MessageID = "a@b\r\nBcc: x@example.com" }},
		{"message ID with brackets", func(v *Values) { v.MessageID = "<a@b>" }},
		{"zero date", func(v *Values) { v.Date = time.Time{} }},
		{"five-digit year", func(v *Values) { v.Date = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"offset of a day", func(v *Values) { v.Date = v.Date.In(time.FixedZone("", 86400)) }},
		{"LF in header slot", func(v *Values) { v.Slots[2] = "https://x\r\nBcc: x@example.com" }},
		{"NUL in header slot", func(v *Values) { v.Slots[2] = "https://x\x00" }},
		{"non-ASCII header slot", func(v *Values) { v.Slots[2] = "https://é" }},
		{"unbreakable header slot", func(v *Values) { v.Slots[2] = "https://x/" + strings.Repeat("a", 1000) }},
		{"invalid UTF-8 slot", func(v *Values) { v.Slots[0] = "caf\xe9" }},
		{"too few slots", func(v *Values) { v.Slots = v.Slots[:3] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := campaignValues("Zoë", "https://example.com/u")
			tc.edit(&v)
			dst := []byte("kept")
			out, err := sk.Render(dst, v)
			if err == nil {
				t.Fatalf("Render succeeded, want an error; wrote:\n%.600s", out)
			}
			if string(out) != "kept" {
				t.Errorf("Render returned %.40q after an error, want dst unchanged", out)
			}
		})
	}
}

// benchmarkSkeleton is a typical issue split the way campaigns split it:
// about 4 KB of HTML and its text, with a name and an unsubscribe link.
func benchmarkSkeleton(b *testing.B) (*Skeleton, Values) {
	m := benchmarkMessage()
	spec := campaignSpec()
	spec.Slots = spec.Slots[1:] // name.html, url, url.html
	spec.Text = []Segment{{Text: m.Text}, {Text: "Unsubscribe: "}, {Slot: "url"}, {Text: "\n"}}
	spec.HTML = []Segment{
		{Text: "<p>"}, {Slot: "name.html", Before: "Hello ", After: ","}, {Text: "</p>\n" + m.HTML},
		{Text: `<a href="`}, {Slot: "url.html"}, {Text: `">Unsubscribe</a>`},
	}
	sk, err := NewSkeleton(spec)
	if err != nil {
		b.Fatal(err)
	}
	v := campaignValues("Zoë Test", "https://example.com/unsubscribe/AQIHBgXt9s4-Wq2l5fV8wQ3ZkYx0mN1pRtUvBc")
	v.Slots = v.Slots[1:]
	return sk, v
}

func BenchmarkSkeletonRender(b *testing.B) {
	sk, v := benchmarkSkeleton(b)
	b.Run("reused-buffer", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = sk.Render(buf[:0], v); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("new-buffer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := sk.Render(nil, v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
