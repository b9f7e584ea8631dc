package lang

import "testing"

func TestValid(t *testing.T) {
	for _, s := range []string{"en", "pt-br", "zh-hant", "fil", "es-419", "zh-hant-tw", "en-a-b-c"} {
		if !Valid(s) {
			t.Errorf("Valid(%q) = false; want true", s)
		}
	}
	for _, s := range []string{"", "e", "en_us", "en_US", "EN", "xx-!!", "english", "12", "en-", "-en", "en--us",
		"en-123456789", "pt-br-xxxxxxx", " en"} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true; want false", s)
		}
	}
}

func TestCheckNamesTheTag(t *testing.T) {
	err := Check("en_US")
	if err == nil || err.Error() != `"en_US" is not a language tag such as en or pt-br` {
		t.Errorf(`Check("en_US") = %v; want it to name the tag and show one`, err)
	}
	if err := Check("pt-br"); err != nil {
		t.Errorf(`Check("pt-br") = %v; want nil`, err)
	}
}

func TestKnown(t *testing.T) {
	for _, s := range []string{"en", "pt-br", "zh-hant-tw", "es-419", "fil", "de-ch-1901"} {
		if !Known(s) {
			t.Errorf("Known(%q) = false; want true", s)
		}
	}
	for _, s := range []string{"zz-zz-zz", "zz", "xx-yy", "en-a-b-c", "en_us", "EN", ""} {
		if Known(s) {
			t.Errorf("Known(%q) = true; want false", s)
		}
	}
}
