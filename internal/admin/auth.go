package admin

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"

	"herald/internal/user"
)

// The cookies of the app. Both are scoped to /admin so the public site
// never receives them.
const (
	sessionCookie = "herald_session"
	// loginCookie carries a random value the sign-in form's CSRF token is
	// bound to, since there is no session yet to bind it to: another site
	// cannot sign a browser in to an account of its choosing.
	loginCookie = "herald_login"
)

// staff is the signed-in person making a request.
type staff struct {
	User    user.User
	Session user.Session
	CSRF    string // the token every form of theirs carries
}

// signedIn returns who the session cookie belongs to, or errSignIn.
func (h *Handler) signedIn(r *http.Request) (*staff, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, errSignIn
	}
	u, sess, err := h.cfg.Users.CheckSession(r.Context(), c.Value)
	if errors.Is(err, user.ErrNoSession) {
		return nil, errSignIn
	}
	if err != nil {
		return nil, err
	}
	return &staff{User: u, Session: sess, CSRF: h.csrf.Token(sess.ID)}, nil
}

// csrfOK checks the token of a state-changing request: the form field, or
// a header for the scripts' requests.
func (h *Handler) csrfOK(r *http.Request, s *staff) bool {
	tok := r.Header.Get("X-CSRF-Token")
	if tok == "" {
		tok = r.PostFormValue("csrf")
	}
	return h.csrf.Check(s.Session.ID, tok)
}

// loginView is the sign-in form.
type loginView struct {
	page
	Email, Next string
	Error       string
}

func (v *loginView) setError(msg string) { v.Error = msg }

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request, _ *staff) error {
	next := safeNext(r.URL.Query().Get("next"))
	if s, err := h.signedIn(r); err == nil && s != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	v := h.newLoginView(w, r, next)
	return h.render(w, http.StatusOK, "login", v)
}

// newLoginView sets a fresh sign-in cookie and binds the form's token to it.
func (h *Handler) newLoginView(w http.ResponseWriter, r *http.Request, next string) *loginView {
	b := make([]byte, 32)
	rand.Read(b)
	val := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: val, Path: "/admin/login", MaxAge: 3600,
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	v := &loginView{page: h.pageFor(r, nil, "Sign in"), Next: next}
	v.CSRF = h.csrf.Token("login:" + val)
	return v
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request, _ *staff) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := safeNext(r.PostFormValue("next"))
	c, err := r.Cookie(loginCookie)
	if err != nil || !h.csrf.Check("login:"+c.Value, r.PostFormValue("csrf")) {
		v := h.newLoginView(w, r, next)
		v.Email = email
		return &formError{page: "login", view: v, err: errLoginExpired}
	}
	sess, err := h.cfg.Users.LoginWith(r.Context(), user.Credentials{
		Email: email, Password: r.PostFormValue("password"), Code: strings.TrimSpace(r.PostFormValue("code")),
		IP: clientIP(r), UserAgent: r.UserAgent(),
	})
	if err != nil {
		v := h.newLoginView(w, r, next)
		v.Email = email
		return &formError{page: "login", view: v, err: err}
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/admin/login", MaxAge: -1,
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/admin", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// logout ends the session. It checks the CSRF token like any other form, so
// another site cannot sign an editor out; without a session there is
// nothing to end and the browser goes to the sign-in page.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, _ *staff) error {
	s, err := h.signedIn(r)
	if errors.Is(err, errSignIn) {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	if !h.csrfOK(r, s) {
		return errCSRF
	}
	c, _ := r.Cookie(sessionCookie)
	if err := h.cfg.Users.Logout(r.Context(), c.Value); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/admin", MaxAge: -1,
		HttpOnly: true, Secure: h.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/admin/login?done=signed-out", http.StatusSeeOther)
	return nil
}

// safeNext returns where to go after signing in: next when it is a path of
// this app, /admin/ otherwise. Anything a browser could read as another
// host — "//evil", "/\evil", a scheme, a control character — is refused,
// as is a path that leaves /admin/ once dots are resolved.
func safeNext(next string) string {
	const home = "/admin/"
	if next == "" || len(next) > 2000 || strings.ContainsAny(next, "\\") {
		return home
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return home
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || strings.HasPrefix(next, "//") {
		return home
	}
	clean := path.Clean(u.Path)
	if u.Path != clean && u.Path != clean+"/" || (clean != "/admin" && !strings.HasPrefix(clean, home)) {
		return home
	}
	if strings.HasPrefix(clean, "/admin/login") {
		return home
	}
	return u.RequestURI()
}

// clientIP is the address the request came from, for sign-in throttling.
// Proxy headers are not trusted: anyone can send them.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
