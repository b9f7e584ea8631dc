package subscriber

import (
	"context"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"herald/internal/delivery"
	"herald/internal/mail"
)

//go:embed templates/*
var templateFiles embed.FS

// MailStore is what the transactional emails need to look up at send time.
type MailStore interface {
	Newsletters(ctx context.Context) ([]Newsletter, error)
}

// MailConfig says who the transactional emails come from.
type MailConfig struct {
	Site       string // the publication's name
	Language   string // the publication's main language, for newsletters in one the emails are not written in
	BaseURL    string // absolute, without a trailing slash
	From       mail.Address
	Signer     *Signer
	ConfirmTTL time.Duration
	Now        func() time.Time
}

// Mailer renders the confirmation and welcome emails for the delivery engine.
type Mailer struct {
	cfg         MailConfig
	store       MailStore
	newsletters *newsletterCache
	langs       map[string]*mailLanguage // by language, see mailLanguages
}

// mailLanguage is the two emails compiled in one language.
type mailLanguage struct {
	words            mailWords
	confirm, welcome *mail.Skeleton
}

// NewMailer parses the embedded email templates.
func NewMailer(cfg MailConfig, store MailStore) (*Mailer, error) {
	if cfg.ConfirmTTL <= 0 {
		cfg.ConfirmTTL = 7 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Mailer{cfg: cfg, store: store, langs: map[string]*mailLanguage{},
		newsletters: &newsletterCache{load: store.Newsletters, ttl: 5 * time.Second, now: cfg.Now}}
	for lang, words := range mailLanguages {
		text, err := texttemplate.ParseFS(templateFiles, "templates/"+lang+"/*.txt")
		if err != nil {
			return nil, fmt.Errorf("subscriber: parse mail templates: %w", err)
		}
		html, err := htmltemplate.ParseFS(templateFiles, "templates/"+lang+"/*.html")
		if err != nil {
			return nil, fmt.Errorf("subscriber: parse mail templates: %w", err)
		}
		l := &mailLanguage{words: words}
		if l.confirm, err = m.compile(text, html, words, "confirm", fmt.Sprintf(words.confirmSubject, cfg.Site)); err != nil {
			return nil, err
		}
		if l.welcome, err = m.compile(text, html, words, "welcome", fmt.Sprintf(words.welcomeSubject, cfg.Site)); err != nil {
			return nil, err
		}
		m.langs[lang] = l
	}
	return m, nil
}

type mailView struct {
	Subject, Name, Site, BaseURL string
	Newsletters                  string
	ConfirmURL, UnsubscribeURL   string
	PreferencesURL               string
	ValidFor                     string
}

// Render builds the email for a confirm or welcome delivery as the
// subscriber stood when it was claimed (name and subscriptions come with
// the delivery): nothing is sent to a suppressed address or to one with
// nothing left to confirm or welcome, such as a subscriber since erased.
func (m *Mailer) Render(ctx context.Context, d delivery.Delivery) (delivery.Outgoing, error) {
	if d.Suppressed {
		return delivery.Outgoing{}, fmt.Errorf("address is suppressed: %w", delivery.ErrSkip)
	}
	sub := Subscriber{ID: d.SubscriberID, Email: d.Recipient, Name: d.Name}
	for id, state := range d.SubscriptionStates {
		sub.Subscriptions = append(sub.Subscriptions, Subscription{NewsletterID: id, State: State(state)})
	}
	nls, err := m.newsletters.get(ctx)
	if err != nil {
		return delivery.Outgoing{}, err
	}
	unsubscribe := m.cfg.BaseURL + "/unsubscribe/" + m.cfg.Signer.Sign(Token{Purpose: PurposeUnsubscribe, SubscriberID: sub.ID})
	var skel *mail.Skeleton
	var newsletters, confirm, preferences string
	name := sub.Name
	switch d.Kind {
	case delivery.KindConfirm:
		pending := pick(sub, nls, 0, Pending)
		if len(pending) == 0 {
			return delivery.Outgoing{}, fmt.Errorf("nothing left to confirm: %w", delivery.ErrSkip)
		}
		// Anyone can type any address and any name into the form, so until
		// the address owner confirms, the name is not theirs to be shown:
		// it would let strangers send their own words through the site.
		name = ""
		// The expiry counts from when the email was queued, so a retried
		// message carries the same link.
		token := m.cfg.Signer.Sign(Token{Purpose: PurposeConfirm, SubscriberID: sub.ID, Expires: d.CreatedAt.Add(m.cfg.ConfirmTTL)})
		unsubscribe = m.cfg.BaseURL + "/unsubscribe/" + m.cfg.Signer.Sign(Token{Purpose: PurposeDecline, SubscriberID: sub.ID})
		l := m.langs[languageOf(pending, m.cfg.Language)]
		skel, newsletters, confirm = l.confirm, l.words.list(names(pending)), m.cfg.BaseURL+"/confirm/"+token
	case delivery.KindWelcome:
		confirmed := pick(sub, nls, 0, Confirmed)
		if len(confirmed) == 0 {
			return delivery.Outgoing{}, fmt.Errorf("no confirmed subscription: %w", delivery.ErrSkip)
		}
		l := m.langs[languageOf(confirmed, m.cfg.Language)]
		skel, newsletters = l.welcome, l.words.list(names(confirmed))
		preferences = m.cfg.BaseURL + "/preferences/" + m.cfg.Signer.Sign(Token{Purpose: PurposePreferences, SubscriberID: sub.ID})
	default:
		return delivery.Outgoing{}, fmt.Errorf("subscriber: cannot render %s mail", d.Kind)
	}
	messageID := fmt.Sprintf("%d.%s@%s", d.ID, d.Kind, domainOf(m.cfg.From.Email))
	data, err := skel.Render(make([]byte, 0, 8<<10), mail.Values{
		To: mail.Address{Name: name, Email: sub.Email}, MessageID: messageID, Date: m.cfg.Now(),
		Slots: slotValues(name, newsletters, confirm, unsubscribe, preferences),
	})
	if err != nil {
		return delivery.Outgoing{}, fmt.Errorf("subscriber: build %s mail: %w", d.Kind, err)
	}
	return delivery.Outgoing{From: m.cfg.From.Email, To: sub.Email, Data: data, MessageID: messageID}, nil
}

func names(nls []Newsletter) []string {
	n := make([]string, len(nls))
	for i, nl := range nls {
		n[i] = nl.Name
	}
	return n
}

func domainOf(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[i+1:]
	}
	return "localhost"
}
