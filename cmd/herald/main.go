// Command herald runs a news site with its email newsletter: the public
// pages, the signup box, and the engine that sends the mail. The same binary
// holds the commands an operator needs beside the server.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // digest times in any zone, on machines without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	signalled := ctx.Err() != nil
	stop()
	if err != nil {
		var u *usageError
		switch {
		case errors.As(err, &u):
			fmt.Fprintln(os.Stderr, "herald:", err)
			os.Exit(2)
		case signalled && errors.Is(err, context.Canceled):
			// The command said what it left behind; the chain adds nothing.
			fmt.Fprintln(os.Stderr, "herald: interrupted")
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "herald:", err)
		os.Exit(1)
	}
}

// usageError is a command line that cannot be understood.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg + " (see herald help)" }

const usage = `Herald runs a news site and its email newsletter.

Usage:
  herald [serve]                     start the site and the mail sender
  herald article publish FILE.md...  publish (or update) articles from Markdown files
  herald article list [--json]       list articles, newest first
  herald subscriber list [--json]    list subscribers and their state per newsletter
  herald newsletter list             list newsletters
  herald newsletter create SLUG --name NAME [--digest daily|weekly --digest-time HH:MM --timezone TZ]
  herald campaign create --newsletter SLUG --subject TEXT (--article SLUG... | --markdown FILE)
                                     make a draft campaign; prints its ID
  herald campaign send|pause|resume|cancel ID [--at TIME]
                                     change a campaign's state; the running server sends
  herald campaign status ID [--json] show progress (live on a terminal)
  herald campaign test ID --to ADDR  send a test copy
  herald campaign list               list campaigns
  herald dkim keygen --domain D --selector S [--algorithm rsa|ed25519] [--out FILE]
  herald user add EMAIL --role R [--name N] [--password-stdin]
                                     add a staff account: owner, editor, author or viewer
  herald user list [--json]          list staff accounts
  herald user token EMAIL --name N [--scope P]...
                                     make an API token (printed once; default scopes: the role's)
  herald user password EMAIL [--password-stdin]
                                     set a password and sign out every session
  herald user disable|enable EMAIL   stop or restore an account's sign-in and tokens
  herald user totp EMAIL [--off]     switch the second factor (an authenticator app's codes) on or off
  herald subscriber import FILE.csv [--newsletter SLUG] [--confirmed]
  herald subscriber export [--newsletter SLUG] [--out FILE]
  herald migrate                     apply the database migrations this program has and the database lacks
  herald migrate-data --to postgres://… [--from sqlite:PATH]
                                     copy the SQLite data into a new, empty PostgreSQL database
  herald help                        show this text

Every command takes the settings below, before or after its arguments.
Each flag has an environment variable: --base-url is HERALD_BASE_URL.
`

// run is the whole program; main only supplies the process's environment,
// so tests can run Herald as it really runs.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "article":
		return articleCommand(ctx, args, getenv, stdout, stderr)
	case "subscriber":
		return subscriberCommand(ctx, args, getenv, stdout, stderr)
	case "newsletter":
		return newsletterCommand(ctx, args, getenv, stdout, stderr)
	case "campaign":
		return campaignCommand(ctx, args, getenv, stdout, stderr)
	case "dkim":
		return dkimCommand(ctx, args, getenv, stdout, stderr)
	case "user":
		return userCommand(ctx, args, getenv, stdin, stdout, stderr)
	case "migrate":
		return migrateCommand(ctx, args, getenv, stdout, stderr)
	case "migrate-data":
		return migrateDataCommand(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		fs, _ := newFlags("serve", getenv, stdout)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return nil
	default:
		return &usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

func subcommand(args []string, what string, known ...string) (string, []string, error) {
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return "", nil, &usageError{fmt.Sprintf("%s needs a subcommand: %v", what, known)}
	}
	for _, k := range known {
		if args[0] == k {
			return k, args[1:], nil
		}
	}
	return "", nil, &usageError{fmt.Sprintf("unknown %s subcommand %q", what, args[0])}
}
