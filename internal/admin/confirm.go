package admin

import (
	"net/http"
	"sort"
)

// questions are what the buttons that cannot be undone ask before they act.
// The page's script asks in a dialog and marks the form as answered; without
// the script, the server asks on a page of its own (askFirst), so a click
// never acts unasked.
var questions = map[string]string{
	"cancel":    "Cancel this campaign? It will not be sent.",
	"stop":      "Cancel this campaign? What was not yet sent will not be.",
	"unpublish": "Take this article off the site? Links to it will lead nowhere.",
	// Erasure asks with a box to tick as well, which works without the
	// script.
	"erase": "Erase this person for good? This cannot be undone.",
}

// answered is the form field that says the question was answered yes.
const answered = "confirmed"

// confirmView is the page that asks a question and posts the form again.
type confirmView struct {
	page
	Question string
	Button   string // the label of the button that goes ahead
	Action   string
	Fields   []hiddenField
	Back     string
}

type hiddenField struct{ Name, Value string }

// askFirst reports whether the request answered question q; when it did
// not, it has written a page that asks it, whose button posts the same
// fields again with the answer, and whose other choice goes back.
func (h *Handler) askFirst(w http.ResponseWriter, r *http.Request, s *staff, q, button, back string) (bool, error) {
	return h.ask(w, r, s, questions[q], button, back)
}

// ask is askFirst with a question of its own making, such as one that
// counts what the action would reach.
func (h *Handler) ask(w http.ResponseWriter, r *http.Request, s *staff, question, button, back string) (bool, error) {
	if r.PostFormValue(answered) == "1" {
		return true, nil
	}
	v := confirmView{page: h.pageFor(r, s, "Are you sure?"), Question: question, Button: button, Action: r.URL.Path, Back: back}
	v.Skip = "confirm-title"
	names := make([]string, 0, len(r.PostForm))
	for name := range r.PostForm {
		if name != "csrf" && name != answered {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		for _, value := range r.PostForm[name] {
			v.Fields = append(v.Fields, hiddenField{name, value})
		}
	}
	return false, h.render(w, http.StatusOK, "confirm", v)
}
