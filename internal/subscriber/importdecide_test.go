package subscriber

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestImportAddressDecide(t *testing.T) {
	rows := func(lines ...int) []ImportRow {
		var rs []ImportRow
		for _, l := range lines {
			rs = append(rs, ImportRow{Line: l, Email: "a@example.org"})
		}
		return rs
	}
	confirmed := ImportOptions{Confirmed: true, Since: 100}
	pending := ImportOptions{Since: 100}
	tests := []struct {
		name  string
		addr  ImportAddress
		found ImportFound
		opts  ImportOptions
		want  ImportChange
		count ImportResult
	}{
		{"new, vouched for", ImportAddress{Rows: rows(2, 5), Name: "Ana", Tags: []string{"x"}}, ImportFound{}, confirmed,
			ImportChange{Subscribe: Confirmed, Consent: ConsentConfirm, Wording: WordingImportedConfirmed, Name: "Ana", Tags: []string{"x"}},
			ImportResult{Imported: 1, Merged: 1}},
		{"new, a row says it never confirmed", ImportAddress{Rows: rows(2), Pending: true}, ImportFound{}, confirmed,
			ImportChange{Subscribe: Pending, Consent: ConsentSignup, Wording: WordingImported},
			ImportResult{Imported: 1}},
		{"suppressed", ImportAddress{Rows: rows(2, 3)}, ImportFound{Suppressed: true}, confirmed,
			ImportChange{Skip: ReasonSuppressed},
			ImportResult{Skipped: 2, Skips: []RowError{{Line: 2, Reason: ReasonSuppressed}, {Line: 3, Reason: ReasonSuppressed}}}},
		{"the file says it left", ImportAddress{Rows: rows(4), Unsubscribed: true}, ImportFound{}, confirmed,
			ImportChange{Skip: ReasonUnsubscribedFile},
			ImportResult{Skipped: 1, Skips: []RowError{{Line: 4, Reason: ReasonUnsubscribedFile}}}},
		{"left earlier stays left", ImportAddress{Rows: rows(4), Name: "Ana"}, ImportFound{Stored: true, ID: 7, State: Unsubscribed}, confirmed,
			ImportChange{Skip: ReasonUnsubscribed},
			ImportResult{Skipped: 1, Skips: []RowError{{Line: 4, Reason: ReasonUnsubscribed}}}},
		{"pending upgraded", ImportAddress{Rows: rows(2)}, ImportFound{Stored: true, ID: 7, State: Pending}, confirmed,
			ImportChange{Subscribe: Confirmed, Consent: ConsentConfirm, Wording: WordingImportedConfirmed},
			ImportResult{Updated: 1}},
		{"confirmed is never downgraded", ImportAddress{Rows: rows(2)}, ImportFound{Stored: true, ID: 7, State: Confirmed}, pending,
			ImportChange{},
			ImportResult{Unchanged: 1}},
		{"a name fills an empty one, tags add to the old", ImportAddress{Rows: rows(2), Name: "Ana", Tags: []string{"x", "y"}},
			ImportFound{Stored: true, ID: 7, State: Confirmed, Tags: []string{"x"}}, pending,
			ImportChange{Name: "Ana", Tags: []string{"y"}},
			ImportResult{Updated: 1}},
		{"tags past the limit leave the address out", ImportAddress{Rows: rows(3), Tags: manyTags("new", 10)},
			ImportFound{Stored: true, ID: 7, State: Confirmed, Tags: manyTags("old", 45)}, confirmed,
			ImportChange{Skip: ReasonTooManyTags},
			ImportResult{Skipped: 1, Skips: []RowError{{Line: 3, Reason: ReasonTooManyTags}}}},
		{"a name never replaces one", ImportAddress{Rows: rows(2), Name: "Ana"}, ImportFound{Stored: true, ID: 7, Name: "Bo", State: Pending}, pending,
			ImportChange{},
			ImportResult{Unchanged: 1}},
		{"a language fills an empty one", ImportAddress{Rows: rows(2), Language: "pt-br"},
			ImportFound{Stored: true, ID: 7, State: Confirmed}, pending,
			ImportChange{Language: "pt-br"},
			ImportResult{Updated: 1}},
		{"a language never replaces one", ImportAddress{Rows: rows(2), Language: "pt-br"},
			ImportFound{Stored: true, ID: 7, State: Confirmed, Language: "fr"}, pending,
			ImportChange{},
			ImportResult{Unchanged: 1}},
		{"stored without a subscription", ImportAddress{Rows: rows(2)}, ImportFound{Stored: true, ID: 7}, pending,
			ImportChange{Subscribe: Pending, Consent: ConsentSignup, Wording: WordingImported},
			ImportResult{Updated: 1}},
		{"stored by an earlier chunk of the same import", ImportAddress{Rows: rows(9, 12)}, ImportFound{Stored: true, ID: 101, State: Confirmed}, confirmed,
			ImportChange{},
			ImportResult{Merged: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var res ImportResult
			got := tc.addr.Decide(tc.found, tc.opts, &res)
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Decide (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.count, res, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("counted (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportAddressNewLanguage(t *testing.T) {
	for _, c := range []struct {
		file, opts, want string
	}{{"pt-br", "fr", "pt-br"}, {"", "fr", "fr"}, {"pt-br", "", "pt-br"}, {"", "", ""}} {
		a := ImportAddress{Language: c.file}
		if got := a.NewLanguage(ImportOptions{Language: c.opts}); got != c.want {
			t.Errorf("ImportAddress{Language: %q}.NewLanguage(ImportOptions{Language: %q}) = %q; want %q", c.file, c.opts, got, c.want)
		}
	}
}

// manyTags is n distinct tags.
func manyTags(prefix string, n int) []string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return tags
}
