package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"herald/internal/user"
)

// userFlags are the flags of the user subcommands beside the shared ones.
type userFlags struct {
	role          string
	name          string
	passwordStdin bool
	scopes        []user.Permission
	totpOff       bool
	token         int64
}

// userCommand manages staff accounts from the shell: the first owner is
// made here, and a locked-out newsroom gets back in here.
func userCommand(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	sub, args, err := subcommand(stdout, args, "user", "add", "list", "token", "tokens", "revoke", "password", "disable", "enable", "totp")
	if err != nil {
		return err
	}
	var f userFlags
	c, pos, err := setup("user "+sub, args, getenv, stdout, func(fs *flag.FlagSet) {
		switch sub {
		case "add":
			fs.StringVar(&f.role, "role", "", "owner, editor, author or viewer")
			fs.StringVar(&f.name, "name", "", "the person's name")
			fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from standard input")
		case "password":
			fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from standard input")
		case "totp":
			fs.BoolVar(&f.totpOff, "off", false, "switch the second factor off")
		case "revoke":
			fs.Int64Var(&f.token, "token", 0, "the ID of the token to revoke (herald user tokens lists them)")
		case "token":
			fs.StringVar(&f.name, "name", "", "what the token is for")
			fs.Func("scope", "a permission the token may use; repeat or separate with commas (default: all the role holds)", func(s string) error {
				for _, part := range strings.Split(s, ",") {
					p, err := user.ParsePermission(part)
					if err != nil {
						return fmt.Errorf("%q is not a permission; one of %s", part, permissionList(user.Permissions()))
					}
					f.scopes = append(f.scopes, p)
				}
				return nil
			})
		}
	})
	if err != nil {
		return err
	}
	if sub == "list" {
		if len(pos) > 0 {
			return &usageError{msg: "user list takes no arguments"}
		}
	} else if len(pos) != 1 {
		return &usageError{msg: fmt.Sprintf("user %s needs one email address", sub)}
	}
	if sub == "add" {
		return userAdd(ctx, c, pos[0], f, stdin, stdout, stderr)
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := user.NewService(user.Config{Store: st, Issuer: c.siteName})
	if sub == "list" {
		return userList(ctx, svc, c.json, stdout)
	}
	u, err := svc.UserByEmail(ctx, pos[0])
	if errors.Is(err, user.ErrNotFound) {
		return fmt.Errorf("no staff account has the address %s", pos[0])
	}
	if err != nil {
		return err
	}
	switch sub {
	case "totp":
		return userTOTP(ctx, svc, u, f.totpOff, stdin, stdout, stderr)
	case "token":
		return userToken(ctx, svc, u, f, stdout, stderr)
	case "tokens":
		return userTokens(ctx, svc, u, c.json, stdout)
	case "revoke":
		return userRevoke(ctx, svc, u, f.token, stdout)
	case "password":
		pw, err := readPassword(f.passwordStdin, stdin, stderr)
		if err != nil {
			return err
		}
		if err := svc.SetPassword(ctx, u.ID, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "changed the password of %s; every session of it is signed out\n", u.Email)
		return nil
	default:
		disable := sub == "disable"
		if err := svc.SetDisabled(ctx, u.ID, disable); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%sd %s\n", sub, u.Email)
		return nil
	}
}

// userAdd reads and checks the new account's password before it opens the
// database, so a refused account leaves a new data folder uncreated.
func userAdd(ctx context.Context, c *config, email string, f userFlags, stdin io.Reader, stdout, stderr io.Writer) error {
	if f.role == "" {
		return &usageError{msg: "user add needs --role owner, editor, author or viewer"}
	}
	r, err := user.ParseRole(f.role)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("--role %q must be owner, editor, author or viewer", f.role)}
	}
	pw, err := readPassword(f.passwordStdin, stdin, stderr)
	if err != nil {
		return err
	}
	account := user.User{Email: email, Name: f.name, Role: r}
	if err := user.CheckNew(account, pw); err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := user.NewService(user.Config{Store: st, Issuer: c.siteName})
	u, err := svc.Create(ctx, account, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s %s\n", u.Role, u.Email)
	return nil
}

