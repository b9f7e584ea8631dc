package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"herald/internal/subscriber"
	"herald/internal/user"
)

// importJSON is what an import did: every data row lands in exactly one of
// the counts after read, and each skipped row is listed with its line.
type importJSON struct {
	Read      int `json:"read"`
	Imported  int `json:"imported"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Merged    int `json:"merged"`
	Skipped   int `json:"skipped"`
	// Rejected lists the first maxRejected skipped rows; Truncated says
	// there were more.
	Rejected  []rejectedRow `json:"rejected"`
	Truncated bool          `json:"rejected_truncated"`
}

type rejectedRow struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// maxRejected bounds the rows listed in an answer; the counts stay whole.
const maxRejected = 1000

// importSubscribers reads a CSV file as the command-line import does, chunk
// by chunk as it arrives, into one newsletter (?newsletter_id=). Rows come
// in pending, or confirmed with ?confirmed=true when the operator vouches
// for consent gathered elsewhere; no email is sent, and people who left or
// bounced stay out. Imports announce no webhook events: a list moved in is
// not a wave of new confirmations. The answer tells, row by row, what Herald
// knew of each address, so an import also needs subscriber:read.
func (h *Handler) importSubscribers(w http.ResponseWriter, r *http.Request, c caller) error {
	if !c.can(user.SubscriberRead) {
		return forbidden("", "an import reports what was known of each address, so it also needs the "+
			string(user.SubscriberRead)+" permission, which the token or its account's role does not hold")
	}
	if err := requireType(r, "text/csv"); err != nil {
		return err
	}
	if r.ContentLength > maxCSV {
		return &http.MaxBytesError{Limit: maxCSV}
	}
	nl, err := queryID(r, "newsletter_id")
	if err != nil {
		return err
	}
	if nl == 0 {
		return badRequest("newsletter_id", "newsletter_id is required: the newsletter to import into")
	}
	confirmed := false
	if s := r.URL.Query().Get("confirmed"); s != "" {
		if confirmed, err = strconv.ParseBool(s); err != nil {
			return badRequest("confirmed", "confirmed must be true or false")
		}
	}
	ctx := r.Context()
	nls, err := h.cfg.Store.Newsletters(ctx)
	if err != nil {
		return err
	}
	if !hasNewsletter(nls, nl) {
		return invalid("newsletter_id", fmt.Sprintf("there is no newsletter %d", nl))
	}
	rd, err := subscriber.NewImportReader(http.MaxBytesReader(w, r.Body, maxCSV))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return invalid("", strings.TrimPrefix(err.Error(), "import: "))
	}
	out := importJSON{Rejected: []rejectedRow{}}
	im := subscriber.Importer{
		Store:        subscriber.SkipErased(h.cfg.Store, h.cfg.Erasure),
		NewsletterID: nl,
		Options: subscriber.ImportOptions{Confirmed: confirmed, At: h.cfg.Now(),
			Source: fmt.Sprintf("API import, account %d, token %d", c.user.ID, c.token.ID)},
		OnSkip: func(e subscriber.RowError) {
			if len(out.Rejected) < maxRejected {
				out.Rejected = append(out.Rejected, rejectedRow{Line: e.Line, Reason: e.Reason})
			} else {
				out.Truncated = true
			}
		},
	}
	res, err := im.Run(ctx, rd)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{status: http.StatusRequestEntityTooLarge, code: "payload_too_large",
				message: fmt.Sprintf("the file is larger than %d MiB; the import stopped there, after %d rows (%d new, %d updated)",
					maxCSV>>20, res.Read, res.Imported, res.Updated)}
		}
		var fe *subscriber.FileError
		if errors.As(err, &fe) {
			return invalid("file", fmt.Sprintf("%v; the import stopped there, after %d rows (%d new, %d updated)",
				fe, res.Read, res.Imported, res.Updated))
		}
		return err
	}
	out.Read, out.Imported, out.Updated, out.Unchanged, out.Merged, out.Skipped =
		res.Read, res.Imported, res.Updated, res.Unchanged, res.Merged, res.Skipped
	h.cfg.Logger.InfoContext(ctx, "subscribers imported through the API", "newsletter", nl, "account", c.user.ID,
		"read", res.Read, "imported", res.Imported, "updated", res.Updated, "skipped", res.Skipped)
	return reply(w, http.StatusOK, out)
}
