package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCountsOfOne imports, exports and migrates one of each thing and
// checks that what the commands print agrees with the number.
func TestCountsOfOne(t *testing.T) {
	data := t.TempDir()
	file := writeFile(t, "list.csv", "email,state\nann@example.org,confirmed\nann@example.org,pending\nnot-an-address,pending\n")
	out, errOut := mustHerald(t, data, "subscriber", "import", file)
	for _, want := range []string{"3 rows read into news:", "1 duplicate merged", "1 skipped"} {
		if !strings.Contains(out, want) {
			t.Errorf("subscriber import printed %q; want it to say %q", out, want)
		}
	}
	for _, want := range []string{"The import ran: 1 row was left out", "1 row says confirmed in its state column", "it was stored pending"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("subscriber import told %q; want it to say %q", errOut, want)
		}
	}

	one := writeFile(t, "one.csv", "email\nbob@example.org\n")
	if out, _ := mustHerald(t, data, "subscriber", "import", one); !strings.Contains(out, "1 row read into news: 1 imported") {
		t.Errorf("subscriber import of one row printed %q; want it to begin 1 row read into news: 1 imported", out)
	}

	other := t.TempDir()
	mustHerald(t, other, "subscriber", "import", writeFile(t, "c.csv", "email\ncid@example.org\n"))
	_, errOut = mustHerald(t, other, "subscriber", "export", "--out", filepath.Join(t.TempDir(), "e.csv"))
	if !strings.Contains(errOut, "1 subscriber of news written to") {
		t.Errorf("subscriber export of one subscriber told %q; want 1 subscriber of news written to", errOut)
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 rows"}, {1, "1 row"}, {2, "2 rows"}, {1500, "1,500 rows"}} {
		if got := plural(tc.n, "row", "rows"); got != tc.want {
			t.Errorf("plural(%d, row, rows) = %q; want %q", tc.n, got, tc.want)
		}
	}
}
