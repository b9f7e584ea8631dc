package web

import (
	"herald/internal/lang"
	"strings"
	"time"
)

// Words is the text of the newsletter box in one language. Consent is also
// what the consent record stores, so changing it changes what new
// subscribers are recorded as having agreed to.
type Words struct {
	Heading          string
	Intro            string
	EmailLabel       string
	NameLabel        string
	NewslettersLabel string
	Button           string
	Wait             string // on the button while the script sends the form
	Thanks           string
	ThanksDetail     string // says a confirmation email is on its way
	Consent          string
}

// DefaultWords is the box in the languages Herald ships with; a newsroom may
// pass its own map to say things its way.
func DefaultWords() map[string]Words {
	return map[string]Words{
		"en": {
			Heading:          "Subscribe to our newsletter",
			Intro:            "The stories that matter, sent to your inbox.",
			EmailLabel:       "Email address",
			NameLabel:        "Name (optional)",
			NewslettersLabel: "Newsletters",
			Button:           "Subscribe",
			Wait:             "Please wait...",
			Thanks:           "Thank you for sign up!",
			ThanksDetail:     "We have sent you an email. Please open it and follow the link inside to confirm your subscription; nothing will be sent to you until you do.",
			Consent:          "By subscribing you agree to receive our newsletter by email. Every email we send has a link to unsubscribe at any time.",
		},
		"fr": {
			Heading:          "Abonnez-vous à notre newsletter",
			Intro:            "L'essentiel de l'actualité, directement dans votre boîte mail.",
			EmailLabel:       "Adresse e-mail",
			NameLabel:        "Nom (facultatif)",
			NewslettersLabel: "Newsletters",
			Button:           "S'abonner",
			Wait:             "Veuillez patienter…",
			Thanks:           "Merci pour votre inscription\u202f!",
			ThanksDetail:     "Nous venons de vous envoyer un e-mail. Cliquez sur le lien qu'il contient pour confirmer votre abonnement\u00a0: rien ne vous sera envoyé avant.",
			Consent:          "En vous abonnant, vous acceptez de recevoir notre newsletter par e-mail. Chaque envoi contient un lien pour vous désabonner à tout moment.",
		},
		"de": {
			Heading:          "Abonnieren Sie unseren Newsletter",
			Intro:            "Die wichtigsten Geschichten direkt in Ihr Postfach.",
			EmailLabel:       "E-Mail-Adresse",
			NameLabel:        "Name (freiwillig)",
			NewslettersLabel: "Newsletter",
			Button:           "Abonnieren",
			Wait:             "Bitte warten…",
			Thanks:           "Vielen Dank für Ihre Anmeldung!",
			ThanksDetail:     "Wir haben Ihnen eine E-Mail geschickt. Bitte bestätigen Sie Ihr Abonnement über den Link darin; vorher erhalten Sie keinen Newsletter.",
			Consent:          "Mit Ihrer Anmeldung willigen Sie ein, unseren Newsletter per E-Mail zu erhalten. Jede Ausgabe enthält einen Link, mit dem Sie sich jederzeit abmelden können.",
		},
		"es": {
			Heading:          "Suscríbete a nuestro boletín",
			Intro:            "Las historias que importan, directamente en tu correo.",
			EmailLabel:       "Correo electrónico",
			NameLabel:        "Nombre (opcional)",
			NewslettersLabel: "Boletines",
			Button:           "Suscribirme",
			Wait:             "Un momento…",
			Thanks:           "¡Gracias por suscribirte!",
			ThanksDetail:     "Te hemos enviado un correo. Abre el enlace que contiene para confirmar tu suscripción; hasta entonces no te enviaremos nada.",
			Consent:          "Al suscribirte aceptas recibir nuestro boletín por correo electrónico. Cada envío incluye un enlace para darte de baja cuando quieras.",
		},
	}
}

// wordsFor picks the box text for lang: the language itself, then its
// primary subtag (pt for pt-br), then the site's language, then English.
// It returns the key it used so the form and the record agree on it.
func (h *Handler) wordsFor(lang string) (string, Words) {
	lang = strings.ToLower(lang)
	primary, _, _ := strings.Cut(lang, "-")
	for _, l := range []string{lang, primary, strings.ToLower(h.cur().site.Language), "en"} {
		if w, ok := h.cur().words[l]; ok {
			return l, w
		}
	}
	return "en", DefaultWords()["en"]
}

// labels are the few words of the page around the articles. They follow
// the page's language where Herald knows it and English otherwise.
type labels struct {
	Skip, Home, Latest, By, Updated, Topics, AlsoIn, Older, Offline string
	Section, Tag, Author                                            string // what kind of listing a page is
	Pages, Empty, NoOlder                                           string // the pager's name; a listing with nothing in it, or nothing past a page
	Newer, First                                                    string // the pager's other links
	PageN, OlderPage                                                string // a page after the first, with its number or without
	Notes                                                           string // an article's footnotes, for screen readers
	// Lang is the language of these words when it is not the page's, as
	// when Herald has none in the page's language, so that each of them
	// can say so. It is empty when they are in the page's language.
	Lang string
	in   string // the language of these words
	lang string // whose dates these are
}

