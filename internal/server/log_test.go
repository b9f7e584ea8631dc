package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"herald/internal/server"
	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
	"herald/internal/web"
)

// TestRequestLogHidesSignedLinks asks for each page a signed link opens,
// with a debug log, and checks that the log never holds the token: a
// preferences or unsubscribe link never expires, so whoever reads the log
// could act for the reader.
func TestRequestLogHidesSignedLinks(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "herald.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	signer := subscriber.NewSigner([]byte("a secret for the tests of at least 32 bytes"))
	subs := subscriber.NewService(subscriber.Config{Store: st, Signer: signer})
	site, err := web.New(web.Config{Site: web.Site{Name: "The Harbour Times", BaseURL: "https://news.example"},
		Articles: st, Subscriptions: subs})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := server.New(server.Config{Site: site, Logger: logger})

	for _, link := range []struct {
		path    string
		purpose subscriber.Purpose
	}{
		{"/confirm/", subscriber.PurposeConfirm},
		{"/unsubscribe/", subscriber.PurposeUnsubscribe},
		{"/unsubscribe/", subscriber.PurposeDecline},
		{"/preferences/", subscriber.PurposePreferences},
	} {
		tok := signer.Sign(subscriber.Token{Purpose: link.purpose, SubscriberID: 7})
		for _, method := range []string{"GET", "POST"} {
			logs.Reset()
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, link.path+tok, nil))
			if strings.Contains(logs.String(), tok) {
				t.Errorf("%s %s<token>: the log holds the token:\n%s", method, link.path, logs.String())
			}
			if !strings.Contains(logs.String(), link.path) {
				t.Errorf("%s %s<token>: the log does not name the page:\n%s", method, link.path, logs.String())
			}
		}
	}
}
