package lang

import (
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	day := time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC)
	for tag, want := range map[string]string{
		"en": "2 March 2026", "fr": "2 mars 2026", "fr-CA": "2 mars 2026", "de": "2. März 2026",
		"es": "2 de marzo de 2026", "it": "2 March 2026", "": "2 March 2026",
	} {
		if got := Date(tag, day); got != want {
			t.Errorf("Date(%q) = %q, want %q", tag, got, want)
		}
	}
}
