package campaign

import "herald/internal/lang"

// Words is what the default layouts say around a campaign's content, in
// the newsletter's language; custom layouts may use them too, as .T.
type Words struct {
	Hello    string // before the reader's name, which a comma follows
	ReadMore string
	// The footer's sentence: Because, the newsletter, From, the site,
	// BecauseEnd (empty in most languages), a full stop.
	Because, From, BecauseEnd string
	Unsubscribe, Manage       string
	// A byline: By, the authors' names, And before the last of them. By
	// is the word the site's article pages use.
	By, And string
}

// wordsByLanguage are the languages of the default layouts; English serves
// for any other.
var wordsByLanguage = map[string]Words{
	"en": {Hello: "Hello", ReadMore: "Read more", Because: "You receive this email because you subscribed to", From: "from",
		Unsubscribe: "Unsubscribe", Manage: "Manage your subscriptions", By: "By", And: "and"},
	"fr": {Hello: "Bonjour", ReadMore: "Lire la suite", Because: "Vous recevez cet e-mail parce que vous êtes abonné à", From: "de",
		Unsubscribe: "Se désabonner", Manage: "Gérer vos abonnements", By: "Par", And: "et"},
	"de": {Hello: "Guten Tag", ReadMore: "Weiterlesen", Because: "Sie erhalten diese E-Mail, weil Sie", From: "von",
		BecauseEnd: " abonniert haben", Unsubscribe: "Abmelden", Manage: "Abonnements verwalten", By: "Von", And: "und"},
	"es": {Hello: "Hola", ReadMore: "Seguir leyendo", Because: "Recibes este correo porque te suscribiste a", From: "de",
		Unsubscribe: "Darse de baja", Manage: "Gestionar tus suscripciones", By: "Por", And: "y"},
}

// wordsFor picks the words of tag, or of its primary subtag, or English.
func wordsFor(tag string) Words {
	if _, w, ok := lang.Pick(wordsByLanguage, tag); ok {
		return w
	}
	return wordsByLanguage["en"]
}
