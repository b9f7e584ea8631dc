package lang

import "testing"

func TestPick(t *testing.T) {
	table := map[string]int{"en": 1, "fr": 2, "pt-br": 3}
	for _, tc := range []struct {
		tags []string
		want string
		ok   bool
	}{
		{[]string{"fr"}, "fr", true},
		{[]string{"FR-ca"}, "fr", true},
		{[]string{"pt-BR"}, "pt-br", true},
		{[]string{"pt"}, "", false},
		{[]string{"it", "en-GB"}, "en", true},
		{[]string{"it", ""}, "", false},
		{nil, "", false},
	} {
		got, w, ok := Pick(table, tc.tags...)
		if got != tc.want || ok != tc.ok || (ok && w != table[got]) {
			t.Errorf("Pick(%v) = %q, %d, %v; want %q, %v", tc.tags, got, w, ok, tc.want, tc.ok)
		}
	}
}
