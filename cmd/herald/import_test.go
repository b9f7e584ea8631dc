package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// herald runs one command against a data folder and returns what it printed.
func herald(t *testing.T, data string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append(args, "--data", data), env(nil), strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func mustHerald(t *testing.T, data string, args ...string) (string, string) {
	t.Helper()
	out, errOut, err := herald(t, data, args...)
	if err != nil {
		t.Fatalf("herald %v: %v\n%s", args, err, errOut)
	}
	return out, errOut
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// listed is `herald subscriber list --json`, by address.
func listed(t *testing.T, data string) map[string]map[string]string {
	t.Helper()
	out, _ := mustHerald(t, data, "subscriber", "list", "--json")
	got := map[string]map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var s struct {
			Email       string            `json:"email"`
			Newsletters map[string]string `json:"newsletters"`
		}
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("subscriber list --json printed %q: %v", line, err)
		}
		got[s.Email] = s.Newsletters
	}
	return got
}

// importSummary runs an import with --json and decodes its summary.
// The newsletter and the timings are left out.
func importSummary(t *testing.T, data string, args ...string) (map[string]any, string) {
	t.Helper()
	out, errOut := mustHerald(t, data, append([]string{"subscriber", "import", "--json"}, args...)...)
	var sum map[string]any
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("import --json printed %q: %v", out, err)
	}
	for _, k := range []string{"newsletter", "seconds", "rows_per_second"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("import --json printed no %q: %s", k, out)
		}
		delete(sum, k)
	}
	return sum, errOut
}

