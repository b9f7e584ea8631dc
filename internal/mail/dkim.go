package mail

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// minRSABits is the smallest RSA key RFC 8301 lets verifiers accept;
// smaller keys would make every signature fail.
const minRSABits = 1024

// DKIM signs outgoing messages for one domain, so that receivers can tell
// they really come from it. It is safe for concurrent use.
type DKIM struct {
	domain   string
	selector string
	key      crypto.Signer
	now      func() time.Time // the signature's t=
}

// NewDKIM reads a PEM private key: RSA as PKCS#1 ("RSA PRIVATE KEY") or
// PKCS#8 ("PRIVATE KEY"), Ed25519 as PKCS#8. The public half must be
// published at selector._domainkey.domain (see GenerateDKIMKey).
func NewDKIM(domain, selector string, keyPEM []byte) (*DKIM, error) {
	if err := checkDNSName("domain", domain); err != nil {
		return nil, fmt.Errorf("mail: dkim: %w", err)
	}
	if err := checkDNSName("selector", selector); err != nil {
		return nil, fmt.Errorf("mail: dkim: %w", err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("mail: dkim: %w", err)
	}
	return &DKIM{domain: domain, selector: selector, key: key, now: time.Now}, nil
}

func parseKey(keyPEM []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("no PEM block in private key")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key (want RSA PRIVATE KEY or PRIVATE KEY)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("RSA key has %d bits, want at least %d", k.N.BitLen(), minRSABits)
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	default:
		return nil, fmt.Errorf("private key type %T is not RSA or Ed25519", key)
	}
}

// checkDNSName accepts dotted DNS labels of letters, digits, hyphens and
// underscores: the d= and s= tags take no escaping, and a space or
// semicolon there would break the signature header.
func checkDNSName(what, s string) error {
	if s == "" || len(s) > 253 {
		return fmt.Errorf("%s %q must be 1 to 253 bytes", what, s)
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("%s %q has an empty or over-long label", what, s)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("%s %q contains %q", what, s, c)
			}
		}
	}
	return nil
}

// signedFields are the fields whose change would alter what a reader sees
// or how unsubscribing works. Only those present are signed.
var signedFields = [...]string{
	"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
	"Content-Type", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Id",
	"Reply-To",
}

// GenerateDKIMKey makes a new key for algorithm "rsa" (2048 bits) or
// "ed25519". It returns the private key as PKCS#8 PEM, for NewDKIM, and the
// TXT record value to publish at selector._domainkey.domain.
//
// Ed25519 signatures are smaller and much faster to make, but some
// receivers still ignore them; publishing one key of each is common.
func GenerateDKIMKey(algorithm string) (keyPEM []byte, txtValue string, err error) {
	var key any
	var pub []byte
	switch algorithm {
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, "", fmt.Errorf("mail: dkim: generate rsa key: %w", err)
		}
		pub, err = x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			return nil, "", fmt.Errorf("mail: dkim: %w", err)
		}
		key = k
	case "ed25519":
		p, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, "", fmt.Errorf("mail: dkim: generate ed25519 key: %w", err)
		}
		pub = p // RFC 8463: the bare 32-byte key, not a PKIX structure
		key = k
	default:
		return nil, "", fmt.Errorf("mail: dkim: unknown key algorithm %q (want rsa or ed25519)", algorithm)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, "", fmt.Errorf("mail: dkim: %w", err)
	}
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	txtValue = "v=DKIM1; k=" + algorithm + "; p=" + base64.StdEncoding.EncodeToString(pub)
	return keyPEM, txtValue, nil
}
