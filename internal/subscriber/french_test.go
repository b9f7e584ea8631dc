package subscriber

import (
	"io/fs"
	"regexp"
	"testing"
)

// TestFrenchEmailsSpaceTheirPunctuation: French puts a space that does not
// break before : ; ? and !, so that a line never starts with the mark.
func TestFrenchEmailsSpaceTheirPunctuation(t *testing.T) {
	loose := regexp.MustCompile(`[^\x{00a0}\x{202f}\s][ \t][:;?!](\s|$|<)`)
	names, err := fs.Glob(templateFiles, "templates/fr/*")
	if err != nil || len(names) == 0 {
		t.Fatalf("no French templates: %v", err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(templateFiles, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range loose.FindAll(b, -1) {
			t.Errorf("%s: %q has a breaking space before its mark; want U+00A0 or U+202F", name, m)
		}
	}
}
