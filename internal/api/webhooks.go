package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"herald/internal/webhook"
)

// webhookJSON is an endpoint as listed: its secret is shown only once,
// when it is created.
type webhookJSON struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
}

// newWebhookJSON is a new endpoint with the secret that signs its requests.
type newWebhookJSON struct {
	webhookJSON
	Secret string `json:"secret"`
}

func webhookOut(e webhook.Endpoint) webhookJSON {
	out := webhookJSON{ID: e.ID, URL: e.URL, Events: []string{}, CreatedAt: e.CreatedAt}
	out.Events = append(out.Events, e.Events...)
	return out
}

// listWebhooks lists every endpoint in force on one page: the store
// refuses more than webhook.MaxEndpoints.
func (h *Handler) listWebhooks(w http.ResponseWriter, r *http.Request, c caller) error {
	list, err := h.cfg.Store.WebhookEndpoints(r.Context(), 0, webhook.MaxEndpoints)
	if err != nil {
		return err
	}
	out := page[webhookJSON]{Items: []webhookJSON{}}
	for _, e := range list {
		out.Items = append(out.Items, webhookOut(e))
	}
	return reply(w, http.StatusOK, out)
}

// webhookInput is a new endpoint's URL and the events it wants.
type webhookInput struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request, c caller) error {
	var in webhookInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	e, err := webhook.NewEndpoint(in.URL, in.Events, h.cfg.AllowPrivateWebhooks, h.cfg.Now())
	if err != nil {
		return err
	}
	e.ID, err = h.cfg.Store.CreateWebhookEndpoint(r.Context(), e)
	if errors.Is(err, webhook.ErrDuplicate) {
		return h.urlTaken(r.Context(), e.URL)
	}
	if err != nil {
		return err
	}
	h.cfg.Logger.InfoContext(r.Context(), "webhook endpoint created", "endpoint", e.ID, "account", c.user.ID, "events", e.Events)
	w.Header().Set("Location", Prefix+"/webhooks/"+strconv.FormatInt(e.ID, 10))
	return reply(w, http.StatusCreated, newWebhookJSON{webhookJSON: webhookOut(e), Secret: e.Secret})
}

// urlTaken answers a new endpoint whose URL an endpoint in force has, and
// names that endpoint. A client whose request created it but whose answer
// was lost has no other way out: the secret is shown only at creation and
// never again, not even to the creator, so it deletes the endpoint and
// creates it anew, with a new secret.
func (h *Handler) urlTaken(ctx context.Context, url string) error {
	list, err := h.cfg.Store.WebhookEndpoints(ctx, 0, webhook.MaxEndpoints)
	if err != nil {
		return err
	}
	for _, ep := range list {
		if ep.URL == url {
			path := Prefix + "/webhooks/" + strconv.FormatInt(ep.ID, 10)
			return &apiError{status: http.StatusConflict, code: "conflict", field: "url", location: path,
				message: fmt.Sprintf("endpoint %d has this URL already; its secret is shown only when it is created: "+
					"for a new one, delete it (DELETE %s) and create it again", ep.ID, path)}
		}
	}
	// Disabled meanwhile: the URL is free, and trying again will have it.
	return webhook.ErrDuplicate
}

// deleteWebhook stops an endpoint at once; requests queued for it are
// skipped rather than sent.
func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request, c caller) error {
	id, err := pathID(r, "webhook endpoint")
	if err != nil {
		return err
	}
	if err := h.cfg.Store.DisableWebhookEndpoint(r.Context(), id, h.cfg.Now()); err != nil {
		return err
	}
	h.cfg.Logger.InfoContext(r.Context(), "webhook endpoint disabled", "endpoint", id, "account", c.user.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
