package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"herald/internal/mail"
)

func dkimCommand(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	_, args, err := subcommand(stdout, args, "dkim", "keygen")
	if err != nil {
		return err
	}
	fs, _ := newFlags("dkim keygen", getenv, stdout)
	var domain, selector, algorithm, out string
	fs.StringVar(&domain, "domain", "", "the domain that signs, as in the From address (required)")
	fs.StringVar(&selector, "selector", "", "the selector naming this key in DNS (required)")
	fs.StringVar(&algorithm, "algorithm", "rsa", "rsa (2048 bits) or ed25519")
	fs.StringVar(&out, "out", "", "file for the private key (default ./dkim-SELECTOR.pem)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || domain == "" || selector == "" {
		return &usageError{msg: "dkim keygen needs --domain and --selector and no other arguments"}
	}
	// A fully qualified name, as a zone file writes it, names the same
	// domain; the signature's d= tag takes it without the dot.
	domain = strings.TrimSuffix(domain, ".")
	if algorithm != "rsa" && algorithm != "ed25519" {
		return &usageError{msg: fmt.Sprintf("--algorithm %q must be rsa or ed25519", algorithm), help: "dkim keygen"}
	}
	if out == "" {
		out = "dkim-" + selector + ".pem"
	}
	key, txt, err := mail.GenerateDKIMKey(algorithm)
	if err != nil {
		return err
	}
	// Check that the key, domain and selector work together before saving:
	// what is refused here is the domain or the selector given.
	if _, err := mail.NewDKIM(domain, selector, key); err != nil {
		return &usageError{msg: err.Error(), help: "dkim keygen"}
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists already; remove it or choose --out", out)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "private key written to %s (keep it secret; serve takes --dkim-key %s --dkim-domain %s --dkim-selector %s)\n\n",
		out, out, domain, selector)
	name := selector + "._domainkey." + domain
	fmt.Fprintf(stdout, "Publish this DNS TXT record. Most DNS providers' web forms take the value as it is:\n\nname:  %s\nvalue: %s\n\n", name, txt)
	fmt.Fprintf(stdout, "A zone file, or a form that asks for quoted strings, takes the value split into strings of at most %d characters, as DNS requires:\n\n%s\n", maxTXTString, zoneTXT(name, txt))
	return nil
}

// maxTXTString is the most bytes one character-string of a DNS TXT record
// holds (RFC 1035); a longer value is split into several, which a
// receiver joins again.
const maxTXTString = 255

// zoneTXT writes a TXT record as a zone file line, its value split into
// quoted strings of at most maxTXTString bytes. The value is ASCII without
// quotes or backslashes, as a DKIM key record is.
func zoneTXT(name, value string) string {
	var b strings.Builder
	b.WriteString(name + ". IN TXT (")
	for len(value) > 0 {
		n := min(len(value), maxTXTString)
		b.WriteString(` "` + value[:n] + `"`)
		value = value[n:]
	}
	b.WriteString(" )")
	return b.String()
}
