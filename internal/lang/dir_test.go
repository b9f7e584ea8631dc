package lang

import "testing"

func TestDir(t *testing.T) {
	for tag, want := range map[string]string{
		"ar": "rtl", "ar-EG": "rtl", "HE": "rtl", "fa-IR": "rtl", "ur": "rtl", "yi": "rtl",
		"az-Arab": "rtl", "pa-Arab-PK": "rtl", "ur-Latn": "ltr",
		"en": "ltr", "pt-BR": "ltr", "sr-Cyrl": "ltr", "": "ltr", "zh-Hant-TW": "ltr",
	} {
		if got := Dir(tag); got != want {
			t.Errorf("Dir(%q) = %q, want %q", tag, got, want)
		}
	}
}
