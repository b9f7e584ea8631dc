package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Body limits: JSON requests are small; an import file may be large and is
// read as it arrives, never held whole.
const (
	maxJSON = 1 << 20
	maxCSV  = 50 << 20
)

// requireType refuses a body that is not of media type want.
func requireType(r *http.Request, want string) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != want {
		return &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
			message: "send the body as " + want}
	}
	return nil
}

// hasBody reports whether the request carries a body at all.
func hasBody(r *http.Request) bool {
	return r.ContentLength > 0 || r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody
}

// decode reads a JSON body into v: one object of at most 1 MiB with no
// fields v does not have. When optional, a request without a body leaves v
// as it is.
func decode(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	if optional && !hasBody(r) {
		return nil
	}
	if err := requireType(r, "application/json"); err != nil {
		return err
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON))
	var raw json.RawMessage
	err := dec.Decode(&raw)
	if errors.Is(err, io.EOF) && optional {
		return nil
	}
	if err == nil {
		if dec.Decode(new(json.RawMessage)) != io.EOF {
			return badRequest("", "the body must hold one JSON object and nothing after it")
		}
		// null would decode into anything and leave it as it was.
		if raw[0] != '{' {
			return badRequest("", "the body must be a JSON object")
		}
		// encoding/json would take "Title" for "title"; the API's names
		// are exact.
		if name := unknownKey(raw, v); name != "" {
			return badRequest(name, fmt.Sprintf("unknown field %q; field names are as the API documents them, in lowercase", name))
		}
		if name := nulField(raw); name != "" {
			return invalid(name, name+" must not hold the NUL character (\\u0000)")
		}
		fields := json.NewDecoder(bytes.NewReader(raw))
		fields.DisallowUnknownFields()
		if err = fields.Decode(v); err == nil {
			return nil
		}
	}
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return badRequest("", "the request needs a JSON body")
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "the body is not valid JSON")
	case errors.As(err, &te):
		if te.Field == "" {
			return badRequest("", "the body must be a JSON object")
		}
		return badRequest(te.Field, fmt.Sprintf("%s must be %s", te.Field, jsonKind(te.Type.Kind().String())))
	}
	// encoding/json reports unknown fields only in its message.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return badRequest(name, fmt.Sprintf("unknown field %q", name))
	}
	// What remains comes from a field's own decoding, such as a time that
	// is not RFC 3339.
	return badRequest("", "the body does not fit: "+strings.TrimPrefix(err.Error(), "json: "))
}

// unknownKey returns the first key of the JSON object raw that is not
// exactly the JSON name of a field of the struct v points to, or "" when
// there is none or raw does not parse, which decoding then reports.
func unknownKey(raw json.RawMessage, v any) string {
	names := jsonNames(reflect.TypeOf(v).Elem())
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return ""
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if key, _ := tok.(string); !names[key] {
			return key
		}
		if err := dec.Decode(new(json.RawMessage)); err != nil {
			return ""
		}
	}
	return ""
}

// nulField returns the top-level key of the JSON object raw whose value
// holds a NUL character in some string, or "". PostgreSQL cannot store NUL
// in text, so it is refused on every store alike.
func nulField(raw json.RawMessage) string {
	if !bytes.Contains(raw, []byte(`\u0000`)) {
		return ""
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	for k, v := range obj {
		if holdsNUL(v) {
			return k
		}
	}
	return ""
}

func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, "\x00")
	case []any:
		return slices.ContainsFunc(v, holdsNUL)
	case map[string]any:
		for _, x := range v {
			if holdsNUL(x) {
				return true
			}
		}
	}
	return false
}

// jsonNames lists the JSON names of a struct's fields, those of embedded
// structs included.
func jsonNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for f := range t.Fields() {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "-" || !f.IsExported() && !f.Anonymous:
		case f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct:
			for n := range jsonNames(f.Type) {
				names[n] = true
			}
		case tag != "":
			names[tag] = true
		default:
			names[f.Name] = true
		}
	}
	return names
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"):
		return "an integer"
	case goKind == "string":
		return "a string"
	case goKind == "bool":
		return "true or false"
	case goKind == "slice":
		return "an array"
	case goKind == "struct", goKind == "map":
		return "an object"
	}
	return "of another type"
}

// Listing limits: pages of 50 unless asked, at most 100.
const (
	defaultLimit = 50
	maxLimit     = 100
)

// pageLimit reads ?limit=.
func pageLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return 0, badRequest("limit", fmt.Sprintf("limit must be a whole number from 1 to %d", maxLimit))
	}
	return n, nil
}

// Cursors are opaque to clients: the numbers that mark a place in a
// listing, encoded so that no one builds them by hand and they can change.
func encodeCursor(parts ...int64) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = strconv.FormatInt(p, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(s, ".")))
}

// cursor reads ?cursor= holding n numbers; nil when there is none.
func cursor(r *http.Request, n int) ([]int64, error) {
	s := r.URL.Query().Get("cursor")
	if s == "" {
		return nil, nil
	}
	bad := badRequest("cursor", "cursor must be a next_cursor value from an earlier page")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	fields := strings.Split(string(raw), ".")
	if len(fields) != n {
		return nil, bad
	}
	out := make([]int64, n)
	for i, f := range fields {
		if out[i], err = strconv.ParseInt(f, 10, 64); err != nil {
			return nil, bad
		}
	}
	return out, nil
}

// pathID reads a numeric ID from the path; a malformed one names nothing,
// so it is not found.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound(what)
	}
	return id, nil
}

// queryID reads an optional numeric ID from the query; 0 when absent.
func queryID(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest(name, name+" must be a positive whole number")
	}
	return id, nil
}

// page is one page of a listing; NextCursor is empty on the last.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
