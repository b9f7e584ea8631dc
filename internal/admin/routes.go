package admin

import (
	"errors"
	"net/http"

	"herald/internal/user"
)

// route is one address of the app with the permission it needs. Only the
// sign-in pages and static files are public; everything else names a
// permission, which the wrapper checks before the handler runs.
type route struct {
	pattern string
	perm    user.Permission
	public  bool
	// upload routes take bodies up to maxUpload, read as a stream; their
	// handler checks the CSRF token as it reads the form (see readUpload).
	upload bool
	fn     handlerFunc
	// again, for a form with typed text, shows the form once more as
	// posted when its CSRF token is refused (see refusedToken).
	again againFunc
}

// handlerFunc is a handler that reports failure instead of writing it, so
// that fail decides every error status in one place. s is the signed-in
// staff member, nil on public routes.
type handlerFunc func(w http.ResponseWriter, r *http.Request, s *staff) error

// routes lists every address the app answers, with its permission.
func (h *Handler) routes() []route {
	return []route{
		{pattern: "GET /admin/login", public: true, fn: h.loginForm},
		{pattern: "POST /admin/login", public: true, fn: h.login},
		{pattern: "POST /admin/logout", public: true, fn: h.logout},
		{pattern: "GET /admin/static/{file}", public: true, fn: h.static},

		{pattern: "GET /admin/{$}", perm: user.ArticleRead, fn: h.dashboard},

		{pattern: "GET /admin/articles", perm: user.ArticleRead, fn: h.articleList},
		{pattern: "GET /admin/articles/new", perm: user.ArticleWriteOwn, fn: h.articleNew},
		{pattern: "POST /admin/articles", perm: user.ArticleWriteOwn, fn: h.articleCreate, again: h.againNewArticle},
		{pattern: "POST /admin/articles/preview", perm: user.ArticleWriteOwn, fn: h.articlePreview},
		{pattern: "GET /admin/articles/{id}", perm: user.ArticleRead, fn: h.articleEdit},
		{pattern: "POST /admin/articles/{id}", perm: user.ArticleWriteOwn, fn: h.articleSave, again: h.againArticle},
		{pattern: "POST /admin/articles/{id}/submit", perm: user.ArticleWriteOwn, fn: h.articleSubmit, again: h.againArticle},
		{pattern: "POST /admin/articles/{id}/publish", perm: user.ArticlePublish, fn: h.articlePublish, again: h.againArticle},
		{pattern: "POST /admin/articles/{id}/unpublish", perm: user.ArticlePublish, fn: h.articleUnpublish, again: h.againArticle},

		{pattern: "GET /admin/newsletters", perm: user.CampaignRead, fn: h.newsletterList},
		{pattern: "GET /admin/newsletters/new", perm: user.NewsletterManage, fn: h.newsletterNew},
		{pattern: "POST /admin/newsletters", perm: user.NewsletterManage, fn: h.newsletterCreate, again: h.againNewNewsletter},
		{pattern: "GET /admin/newsletters/{id}", perm: user.NewsletterManage, fn: h.newsletterEdit},
		{pattern: "POST /admin/newsletters/{id}", perm: user.NewsletterManage, fn: h.newsletterSave, again: h.againNewsletter},

		{pattern: "GET /admin/campaigns", perm: user.CampaignRead, fn: h.campaignList},
		{pattern: "GET /admin/campaigns/new", perm: user.CampaignWrite, fn: h.campaignNew},
		{pattern: "POST /admin/campaigns", perm: user.CampaignWrite, fn: h.campaignCreate, again: h.againNewCampaign},
		{pattern: "GET /admin/campaigns/{id}", perm: user.CampaignRead, fn: h.campaignPage},
		{pattern: "GET /admin/campaigns/{id}/edit", perm: user.CampaignWrite, fn: h.campaignEdit},
		{pattern: "POST /admin/campaigns/{id}", perm: user.CampaignWrite, fn: h.campaignSave, again: h.againCampaign},
		{pattern: "GET /admin/campaigns/{id}/email", perm: user.CampaignRead, fn: h.campaignEmailHTML},
		{pattern: "GET /admin/campaigns/{id}/progress", perm: user.CampaignRead, fn: h.campaignProgress},
		{pattern: "POST /admin/campaigns/{id}/test", perm: user.CampaignWrite, fn: h.campaignTest, again: h.againCampaignPage},
		{pattern: "POST /admin/campaigns/{id}/send", perm: user.CampaignSend, fn: h.campaignSend, again: h.againCampaignPage},
		{pattern: "POST /admin/campaigns/{id}/unschedule", perm: user.CampaignSend, fn: h.campaignUnschedule},
		{pattern: "POST /admin/campaigns/{id}/pause", perm: user.CampaignSend, fn: h.campaignPause},
		{pattern: "POST /admin/campaigns/{id}/resume", perm: user.CampaignSend, fn: h.campaignResume},
		{pattern: "POST /admin/campaigns/{id}/cancel", perm: user.CampaignSend, fn: h.campaignCancel},

		{pattern: "GET /admin/subscribers", perm: user.SubscriberRead, fn: h.subscriberList},
		{pattern: "GET /admin/subscribers/export.csv", perm: user.SubscriberRead, fn: h.subscriberExport},
		{pattern: "GET /admin/subscribers/import", perm: user.SubscriberWrite, fn: h.importForm},
		{pattern: "POST /admin/subscribers/import", perm: user.SubscriberWrite, upload: true, fn: h.importUpload},
		{pattern: "GET /admin/subscribers/{id}", perm: user.SubscriberRead, fn: h.subscriberPage},
		{pattern: "GET /admin/subscribers/{id}/data.json", perm: user.SubscriberRead, fn: h.subscriberData},
		{pattern: "POST /admin/subscribers/{id}/tags", perm: user.SubscriberWrite, fn: h.subscriberTags, again: h.againTags},
		{pattern: "POST /admin/subscribers/{id}/language", perm: user.SubscriberWrite, fn: h.subscriberLanguage, again: h.againLanguage},
		{pattern: "POST /admin/subscribers/{id}/erase", perm: user.SubscriberWrite, fn: h.subscriberErase},

		{pattern: "GET /admin/staff", perm: user.UserManage, fn: h.staffList},
		{pattern: "POST /admin/staff", perm: user.UserManage, fn: h.staffCreate, again: h.againStaff},
		{pattern: "POST /admin/staff/{id}/role", perm: user.UserManage, fn: h.staffRole},
		{pattern: "POST /admin/staff/{id}/access", perm: user.UserManage, fn: h.staffAccess},

		{pattern: "GET /admin/settings", perm: user.SettingsManage, fn: h.settingsPage},
		{pattern: "POST /admin/settings", perm: user.SettingsManage, fn: h.settingsSave, again: h.againSettings},
		{pattern: "POST /admin/settings/test-email", perm: user.SettingsManage, fn: h.settingsTestEmail},

		{pattern: "GET /admin/outbox", perm: user.SubscriberRead, fn: h.outboxList},
		{pattern: "GET /admin/outbox/{id}", perm: user.SubscriberRead, fn: h.outboxMessage},
		{pattern: "GET /admin/outbox/{id}/html", perm: user.SubscriberRead, fn: h.outboxHTML},
	}
}

