package markup

import "testing"

func TestExcerpt(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "Short text", 20, "Short text"},
		{"exact fit", "Short text", 10, "Short text"},
		{"surrounding space trimmed", "  Short text \n", 20, "Short text"},
		{"cut at space after limit", "hello world again", 11, "hello world…"},
		{"cut back to word boundary", "hello world again", 14, "hello world…"},
		{"cut inside first word", "hello world", 3, "hel…"},
		{"trailing comma dropped", "One, two, three", 8, "One, two…"},
		{"dash dropped", "Yes — and no", 5, "Yes…"},
		{"newline is a boundary", "First line\nsecond line", 12, "First line…"},
		{"German", "Über die Straße gehen Fußgänger", 15, "Über die Straße…"},
		{"Cyrillic exact word", "Съешь же ещё этих мягких булок", 12, "Съешь же ещё…"},
		{"Cyrillic inside word", "Съешь же ещё этих мягких булок", 11, "Съешь же…"},
		{"cut before full stop", "It ended. Then more", 8, "It ended…"},
		{"decimal point is no boundary", "Growth was 3.5 percent", 12, "Growth was…"},
		{"Japanese without spaces", "東京都は新しい計画を発表した", 5, "東京都は新…"},
		{"combining accent kept with its letter", "cafe\u0301s", 4, "caf…"},
		{"emoji family kept whole", "👨\u200d👩\u200d👧x", 3, "…"},
		{"emoji", "🎉🎉 party time", 8, "🎉🎉 party…"},
		{"zero", "anything", 0, ""},
		{"negative", "anything", -1, ""},
		{"empty", "", 5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Excerpt(tt.in, tt.max); got != tt.want {
				t.Errorf("Excerpt(%q, %d) = %q; want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}
