package main

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"herald/internal/user"
)

// TestUserTOTP switches the second factor on from the shell and checks that
// sign-in then needs the authenticator's code.
func TestUserTOTP(t *testing.T) {
	data := t.TempDir()
	const pw = "a long enough passphrase"
	mustUserCLI(t, data, pw+"\n", "user", "add", "ed@example.org", "--role", "editor", "--password-stdin")

	// A wrong first code leaves the factor off.
	if _, _, err := userCLI(t, data, "000000\n", "user", "totp", "ed@example.org"); err == nil {
		t.Fatal("user totp accepted a wrong code")
	}
	svc := staffService(t, data)
	if _, err := svc.Login(context.Background(), "ed@example.org", pw, "192.0.2.1"); err != nil {
		t.Fatalf("sign-in without a code after a failed enrolment: %v", err)
	}

	// The command prints the secret before it reads the code, so a test
	// (like a person) can compute the code from what it printed. Two runs
	// share stdin only through a pipe; here the secret is taken from a
	// first run's output and the code fed to a second.
	out, _, _ := userCLI(t, data, "", "user", "totp", "ed@example.org")
	secret := regexp.MustCompile(`secret: ([A-Z2-7]+)`).FindStringSubmatch(out)
	if secret == nil || !strings.Contains(out, "otpauth://totp/") {
		t.Fatalf("user totp printed no secret and URI:\n%s", out)
	}
	code, err := user.TOTPCode(secret[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	svc2 := staffService(t, data)
	u, _ := svc2.UserByEmail(context.Background(), "ed@example.org")
	if err := svc2.EnableTOTP(context.Background(), u.ID, secret[1], code); err != nil {
		t.Fatalf("EnableTOTP with the printed secret: %v", err)
	}
	_, err = svc2.LoginWith(context.Background(), user.Credentials{Email: "ed@example.org", Password: pw, IP: "192.0.2.2"})
	if !errors.Is(err, user.ErrLoginFailed) {
		t.Errorf("sign-in without the code after enabling: %v, want ErrLoginFailed", err)
	}
	mustUserCLI(t, data, "", "user", "totp", "ed@example.org", "--off")
	if _, err := staffService(t, data).Login(context.Background(), "ed@example.org", pw, "192.0.2.3"); err != nil {
		t.Errorf("sign-in after switching the factor off: %v", err)
	}
}
