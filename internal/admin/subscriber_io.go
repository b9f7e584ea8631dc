package admin

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"herald/internal/subscriber"
)

func (h *Handler) subscriberExport(w http.ResponseWriter, r *http.Request, s *staff) error {
	id, err := strconv.ParseInt(r.URL.Query().Get("newsletter"), 10, 64)
	if err != nil || id <= 0 {
		return invalid("Choose the newsletter whose list to export.")
	}
	nl, err := h.newsletter(r.Context(), id)
	if err != nil {
		return err
	}
	// The first page is read before anything is written, so a failing
	// store still gets an error page rather than an empty file.
	rows, err := h.cfg.Subscribers.ExportSubscribers(r.Context(), id, 0, 1000)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+nl.Slug+`-`+h.now().UTC().Format("2006-01-02")+`.csv"`)
	cw := csv.NewWriter(w)
	// language comes after the columns of old, so that programs reading
	// the file by position still find them.
	cw.Write([]string{"email", "name", "tags", "state", "created_at", "language"})
	n := 0
	for len(rows) > 0 {
		for _, row := range rows {
			// Every cell is neutralised: a name or tag starting with = or
			// + must not run as a formula in the spreadsheet it is opened
			// in. Import takes the quote off again.
			cw.Write([]string{subscriber.NeutralizeCell(row.Email), subscriber.NeutralizeCell(row.Name),
				subscriber.NeutralizeCell(strings.Join(row.Tags, ";")), string(row.State), row.CreatedAt.UTC().Format(time.RFC3339),
				row.Language})
		}
		n += len(rows)
		if len(rows) < 1000 {
			break
		}
		if rows, err = h.cfg.Subscribers.ExportSubscribers(r.Context(), id, rows[len(rows)-1].ID, 1000); err != nil {
			h.log.ErrorContext(r.Context(), "admin: export cut short", "newsletter", id, "rows", n, "err", err)
			break
		}
	}
	cw.Flush()
	h.log.InfoContext(r.Context(), "subscribers exported", "newsletter", id, "rows", n, "user_id", s.User.ID)
	return nil
}

// importView is the upload form and, after an upload, its report.
type importView struct {
	page
	Newsletters []subscriber.Newsletter
	Report      *importReport
	Error       string
}

func (v *importView) setError(msg string) { v.Error = msg }

// importReport is what an import did, with the rows it left out.
type importReport struct {
	File     string                  `json:"file"`
	Result   subscriber.ImportResult `json:"result"`
	Rejected []subscriber.RowError   `json:"rejected"`
	More     int                     `json:"more_rejected"` // rejected rows beyond those listed
	Error    string                  `json:"error,omitempty"`
}

// maxReported is how many rejected rows a report lists; the count covers
// the rest.
const maxReported = 1000

func (h *Handler) importForm(w http.ResponseWriter, r *http.Request, s *staff) error {
	nls, err := h.cfg.Newsletters.Newsletters(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "import", &importView{page: h.pageFor(r, s, "Import subscribers"), Newsletters: nls})
}

// importUpload imports a CSV file as it arrives: rows are read from the
// upload and stored chunk by chunk, so a file of any size up to the limit
// needs little memory. The CSRF token must come before the file in the
// form, as browsers send the fields in the order of the page.
func (h *Handler) importUpload(w http.ResponseWriter, r *http.Request, s *staff) error {
	ctx := r.Context()
	nls, err := h.cfg.Newsletters.Newsletters(ctx)
	if err != nil {
		return err
	}
	v := &importView{page: h.pageFor(r, s, "Import subscribers"), Newsletters: nls}
	mr, err := r.MultipartReader()
	if err != nil {
		return &formError{page: "import", view: v, err: invalid("Choose a CSV file to upload.")}
	}
	csrfOK := h.csrf.Check(s.Session.ID, r.Header.Get("X-CSRF-Token"))
	var nlID int64
	confirmed := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return &formError{page: "import", view: v, err: invalid("Choose a CSV file to upload.")}
		}
		if err != nil {
			return unreadable(err)
		}
		name := part.FormName()
		if name != "file" {
			val, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				return unreadable(err)
			}
			switch name {
			case "csrf":
				csrfOK = csrfOK || h.csrf.Check(s.Session.ID, string(val))
			case "newsletter":
				nlID, _ = strconv.ParseInt(strings.TrimSpace(string(val)), 10, 64)
			case "confirmed":
				confirmed = string(val) == "yes"
			}
			continue
		}
		if !csrfOK {
			return errCSRF
		}
		if _, err := h.newsletter(ctx, nlID); err != nil {
			return &formError{page: "import", view: v, err: invalid("Choose the newsletter to import into, above the file.")}
		}
		v.Report = h.runImport(ctx, s, part, fileName(part.FileName()), nlID, confirmed)
		break
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, v.Report)
		return nil
	}
	return h.render(w, http.StatusOK, "import", v)
}

// unreadable is the answer to an upload whose form data cannot be read: too
// large (the size limit decides), or cut off or malformed, which is the
// sender's fault, not the server's.
func unreadable(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	return &statusError{http.StatusBadRequest, "Upload not readable", "The upload could not be read: it may have been cut off. Please try again."}
}

// runImport reads the file with the domain's import reader and stores it
// through the filter that keeps erased people out.
func (h *Handler) runImport(ctx context.Context, s *staff, file io.Reader, name string, nlID int64, confirmed bool) *importReport {
	rep := &importReport{File: name}
	ir, err := subscriber.NewImportReader(file)
	if err != nil {
		rep.Error = strings.TrimPrefix(err.Error(), "import: ")
		return rep
	}
	im := &subscriber.Importer{
		Store:        subscriber.SkipErased(h.cfg.Subscribers, h.cfg.Erasure),
		NewsletterID: nlID,
		Options: subscriber.ImportOptions{Confirmed: confirmed, At: h.now(),
			Source: fmt.Sprintf("import %s by staff %d", name, s.User.ID)},
		OnSkip: func(e subscriber.RowError) {
			if len(rep.Rejected) < maxReported {
				rep.Rejected = append(rep.Rejected, e)
			} else {
				rep.More++
			}
		},
	}
	rep.Result, err = im.Run(ctx, ir)
	if err != nil {
		var tooBig *http.MaxBytesError
		var fe *subscriber.FileError
		if errors.As(err, &tooBig) {
			rep.Error = fmt.Sprintf("The file is larger than %d MiB; the rows before the limit were imported.", maxUpload>>20)
		} else if errors.As(err, &fe) {
			rep.Error = fmt.Sprintf("Line %d: %s. The import stopped there; the rows counted below were stored.", fe.Line, fe.Reason)
		} else {
			h.log.ErrorContext(ctx, "admin: import failed", "newsletter", nlID, "err", err)
			rep.Error = "The import stopped part way: the rows counted below were stored. Please try the rest again."
		}
	}
	h.log.InfoContext(ctx, "subscribers imported", "newsletter", nlID, "user_id", s.User.ID, "read", rep.Result.Read,
		"imported", rep.Result.Imported, "skipped", rep.Result.Skipped)
	return rep
}

// fileName keeps the plain letters of an uploaded file's name, for the
// report and the consent records.
func fileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._- ", r) {
			return r
		}
		return -1
	}, name)
	if len(name) > 100 {
		name = name[:100]
	}
	if name == "" || name == "." {
		return "upload.csv"
	}
	return name
}
