package campaign

import (
	"fmt"
	"time"

	"herald/internal/article"
)

// MaxTestRecipients bounds one test send: it is for checking how the email
// looks, not a way to mail a list.
const MaxTestRecipients = 5

// Start decides how a campaign carrying arts begins: sending at once when
// sendAt is zero, or scheduled for sendAt, which must still be to come.
// Every article must be public by the time the email goes out, or readers
// following its links would find nothing.
func Start(arts []article.Article, now, sendAt time.Time) (State, error) {
	to, by := Sending, now
	if !sendAt.IsZero() {
		if !sendAt.After(now) {
			return "", &ValidationError{"send_at", "has passed: choose a time to come, or send now"}
		}
		to, by = Scheduled, sendAt
	}
	for _, a := range arts {
		if !a.IsVisible(by) {
			return "", &ValidationError{"articles", fmt.Sprintf("include %q, which is not published by then: readers following the email's link would not find it", a.Title)}
		}
	}
	return to, nil
}

// Resume checks that a campaign in state s may resume. Only a paused
// campaign resumes; a draft or a scheduled one must be sent, which has
// checks of its own (see Start).
func Resume(s State) error {
	if s != Paused {
		return fmt.Errorf("%w: it is %s; only a paused campaign resumes", ErrState, s)
	}
	return nil
}
