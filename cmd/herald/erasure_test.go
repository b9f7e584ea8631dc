package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// TestImportLeavesOutTheErased: a person erased on their request is not
// added again by `herald subscriber import`, which knows them only by the
// keyed hash on the suppression list.
func TestImportLeavesOutTheErased(t *testing.T) {
	data := t.TempDir()
	file := writeFile(t, "list.csv", "email,name\nana@example.org,Ana\nbo@example.org,Bo\n")
	mustHerald(t, data, "subscriber", "import", file, "--confirmed")

	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(data, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := st.Setting(ctx, "secret")
	if err != nil {
		t.Fatal(err)
	}
	ana, err := st.SubscriberByEmail(ctx, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.EraseSubscriber(ctx, ana.ID, subscriber.ErasureKey([]byte(secret), "ana@example.org"), "erased on request", time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()

	_, errOut := mustHerald(t, data, "subscriber", "import", file, "--confirmed")
	if !strings.Contains(errOut, "line 2: "+subscriber.ReasonErased) {
		t.Errorf("import of an erased address does not say it left it out:\n%s", errOut)
	}
	got := listed(t, data)
	if _, back := got["ana@example.org"]; back || got["bo@example.org"] == nil {
		t.Errorf("subscribers after importing the list again: %v; want bo alone", got)
	}
}
