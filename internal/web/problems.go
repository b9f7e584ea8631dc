package web

import (
	"errors"
	"fmt"
	"net/http"

	"herald/internal/lang"
	"herald/internal/subscriber"
)

// problemWords says what is wrong with what a reader typed, in the
// languages of the signup box besides English, whose words are the
// domain's own.
var problemWords = map[string]map[subscriber.Problem]string{
	"fr": {
		subscriber.NoEmail:           "Veuillez saisir votre adresse e-mail.",
		subscriber.EmailTooLong:      "Cette adresse e-mail est trop longue.",
		subscriber.EmailInvalid:      "Cette adresse e-mail n'est pas valide.",
		subscriber.EmailNoDomain:     "Il manque à cette adresse e-mail un @ et un domaine.",
		subscriber.EmailLocalPart:    "Veuillez utiliser une adresse dont la partie avant le @ ne contient que des lettres latines, des chiffres et de la ponctuation.",
		subscriber.EmailBadDomain:    "La partie après le @ n'est pas un domaine valide.",
		subscriber.NameCharacters:    "Le nom contient des caractères qui ne sont pas acceptés.",
		subscriber.NameTooLong:       "Le nom dépasse %d caractères.",
		subscriber.UnknownNewsletter: "Veuillez choisir parmi les newsletters proposées.",
		subscriber.NoNewsletter:      "Veuillez choisir au moins une newsletter.",
	},
	"de": {
		subscriber.NoEmail:           "Bitte geben Sie Ihre E-Mail-Adresse ein.",
		subscriber.EmailTooLong:      "Diese E-Mail-Adresse ist zu lang.",
		subscriber.EmailInvalid:      "Diese E-Mail-Adresse ist ungültig.",
		subscriber.EmailNoDomain:     "Dieser E-Mail-Adresse fehlen ein @ und eine Domain.",
		subscriber.EmailLocalPart:    "Bitte verwenden Sie eine Adresse, deren Teil vor dem @ nur lateinische Buchstaben, Ziffern und Satzzeichen enthält.",
		subscriber.EmailBadDomain:    "Der Teil nach dem @ ist keine gültige Domain.",
		subscriber.NameCharacters:    "Der Name enthält unzulässige Zeichen.",
		subscriber.NameTooLong:       "Der Name ist länger als %d Zeichen.",
		subscriber.UnknownNewsletter: "Bitte wählen Sie aus den aufgeführten Newslettern.",
		subscriber.NoNewsletter:      "Bitte wählen Sie mindestens einen Newsletter.",
	},
	"es": {
		subscriber.NoEmail:           "Escribe tu dirección de correo electrónico.",
		subscriber.EmailTooLong:      "Esa dirección de correo es demasiado larga.",
		subscriber.EmailInvalid:      "Esa dirección de correo no es válida.",
		subscriber.EmailNoDomain:     "A esa dirección de correo le faltan una @ y un dominio.",
		subscriber.EmailLocalPart:    "Usa una dirección cuya parte anterior a la @ solo tenga letras latinas, cifras y signos de puntuación.",
		subscriber.EmailBadDomain:    "La parte posterior a la @ no es un dominio válido.",
		subscriber.NameCharacters:    "El nombre contiene caracteres no permitidos.",
		subscriber.NameTooLong:       "El nombre supera los %d caracteres.",
		subscriber.UnknownNewsletter: "Elige entre los boletines de la lista.",
		subscriber.NoNewsletter:      "Elige al menos un boletín.",
	},
}

// problemText says what is wrong with what a reader typed, in lang where
// Herald has the words and in English otherwise.
func problemText(tag string, err error) string {
	var ae *subscriber.AddressError
	if !errors.As(err, &ae) {
		return "That value is not valid."
	}
	_, words, _ := lang.Pick(problemWords, tag)
	text, ok := words[ae.Problem]
	if !ok {
		return ae.Reason
	}
	if ae.Problem == subscriber.NameTooLong {
		return fmt.Sprintf(text, subscriber.MaxName)
	}
	return text
}

// problem is an error naming p, for the checks the site makes itself.
func problem(p subscriber.Problem, english string) error {
	return &subscriber.AddressError{Problem: p, Reason: english}
}

// refusalWords are the signup's refusals in the languages of the box
// besides English: title, then message.
var refusalWords = map[string]map[int][2]string{
	"fr": {
		http.StatusTooManyRequests: {"Trop de tentatives", "Trop d'inscriptions sont venues de votre connexion. Veuillez patienter une minute et réessayer."},
		http.StatusForbidden:       {"Inscription refusée", "Cette inscription a été envoyée depuis un autre site. Pour vous abonner, utilisez le formulaire de nos propres pages."},
	},
	"de": {
		http.StatusTooManyRequests: {"Zu viele Versuche", "Von Ihrer Verbindung kamen zu viele Anmeldungen. Bitte warten Sie eine Minute und versuchen Sie es erneut."},
		http.StatusForbidden:       {"Anmeldung abgelehnt", "Diese Anmeldung wurde von einer anderen Website gesendet. Bitte melden Sie sich über das Formular auf unseren eigenen Seiten an."},
	},
	"es": {
		http.StatusTooManyRequests: {"Demasiados intentos", "Han llegado demasiadas suscripciones desde tu conexión. Espera un minuto y vuelve a intentarlo."},
		http.StatusForbidden:       {"Suscripción rechazada", "Esta suscripción se envió desde otro sitio web. Para suscribirte, usa el formulario de nuestras propias páginas."},
	},
}

// refusal is se in tag's language where Herald has the words for it, and
// in English otherwise.
func refusal(tag string, se *statusError) *statusError {
	out := *se
	out.lang = "en"
	_, byStatus, _ := lang.Pick(refusalWords, tag)
	if words, ok := byStatus[se.status]; ok {
		out.title, out.msg, out.lang = words[0], words[1], tag
	}
	return &out
}
