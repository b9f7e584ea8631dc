package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// statusError is a failure the person can understand or act on.
type statusError struct {
	status int
	title  string
	msg    string
}

func (e *statusError) Error() string { return e.msg }

var (
	errNotFound = &statusError{http.StatusNotFound, "Not found",
		"There is nothing at this address. It may have been deleted, or the link may be mistyped."}
	errMethod = &statusError{http.StatusMethodNotAllowed, "Not allowed",
		"This address does not accept that kind of request."}
	errSignIn = &statusError{http.StatusUnauthorized, "Please sign in",
		"Your session has ended. Please sign in again."}
	errForbidden = &statusError{http.StatusForbidden, "Not allowed",
		"Your role does not allow this. Ask an editor or the owner if you need it."}
	errCSRF = &statusError{http.StatusForbidden, "The form has expired",
		"This form was opened in another session or has expired. Please go back, reload the page and try again."}
	errLoginExpired = &statusError{http.StatusForbidden, "The form has expired",
		"The sign-in form had expired. Please try again."}
)

// invalid is a form value that was refused, in words the person can act on.
func invalid(format string, args ...any) error {
	return &statusError{http.StatusBadRequest, "Please check the form", fmt.Sprintf(format, args...)}
}

// formView is a page with a form that can show why it was refused.
type formView interface{ setError(msg string) }

// formError asks fail to show the form again, as typed, with the reason it
// was refused; the status comes from classify like every other.
type formError struct {
	page string
	view formView
	err  error
}

func (e *formError) Error() string { return e.err.Error() }
func (e *formError) Unwrap() error { return e.err }

// fieldError is a refusal about one field of a form that the rules behind
// it do not name, by the field's name in the form.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

// classify maps an error to the status and words a person sees. Every error
// status the app answers with is decided here.
func classify(err error) *statusError {
	var se *statusError
	var av *article.ValidationError
	var cv *campaign.ValidationError
	var ae *subscriber.AddressError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &statusError{http.StatusRequestEntityTooLarge, "Too much data",
			fmt.Sprintf("The request was larger than the %d MiB this form accepts.", tooBig.Limit>>20)}
	case errors.As(err, &se):
		return se
	case errors.As(err, &av):
		return &statusError{http.StatusBadRequest, "Please check the form", fieldMessage(av.Field, av.Message)}
	case errors.As(err, &cv):
		return &statusError{http.StatusBadRequest, "Please check the form", fieldMessage(cv.Field, cv.Message)}
	case errors.As(err, &ae):
		return &statusError{http.StatusBadRequest, "Please check the form", ae.Reason}
	case errors.Is(err, user.ErrLoginFailed):
		return &statusError{http.StatusUnauthorized, "Sign-in refused", capitalize(user.ErrLoginFailed.Error()) + "."}
	case errors.Is(err, user.ErrThrottled):
		return &statusError{http.StatusTooManyRequests, "Too many attempts", "Too many failed sign-ins: please wait a few minutes and try again."}
	case errors.Is(err, user.ErrEmailTaken):
		return &statusError{http.StatusConflict, "Please check the form", "An account with this email address exists already."}
	case errors.Is(err, user.ErrPasswordTooShort), errors.Is(err, user.ErrPasswordTooLong), errors.Is(err, user.ErrPasswordEncoding):
		return &statusError{http.StatusBadRequest, "Please check the form", capitalize(err.Error()) + "."}
	case errors.Is(err, user.ErrInvalid):
		return &statusError{http.StatusBadRequest, "Please check the form", strings.TrimPrefix(err.Error(), "invalid account data: ")}
	case errors.Is(err, article.ErrChanged):
		return &statusError{http.StatusConflict, "Changed meanwhile",
			"This article was changed by someone else meanwhile; reload it to see their changes, then make yours again."}
	case errors.Is(err, campaign.ErrState):
		return &statusError{http.StatusConflict, "Not possible now",
			"The campaign's state does not allow this: someone may have changed it meanwhile. Reload the page to see where it stands."}
	case errors.Is(err, article.ErrNotFound), errors.Is(err, campaign.ErrNotFound),
		errors.Is(err, subscriber.ErrNotFound), errors.Is(err, user.ErrNotFound):
		return errNotFound
	}
	return &statusError{http.StatusInternalServerError, "Something went wrong",
		"The page could not be shown. Please try again in a moment; if it keeps failing, tell whoever runs this server."}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// fieldMessage phrases a domain validation error for a person: "Title is
