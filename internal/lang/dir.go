package lang

import "strings"

// rtlScripts are the ISO 15924 scripts written right to left that a tag
// may name, as in az-Arab.
var rtlScripts = map[string]bool{
	"adlm": true, "arab": true, "hebr": true, "mand": true, "nkoo": true,
	"rohg": true, "samr": true, "syrc": true, "thaa": true, "yezi": true,
}

// rtlLanguages are the languages written right to left unless their tag
// names another script.
var rtlLanguages = map[string]bool{
	"ar": true, "arc": true, "ckb": true, "dv": true, "fa": true, "he": true,
	"iw": true, "ks": true, "ps": true, "sd": true, "syr": true, "ug": true,
	"ur": true, "yi": true,
}

// Dir is the direction text in the language tag runs, "rtl" or "ltr", for
// the dir attribute of HTML: a page in Arabic or Hebrew laid out left to
// right misplaces its punctuation and aligns its paragraphs on the wrong
// side. A script subtag decides over the language (ur-Latn is "ltr").
func Dir(tag string) string {
	parts := strings.Split(strings.ToLower(tag), "-")
	for _, p := range parts[1:] {
		if len(p) == 4 && p[0] >= 'a' && p[0] <= 'z' {
			if rtlScripts[p] {
				return "rtl"
			}
			return "ltr"
		}
	}
	if rtlLanguages[parts[0]] {
		return "rtl"
	}
	return "ltr"
}