func labelsFor(tag string) labels {
	l := labelsIn(tag)
	l.lang = tag
	l.Lang = markLang(l.in, tag)
	return l
}

// markLang is the lang attribute that words in tag need on a page in
// pageLang: tag when the two are different languages, else nothing.
func markLang(tag, pageLang string) string {
	a, _, _ := strings.Cut(strings.ToLower(tag), "-")
	b, _, _ := strings.Cut(strings.ToLower(pageLang), "-")
	if a == b {
		return ""
	}
	return tag
}

func labelsIn(tag string) labels {
	primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
	switch primary {
	case "fr":
		return labels{in: "fr", Skip: "Aller au contenu", Home: "Accueil", Latest: "Dernières nouvelles", By: "Par",
			Updated: "Mis à jour", Topics: "Sujets", AlsoIn: "Aussi disponible en", Older: "Articles plus anciens",
			Offline: "Envoi impossible. Vérifiez votre connexion et réessayez.",
			Section: "Rubrique", Tag: "Mot-clé", Author: "Auteur", Pages: "Pages", Empty: "Rien n'a encore été publié.",
			Newer: "Articles plus récents", First: "Première page", PageN: "page %d", OlderPage: "articles plus anciens",
			NoOlder: "Il n'y a pas d'articles plus anciens.", Notes: "Notes"}
	case "de":
		return labels{in: "de", Skip: "Zum Inhalt springen", Home: "Startseite", Latest: "Neueste Artikel", By: "Von",
			Updated: "Aktualisiert", Topics: "Themen", AlsoIn: "Auch verfügbar auf", Older: "Ältere Artikel",
			Offline: "Senden fehlgeschlagen. Bitte prüfen Sie Ihre Verbindung.",
			Section: "Ressort", Tag: "Schlagwort", Author: "Autor", Pages: "Seiten", Empty: "Noch wurde nichts veröffentlicht.",
			Newer: "Neuere Artikel", First: "Erste Seite", PageN: "Seite %d", OlderPage: "ältere Artikel",
			NoOlder: "Es gibt keine älteren Artikel.", Notes: "Anmerkungen"}
	case "es":
		return labels{in: "es", Skip: "Ir al contenido", Home: "Portada", Latest: "Últimas noticias", By: "Por",
			Updated: "Actualizado", Topics: "Temas", AlsoIn: "También disponible en", Older: "Artículos anteriores",
			Offline: "No se pudo enviar. Comprueba tu conexión e inténtalo de nuevo.",
			Section: "Sección", Tag: "Etiqueta", Author: "Autor", Pages: "Páginas", Empty: "Todavía no se ha publicado nada.",
			Newer: "Artículos más recientes", First: "Primera página", PageN: "página %d", OlderPage: "artículos anteriores",
			NoOlder: "No hay artículos anteriores.", Notes: "Notas"}
	}
	return labels{in: "en", Skip: "Skip to content", Home: "Home", Latest: "Latest news", By: "By",
		Updated: "Updated", Topics: "Topics", AlsoIn: "Also available in", Older: "Older articles",
		Offline: "Could not send. Please check your connection and try again.",
		Section: "Section", Tag: "Tag", Author: "Author", Pages: "Pages", Empty: "Nothing has been published yet.",
		Newer: "Newer articles", First: "First page", PageN: "page %d", OlderPage: "older articles",
		NoOlder: "There are no older articles.", Notes: "Notes"}
}

// date is a moment as the reader sees it and as machines read it.
type date struct {
	ISO  string // RFC 3339, for <time datetime>
	Text string
	Lang string // the language of Text when it is not the page's
}

// formatDate writes t in UTC, the only zone the site knows of.
func (l labels) formatDate(t time.Time) date {
	t = t.UTC()
	return date{ISO: t.Format(time.RFC3339), Text: lang.Date(l.lang, t), Lang: l.Lang}
}

// languageName names a language in itself, for links to translations.
func languageName(lang string) string {
	primary, _, _ := strings.Cut(strings.ToLower(lang), "-")
	switch primary {
	case "en":
		return "English"
	case "fr":
		return "Français"
	case "de":
		return "Deutsch"
	case "es":
		return "Español"
	case "it":
		return "Italiano"
	case "pt":
		return "Português"
	case "nl":
		return "Nederlands"
	case "uk":
		return "Українська"
	case "ru":
		return "Русский"
	case "pl":
		return "Polski"
	case "ar":
		return "العربية"
	case "zh":
		return "中文"
	}
	return strings.ToUpper(lang)
}

// colon is ": " as a reader of tag writes it between a name and what it
// names: French puts a no-break space before the colon, as it does a
// narrow one before ?, ! and ; in the French words above.
func colon(tag string) string {
	if primary, _, _ := strings.Cut(strings.ToLower(tag), "-"); primary == "fr" {
		return "\u00a0: "
	}
	return ": "
}

// formatTime is a moment to the second, for the outbox where order matters.
func (l labels) formatTime(t time.Time) date {
	t = t.UTC()
	return date{ISO: t.Format(time.RFC3339), Text: t.Format("2006-01-02 15:04:05 UTC")}
}
