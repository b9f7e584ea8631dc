package campaign

import (
	"testing"

	"herald/internal/mail"
	"herald/internal/subscriber"
)

func TestSender(t *testing.T) {
	site := mail.Address{Name: "The Harbour Herald", Email: "news@harbour.example"}
	for _, c := range []struct {
		name string
		nl   subscriber.Newsletter
		want mail.Address
	}{
		{"the site's", subscriber.Newsletter{Name: "Daily"}, site},
		{"a name alone goes with the site's address", subscriber.Newsletter{Name: "Daily", SenderName: "Morning desk"},
			mail.Address{Name: "Morning desk", Email: "news@harbour.example"}},
		{"an address alone goes under the newsletter's name", subscriber.Newsletter{Name: "Daily", SenderEmail: "daily@harbour.example"},
			mail.Address{Name: "Daily", Email: "daily@harbour.example"}},
		{"both", subscriber.Newsletter{Name: "Daily", SenderName: "Morning desk", SenderEmail: "daily@harbour.example"},
			mail.Address{Name: "Morning desk", Email: "daily@harbour.example"}},
	} {
		if got := Sender(c.nl, site); got != c.want {
			t.Errorf("%s: Sender = %+v, want %+v", c.name, got, c.want)
		}
	}
}
