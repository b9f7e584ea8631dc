package user_test

import (
	"context"
	"encoding/base32"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/user"
)

// rfcSecret is RFC 6238's SHA-1 test secret, "12345678901234567890", in
// base32.
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

func TestTOTPCodeRFC6238Vectors(t *testing.T) {
	// Appendix B's eight-digit codes, of which an app showing six digits
	// shows the last six.
	for _, v := range []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	} {
		got, err := user.TOTPCode(rfcSecret, time.Unix(v.unix, 0))
		if err != nil || got != v.want {
			t.Errorf("TOTPCode(RFC secret, T=%d) = %q, %v; want %q", v.unix, got, err, v.want)
		}
	}
	if _, err := user.TOTPCode("TOO SHORT", time.Unix(59, 0)); !errors.Is(err, user.ErrInvalid) {
		t.Errorf("TOTPCode with a 40-bit secret: %v, want ErrInvalid", err)
	}
}

// totpEnv is an account with a second factor switched on.
func totpEnv(t *testing.T) (*env, user.User, string) {
	t.Helper()
	e := newEnv(t, func(c *user.Config) { c.Issuer = "The Harbour Herald" })
	ctx := context.Background()
	u := e.create(t, "maya@example.org", user.Editor)
	en, err := e.svc.EnrollTOTP(ctx, u.ID)
	if err != nil {
		t.Fatalf("EnrollTOTP: %v", err)
	}
	uri, err := url.Parse(en.URI)
	if err != nil {
		t.Fatalf("enrolment URI %q: %v", en.URI, err)
	}
	gotURI := map[string]string{"scheme": uri.Scheme, "host": uri.Host, "label": uri.Path}
	for k, v := range uri.Query() {
		gotURI[k] = v[0]
	}
	wantURI := map[string]string{"scheme": "otpauth", "host": "totp", "label": "/The Harbour Herald:maya@example.org",
		"secret": en.Secret, "issuer": "The Harbour Herald", "algorithm": "SHA1", "digits": "6", "period": "30"}
	if diff := cmp.Diff(wantURI, gotURI); diff != "" {
		t.Errorf("enrolment URI %s (-want +got):\n%s", en.URI, diff)
	}
	if len(en.Secret) != 32 {
		t.Errorf("secret %q: want 160 bits, 32 base32 characters", en.Secret)
	}
	code, _ := user.TOTPCode(en.Secret, e.clock.Now())
	wrong := string('0'+(code[0]-'0'+1)%10) + code[1:]
	if err := e.svc.EnableTOTP(ctx, u.ID, en.Secret, wrong); !errors.Is(err, user.ErrBadCode) {
		t.Fatalf("EnableTOTP with a wrong code: %v, want ErrBadCode", err)
	}
	if got, _ := e.svc.User(ctx, u.ID); got.HasTOTP() {
		t.Fatal("second factor on before a right code was given")
	}
	if err := e.svc.EnableTOTP(ctx, u.ID, en.Secret, code); err != nil {
		t.Fatalf("EnableTOTP with the app's code: %v", err)
	}
	return e, u, en.Secret
}

func TestLoginWithTOTP(t *testing.T) {
	e, _, secret := totpEnv(t)
	ctx := context.Background()
	login := func(code string) error {
		_, err := e.svc.LoginWith(ctx, user.Credentials{Email: "maya@example.org", Password: goodPassword, Code: code, IP: "192.0.2.1"})
		return err
	}
	enrolCode, _ := user.TOTPCode(secret, e.clock.Now())
	if err := login(""); !errors.Is(err, user.ErrLoginFailed) {
		t.Errorf("right password, no code: %v, want ErrLoginFailed", err)
	}
	if err := login(enrolCode); !errors.Is(err, user.ErrLoginFailed) {
		t.Errorf("the code spent at enrolment: %v, want ErrLoginFailed (replay)", err)
	}
	e.clock.Advance(30 * time.Second)
	code, _ := user.TOTPCode(secret, e.clock.Now())
	if err := login(code[:3] + " " + code[3:]); err != nil {
		t.Fatalf("the current code, as the app shows it: %v", err)
	}
	if err := login(code); !errors.Is(err, user.ErrLoginFailed) {
		t.Errorf("the same code again: %v, want ErrLoginFailed (replay)", err)
	}
	if _, err := e.svc.Login(ctx, "maya@example.org", goodPassword, "192.0.2.1"); !errors.Is(err, user.ErrLoginFailed) {
		t.Errorf("Login without a code for an account with a second factor: %v, want ErrLoginFailed", err)
	}
}

func TestTOTPSkewAndOrder(t *testing.T) {
	e, u, secret := totpEnv(t)
	ctx := context.Background()
	login := func(at time.Time) error {
		code, _ := user.TOTPCode(secret, at)
		_, err := e.svc.LoginWith(ctx, user.Credentials{Email: u.Email, Password: goodPassword, Code: code, IP: "192.0.2.1"})
		return err
	}
	e.clock.Advance(5 * time.Minute)
	now := e.clock.Now()
	if err := login(now.Add(-60 * time.Second)); !errors.Is(err, user.ErrLoginFailed) {
		t.Errorf("a code two steps old: %v, want ErrLoginFailed", err)
	}
	if err := login(now.Add(-30 * time.Second)); err != nil {
		t.Errorf("a code one step old: %v, want accepted", err)
	}
	if err := login(now.Add(30 * time.Second)); err != nil {
		t.Errorf("a code one step ahead: %v, want accepted", err)
	}
	if err := login(now); !errors.Is(err, user.ErrLoginFailed) {
		t.Errorf("the current code after the next step's was used: %v, want ErrLoginFailed", err)
	}
	if err := e.svc.DisableTOTP(ctx, u.ID); err != nil {
		t.Fatalf("DisableTOTP: %v", err)
	}
	if _, err := e.svc.Login(ctx, u.Email, goodPassword, "192.0.2.1"); err != nil {
		t.Errorf("Login without a code once the second factor is off: %v", err)
	}
}

func TestTOTPCodeUsableOnceAcrossProcesses(t *testing.T) {
	e, u, secret := totpEnv(t)
	ctx := context.Background()
	other := e.service(openStore(t, e.path))
	e.clock.Advance(30 * time.Second)
	code, _ := user.TOTPCode(secret, e.clock.Now())
	c := user.Credentials{Email: u.Email, Password: goodPassword, Code: code, IP: "192.0.2.1"}
	errs := make(chan error, 2)
	for _, s := range []*user.Service{e.svc, other} {
		go func() { _, err := s.LoginWith(ctx, c); errs <- err }()
	}
	var ok, refused int
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, user.ErrLoginFailed):
			refused++
		default:
			t.Fatalf("LoginWith: %v", err)
		}
	}
	if ok != 1 || refused != 1 {
		t.Errorf("one code sent to two processes at once: %d accepted, %d refused; want 1 and 1", ok, refused)
	}
}
