package admin

import (
	"net/http"
	"net/url"
	"strconv"
)

// idParam reads the {id} of the address; anything but a positive number
// is an address that leads nowhere.
func idParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// cursorParam reads a keyset cursor: an ID, or nothing for the first page.
func cursorParam(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalid("The page address is not valid; start again from the first page.")
	}
	return id, nil
}

// encodeQuery builds a query string from name, value pairs, leaving out
// empty values.
func encodeQuery(pairs ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return q.Encode()
}
