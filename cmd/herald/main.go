// Command herald runs a news site with its email newsletter: the public
// pages, the signup box, and the engine that sends the mail. The same binary
// holds the commands an operator needs beside the server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
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

// usageError is a command line that cannot be understood. help names the
// command whose --help would have told how to write it, if there is one.
type usageError struct{ msg, help string }

func (e *usageError) Error() string {
	if e.help != "" {
		return e.msg + "; run 'herald " + e.help + " --help'"
	}
	return e.msg + " (see herald help)"
}

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
  herald user tokens EMAIL [--json]  list an account's API tokens
  herald user revoke EMAIL --token ID
                                     stop one API token at once
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

herald serve takes the flags below, before or after its arguments; the
other commands take the settings among them that they use (see
'herald COMMAND --help'). Each setting also comes from an environment
variable: --base-url from HERALD_BASE_URL.
`

// run is the whole program; main only supplies the process's environment,
// so tests can run Herald as it really runs.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := command(ctx, args, getenv, stdin, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // the usage asked for is printed
	}
	return err
}

func command(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	// Flags with no command are serve's (herald --addr :8080), except a
	// first word asking for help, which is for the whole program.
	cmd := "serve"
	if len(args) > 0 && (isHelp(args[0]) || len(args[0]) > 0 && args[0][0] != '-') {
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
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		fs, _ := newFlags("serve", getenv, stdout)
		new(serveFlags).define(fs)
		printDefaults(fs)
		return nil
	default:
		return &usageError{msg: fmt.Sprintf("unknown command %q", cmd)}
	}
}

// subcommand picks the subcommand of a command such as user. Asked for
// help, it prints the command's lines of the usage and returns
// flag.ErrHelp.
func subcommand(stdout io.Writer, args []string, what string, known ...string) (string, []string, error) {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprint(stdout, "Usage:\n"+usageOf(what)+"\nRun 'herald "+what+" SUBCOMMAND --help' for the flags of one.\n")
		return "", nil, flag.ErrHelp
	}
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return "", nil, &usageError{msg: fmt.Sprintf("%s needs a subcommand: %v", what, known)}
	}
	for _, k := range known {
		if args[0] == k {
			return k, args[1:], nil
		}
	}
	return "", nil, &usageError{msg: fmt.Sprintf("unknown %s subcommand %q", what, args[0])}
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// usageOf returns the lines of the usage that show command, a command and
// perhaps its subcommand, or a line of its own when the usage has none.
func usageOf(command string) string {
	words := strings.Fields(command)
	var b strings.Builder
	in := false
	for _, line := range strings.Split(usage, "\n") {
		if rest, ok := strings.CutPrefix(line, "  herald "); ok {
			fields := strings.Fields(rest)
			in = len(fields) >= len(words)
			for i := 0; in && i < len(words); i++ {
				in = slices.Contains(strings.Split(strings.Trim(fields[i], "[]"), "|"), words[i])
			}
		} else if !strings.HasPrefix(line, "        ") {
			in = false
		}
		if in {
			b.WriteString(line + "\n")
		}
	}
	if b.Len() == 0 {
		return "  herald " + command + " [flags]\n"
	}
	return b.String()
}