// required".
func fieldMessage(field, msg string) string {
	if label, ok := fieldLabels[field]; ok {
		field = label
	}
	field = strings.ReplaceAll(field, "_", " ")
	if field == "" {
		return msg
	}
	return strings.ToUpper(field[:1]) + field[1:] + " " + msg + "."
}

// fieldLabels are the words the forms label a field with, where the rules
// call it by another name: a message names what the person sees.
var fieldLabels = map[string]string{
	"slug":              "the address",
	"published":         "the publication time",
	"send_at":           "the time to send at",
	"article_mode":      "how articles appear",
	"articles":          "the articles",
	"audience_tags":     "the audience's tags",
	"audience_language": "the audience's language",
	"content":           "the content",
	"markdown":          "the text written for the email",
	"preheader":         "the preview text",
	"newsletter":        "the newsletter",
	"translation_of":    "the original's address",
}

// formFields are the names the forms give fields the rules call by
// another name.
var formFields = map[string]string{
	"articles":          "article",
	"article_mode":      "mode",
	"audience_tags":     "tags",
	"audience_language": "language",
	"content":           "markdown",
}

// errorField is the form field a refusal is about, "" when it is about no
// one field.
func errorField(err error) string {
	var av *article.ValidationError
	var cv *campaign.ValidationError
	var fe *fieldError
	var field string
	switch {
	case errors.As(err, &fe):
		return fe.field
	case errors.As(err, &av):
		field = av.Field
	case errors.As(err, &cv):
		field = cv.Field
	}
	if f, ok := formFields[field]; ok {
		return f
	}
	return field
}

// fail answers a request whose handler returned err. A request that needs a
// session goes to the sign-in page; a script gets JSON; a refused form is
// shown again; anything else gets an error page. Only unexpected errors are
// logged, and the person never sees their text.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *staff, err error) {
	se := classify(err)
	switch {
	case se.status >= 500 && errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return // the person went away
	case se.status >= 500:
		h.log.ErrorContext(r.Context(), "admin: request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	if se == errSignIn && r.Method == http.MethodGet && !wantsJSON(r) {
		http.Redirect(w, r, "/admin/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if se.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "300")
	}
	if wantsJSON(r) {
		writeJSON(w, se.status, map[string]string{"error": se.msg})
		return
	}
	var fe *formError
	if errors.As(err, &fe) {
		fe.view.setError(se.msg)
		if v, ok := fe.view.(interface{ refuse(string) }); ok {
			v.refuse(errorField(err))
		}
		rerr := h.render(w, se.status, fe.page, fe.view)
		if rerr == nil {
			return
		}
		h.log.ErrorContext(r.Context(), "admin: render form again", "page", fe.page, "err", rerr)
	}
	v := errorView{page: h.basePage(s, se.title), Heading: se.title, Message: se.msg, SignIn: se == errSignIn}
	if v.SignIn {
		v.Next = returnTo(r)
	}
	if err := h.render(w, se.status, "error", &v); err != nil {
		h.log.ErrorContext(r.Context(), "admin: render error page", "err", err)
		http.Error(w, se.title, se.status)
	}
}

// errorView is the error page.
type errorView struct {
	page
	Heading, Message string
	SignIn           bool
	Next             string // where signing in leads back to
}

// returnTo is the page a form refused for want of a session was posted
// from, so that signing in again leads back there rather than to the
// dashboard: the page of this app named by the Referer, when it is one.
func returnTo(r *http.Request) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host {
		return "/admin/"
	}
	return safeNext(ref.RequestURI())
}

// wantsJSON reports whether the request came from one of the app's scripts.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}
