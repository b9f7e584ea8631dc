package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
)

// openAPIFile describes the API in OpenAPI 3.1. It is written by hand, not
// made from routes(), so that the test comparing the two checks something:
// a route added without its description, or the reverse, fails it.
//
//go:embed openapi.json
var openAPIFile []byte

// openAPIDocument returns the description after checking that it parses.
func openAPIDocument() ([]byte, error) {
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPIFile, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi.json: %w", err)
	}
	if doc.OpenAPI == "" || len(doc.Paths) == 0 {
		return nil, fmt.Errorf("api: openapi.json has no openapi version or paths")
	}
	return openAPIFile, nil
}

func (h *Handler) openAPI(w http.ResponseWriter, r *http.Request, c caller) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(h.openapi)
	return nil
}
