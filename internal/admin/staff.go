package admin

import (
	"net/http"
	"strings"

	"herald/internal/user"
)

// staffView lists the accounts, with the form to add one.
type staffView struct {
	page
	Accounts []user.User
	Roles    []user.Role
	Form     staffForm
	Error    string
}

func (v *staffView) setError(msg string) { v.Error = msg }

// staffForm is a new account as typed; the password is never shown again.
type staffForm struct {
	Email, Name string
	Role        user.Role
}

// maxStaff is how many accounts the list shows; a newsroom has far fewer.
const maxStaff = 1000

func (h *Handler) staffView(r *http.Request, s *staff, f staffForm) (*staffView, error) {
	list, err := h.cfg.Users.Users(r.Context(), 0, maxStaff)
	if err != nil {
		return nil, err
	}
	return &staffView{page: h.pageFor(r, s, "Staff"), Accounts: list, Roles: user.Roles(), Form: f}, nil
}

func (h *Handler) staffList(w http.ResponseWriter, r *http.Request, s *staff) error {
	v, err := h.staffView(r, s, staffForm{Role: user.Author})
	if err != nil {
		return err
	}
	return h.render(w, http.StatusOK, "staff", v)
}

func (h *Handler) staffCreate(w http.ResponseWriter, r *http.Request, s *staff) error {
	f := staffForm{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	role, rerr := user.ParseRole(r.PostFormValue("role"))
	f.Role = role
	v, err := h.staffView(r, s, f)
	if err != nil {
		return err
	}
	if rerr != nil {
		return &formError{page: "staff", view: v, err: rerr}
	}
	password := r.PostFormValue("password")
	if err := user.CheckPassword(password); err != nil {
		return &formError{page: "staff", view: v, err: err}
	}
	u, err := h.cfg.Users.Create(r.Context(), user.User{Email: f.Email, Name: f.Name, Role: f.Role}, password)
	if err != nil {
		return &formError{page: "staff", view: v, err: err}
	}
	h.log.InfoContext(r.Context(), "staff account added", "user_id", s.User.ID, "account", u.ID, "role", u.Role)
	return done(w, r, "/admin/staff", "created")
}

// otherAccount returns the account of the request's {id}. An owner does not
// change their own role or access here, so that no one locks the newsroom
// out by mistake.
func (h *Handler) otherAccount(r *http.Request, s *staff) (user.User, error) {
	id, err := idParam(r)
	if err != nil {
		return user.User{}, err
	}
	if id == s.User.ID {
		return user.User{}, invalid("You cannot change your own role or access; ask another owner.")
	}
	return h.cfg.Users.User(r.Context(), id)
}

func (h *Handler) staffRole(w http.ResponseWriter, r *http.Request, s *staff) error {
	u, err := h.otherAccount(r, s)
	if err != nil {
		return err
	}
	role, err := user.ParseRole(r.PostFormValue("role"))
	if err != nil {
		return err
	}
	if err := h.cfg.Users.SetRole(r.Context(), u.ID, role); err != nil {
		return err
	}
	h.log.InfoContext(r.Context(), "staff role changed", "user_id", s.User.ID, "account", u.ID, "role", role)
	return done(w, r, "/admin/staff", "role")
}

func (h *Handler) staffAccess(w http.ResponseWriter, r *http.Request, s *staff) error {
	u, err := h.otherAccount(r, s)
	if err != nil {
		return err
	}
	var disabled bool
	switch r.PostFormValue("access") {
	case "disable":
		disabled = true
	case "enable":
	default:
		return invalid("Choose whether to disable or enable the account.")
	}
	if err := h.cfg.Users.SetDisabled(r.Context(), u.ID, disabled); err != nil {
		return err
	}
	h.log.InfoContext(r.Context(), "staff access changed", "user_id", s.User.ID, "account", u.ID, "disabled", disabled)
	return done(w, r, "/admin/staff", "access")
}
