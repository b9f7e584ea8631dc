package subscriber

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readAll reads every row of an import file, good and bad.
func readAll(t *testing.T, file string) ([]ImportRow, []RowError) {
	t.Helper()
	_, rows, bad, err := readUntilFault(t, file)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("Next: %v", err)
	}
	return rows, bad
}

func TestImportReaderRows(t *testing.T) {
	file := "\ufeff Name ,EMAIL,Tags\r\n" + // 1: BOM, spaces, any case, CRLF
		"Ann,ann@Example.ORG,Local; SPORT|local\r\n" + // 2
		"\"Smith, Carl\",carl@example.org,\n" + // 3: quoted comma
		"Bob,not-an-address,\n" + // 4
		"\"Eve\nBcc: x@example.org\",eve@example.org,\n" + // 5-6: a name over two lines
		"Dan,dan@example.org\n" + // 7: a field short
		"\n" + // 8: blank lines are passed over
		"'-Dash,'=cmd@example.org,'@home\n" + // 9: neutralised cells, as exported
		"Fay,fay@example.org,\"a,b\"\n" + // 10: a comma in a tag
		"Gus,gus@example.org\"x,\n" + // 11: a stray quote
		",,\n" // 12: no address
	rows, bad := readAll(t, file)
	wantRows := []ImportRow{
		{Line: 2, Email: "ann@example.org", Name: "Ann", Tags: []string{"local", "sport"}},
		{Line: 3, Email: "carl@example.org", Name: "Smith, Carl"},
		{Line: 9, Email: "=cmd@example.org", Name: "-Dash", Tags: []string{"@home"}},
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("good rows (-want +got):\n%s", diff)
	}
	var lines []int
	for _, b := range bad {
		lines = append(lines, b.Line)
		if b.Reason == "" {
			t.Errorf("line %d skipped without a reason", b.Line)
		}
	}
	if diff := cmp.Diff([]int{4, 5, 7, 10, 11, 12}, lines); diff != "" {
		t.Errorf("lines of bad rows (-want +got):\n%s\n%v", diff, bad)
	}
	for _, c := range []struct {
		line int
		want string
	}{{5, "name"}, {7, "2 fields where the header names 3"}, {10, "comma"}, {11, "quote"}, {12, "no email address"}} {
		for _, b := range bad {
			if b.Line == c.line && !strings.Contains(b.Reason, c.want) {
				t.Errorf("line %d skipped because %q; want a reason mentioning %q", c.line, b.Reason, c.want)
			}
		}
	}
}

func TestImportReaderStateColumn(t *testing.T) {
	rows, bad := readAll(t, "email,state,created_at\n"+
		"a@example.org,confirmed,2026-01-02T03:04:05Z\n"+
		"b@example.org,pending,\n"+
		"c@example.org,Unsubscribed,\n"+
		"d@example.org,gone,\n")
	want := []ImportRow{
		{Line: 2, Email: "a@example.org", Confirmed: true},
		{Line: 3, Email: "b@example.org", Pending: true},
		{Line: 4, Email: "c@example.org", Unsubscribed: true},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if len(bad) != 1 || bad[0].Line != 5 || !strings.Contains(bad[0].Reason, `"gone"`) {
		t.Errorf("bad rows = %v; want line 5 refused for its state", bad)
	}
}

// An export's language column is read back: a tag in another case or
// with spaces is taken as Herald stores it, and one in another shape
// leaves its row out, since it would match no campaign's audience.
func TestImportReaderLanguageColumn(t *testing.T) {
	rows, bad := readAll(t, "email,name,tags,state,created_at,language\n"+
		"a@example.org,Ann,,confirmed,2026-01-02T03:04:05Z,pt-br\n"+
		"b@example.org,,,,, FR \n"+
		"c@example.org,,,,,\n"+
		"d@example.org,,,,,en_US\n")
	want := []ImportRow{
		{Line: 2, Email: "a@example.org", Name: "Ann", Confirmed: true, Language: "pt-br"},
		{Line: 3, Email: "b@example.org", Language: "fr"},
		{Line: 4, Email: "c@example.org"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if len(bad) != 1 || bad[0].Line != 5 || !strings.Contains(bad[0].Reason, `"en_us" is not a language tag`) {
		t.Errorf("bad rows = %v; want line 5 refused for its language", bad)
	}
}

func TestImportReaderHeader(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"", "empty"},
		{"email,phone\n", `unknown column "phone"`},
		{"email,phone\n", "email, name, tags, state, created_at, language"},
		{"name,tags\nAnn,x\n", "no email column"},
		{"email,Email\n", "twice"},
	} {
		_, err := NewImportReader(strings.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewImportReader(%q) = %v; want an error mentioning %q", c.file, err, c.want)
		}
	}
}

func TestImportState(t *testing.T) {
	for _, c := range []struct {
		current   State
		confirmed bool
		next      State
		ok        bool
	}{
		{"", false, Pending, true},
		{"", true, Confirmed, true},
		{Pending, false, Pending, true},
		{Pending, true, Confirmed, true},
		{Confirmed, false, Confirmed, true}, // never downgraded
		{Unsubscribed, false, Unsubscribed, false},
		{Unsubscribed, true, Unsubscribed, false}, // people who left stay left
	} {
		next, ok := ImportState(c.current, c.confirmed)
		if next != c.next || ok != c.ok {
			t.Errorf("ImportState(%q, %v) = %q, %v; want %q, %v", c.current, c.confirmed, next, ok, c.next, c.ok)
		}
	}
}

func TestNeutralizeCellRoundTrip(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"=1+2", "'=1+2"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"plain", "plain"}, {"", ""}, {"a=b", "a=b"},
	} {
		got := NeutralizeCell(c.in)
		if got != c.out {
			t.Errorf("NeutralizeCell(%q) = %q; want %q", c.in, got, c.out)
		}
		if back := unquoteFormula(got); back != c.in {
			t.Errorf("unquoteFormula(%q) = %q; want %q", got, back, c.in)
		}
	}
}

