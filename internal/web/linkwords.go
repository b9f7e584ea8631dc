package web

import (
	"herald/internal/lang"
	"herald/internal/subscriber"
)

// linkWords is the text of the pages the links in our emails open, in one
// language.
type linkWords struct {
	ConfirmHeading, ConfirmMessage, ConfirmButton      string
	ConfirmedHeading, ConfirmedMessage                 string
	AlreadyHeading, AlreadyMessage                     string
	NothingHeading, NothingMessage, SignUpAgain        string
	LeaveHeading, LeaveMessage, LeaveButton, LeaveAll  string
	LeftAlreadyHeading, LeftAlreadyMessage, NotOnIt    string
	LeftHeading, LeftMessage, LeftAll                  string
	PrefsHeading, PrefsIntro, PrefsLegend, PrefsSave   string
	PrefsWording, PrefsPending, PrefsName, PrefsSaved  string
	ExpiredTitle, ExpiredMessage, BadTitle, BadMessage string
	PrefsNone, PrefsSuppressed, PrefsRefused           string
	ChangedMind                                        string
}

// linkLanguages are the languages of those pages; English is used for any
// other.
var linkLanguages = map[string]linkWords{
	"en": {
		ConfirmHeading: "Confirm your subscription", ConfirmMessage: "Press the button to start receiving:", ConfirmButton: "Confirm my subscription",
		ConfirmedHeading: "You are subscribed", ConfirmedMessage: "Thank you. You will receive:",
		AlreadyHeading: "Already confirmed", AlreadyMessage: "Your subscription is already confirmed. You receive:",
		NothingHeading: "Nothing to confirm", NothingMessage: "There is no subscription waiting for confirmation: you may have unsubscribed since this email was sent.",
		SignUpAgain:  "Sign up again",
		LeaveHeading: "Unsubscribe", LeaveMessage: "Press the button to stop receiving:", LeaveButton: "Unsubscribe", LeaveAll: "Leave all our newsletters",
		LeftAlreadyHeading: "Already unsubscribed", LeftAlreadyMessage: "You are already unsubscribed from:", NotOnIt: "You are not subscribed to this newsletter.",
		LeftHeading: "You have been unsubscribed", LeftMessage: "You will no longer receive:", LeftAll: "You will receive no more newsletters from us.",
		PrefsHeading: "Your newsletters", PrefsIntro: "The newsletters we send to", PrefsLegend: "Newsletters", PrefsSave: "Save",
		PrefsWording: "Tick a newsletter to receive it at this address from its next issue; untick one to stop receiving it.",
		PrefsPending: "(waiting for confirmation)", PrefsName: "Name (optional)", PrefsSaved: "Your choices have been saved.",
		PrefsNone:       "You will receive no newsletters from us.",
		PrefsSuppressed: "Mail to this address could not be delivered or was reported as unwanted, so we cannot send it any newsletter.",
		ExpiredTitle:    "This link has expired", ExpiredMessage: "Links in our emails only work for a limited time. Please sign up again to get a new one.",
		BadTitle: "This link is not valid", BadMessage: "The link may have been cut short or changed on its way. Please copy the whole link from the email.",
		PrefsRefused: "The newsletters you ticked could not be added: mail to this address could not be delivered or was reported as unwanted. Your other changes were saved.",
		ChangedMind:  "Changed your mind? Choose your newsletters",
	},
	"fr": {
		ConfirmHeading: "Confirmez votre abonnement", ConfirmMessage: "Appuyez sur le bouton pour commencer à recevoir\u00a0:", ConfirmButton: "Confirmer mon abonnement",
		ConfirmedHeading: "Vous êtes abonné", ConfirmedMessage: "Merci. Vous recevrez\u00a0:",
		AlreadyHeading: "Déjà confirmé", AlreadyMessage: "Votre abonnement est déjà confirmé. Vous recevez\u00a0:",
		NothingHeading: "Rien à confirmer", NothingMessage: "Aucun abonnement n'attend de confirmation\u00a0: vous vous êtes peut-être désabonné depuis l'envoi de cet e-mail.",
		SignUpAgain:  "Vous réabonner",
		LeaveHeading: "Se désabonner", LeaveMessage: "Appuyez sur le bouton pour ne plus recevoir\u00a0:", LeaveButton: "Me désabonner", LeaveAll: "Quitter toutes nos newsletters",
		LeftAlreadyHeading: "Déjà désabonné", LeftAlreadyMessage: "Vous êtes déjà désabonné de\u00a0:", NotOnIt: "Vous n'êtes pas abonné à cette newsletter.",
		LeftHeading: "Vous êtes désabonné", LeftMessage: "Vous ne recevrez plus\u00a0:", LeftAll: "Vous ne recevrez plus aucune newsletter de notre part.",
		PrefsHeading: "Vos newsletters", PrefsIntro: "Les newsletters que nous envoyons à", PrefsLegend: "Newsletters", PrefsSave: "Enregistrer",
		PrefsWording: "Cochez une newsletter pour la recevoir à cette adresse dès son prochain numéro\u202f; décochez-la pour ne plus la recevoir.",
		PrefsPending: "(en attente de confirmation)", PrefsName: "Nom (facultatif)", PrefsSaved: "Vos choix ont été enregistrés.",
		PrefsNone:       "Vous ne recevrez aucune newsletter de notre part.",
		PrefsSuppressed: "Le courrier envoyé à cette adresse n'a pas pu être distribué ou a été signalé comme indésirable\u00a0: nous ne pouvons plus lui envoyer de newsletter.",
		ExpiredTitle:    "Ce lien a expiré", ExpiredMessage: "Les liens de nos e-mails ne fonctionnent que pendant un temps limité. Inscrivez-vous de nouveau pour en recevoir un autre.",
		BadTitle: "Ce lien n'est pas valide", BadMessage: "Le lien a peut-être été coupé ou modifié en chemin. Copiez le lien entier depuis l'e-mail.",
		PrefsRefused: "Les newsletters cochées n'ont pas pu être ajoutées\u00a0: le courrier envoyé à cette adresse n'a pas pu être distribué ou a été signalé comme indésirable. Vos autres changements ont été enregistrés.",
		ChangedMind:  "Vous avez changé d'avis\u202f? Choisissez vos newsletters",
	},
	"de": {
		ConfirmHeading: "Abonnement bestätigen", ConfirmMessage: "Drücken Sie die Schaltfläche, um Folgendes zu erhalten:", ConfirmButton: "Abonnement bestätigen",
		ConfirmedHeading: "Sie sind angemeldet", ConfirmedMessage: "Vielen Dank. Sie erhalten:",
		AlreadyHeading: "Bereits bestätigt", AlreadyMessage: "Ihr Abonnement ist bereits bestätigt. Sie erhalten:",
		NothingHeading: "Nichts zu bestätigen", NothingMessage: "Kein Abonnement wartet auf Bestätigung: Vielleicht haben Sie sich seit dem Versand dieser E-Mail abgemeldet.",
		SignUpAgain:  "Wieder anmelden",
		LeaveHeading: "Abmelden", LeaveMessage: "Drücken Sie die Schaltfläche, um Folgendes nicht mehr zu erhalten:", LeaveButton: "Abmelden", LeaveAll: "Von allen Newslettern abmelden",
		LeftAlreadyHeading: "Bereits abgemeldet", LeftAlreadyMessage: "Sie sind bereits abgemeldet von:", NotOnIt: "Sie haben diesen Newsletter nicht abonniert.",
		LeftHeading: "Sie sind abgemeldet", LeftMessage: "Sie erhalten nicht mehr:", LeftAll: "Sie erhalten keine Newsletter mehr von uns.",
		PrefsHeading: "Ihre Newsletter", PrefsIntro: "Die Newsletter, die wir senden an", PrefsLegend: "Newsletter", PrefsSave: "Speichern",
		PrefsWording: "Kreuzen Sie einen Newsletter an, um ihn ab der nächsten Ausgabe an diese Adresse zu erhalten; entfernen Sie das Häkchen, um ihn nicht mehr zu erhalten.",
		PrefsPending: "(wartet auf Bestätigung)", PrefsName: "Name (freiwillig)", PrefsSaved: "Ihre Auswahl wurde gespeichert.",
		PrefsNone:       "Sie erhalten keine Newsletter von uns.",
		PrefsSuppressed: "E-Mails an diese Adresse konnten nicht zugestellt werden oder wurden als unerwünscht gemeldet; wir können ihr daher keinen Newsletter senden.",
		ExpiredTitle:    "Dieser Link ist abgelaufen", ExpiredMessage: "Die Links in unseren E-Mails gelten nur eine begrenzte Zeit. Bitte melden Sie sich erneut an, um einen neuen zu erhalten.",
		BadTitle: "Dieser Link ist ungültig", BadMessage: "Der Link wurde unterwegs vielleicht gekürzt oder verändert. Bitte kopieren Sie den ganzen Link aus der E-Mail.",
		PrefsRefused: "Die angekreuzten Newsletter konnten nicht hinzugefügt werden: E-Mails an diese Adresse waren unzustellbar oder wurden als unerwünscht gemeldet. Ihre übrigen Änderungen wurden gespeichert.",
		ChangedMind:  "Anders überlegt? Wählen Sie Ihre Newsletter",
	},
	"es": {
		ConfirmHeading: "Confirma tu suscripción", ConfirmMessage: "Pulsa el botón para empezar a recibir:", ConfirmButton: "Confirmar mi suscripción",
		ConfirmedHeading: "Ya estás suscrito", ConfirmedMessage: "Gracias. Recibirás:",
		AlreadyHeading: "Ya confirmada", AlreadyMessage: "Tu suscripción ya está confirmada. Recibes:",
		NothingHeading: "Nada que confirmar", NothingMessage: "Ninguna suscripción espera confirmación: puede que te hayas dado de baja después de recibir este correo.",
		SignUpAgain:  "Vuelve a suscribirte",
		LeaveHeading: "Darse de baja", LeaveMessage: "Pulsa el botón para dejar de recibir:", LeaveButton: "Darme de baja", LeaveAll: "Dejar todos nuestros boletines",
		LeftAlreadyHeading: "Ya te has dado de baja", LeftAlreadyMessage: "Ya te has dado de baja de:", NotOnIt: "No estás suscrito a este boletín.",
		LeftHeading: "Te has dado de baja", LeftMessage: "Ya no recibirás:", LeftAll: "No recibirás más boletines nuestros.",
		PrefsHeading: "Tus boletines", PrefsIntro: "Los boletines que enviamos a", PrefsLegend: "Boletines", PrefsSave: "Guardar",
		PrefsWording: "Marca un boletín para recibirlo en esta dirección desde su próximo número; desmárcalo para dejar de recibirlo.",
		PrefsPending: "(pendiente de confirmación)", PrefsName: "Nombre (opcional)", PrefsSaved: "Tus preferencias se han guardado.",
		PrefsNone:       "No recibirás ningún boletín nuestro.",
		PrefsSuppressed: "El correo a esta dirección no se pudo entregar o se marcó como no deseado, así que no podemos enviarle ningún boletín.",
		ExpiredTitle:    "Este enlace ha caducado", ExpiredMessage: "Los enlaces de nuestros correos solo funcionan durante un tiempo. Vuelve a suscribirte para recibir uno nuevo.",
		BadTitle: "Este enlace no es válido", BadMessage: "Puede que el enlace se haya cortado o modificado por el camino. Copia el enlace completo del correo.",
		PrefsRefused: "No se han podido añadir los boletines marcados: el correo a esta dirección no se pudo entregar o se marcó como no deseado. Tus demás cambios se han guardado.",
		ChangedMind:  "¿Has cambiado de opinión? Elige tus boletines",
	},
}

// linkLanguage is the language of a link page about nls: that of the first
// newsletter, or of its primary subtag, or the site's, or English.
func (h *Handler) linkLanguage(nls []subscriber.Newsletter) (string, linkWords) {
	var tags []string
	if len(nls) > 0 {
		tags = append(tags, nls[0].Language)
	}
	return linkWordsFor(append(tags, h.cur().site.Language)...)
}

// linkWordsFor picks the first of tags, or of their primary subtags, that
// Herald has the words for, and English when there is none.
func linkWordsFor(tags ...string) (string, linkWords) {
	if l, w, ok := lang.Pick(linkLanguages, tags...); ok {
		return l, w
	}
	return "en", linkLanguages["en"]
}
