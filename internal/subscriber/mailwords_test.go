package subscriber_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// TestEmailsInTheNewsletterLanguage: the confirmation and welcome emails
// are written in the language of the newsletters they are about, by its
// primary subtag when Herald has no words for the whole tag, and in
// English when it has none at all.
func TestEmailsInTheNewsletterLanguage(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	ids := map[string]int64{}
	for _, n := range []subscriber.Newsletter{
		{Slug: "matin", Name: "Le Matin", Language: "fr"},
		{Slug: "soir", Name: "Le Soir", Language: "fr"},
		{Slug: "quebec", Name: "Québec", Language: "fr-CA"},
		{Slug: "morgen", Name: "Der Morgen", Language: "de"},
		{Slug: "noticias", Name: "Noticias", Language: "es"},
		{Slug: "manha", Name: "Manhã", Language: "pt-br"},
	} {
		n.SenderName, n.DigestTime, n.Timezone, n.CreatedAt = "Desk", "07:00", "UTC", now
		id, err := st.CreateNewsletter(ctx, &n)
		if err != nil {
			t.Fatalf("CreateNewsletter(%s) = %v", n.Slug, err)
		}
		ids[n.Slug] = id
	}
	for i, nls := range [][]int64{{ids["matin"], ids["soir"]}, {ids["quebec"]}, {ids["morgen"]}, {ids["noticias"]}, {ids["manha"]}} {
		if err := st.RecordSignups(ctx, []subscriber.Signup{{Email: string(rune('a'+i)) + "@example.org", Name: "Ana", Newsletters: nls, At: now}}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	m, err := subscriber.NewMailer(subscriber.MailConfig{Site: "La Gazette", BaseURL: "https://news.example",
		From: mail.Address{Email: "news@news.example"}, Signer: subscriber.NewSigner([]byte("a secret for the tests of at least 32 bytes"))}, st)
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := st.ClaimDeliveries(ctx, delivery.Claim{Owner: "test", Now: now, Lease: time.Minute, Limit: 10})
	if err != nil || len(claimed) != 5 {
		t.Fatalf("ClaimDeliveries = %d, %v; want five confirmation emails", len(claimed), err)
	}
	want := map[string][]string{
		"a@example.org": {"Confirmez votre abonnement à La Gazette", "recevoir Le Matin et Le Soir de La Gazette", "valable 7 jours", `lang="fr"`},
		"b@example.org": {"Confirmez votre abonnement", "recevoir Québec de La Gazette"},
		"c@example.org": {"Bitte bestätigen Sie Ihr Abonnement bei La Gazette", "7 Tage gültig", `lang="de"`},
		"d@example.org": {"Confirma tu suscripción a La Gazette", "durante 7 días", `lang="es"`},
		"e@example.org": {"Please confirm your subscription to La Gazette", "receive Manhã from La Gazette", `lang="en"`},
	}
	for _, d := range claimed {
		out, err := m.Render(ctx, d)
		if err != nil {
			t.Fatalf("Render(%s) = %v", d.Recipient, err)
		}
		p, err := mail.Parse(out.Data)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		all := p.Subject + "\n" + p.Text + "\n" + p.HTML
		for _, w := range want[d.Recipient] {
			if !strings.Contains(all, w) {
				t.Errorf("confirmation email to %s lacks %q:\n%s", d.Recipient, w, all)
			}
		}
		// The welcome email once confirmed, in the same language.
		d.Kind = delivery.KindWelcome
		for id, state := range d.SubscriptionStates {
			if state == string(subscriber.Pending) {
				d.SubscriptionStates[id] = string(subscriber.Confirmed)
			}
		}
		out, err = m.Render(ctx, d)
		if err != nil {
			t.Fatalf("Render(welcome to %s) = %v", d.Recipient, err)
		}
		if p, _ := mail.Parse(out.Data); d.Recipient == "c@example.org" && !strings.Contains(p.Text, "Guten Tag Ana,") {
			t.Errorf("German welcome email does not greet Ana in German:\n%s", p.Text)
		}
	}
	// A publication in Spanish writes in Spanish about a newsletter in a
	// language Herald has no words for.
	es, err := subscriber.NewMailer(subscriber.MailConfig{Site: "La Gaceta", BaseURL: "https://news.example", Language: "es",
		From: mail.Address{Email: "news@news.example"}, Signer: subscriber.NewSigner([]byte("a secret for the tests of at least 32 bytes"))}, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range claimed {
		if d.Recipient != "e@example.org" {
			continue
		}
		d.Kind = delivery.KindConfirm
		for id := range d.SubscriptionStates {
			d.SubscriptionStates[id] = string(subscriber.Pending)
		}
		out, err := es.Render(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if p, _ := mail.Parse(out.Data); p.Subject != "Confirma tu suscripción a La Gaceta" {
			t.Errorf("confirmation about a newsletter in pt-br from a Spanish publication: subject %q", p.Subject)
		}
	}
}