// readUntilFault reads an import file until Next returns something other
// than a row or a bad row, and returns that with the good rows read.
func readUntilFault(t *testing.T, file string) (*ImportReader, []ImportRow, []RowError, error) {
	t.Helper()
	r, err := NewImportReader(strings.NewReader(file))
	if err != nil {
		t.Fatalf("NewImportReader: %v", err)
	}
	var rows []ImportRow
	var bad []RowError
	for {
		row, err := r.Next()
		var re *RowError
		switch {
		case err == nil:
			rows = append(rows, row)
		case errors.As(err, &re):
			bad = append(bad, *re)
		default:
			return r, rows, bad, err
		}
	}
}

// addresses returns n rows of addresses, one a line.
func addresses(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "reader%d@example.org,Reader %d\n", i, i)
	}
	return b.String()
}

func TestImportReaderStopsAtAQuoteNeverClosed(t *testing.T) {
	file := "email,name\nx@x.org,\"oops\n" + addresses(100)
	_, rows, bad, err := readUntilFault(t, file)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 2 || !strings.Contains(fe.Reason, "never closed") {
		t.Fatalf("reading a file whose line 2 opens a quote never closed: %v; want a *FileError at line 2 saying the quote is never closed", err)
	}
	if len(rows) != 0 || len(bad) != 0 {
		t.Errorf("rows read before the fault: %v, bad %v; want none", rows, bad)
	}
}

func TestImportReaderStopsAtAQuoteStillOpenPastTheLimit(t *testing.T) {
	// Far more than MaxImportRow follows the stray quote: the reader must
	// give up soon after the limit, not read the whole file as one field.
	file := "email,name\na@example.org,Ann\nx@x.org,\"oops\n" + addresses(20000)
	r, rows, _, err := readUntilFault(t, file)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 3 || !strings.Contains(fe.Reason, "64 KiB") {
		t.Fatalf("reading a file whose line 3 opens a quote never closed: %v; want a *FileError at line 3 naming the 64 KiB limit", err)
	}
	if len(rows) != 1 {
		t.Errorf("rows read before the fault: %v; want line 2's", rows)
	}
	if off := r.Offset(); off > 2*MaxImportRow {
		t.Errorf("the reader took %d bytes of a %d-byte file before giving up; want at most %d", off, len(file), 2*MaxImportRow)
	}
}

func TestImportReaderStopsAtAQuoteClosedLinesLater(t *testing.T) {
	// The stray quote on line 2 is met by line 5's quoted name: every line
	// between would vanish into one field.
	file := "email,name\nx@x.org,\"oops\nb@example.org,Bo\nc@example.org,Cy\nd@example.org,\"Dee \"D\" Doe\"\ne@example.org,Eve\n"
	_, _, _, err := readUntilFault(t, file)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 2 || !strings.Contains(fe.Reason, "line 5") {
		t.Fatalf("reading a stray quote closed on line 5: %v; want a *FileError at line 2 naming line 5", err)
	}
}

func TestImportReaderSkipsRowsOverTheLimit(t *testing.T) {
	long := strings.Repeat("x", MaxImportRow)
	file := "email,name\n" +
		"a@example.org," + long + "\n" + // 2: unquoted, too long
		"b@example.org,\"" + long + "\"\r\n" + // 3: quoted on one line, too long
		"c@example.org,\"Cy\nCo\"\n" + // 4-5: a name over two lines, short
		"d@example.org,Dee\n" // 6
	rows, bad := readAll(t, file)
	if diff := cmp.Diff([]ImportRow{{Line: 6, Email: "d@example.org", Name: "Dee"}}, rows); diff != "" {
		t.Errorf("good rows (-want +got):\n%s", diff)
	}
	var lines []int
	for _, b := range bad {
		lines = append(lines, b.Line)
	}
	if diff := cmp.Diff([]int{2, 3, 4}, lines); diff != "" {
		t.Fatalf("lines of bad rows (-want +got):\n%s\n%v", diff, bad)
	}
	for i, want := range []string{"longer than 64 KiB", "longer than 64 KiB", "from line 4 to line 5"} {
		if !strings.Contains(bad[i].Reason, want) {
			t.Errorf("line %d skipped because %q; want a reason mentioning %q", bad[i].Line, bad[i].Reason, want)
		}
	}
}

func TestImportReaderStopsAtAQuoteOverLinesPastTheLimit(t *testing.T) {
	// A quoted field that crosses a line end and passes the limit leaves
	// no way to tell where the next row begins, even if it closes later.
	file := "email,name\na@example.org,\"" + strings.Repeat("x\n", MaxImportRow) + "\"\nb@example.org,Bo\n"
	_, _, _, err := readUntilFault(t, file)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Line != 2 {
		t.Fatalf("reading a quoted field of %d lines: %v; want a *FileError at line 2", MaxImportRow, err)
	}
}
