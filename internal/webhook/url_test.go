package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"herald/internal/delivery"
	"herald/internal/mail"
	"herald/internal/webhook"
)

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url          string
		allowPrivate bool
		want         string // "" when refused
	}{
		{"https://hooks.example.com/in?k=v", false, "https://hooks.example.com/in?k=v"},
		{" https://HOOKS.example.com:8443/in ", false, "https://hooks.example.com:8443/in"},
		{"http://hooks.example.com/in", false, ""},
		{"ftp://hooks.example.com/in", false, ""},
		{"hooks.example.com/in", false, ""},
		{"https://user:pw@hooks.example.com/", false, ""},
		{"https://hooks.example.com/#frag", false, ""},
		{"https://localhost/in", false, ""},
		{"https://api.localhost/in", false, ""},
		{"https://127.0.0.1/in", false, ""},
		{"https://[::1]/in", false, ""},
		{"https://10.1.2.3/in", false, ""},
		{"https://192.168.1.1/in", false, ""},
		{"https://169.254.169.254/latest/meta-data", false, ""},
		{"https://100.64.0.1/in", false, ""},
		{"https://[fd00::1]/in", false, ""},
		{"https://[::ffff:127.0.0.1]/in", false, ""},
		{"https://0.0.0.0/in", false, ""},
		{"https://93.184.216.34/in", false, "https://93.184.216.34/in"},
		{"http://127.0.0.1:8080/in", true, "http://127.0.0.1:8080/in"},
		{"http://localhost:8080/in", true, "http://localhost:8080/in"},
		{"https://10.1.2.3/in", true, "https://10.1.2.3/in"},
		{"http://hooks.example.com/in", true, ""},
		{"https://hooks.example.com/" + strings.Repeat("a", webhook.MaxURL), false, ""},
	} {
		got, err := webhook.CheckURL(tc.url, tc.allowPrivate)
		var ve *webhook.ValidationError
		switch {
		case tc.want == "" && (err == nil || !errors.As(err, &ve) || ve.Field != "url"):
			t.Errorf("CheckURL(%q, %v) = %q, %v; want a ValidationError on url", tc.url, tc.allowPrivate, got, err)
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("CheckURL(%q, %v) = %q, %v; want %q", tc.url, tc.allowPrivate, got, err, tc.want)
		}
	}
}

func TestNewEndpoint(t *testing.T) {
	ep, err := webhook.NewEndpoint("https://hooks.example.com/", []string{"campaign.sent", " campaign.sent", "article.published"}, false, time.Now())
	if err != nil || len(ep.Events) != 2 || !strings.HasPrefix(ep.Secret, "whsec_") || len(ep.Secret) != 6+64 {
		t.Errorf("NewEndpoint = %+v, %v; want two events and a 32-byte secret", ep, err)
	}
	other, _ := webhook.NewEndpoint("https://hooks.example.com/", []string{"campaign.sent"}, false, time.Now())
	if other.Secret == ep.Secret {
		t.Error("two endpoints got the same secret")
	}
	for _, events := range [][]string{nil, {"campaign.started"}} {
		var ve *webhook.ValidationError
		if _, err := webhook.NewEndpoint("https://hooks.example.com/", events, false, time.Now()); !errors.As(err, &ve) || ve.Field != "events" {
			t.Errorf("NewEndpoint with events %v = %v; want a ValidationError on events", events, err)
		}
	}
}

// TestPrivateAddressesRefusedAtSendTime sends to a name that resolves to
// 127.0.0.1: the check runs on the address connected to, so the request
// never reaches the server unless private addresses are allowed.
func TestPrivateAddressesRefusedAtSendTime(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	tlsConfig := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tlsConfig.ServerName = "example.com" // a name the test certificate holds
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	data := []byte("Herald-Event: campaign.sent\r\nHerald-Delivery: 1\r\nHerald-Signature: t=1,v1=00\r\n\r\n{}")

	refusing := webhook.NewSender(webhook.SenderConfig{TLSConfig: tlsConfig})
	defer refusing.Close()
	err := refusing.Send(context.Background(), "", url, data)
	var se *mail.SendError
	if !errors.As(err, &se) || se.Temporary || !strings.Contains(se.Text, "not a public internet address") || hits.Load() != 0 {
		t.Errorf("Send to %s = %v (%d requests arrived); want a permanent refusal before connecting", url, err, hits.Load())
	}

	allowing := webhook.NewSender(webhook.SenderConfig{TLSConfig: tlsConfig, AllowPrivate: true})
	defer allowing.Close()
	if err := allowing.Send(context.Background(), "", url, data); err != nil || hits.Load() != 1 {
		t.Errorf("Send to %s with private addresses allowed = %v (%d requests); want it delivered", url, err, hits.Load())
	}

	// Through the engine, the refusal fails the delivery at once.
	e := newEnv(t)
	ep, err := webhook.NewEndpoint("https://hooks.example.com/", []string{webhook.CampaignSent}, false, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ep.URL = url // as if the name had resolved elsewhere when it was checked
	if _, err := e.st.CreateWebhookEndpoint(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	e.emit(webhook.CampaignSent, map[string]int{"id": 1})
	got := e.run(refusing, time.Hour, 1)[1]
	if len(got) != 1 || got[0].State != delivery.Failed || got[0].Attempts != 1 || hits.Load() != 1 {
		t.Errorf("delivery to %s = %+v (%d requests in all); want failed after one attempt, no new request", url, got, hits.Load())
	}
}

func TestSenderTimesOutAndRetries(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(func() { close(release); srv.Close() })
	s := webhook.NewSender(webhook.SenderConfig{AllowPrivate: true, Timeout: 100 * time.Millisecond})
	defer s.Close()
	start := time.Now()
	err := s.Send(context.Background(), "", srv.URL, []byte("Herald-Event: x\r\n\r\n{}"))
	var se *mail.SendError
	if !errors.As(err, &se) || !se.Temporary || time.Since(start) > 5*time.Second {
		t.Errorf("Send to a server that never answers = %v after %v; want a temporary failure after the timeout", err, time.Since(start))
	}
}

// TestSendErrorHoldsNoURL sends to a closed port: the failure, which the
// ledger keeps and the log shows, says why without the endpoint's URL and
// the token in it.
func TestSendErrorHoldsNoURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := webhook.NewSender(webhook.SenderConfig{AllowPrivate: true})
	defer s.Close()
	endpoint := "http://" + addr + "/hooks/T0/B0/s3cret-token"
	err = s.Send(context.Background(), "", endpoint, []byte("Herald-Event: campaign.sent\r\n\r\n{}"))
	var se *mail.SendError
	if !errors.As(err, &se) || !se.Temporary || !strings.Contains(se.Text, "connection refused") || strings.Contains(se.Text, "s3cret-token") {
		t.Errorf("Send to a closed port = %v; want a temporary failure saying the connection was refused, without the URL", err)
	}
}
