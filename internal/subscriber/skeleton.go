package subscriber

import (
	"bytes"
	"fmt"
	"html"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"herald/internal/mail"
)

// The confirmation and welcome emails are compiled once into mail
// skeletons: rendering one for a subscriber then costs a few copies, where
// running the templates and a MIME build costs a hundred times more, and
// every signup is followed by one of these emails.

// slots in the order mail.Values.Slots fills them; the HTML part gets its
// own, escaped copies.
var mailSlots = []string{"name", "newsletters", "confirm", "unsubscribe", "preferences",
	"name_html", "newsletters_html", "confirm_html", "unsubscribe_html", "preferences_html"}

// marker stands for slot i while the templates run; it is plain letters
// and digits, which both template packages leave as they are.
func marker(i int) string { return fmt.Sprintf("zqxHeraldSlot%dqxz", i) }

// compile runs the kind's templates with markers in place of the
// subscriber's details and cuts the output into a skeleton.
func (m *Mailer) compile(text *texttemplate.Template, html *htmltemplate.Template, words mailWords, kind, subject string) (*mail.Skeleton, error) {
	v := mailView{Subject: subject, Site: m.cfg.Site, BaseURL: m.cfg.BaseURL, ValidFor: words.duration(m.cfg.ConfirmTTL),
		Name: marker(0), Newsletters: marker(1), ConfirmURL: marker(2), UnsubscribeURL: marker(3), PreferencesURL: marker(4)}
	var txt, htm bytes.Buffer
	if err := text.ExecuteTemplate(&txt, kind+".txt", v); err != nil {
		return nil, fmt.Errorf("subscriber: render %s: %w", kind, err)
	}
	if err := html.ExecuteTemplate(&htm, kind+".html", v); err != nil {
		return nil, fmt.Errorf("subscriber: render %s: %w", kind, err)
	}
	return mail.NewSkeleton(mail.SkeletonSpec{
		From:    m.cfg.From,
		Subject: subject,
		Headers: []mail.Header{
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
			{Name: "Auto-Submitted", Value: "auto-generated"},
		},
		Fields: []mail.Field{{Name: "List-Unsubscribe", Value: []mail.Segment{{Text: "<"}, {Slot: "unsubscribe"}, {Text: ">"}}}},
		Slots:  mailSlots,
		Text:   segments(txt.String(), ""),
		HTML:   segments(htm.String(), "_html"),
	})
}

// segments cuts rendered text at the markers. A space before the name goes
// with it, so "Hello NAME," reads "Hello," for a subscriber without one.
func segments(s, suffix string) []mail.Segment {
	var out []mail.Segment
	for {
		at, slot := -1, -1
		for i := range 5 {
			if j := strings.Index(s, marker(i)); j >= 0 && (at < 0 || j < at) {
				at, slot = j, i
			}
		}
		if at < 0 {
			if s != "" {
				out = append(out, mail.Segment{Text: s})
			}
			return out
		}
		before, seg := s[:at], mail.Segment{Slot: mailSlots[slot] + suffix}
		if slot == 0 && strings.HasSuffix(before, " ") {
			before, seg.Before = before[:len(before)-1], " "
		}
		if before != "" {
			out = append(out, mail.Segment{Text: before})
		}
		out = append(out, seg)
		s = s[at+len(marker(slot)):]
	}
}

// slotValues fills the slots for one subscriber.
func slotValues(name, newsletters, confirm, unsubscribe, preferences string) []string {
	return []string{name, newsletters, confirm, unsubscribe, preferences,
		html.EscapeString(name), html.EscapeString(newsletters), html.EscapeString(confirm), html.EscapeString(unsubscribe),
		html.EscapeString(preferences)}
}
