package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"herald/internal/article"
	"herald/internal/subscriber"
)

// statusError is a failure the reader caused or can act on, with the words
// to show them.
type statusError struct {
	status  int
	title   string
	msg     string
	wrapped error
	lang    string // of title and msg; empty for the site's
}

func (e *statusError) Error() string {
	if e.wrapped != nil {
		return e.msg + ": " + e.wrapped.Error()
	}
	return e.msg
}

func (e *statusError) Unwrap() error { return e.wrapped }

// fieldError is a signup form value that was refused. form, when set, is
// the box to show again with what the reader typed.
type fieldError struct {
	field string
	msg   string
	form  *boxView
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

var errNotFound = &statusError{status: http.StatusNotFound, title: "Page not found",
	msg: "There is nothing at this address. The link may be mistyped, or the page may have been taken down."}

// classify maps an error to the status and words a reader sees. Every error
// status the site answers with is decided here.
func classify(err error) *statusError {
	var se *statusError
	var fe *fieldError
	var ae *subscriber.AddressError
	var ve *article.ValidationError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &fe):
		return &statusError{status: http.StatusBadRequest, title: "Please check the form", msg: fe.msg}
	case errors.As(err, &ae):
		return &statusError{status: http.StatusBadRequest, title: "Please check the form", msg: ae.Reason}
	case errors.As(err, &tooBig):
		return &statusError{status: http.StatusRequestEntityTooLarge, title: "Too much data",
			msg: "The form sent more data than this site accepts."}
	case errors.As(err, &se):
		return se
	case errors.Is(err, subscriber.ErrExpiredToken):
		return &statusError{status: http.StatusGone, title: "This link has expired",
			msg: "Links in our emails only work for a limited time. Please sign up again to get a new one."}
	case errors.Is(err, subscriber.ErrBadToken):
		return &statusError{status: http.StatusBadRequest, title: "This link is not valid",
			msg: "The link may have been cut short or changed on its way. Please copy the whole link from the email."}
	case errors.Is(err, article.ErrNotFound), errors.Is(err, subscriber.ErrNotFound):
		return errNotFound
	case errors.As(err, &ve):
		return &statusError{status: http.StatusBadRequest, title: "Bad request", msg: "The request could not be understood."}
	}
	return &statusError{status: http.StatusInternalServerError, title: "Something went wrong",
		msg: "The page could not be shown. Please try again in a moment."}
}

// fail answers a request whose handler returned err: as JSON for the
// signup script, with the form again for a refused signup, otherwise with
// an error page. Only unexpected errors are logged; the reader never sees
// their text.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	se := classify(err)
	switch {
	case se.status >= 500 && errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The reader went away; there is no one left to answer.
		return
	case se.status >= 500:
		// The pattern, not the path: paths of email links carry tokens.
		h.log.ErrorContext(r.Context(), "web: request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	if se.status == http.StatusTooManyRequests {
		hdr.Set("Retry-After", "60")
	}
	if wantsJSON(r) {
		answer := signupAnswer{OK: false, Message: se.msg}
		var fe *fieldError
		if errors.As(err, &fe) {
			answer.Field = fe.field
		}
		writeJSON(w, se.status, answer)
		return
	}
	var fe *fieldError
	if errors.As(err, &fe) && fe.form != nil {
		fe.form.ErrField, fe.form.ErrMessage = fe.field, fe.msg
		h.renderSignupPage(w, r, http.StatusBadRequest, fe.form, false)
		return
	}
	h.renderError(w, r, se)
}

// renderError writes an error page. Template failures here fall back to
// plain text so an error can never loop.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, se *statusError) {
	lang, title, msg := se.lang, se.title, se.msg
	if lang == "" {
		lang, title, msg = siteError(h.cur().site.Language, se)
	}
	v := errorView{page: h.basePage(lang, title), Heading: title, Message: msg}
	if se.status == http.StatusGone {
		_, lw := linkWordsFor(lang)
		v.SignUp = lw.SignUpAgain
	}
	v.Robots = "noindex"
	body, err := h.pages.execute("error", v)
	if err != nil {
		h.log.ErrorContext(r.Context(), "web: render error page", "err", err)
		http.Error(w, se.title, se.status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(se.status)
	w.Write(body)
}

// signupAnswer is what the signup script reads.
type signupAnswer struct {
	OK      bool   `json:"ok"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
