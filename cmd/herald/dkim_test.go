package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// keygen runs herald dkim keygen with args, the key written in a temporary
// folder, and returns what it printed.
func keygen(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "key.pem")
	stdout, _, err := runCLI(t, "", append([]string{"dkim", "keygen", "--out", out}, args...)...)
	if err == nil {
		if _, statErr := os.Stat(out); statErr != nil {
			t.Errorf("dkim keygen %v wrote no key: %v", args, statErr)
		}
	}
	return stdout, err
}

func TestDKIMKeygenPrintsAZoneLineOfShortStrings(t *testing.T) {
	for _, algorithm := range []string{"rsa", "ed25519"} {
		out, err := keygen(t, "--domain", "example.org.", "--selector", "herald1", "--algorithm", algorithm)
		if err != nil {
			t.Fatalf("dkim keygen --domain example.org. --algorithm %s: %v", algorithm, err)
		}
		value := regexp.MustCompile(`(?m)^value: (.+)$`).FindStringSubmatch(out)
		zone := regexp.MustCompile(`(?m)^herald1\._domainkey\.example\.org\. IN TXT \((( "[^"]*")+) \)$`).FindStringSubmatch(out)
		if value == nil || zone == nil || !strings.Contains(out, "name:  herald1._domainkey.example.org\n") {
			t.Fatalf("dkim keygen --algorithm %s printed no name, value and zone line for example.org:\n%s", algorithm, out)
		}
		var joined string
		for _, s := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(zone[1], -1) {
			if len(s[1]) > 255 {
				t.Errorf("--algorithm %s: a string of the zone line has %d characters; DNS allows 255", algorithm, len(s[1]))
			}
			joined += s[1]
		}
		if joined != value[1] {
			t.Errorf("--algorithm %s: the zone line's strings join to %q; want the value %q", algorithm, joined, value[1])
		}
		if algorithm == "rsa" && len(value[1]) <= 255 {
			t.Errorf("an RSA key's value has %d characters; the test wants one that must be split", len(value[1]))
		}
		if !strings.Contains(out, "--dkim-domain example.org ") {
			t.Errorf("dkim keygen does not tell serve's flags with the domain as signed, example.org:\n%s", out)
		}
	}
}

func TestDKIMKeygenRefusesABadDomain(t *testing.T) {
	for _, domain := range []string{"example.org..", "exa mple.org", ".example.org"} {
		if _, err := keygen(t, "--domain", domain, "--selector", "herald1", "--algorithm", "ed25519"); err == nil || !strings.Contains(err.Error(), "domain") {
			t.Errorf("dkim keygen --domain %q = %v; want an error about the domain", domain, err)
		}
	}
}

func TestServeTakesTheDKIMDomainWithItsFinalDot(t *testing.T) {
	c, _, err := setup("serve", []string{"--dkim-key", "k.pem", "--dkim-domain", "example.org.", "--dkim-selector", "herald1"}, env(nil), &strings.Builder{}, nil)
	if err != nil {
		t.Fatalf("serve --dkim-domain example.org.: %v", err)
	}
	if c.dkimDomain != "example.org" {
		t.Errorf("serve --dkim-domain example.org. signs for %q; want example.org", c.dkimDomain)
	}
}