func rawDB(t *testing.T, data string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "herald.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

const importFile = "\ufeff Email , Name ,TAGS\r\n" + // 1
	"ann@example.org,Ann,Local;Sport\r\n" + // 2
	"not-an-address,Bob,\r\n" + // 3: bad address
	"\"carl@example.org\",\"Smith, Carl\",culture|LOCAL\r\n" + // 4: quoted, a comma inside
	"ANN@example.org,,politics\r\n" + // 5: a repeat, in capitals
	"eve@example.org,\"Eve\r\nBcc: all@example.org\",\r\n" + // 6-7: a line break in the name
	"dan@example.org,Dan,local,extra\r\n" + // 8: a field too many
	"=cmd@example.org,-Dash,\r\n" // 9: formula-looking cells

func TestSubscriberImportReportsAndStores(t *testing.T) {
	data := t.TempDir()
	file := writeFile(t, "list.csv", importFile)
	out, errOut := mustHerald(t, data, "subscriber", "import", file)
	if !strings.Contains(out, "7 rows read into news: 3 imported, 0 updated, 0 unchanged, 1 duplicate merged, 3 skipped") {
		t.Errorf("summary = %q; want 7 read, 3 imported, 1 merged, 3 skipped", out)
	}
	var lines []string
	for _, m := range regexp.MustCompile(`list\.csv: line (\d+): `).FindAllStringSubmatch(errOut, -1) {
		lines = append(lines, m[1])
	}
	if diff := cmp.Diff([]string{"3", "6", "8"}, lines); diff != "" {
		t.Errorf("lines reported (-want +got):\n%s\nstderr:\n%s", diff, errOut)
	}
	if !strings.Contains(errOut, "The import ran") {
		t.Errorf("stderr does not say the import ran despite the skipped rows:\n%s", errOut)
	}
	want := map[string]map[string]string{
		"ann@example.org": {"news": "pending"}, "carl@example.org": {"news": "pending"}, "=cmd@example.org": {"news": "pending"},
	}
	if diff := cmp.Diff(want, listed(t, data)); diff != "" {
		t.Errorf("subscribers after import (-want +got):\n%s", diff)
	}
	db := rawDB(t, data)
	if n := count(t, db, `SELECT count(*) FROM delivery`); n != 0 {
		t.Errorf("the import queued %d emails; an import must mail nobody", n)
	}
	if n := count(t, db, `SELECT count(*) FROM consent WHERE action = 'signup' AND source = 'import list.csv'`); n != 3 {
		t.Errorf("signup consent records from the import: %d; want 3", n)
	}
	if n := count(t, db, `SELECT count(*) FROM subscriber_tag t JOIN subscriber s ON s.id = t.subscriber_id
		WHERE s.email = 'ann@example.org' AND t.tag IN ('local', 'sport', 'politics')`); n != 3 {
		t.Errorf("tags of ann@example.org: %d of local, sport, politics; want all 3 (joined from both rows)", n)
	}

	// The same file again changes nothing.
	sum, _ := importSummary(t, data, file)
	wantSum := map[string]any{"read": 7.0, "imported": 0.0, "updated": 0.0, "unchanged": 3.0, "duplicates_merged": 1.0, "skipped": 3.0}
	if diff := cmp.Diff(wantSum, sum); diff != "" {
		t.Errorf("second import of the same file (-want +got):\n%s", diff)
	}
	if n := count(t, db, `SELECT count(*) FROM consent`); n != 3 {
		t.Errorf("consent records after importing twice: %d; want still 3", n)
	}
}

func TestSubscriberImportConfirmedAndWhoLeft(t *testing.T) {
	data := t.TempDir()
	mustHerald(t, data, "subscriber", "import", writeFile(t, "first.csv", "email\nleft@example.org\nstays@example.org\nlater@example.org\n"))
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(data, "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := st.ListSubscribers(ctx, 0, 10)
	if err != nil || len(page) != 3 {
		t.Fatalf("ListSubscribers = %v, %v", page, err)
	}
	for _, s := range page {
		if s.Email == "left@example.org" {
			if _, err := st.UnsubscribeSubscriber(ctx, s.ID, 0, subscriber.Consent{SubscriberID: s.ID, Action: subscriber.ConsentUnsubscribe, At: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	st.Close()
	db := rawDB(t, data)
	if _, err := db.Exec(`INSERT INTO suppression (email_key, reason, created_at) VALUES ('bounced@example.org', 'hard bounce', 0)`); err != nil {
		t.Fatal(err)
	}

	file := writeFile(t, "vouched.csv", "email\nleft@example.org\nBounced@example.org\nstays@example.org\nnew@example.org\n")
	sum, errOut := importSummary(t, data, file, "--confirmed")
	want := map[string]any{"read": 4.0, "imported": 1.0, "updated": 1.0, "unchanged": 0.0, "duplicates_merged": 0.0, "skipped": 2.0}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("--confirmed import (-want +got):\n%s", diff)
	}
	for _, w := range []string{"line 2: " + subscriber.ReasonUnsubscribed, "line 3: " + subscriber.ReasonSuppressed} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	wantStates := map[string]map[string]string{
		"left@example.org":  {"news": "unsubscribed"},
		"stays@example.org": {"news": "confirmed"},
		"later@example.org": {"news": "pending"},
		"new@example.org":   {"news": "confirmed"},
	}
	if diff := cmp.Diff(wantStates, listed(t, data)); diff != "" {
		t.Errorf("states after --confirmed import (-want +got):\n%s", diff)
	}
	n := count(t, db, `SELECT count(*) FROM consent WHERE action = 'confirm' AND source = 'import vouched.csv'
		AND wording = 'imported with --confirmed: consent gathered elsewhere'`)
	if n != 2 {
		t.Errorf("confirm consent records of the --confirmed import: %d; want 2", n)
	}
	if n := count(t, db, `SELECT count(*) FROM delivery`); n != 0 {
		t.Errorf("the import queued %d emails; want none", n)
	}
}

func TestSubscriberImportRefusesBeforeWriting(t *testing.T) {
	data := t.TempDir()
	_, _, err := herald(t, data, "subscriber", "import", writeFile(t, "phone.csv", "email,phone\na@example.org,123\n"))
	if err == nil || !strings.Contains(err.Error(), `unknown column "phone"`) || !strings.Contains(err.Error(), "email, name, tags") {
		t.Errorf("import with an unknown column = %v; want an error naming it and the columns allowed", err)
	}
	// The newsletter is checked before anything is written.
	_, _, err = herald(t, data, "subscriber", "import", writeFile(t, "list.csv", "email\na@example.org\n"), "--newsletter", "weekly")
	if err == nil || !strings.Contains(err.Error(), `unknown newsletter "weekly"`) || !strings.Contains(err.Error(), "news") {
		t.Errorf("import into an unknown newsletter = %v; want an error naming it and the newsletters there are", err)
	}
	_, _, err = herald(t, data, "subscriber", "import")
	if err == nil || !strings.Contains(err.Error(), "one CSV file") {
		t.Errorf("import without a file = %v; want a usage error", err)
	}
	if got := listed(t, data); len(got) != 0 {
		t.Errorf("subscribers after refused imports: %v; want none", got)
	}
}

func TestSubscriberImportIntoNamedNewsletter(t *testing.T) {
	data := t.TempDir()
	mustHerald(t, data, "subscriber", "list") // creates the database
	if _, err := rawDB(t, data).Exec(`INSERT INTO newsletter (slug, name, created_at) VALUES ('weekly', 'Weekly', 0)`); err != nil {
		t.Fatal(err)
	}
	mustHerald(t, data, "subscriber", "import", "--newsletter", "weekly", writeFile(t, "w.csv", "email\nw@example.org\n"))
	want := map[string]map[string]string{"w@example.org": {"weekly": "pending"}}
	if diff := cmp.Diff(want, listed(t, data)); diff != "" {
		t.Errorf("import --newsletter weekly (-want +got):\n%s", diff)
	}
}

func TestSubscriberImportListsFirstHundredSkips(t *testing.T) {
	var b strings.Builder
	b.WriteString("email\n")
	for i := range 150 {
		fmt.Fprintf(&b, "bad-%d\n", i)
	}
	b.WriteString("good@example.org\n")
	out, errOut := mustHerald(t, t.TempDir(), "subscriber", "import", writeFile(t, "bad.csv", b.String()))
	if got := strings.Count(errOut, "bad.csv: line "); got != maxSkipsShown {
		t.Errorf("skipped rows listed one by one: %d; want %d", got, maxSkipsShown)
	}
	if !strings.Contains(errOut, "… and 50 more rows skipped") || !strings.Contains(errOut, "line 101:") || strings.Contains(errOut, "line 102:") {
		t.Errorf("stderr does not list lines 2-101 and then count the other 50:\n%s", errOut)
	}
	if !strings.Contains(out, "151 rows read into news: 1 imported") {
		t.Errorf("summary = %q", out)
	}
}

func TestSubscriberExportRoundTrip(t *testing.T) {
	data := t.TempDir()
	mustHerald(t, data, "subscriber", "import", writeFile(t, "list.csv", importFile))
	mustHerald(t, data, "subscriber", "import", "--confirmed", writeFile(t, "vip.csv", "email,tags,language\nvip@example.org,vip,PT-BR\n"))
	exported := filepath.Join(t.TempDir(), "export.csv")
	_, errOut := mustHerald(t, data, "subscriber", "export", "--out", exported)
	if !strings.Contains(errOut, "4 subscribers of news written to") {
		t.Errorf("export said %q", errOut)
	}
	body, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, string(body))
	// The columns of old come first, so a program that reads them by
	// position still finds them.
	if diff := cmp.Diff([]string{"email", "name", "state", "tags", "created_at", "language"}, recs[0]); diff != "" {
		t.Fatalf("export header (-want +got):\n%s", diff)
	}
	got := map[string][]string{}
	for _, r := range recs[1:] {
		if _, err := time.Parse(time.RFC3339, r[4]); err != nil {
			t.Errorf("created_at %q is not RFC 3339", r[4])
		}
		got[r[0]] = append(r[:4:4], r[5])
	}
	want := map[string][]string{
		"ann@example.org":   {"ann@example.org", "Ann", "pending", "local;politics;sport", ""},
		"carl@example.org":  {"carl@example.org", "Smith, Carl", "pending", "culture;local", ""},
		"'=cmd@example.org": {"'=cmd@example.org", "'-Dash", "pending", "", ""},
		"vip@example.org":   {"vip@example.org", "", "confirmed", "vip", "pt-br"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exported rows (-want +got):\n%s", diff)
	}

	// Imported elsewhere with --confirmed, the export gives the same list:
	// what was pending stays pending, formula cells come back as they were,
	// and so do languages.
	other := t.TempDir()
	mustHerald(t, other, "subscriber", "import", "--confirmed", exported)
	again, _ := mustHerald(t, other, "subscriber", "export")
	strip := func(csvText string) []string {
		var rows []string
		for _, r := range readCSV(t, csvText) {
			rows = append(rows, strings.Join(append(r[:4:4], r[5]), ","))
		}
		sort.Strings(rows)
		return rows
	}
	if diff := cmp.Diff(strip(string(body)), strip(again)); diff != "" {
		t.Errorf("export of the re-imported export differs (-first +second):\n%s", diff)
	}
	out, _ := mustHerald(t, other, "subscriber", "list", "--json")
	languages := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var s struct {
			Email    string  `json:"email"`
			Language *string `json:"language"`
		}
		if err := json.Unmarshal([]byte(line), &s); err != nil || s.Language == nil {
			t.Fatalf("subscriber list --json printed %q (%v); want each subscriber with a language", line, err)
		}
		languages[s.Email] = *s.Language
	}
	if languages["vip@example.org"] != "pt-br" || languages["ann@example.org"] != "" {
		t.Errorf("subscriber list --json gave languages %v; want pt-br for vip@ and none for ann@", languages)
	}
	if _, _, err := herald(t, data, "subscriber", "export", "extra"); err == nil {
		t.Errorf("export with an argument succeeded; want a usage error")
	}
}

func readCSV(t *testing.T, text string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, text)
	}
	return recs
}

func TestProgressLines(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := newProgress(&out, 1000, clock)

	// Not a terminal: nothing in the first second, then one line per
	// tenth of the file at most.
	p.bytes.Store(500)
	p.rows.Store(5000)
	p.tick()
	if out.Len() != 0 {
		t.Errorf("progress within the first second wrote %q; want nothing", out.String())
	}
	now = now.Add(2 * time.Second)
	p.tick()
	p.tick()
	p.bytes.Store(1000)
	p.rows.Store(10000)
	p.tick()
	want := "import: 50% done, 5,000 rows, 2,500 rows/s\nimport: 100% done, 10,000 rows, 5,000 rows/s\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("progress lines (-want +got):\n%s", diff)
	}

	// A terminal: one redrawn line with a bar and an estimate, cleared
	// before any other line is written.
	out.Reset()
	p = newProgress(&out, 1000, clock)
	p.tty = true
	p.bytes.Store(250)
	p.rows.Store(100)
	now = now.Add(time.Second)
	p.tick()
	if got := out.String(); !strings.HasPrefix(got, "\r\x1b[K[#######.......................]  25%") || !strings.Contains(got, "ETA 3s") {
		t.Errorf("bar = %q; want 25%% filled with an ETA of 3s", got)
	}
	p.println("line 7: bad")
	if got := out.String(); !strings.HasSuffix(got, "\r\x1b[Kline 7: bad\n") {
		t.Errorf("a line written over the bar = %q; want the bar cleared first", got)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q; want %q", n, got, want)
		}
	}
}