func userList(ctx context.Context, svc *user.Service, asJSON bool, stdout io.Writer) error {
	enc := json.NewEncoder(stdout)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	if !asJSON {
		fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\t2FA\tSTATE\tCREATED")
	}
	var after int64
	for {
		page, err := svc.Users(ctx, after, 500)
		if err != nil {
			return err
		}
		for _, u := range page {
			if asJSON {
				if err := enc.Encode(struct {
					Email     string    `json:"email"`
					Name      string    `json:"name"`
					Role      user.Role `json:"role"`
					TOTP      bool      `json:"totp"`
					Disabled  bool      `json:"disabled"`
					CreatedAt time.Time `json:"created_at"`
				}{u.Email, u.Name, u.Role, u.HasTOTP(), u.Disabled, u.CreatedAt}); err != nil {
					return err
				}
				continue
			}
			totp, state := "-", "active"
			if u.HasTOTP() {
				totp = "on"
			}
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Email, u.Name, u.Role, totp, state, u.CreatedAt.Local().Format("2006-01-02"))
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID
	}
	if asJSON {
		return nil
	}
	return tw.Flush()
}

// userToken prints the new token alone on standard output, so a script can
// capture it; everything said about it goes to standard error.
func userToken(ctx context.Context, svc *user.Service, u user.User, f userFlags, stdout, stderr io.Writer) error {
	if strings.TrimSpace(f.name) == "" {
		return &usageError{msg: "user token needs --name saying what the token is for"}
	}
	scopes := f.scopes
	if len(scopes) == 0 {
		scopes = u.Role.Permissions()
	}
	plain, t, err := svc.CreateToken(ctx, u.ID, f.name, scopes)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, plain)
	fmt.Fprintf(stderr, "API token %d, %q, for %s with scopes %s; it is shown only this once (herald user revoke %s --token %d stops it)\n",
		t.ID, t.Name, u.Email, permissionList(t.Scopes), u.Email, t.ID)
	return nil
}

func permissionList(ps []user.Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

// readPassword takes a password from standard input when asked to, or from
// the terminal without echo, twice. Without a terminal it refuses rather
// than read a password that would be echoed or come from who knows where.
func readPassword(fromStdin bool, stdin io.Reader, stderr io.Writer) (string, error) {
	if fromStdin {
		b, err := io.ReadAll(io.LimitReader(stdin, user.MaxPasswordBytes+3))
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		pw := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if len(pw) > user.MaxPasswordBytes {
			return "", user.ErrPasswordTooLong
		}
		return pw, nil
	}
	f, ok := stdin.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", &usageError{msg: "standard input is not a terminal to ask for the password on; pass --password-stdin and pipe the password in"}
	}
	fd := int(f.Fd())
	fmt.Fprint(stderr, "Password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if err := user.CheckPassword(string(first)); err != nil {
		return "", err
	}
	fmt.Fprint(stderr, "Repeat it: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(first) != string(second) {
		return "", errors.New("the two passwords differ")
	}
	return string(first), nil
}

// userTOTP switches an account's second factor on: it prints a new secret
// and its otpauth:// URI for an authenticator app, then reads the first
// code the app shows, and enables the factor only if that code is right.
func userTOTP(ctx context.Context, svc *user.Service, u user.User, off bool, stdin io.Reader, stdout, stderr io.Writer) error {
	if off {
		if err := svc.DisableTOTP(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "second factor switched off for %s\n", u.Email)
		return nil
	}
	e, err := svc.EnrollTOTP(ctx, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Add this to an authenticator app:\n  secret: %s\n  %s\n", e.Secret, e.URI)
	fmt.Fprint(stderr, "Then type the six-digit code it shows: ")
	line, err := bufio.NewReader(io.LimitReader(stdin, 64)).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("no code given; the second factor stays off")
	}
	if err := svc.EnableTOTP(ctx, u.ID, e.Secret, strings.TrimSpace(line)); err != nil {
		return fmt.Errorf("the code was not right, so the second factor stays off: %w", err)
	}
	fmt.Fprintf(stdout, "second factor switched on for %s: sign-in now asks for a code\n", u.Email)
	return nil
}
