package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/subscriber"
	"herald/internal/user"
	"herald/internal/webhook"
)

// apiError is an answer other than success, as the client sees it: a
// status, a stable code to branch on, a message to show and, when one
// field of the request is at fault, its name. location, when set, is the
// path of the object that stands in the way, sent as Location.
type apiError struct {
	status     int
	code       string
	message    string
	field      string
	retryAfter time.Duration
	location   string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

// The errors more than one handler returns.
var (
	errNoRoute = &apiError{status: http.StatusNotFound, code: "not_found", message: "there is nothing at this path"}
	errNoToken = &apiError{status: http.StatusUnauthorized, code: "unauthorized",
		message: "send an API token as: Authorization: Bearer hrld_..."}
)

func notFound(what string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "not_found", message: what + " not found"}
}

func badRequest(field, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "bad_request", message: msg, field: field}
}

func invalid(field, msg string) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, code: "validation_failed", message: msg, field: field}
}

func conflict(field, msg string) *apiError {
	return &apiError{status: http.StatusConflict, code: "conflict", message: msg, field: field}
}

func forbidden(field, msg string) *apiError {
	return &apiError{status: http.StatusForbidden, code: "forbidden", message: msg, field: field}
}

// fieldNames turns the field names the domain packages report into the
// API's names for them.
var fieldNames = map[string]string{
	"published":  "published_at",
	"newsletter": "newsletter_id",
	"content":    "markdown",
	"articles":   "article_ids",
}

// asAPIError is the one place that decides what status an error is
// answered with; anything it does not know is a 500.
func asAPIError(err error) *apiError {
	var (
		ae  *apiError
		mbe *http.MaxBytesError
		ave *article.ValidationError
		cve *campaign.ValidationError
		wve *webhook.ValidationError
		sae *subscriber.AddressError
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &mbe):
		return &apiError{status: http.StatusRequestEntityTooLarge, code: "payload_too_large",
			message: "the request body is larger than " + strconv.FormatInt(mbe.Limit>>20, 10) + " MiB"}
	case errors.Is(err, user.ErrBadToken):
		return &apiError{status: http.StatusUnauthorized, code: "unauthorized", message: "the API token is not valid"}
	case errors.Is(err, article.ErrNotFound):
		return notFound("article")
	case errors.Is(err, campaign.ErrNotFound):
		return notFound("campaign")
	case errors.Is(err, subscriber.ErrNotFound):
		return notFound("subscriber")
	case errors.Is(err, webhook.ErrNotFound):
		return notFound("webhook endpoint")
	case errors.As(err, &ave):
		return invalid(apiField(ave.Field), ave.Field+" "+ave.Message)
	case errors.As(err, &cve):
		return invalid(apiField(cve.Field), cve.Field+" "+cve.Message)
	case errors.As(err, &wve):
		return invalid(wve.Field, wve.Field+" "+wve.Message)
	case errors.As(err, &sae):
		return invalid("", sae.Reason)
	case errors.Is(err, campaign.ErrState):
		return conflict("", "the campaign's state does not allow this")
	case errors.Is(err, webhook.ErrDuplicate):
		return conflict("url", "an endpoint with this URL exists already")
	case errors.Is(err, webhook.ErrTooMany):
		return conflict("url", fmt.Sprintf("a site has at most %d webhook endpoints; delete one first", webhook.MaxEndpoints))
	}
	return &apiError{status: http.StatusInternalServerError, code: "internal", message: "something went wrong on our side; please try again"}
}

func apiField(f string) string {
	if n, ok := fieldNames[f]; ok {
		return n
	}
	return f
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// fail answers with err. Only errors the API does not know are logged,
// with their chain; the client gets the plain message.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	ae := asAPIError(err)
	if ae.status >= 500 {
		h.cfg.Logger.ErrorContext(r.Context(), "API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	switch ae.status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="herald"`)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ae.retryAfter.Seconds()))))
	}
	if ae.location != "" {
		w.Header().Set("Location", ae.location)
	}
	reply(w, ae.status, errorBody{errorJSON{Code: ae.code, Message: ae.message, Field: ae.field}})
}

// reply answers with v. Answers are never cached: they hold data only the
// token's holder may see. It returns nil so handlers can end with it: once
// the status is sent, a failure to write means the client went away, and
// there is no one left to tell.
func reply(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
	return nil
}
