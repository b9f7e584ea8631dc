package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runMain runs this test binary as the herald program with args, in a
// temporary folder, and returns what it printed and its exit code.
func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "HERALD_RUN_MAIN=1")
	cmd.Dir = t.TempDir()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("herald %v: %v", args, err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

func TestHelpPrintsTheUsageAndSucceeds(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"serve", "--help"}, []string{"herald [serve]", "-addr", "-smtp", "HERALD_BASE_URL"}},
		{[]string{"--help"}, []string{"herald [serve]", "herald campaign create", "herald migrate-data", "-addr"}},
		{[]string{"-h"}, []string{"herald [serve]", "herald user add", "herald help", "-addr"}},
		{[]string{"subscriber", "import", "-h"}, []string{"herald subscriber import FILE.csv", "-confirmed", "-newsletter"}},
		{[]string{"campaign", "send", "--help"}, []string{"herald campaign send|pause|resume|cancel ID", "change a campaign's state"}},
		{[]string{"subscriber", "--help"}, []string{"herald subscriber list", "herald subscriber export", "herald subscriber SUBCOMMAND --help"}},
		{[]string{"dkim", "keygen", "--help"}, []string{"herald dkim keygen", "-selector"}},
		{[]string{"migrate-data", "--help"}, []string{"herald migrate-data", "-to", `herald serve would open (default "herald-data/herald.db")`}},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, env(nil), strings.NewReader(""), &out, &errOut)
		if err != nil || errOut.Len() != 0 {
			t.Errorf("herald %v = %v, stderr %q; want the usage on stdout and no error", tc.args, err, errOut.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("herald %v printed no %q:\n%s", tc.args, w, out.String())
			}
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.Count(line, "default") > 1 {
				t.Errorf("herald %v gives a default twice: %q", tc.args, line)
			}
		}
	}
	out, errOut, code := runMain(t, "serve", "--help")
	if code != 0 || !strings.Contains(out, "-addr") || errOut != "" {
		t.Errorf("herald serve --help exited %d with stdout %q and stderr %q; want the usage on stdout and exit 0", code, out, errOut)
	}
	for _, arg := range []string{"--help", "-h"} {
		out, errOut, code := runMain(t, arg)
		if code != 0 || !strings.Contains(out, "herald campaign list") || errOut != "" {
			t.Errorf("herald %s exited %d with stdout %q and stderr %q; want every command on stdout and exit 0", arg, code, out, errOut)
		}
	}
}

func TestHelpHidesSecretsFromTheEnvironment(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{
			"HERALD_SMTP":          "smtp://herald:smtp-pass@mail.example.org:587",
			"HERALD_DATABASE":      "postgres://herald:db-pass@db.example.org/herald",
			"HERALD_SECRET":        "a-secret-of-more-than-thirty-two-characters",
			"HERALD_METRICS_TOKEN": "metrics-token-value",
		}[k]
	}
	for _, args := range [][]string{{"serve", "--help"}, {"help"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &out); err != nil {
			t.Fatalf("herald %v: %v", args, err)
		}
		for _, secret := range []string{"smtp-pass", "db-pass", "a-secret-of", "metrics-token-value"} {
			if strings.Contains(out.String(), secret) {
				t.Errorf("herald %v printed %q from the environment:\n%s", args, secret, out.String())
			}
		}
	}
}

func TestBadFlagIsOneLineWithTheWayToHelp(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		want, cmd string
	}{
		{[]string{"serve", "--bogus"}, "-bogus", "herald serve --help"},
		{[]string{"--bogus"}, "-bogus", "herald serve --help"},
		{[]string{"serve", "--signup-limit", "many"}, "must be a whole number", "herald serve --help"},
		{[]string{"subscriber", "import", "list.csv", "--newsletter"}, "flag needs an argument", "herald subscriber import --help"},
	} {
		out, errOut, code := runMain(t, tc.args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "run '"+tc.cmd+"'") {
			t.Errorf("herald %v exited %d with stdout %q and stderr %q; want exit 2 and one line saying %q and to run %q", tc.args, code, out, errOut, tc.want, tc.cmd)
		}
	}
}

// TestFlagsWithoutCommandAreServes: herald --addr … runs serve, as
// herald with no arguments does.
func TestFlagsWithoutCommandAreServes(t *testing.T) {
	args := []string{"--addr", "no-port", "--data", t.TempDir()}
	_, _, err := runCLI(t, "", args...)
	if err == nil || !strings.Contains(err.Error(), `--addr "no-port" is not host:port`) {
		t.Errorf("herald %v = %v; want serve's refusal of the address", args, err)
	}
}

