package lang

import (
	"strconv"
	"strings"
	"time"
)

// dateWords are the month names and the order of a date in each language
// Herald has words in: _2 stands for the day, Jan for the month's name and
// 2006 for the year.
type dateWords struct {
	months [12]string
	format string
}

var dates = map[string]dateWords{
	"en": {[12]string{"January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December"}, "_2 Jan 2006"},
	"fr": {[12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
		"septembre", "octobre", "novembre", "décembre"}, "_2 Jan 2006"},
	"de": {[12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
		"September", "Oktober", "November", "Dezember"}, "_2. Jan 2006"},
	"es": {[12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
		"septiembre", "octubre", "noviembre", "diciembre"}, "_2 de Jan de 2006"},
}

// Date writes the day of t, in t's own zone, as a reader of tag writes it:
// "2 March 2026", "2 mars 2026", "2. März 2026", "2 de marzo de 2026";
// in English for a language Herald has no words in.
func Date(tag string, t time.Time) string {
	_, w, ok := Pick(dates, tag)
	if !ok {
		w = dates["en"]
	}
	return strings.NewReplacer(
		"_2", strconv.Itoa(t.Day()),
		"Jan", w.months[t.Month()-1],
		"2006", strconv.Itoa(t.Year()),
	).Replace(w.format)
}
