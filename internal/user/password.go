package user

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"golang.org/x/text/unicode/norm"
)

// The password policy: long enough to resist guessing, short enough that
// hashing cannot be turned into a denial of service.
const (
	MinPassword      = 12   // characters
	MaxPasswordBytes = 1024 // bytes
)

// Password policy errors, for the form that sets a password.
var (
	ErrPasswordTooShort = fmt.Errorf("a password needs at least %d characters", MinPassword)
	ErrPasswordTooLong  = fmt.Errorf("a password may have at most %d bytes", MaxPasswordBytes)
	ErrPasswordEncoding = errors.New("a password must be valid UTF-8 text")
)

// CheckPassword applies the password policy. It counts characters, not
// bytes, so a passphrase in any script is judged by its length as typed.
func CheckPassword(pw string) error {
	switch {
	case len(pw) > MaxPasswordBytes:
		return ErrPasswordTooLong
	case !utf8.ValidString(pw):
		return ErrPasswordEncoding
	case utf8.RuneCountInString(norm.NFKC.String(pw)) < MinPassword:
		return ErrPasswordTooShort
	}
	return nil
}

// Cost sets how much work one password hash takes. Each hash holds
// MemoryKiB of memory while it runs, so the default (the zero Cost) is sized
// for a small server with two cores: 64 MiB, one pass, two lanes.
type Cost struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
}

// defaultCost is above OWASP's argon2id minimum (46 MiB, one pass) and
// takes about 50 ms on two idle cores: unnoticed at sign-in, ruinous for
// anyone guessing at scale, and 64 MiB per hash stays affordable when a few
// run at once.
func defaultCost() Cost { return Cost{MemoryKiB: 64 * 1024, Iterations: 1, Parallelism: 2} }

// hasher hashes and verifies passwords, at most a few at a time so that a
// burst of sign-ins cannot exhaust memory.
type hasher struct {
	params *argon2id.Params
	slots  chan struct{}

	dummyOnce sync.Once
	dummy     string
	dummyErr  error
}

func newHasher(c Cost) *hasher {
	if c.MemoryKiB == 0 {
		c = defaultCost()
	}
	return &hasher{
		params: &argon2id.Params{Memory: c.MemoryKiB, Iterations: max(c.Iterations, 1),
			Parallelism: max(c.Parallelism, 1), SaltLength: 16, KeyLength: 32},
		slots: make(chan struct{}, max(2, runtime.GOMAXPROCS(0))),
	}
}

func (h *hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *hasher) release() { <-h.slots }

// hash applies the policy and returns the encoded argon2id hash. Passwords
// are NFKC-normalised first, so the same passphrase typed on another
// keyboard or system still matches.
func (h *hasher) hash(ctx context.Context, pw string) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	enc, err := argon2id.CreateHash(norm.NFKC.String(pw), h.params)
	if err != nil {
		return "", fmt.Errorf("user: hash password: %w", err)
	}
	return enc, nil
}

// verify reports whether pw matches the encoded hash. An empty hash is
// checked against a dummy hash of the same cost, so an unknown account
// takes as long to refuse as a wrong password.
func (h *hasher) verify(ctx context.Context, pw, encoded string) (bool, error) {
	if encoded == "" {
		d, err := h.dummyHash()
		if err != nil {
			return false, err
		}
		encoded = d
	}
	if len(pw) > MaxPasswordBytes {
		// Never hash unbounded input; the refusal costs the same either way.
		pw = pw[:MaxPasswordBytes]
		encoded, _ = h.dummyHash()
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	ok, err := argon2id.ComparePasswordAndHash(norm.NFKC.String(pw), encoded)
	if err != nil {
		return false, fmt.Errorf("user: verify password: %w", err)
	}
	return ok, nil
}

// dummyHash is a hash of a random password nobody knows, made once with the
// current cost.
func (h *hasher) dummyHash() (string, error) {
	h.dummyOnce.Do(func() {
		h.dummy, h.dummyErr = argon2id.CreateHash(randomToken(), h.params)
	})
	return h.dummy, h.dummyErr
}
