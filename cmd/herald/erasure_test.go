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
// keyed hash on the suppression list, whatever secret the import and the
// server that erased them were given.
func TestImportLeavesOutTheErased(t *testing.T) {
	data := t.TempDir()
	file := writeFile(t, "list.csv", "email,name\nana@example.org,Ana\nbo@example.org,Bo\ncy@example.org,Cy\n")
	mustHerald(t, data, "subscriber", "import", file, "--confirmed")

	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(data, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := st.Setting(ctx, "erasure_key")
	if err != nil {
		t.Fatal(err)
	}
	erase := func(email string, with []byte) {
		t.Helper()
		sub, err := st.SubscriberByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.EraseSubscriber(ctx, sub.ID, subscriber.ErasureKey(with, email), "erased on request", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// Ana by a server of today; Bo by one of before the database had an
	// erasure key, started with --secret.
	const oldSecret = "an-older-secret-given-to-the-server-0123456789"
	erase("ana@example.org", []byte(key))
	erase("bo@example.org", []byte(oldSecret))
	st.Close()

	// An import given the secret of the server that erased Bo knows both.
	_, errOut := mustHerald(t, data, "subscriber", "import", file, "--confirmed", "--secret", oldSecret)
	if !strings.Contains(errOut, "line 2: "+subscriber.ReasonErased) || !strings.Contains(errOut, "line 3: "+subscriber.ReasonErased) {
		t.Errorf("import with the erasing server's secret does not leave both erased people out:\n%s", errOut)
	}
	// One without it still knows Ana, erased with the database's key.
	_, errOut = mustHerald(t, data, "subscriber", "import", file, "--confirmed")
	if !strings.Contains(errOut, "line 2: "+subscriber.ReasonErased) {
		t.Errorf("import of an erased address does not say it left it out:\n%s", errOut)
	}
	got := listed(t, data)
	if _, back := got["ana@example.org"]; back || got["cy@example.org"] == nil {
		t.Errorf("subscribers after importing the list again: %v; want cy and no ana", got)
	}
}