// TestBadSettingIsAUsageError: a value Herald refuses exits 2 with one
// line, whether the flag package or Herald's own checks refuse it, so
// --rate -1 fails as --rate many does.
func TestBadSettingIsAUsageError(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--rate", "-1"}, "--rate -1 must be a whole number"},
		{[]string{"serve", "--lease", "1s"}, "--lease must be at least 2s"},
		{[]string{"serve", "--addr", "no-port"}, `--addr "no-port" is not host:port`},
		{[]string{"serve", "--smtp", "ftp://mail.example.org"}, `URL scheme "ftp" is not smtp or smtps`},
		{[]string{"article", "publish", "--base-url", "ftp://example.org"}, "must be an absolute http or https URL"},
		{[]string{"dkim", "keygen", "--domain", "example.org", "--selector", "s1", "--algorithm", "dsa"}, `--algorithm "dsa" must be rsa or ed25519`},
		{[]string{"dkim", "keygen", "--domain", "exa mple.org", "--selector", "s1", "--algorithm", "ed25519"}, "domain"},
	} {
		out, errOut, code := runMain(t, tc.args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("herald %v exited %d with stdout %q and stderr %q; want exit 2 and one line saying %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

// TestHelpListsWhatServeTakes checks that the overview lists every flag
// serve --help does, and no other.
func TestHelpListsWhatServeTakes(t *testing.T) {
	flags := func(args ...string) []string {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, env(nil), strings.NewReader(""), &out, &errOut); err != nil {
			t.Fatalf("herald %v = %v", args, err)
		}
		var names []string
		for _, line := range strings.Split(out.String(), "\n") {
			if name, ok := strings.CutPrefix(line, "  -"); ok {
				names = append(names, strings.Fields(name)[0])
			}
		}
		return names
	}
	serve, help := flags("serve", "--help"), flags("help")
	if !slices.Equal(help, serve) || !slices.Contains(help, "no-demo") {
		t.Errorf("herald help lists the flags %v; herald serve --help lists %v; want the same, --no-demo among them", help, serve)
	}
}

// TestUnusedSettingIsRefused: a command refuses a shared setting it would
// ignore, naming the flag, and takes those it uses.
func TestUnusedSettingIsRefused(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"dkim", "keygen", "--domain", "example.org", "--selector", "s1", "--data", data}, "-data"},
		{[]string{"dkim", "keygen", "--domain", "example.org", "--selector", "s1", "--database", "x.db"}, "-database"},
		{[]string{"dkim", "keygen", "--domain", "example.org", "--selector", "s1", "--json"}, "-json"},
		{[]string{"article", "list", "--data", data, "--smtp", "smtp://mail.example.org"}, "-smtp"},
		{[]string{"article", "publish", "story.md", "--data", data, "--json"}, "-json"},
		{[]string{"subscriber", "export", "--data", data, "--json"}, "-json"},
		{[]string{"campaign", "send", "1", "--data", data, "--site-name", "Daily"}, "-site-name"},
		{[]string{"user", "add", "a@example.org", "--role", "owner", "--data", data, "--log-level", "debug"}, "-log-level"},
		{[]string{"migrate", "--data", data, "--addr", "127.0.0.1:9000"}, "-addr"},
		{[]string{"newsletter", "list", "--data", data, "--from", "news@example.org"}, "-from"},
	} {
		out, errOut, code := runMain(t, tc.args...)
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.flag+";") {
			t.Errorf("herald %v exited %d with stdout %q and stderr %q; want exit 2 and one line naming %s", tc.args, code, out, errOut, tc.flag)
		}
	}
	for _, args := range [][]string{
		{"article", "list", "--data", data, "--json"},
		{"subscriber", "import", writeFile(t, "list.csv", "email\na@example.org\n"), "--data", data, "--secret", strings.Repeat("s", 32)},
		{"newsletter", "create", "morning", "--name", "Morning", "--data", data, "--language", "fr"},
		{"campaign", "list", "--database", filepath.Join(data, "herald.db"), "--json"},
	} {
		if _, errOut, err := runCLI(t, "", args...); err != nil {
			t.Errorf("herald %v = %v\n%s; want it taken", args, err, errOut)
		}
	}
}