// Request body limits: forms and articles fit in maxBody; a subscriber
// list of a few hundred thousand addresses fits in maxUpload.
const (
	maxBody   = 2 << 20
	maxUpload = 50 << 20
)

// wrap is the one gate every route passes: security headers, the body
// limit, then for non-public routes the session, the route's permission
// and, on POST, the CSRF token.
func (h *Handler) wrap(rt route) http.Handler {
	limit := int64(maxBody)
	if rt.upload {
		limit = maxUpload
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header())
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		var s *staff
		err := func() error {
			if r.Method == http.MethodPost && !rt.upload {
				// Read the form here, so that a body over the limit is
				// answered as such rather than seen as an empty form.
				if err := r.ParseForm(); err != nil {
					var tooBig *http.MaxBytesError
					if errors.As(err, &tooBig) {
						return err
					}
					return invalid("The form could not be read.")
				}
			}
			if rt.public {
				return rt.fn(w, r, nil)
			}
			var err error
			if s, err = h.signedIn(r); err != nil {
				return err
			}
			if rt.perm == "" || !s.User.Can(rt.perm) {
				return errForbidden
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead && !rt.upload && !h.csrfOK(r, s) {
				return h.refusedToken(r, s, rt.again)
			}
			return rt.fn(w, r, s)
		}()
		if err != nil {
			h.fail(w, r, s, err)
		}
	})
}

// adminCSP lets pages load only the app's own styles, scripts and images.
// Nothing may frame the app; email previews, which are framed by the app
// itself, are served with framePolicy instead.
const adminCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-src 'self'; frame-ancestors 'none'"

func setSecurityHeaders(hdr http.Header) {
	hdr.Set("Content-Security-Policy", adminCSP)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Frame-Options", "DENY")
}