func TestSubscriberImportStopsAtAQuoteNeverClosed(t *testing.T) {
	var b strings.Builder
	b.WriteString("email,name\nfirst@example.org,First\nx@x.org,\"oops\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "reader%d@example.org,Reader %d\n", i, i)
	}
	data := t.TempDir()
	out, errOut, err := herald(t, data, "subscriber", "import", writeFile(t, "stray.csv", b.String()))
	if err == nil || !strings.Contains(err.Error(), "stray.csv: line 3:") || !strings.Contains(err.Error(), "quote") {
		t.Fatalf("import of a file whose line 3 opens a quote never closed = %v; want an error naming the file, line 3 and the quote\n%s", err, errOut)
	}
	if out != "" || strings.Contains(errOut, "every other row was stored") || !strings.Contains(errOut, "stopped at line 3") {
		t.Errorf("import printed %q and %q; want no summary and a word on where it stopped", out, errOut)
	}
	want := map[string]map[string]string{"first@example.org": {"news": "pending"}}
	if diff := cmp.Diff(want, listed(t, data)); diff != "" {
		t.Errorf("subscribers after the stopped import (-want +got):\n%s", diff)
	}
}

func TestSubscriberImportOfAnExportConfirmsOnlyWhenVouched(t *testing.T) {
	data := t.TempDir()
	mustHerald(t, data, "subscriber", "import", "--confirmed", writeFile(t, "list.csv", "email\na@example.org\nb@example.org\n"))
	mustHerald(t, data, "subscriber", "import", writeFile(t, "new.csv", "email\nc@example.org\n"))
	exported := filepath.Join(t.TempDir(), "e.csv")
	mustHerald(t, data, "subscriber", "export", "--out", exported)

	// The state column alone confirms nobody: the operator must vouch.
	other := t.TempDir()
	_, errOut := mustHerald(t, other, "subscriber", "import", exported)
	if !strings.Contains(errOut, "2 rows say confirmed") || !strings.Contains(errOut, "--confirmed") {
		t.Errorf("import of an export without --confirmed said %q; want it to tell of the 2 confirmed rows and --confirmed", errOut)
	}
	want := map[string]map[string]string{"a@example.org": {"news": "pending"}, "b@example.org": {"news": "pending"}, "c@example.org": {"news": "pending"}}
	if diff := cmp.Diff(want, listed(t, other)); diff != "" {
		t.Errorf("after importing the export without --confirmed (-want +got):\n%s", diff)
	}

	_, errOut = mustHerald(t, other, "subscriber", "import", "--confirmed", exported)
	if strings.Contains(errOut, "rows say confirmed") {
		t.Errorf("import with --confirmed said %q; want no word on unvouched rows", errOut)
	}
	want["a@example.org"]["news"], want["b@example.org"]["news"] = "confirmed", "confirmed"
	if diff := cmp.Diff(want, listed(t, other)); diff != "" {
		t.Errorf("after importing the export with --confirmed (-want +got):\n%s", diff)
	}
}

// TestSubscriberExportToAFolderThatIsNotThere: an export that cannot be
// written says so under the name asked for, and creates no database.
func TestSubscriberExportToAFolderThatIsNotThere(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out := filepath.Join(t.TempDir(), "no-such-folder", "list.csv")
	_, _, err := runCLI(t, "", "subscriber", "export", "--out", out, "--data", data)
	if err == nil || !strings.Contains(err.Error(), out) {
		t.Errorf("subscriber export --out %s = %v; want an error naming %s", out, err, out)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("after a refused subscriber export, the data folder exists (%v)", err)
	}
}
