package subscriber

import (
	"fmt"
	"herald/internal/lang"
	"strings"
	"time"
)

// mailWords is what the confirmation and welcome emails say in one
// language besides their templates (templates/LANG/).
type mailWords struct {
	confirmSubject, welcomeSubject string // %s: the publication
	and                            string // between the last two of a list
	days, hours                    string // %d: how many
}

// mailLanguages are the languages the emails are written in; English is
// the one used for any other.
var mailLanguages = map[string]mailWords{
	"en": {confirmSubject: "Please confirm your subscription to %s", welcomeSubject: "Welcome to %s",
		and: "and", days: "%d days", hours: "%d hours"},
	"fr": {confirmSubject: "Confirmez votre abonnement à %s", welcomeSubject: "Bienvenue parmi les lecteurs de %s",
		and: "et", days: "%d jours", hours: "%d heures"},
	"de": {confirmSubject: "Bitte bestätigen Sie Ihr Abonnement bei %s", welcomeSubject: "Willkommen bei %s",
		and: "und", days: "%d Tage", hours: "%d Stunden"},
	"es": {confirmSubject: "Confirma tu suscripción a %s", welcomeSubject: "Te damos la bienvenida a %s",
		and: "y", days: "%d días", hours: "%d horas"},
}

// languageOf is the language the emails about nls are written in: that
// of the first newsletter, or of its primary subtag (pt for pt-br), or
// the publication's, or English.
func languageOf(nls []Newsletter, site string) string {
	var tags []string
	if len(nls) > 0 {
		tags = append(tags, nls[0].Language)
	}
	if l, _, ok := lang.Pick(mailLanguages, append(tags, site)...); ok {
		return l
	}
	return "en"
}

// list joins names as a sentence does: "A, B and C".
func (w mailWords) list(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + w.and + " " + names[len(names)-1]
}

// duration says how long d is, in whole days or hours where it can.
func (w mailWords) duration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf(w.days, d/(24*time.Hour))
	case d >= 2*time.Hour:
		return fmt.Sprintf(w.hours, d/time.Hour)
	}
	return d.Round(time.Minute).String()
}
