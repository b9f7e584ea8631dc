package web

import "herald/internal/lang"

// errorWords are the error pages anyone may meet on the site, in the
// languages Herald has words in besides English, by their English title:
// title, then message.
var errorWords = map[string]map[string][2]string{
	"fr": {
		"Page not found":         {"Page introuvable", "Il n'y a rien à cette adresse. Le lien est peut-être mal saisi, ou la page a été retirée."},
		"Not allowed":            {"Requête non autorisée", "Cette adresse n'accepte pas ce type de requête."},
		"Page address not valid": {"Adresse de page non valide", "Cette adresse de page n'est pas valide. Veuillez repartir de la page d'accueil."},
		"Something went wrong":   {"Une erreur s'est produite", "La page n'a pas pu être affichée. Veuillez réessayer dans un instant."},
	},
	"de": {
		"Page not found":         {"Seite nicht gefunden", "Unter dieser Adresse gibt es nichts. Vielleicht ist der Link falsch geschrieben, oder die Seite wurde entfernt."},
		"Not allowed":            {"Nicht erlaubt", "Diese Adresse nimmt diese Art von Anfrage nicht an."},
		"Page address not valid": {"Ungültige Seitenadresse", "Diese Seitenadresse ist ungültig. Bitte beginnen Sie noch einmal auf der Startseite."},
		"Something went wrong":   {"Etwas ist schiefgelaufen", "Die Seite konnte nicht angezeigt werden. Bitte versuchen Sie es gleich noch einmal."},
	},
	"es": {
		"Page not found":         {"Página no encontrada", "No hay nada en esta dirección. Puede que el enlace esté mal escrito o que la página se haya retirado."},
		"Not allowed":            {"No permitido", "Esta dirección no acepta ese tipo de solicitud."},
		"Page address not valid": {"Dirección de página no válida", "Esta dirección de página no es válida. Vuelve a empezar desde la portada."},
		"Something went wrong":   {"Algo ha fallado", "No se ha podido mostrar la página. Vuelve a intentarlo en un momento."},
	},
}

// siteError is se, written in English, as the site's language says it:
// translated where Herald has the words, and otherwise left in English on
// a page that says it is English.
func siteError(site string, se *statusError) (tag, title, msg string) {
	if _, byTitle, ok := lang.Pick(errorWords, site); ok {
		if words, found := byTitle[se.title]; found {
			return site, words[0], words[1]
		}
	}
	if markLang("en", site) != "" {
		return "en", se.title, se.msg
	}
	return site, se.title, se.msg
}
