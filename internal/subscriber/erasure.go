package subscriber

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
)

// ErasureKey is what stands for an erased person's address on the
// suppression list: "erased:" and the HMAC-SHA-256 of the address's key,
// keyed by a key derived from the site secret. Whoever checks an address
// against the list computes the same from the address in hand; without the
// secret, the list gives no address back, not even by guessing.
func ErasureKey(secret []byte, email string) string {
	return newErasureKeyer(secret).key(email)
}

// ErasedPrefix begins every erasure key on the suppression list.
const ErasedPrefix = "erased:"

// erasureKeyer computes erasure keys for one secret, the key derived once
// and the HMAC reused. It is not safe for concurrent use.
type erasureKeyer struct {
	mac hash.Hash
	sum []byte
	buf []byte
}

func newErasureKeyer(secret []byte) *erasureKeyer {
	k := hmac.New(sha256.New, secret)
	k.Write([]byte("herald erasure v1"))
	return &erasureKeyer{mac: hmac.New(sha256.New, k.Sum(nil))}
}

func (e *erasureKeyer) key(email string) string {
	e.mac.Reset()
	e.mac.Write([]byte(EmailKey(strings.TrimSpace(email))))
	e.sum = e.mac.Sum(e.sum[:0])
	e.buf = append(e.buf[:0], ErasedPrefix...)
	e.buf = hex.AppendEncode(e.buf, e.sum)
	return string(e.buf)
}

// Erasure computes the keys that stand for erased people. A new erasure is
// keyed with the database's own erasure key, which every process on the
// database shares whatever secret it was started with; the older keys
// still find people erased before there was one, keyed with the site
// secret of the process that erased them.
type Erasure struct {
	current []byte
	older   [][]byte
}

// NewErasure returns the erasure keys of current, checking older ones too.
func NewErasure(current []byte, older ...[]byte) Erasure {
	e := Erasure{current: current}
	for _, o := range older {
		if len(o) > 0 && string(o) != string(current) && !slices.ContainsFunc(e.older, func(k []byte) bool { return string(k) == string(o) }) {
			e.older = append(e.older, o)
		}
	}
	return e
}

// Key is what a new erasure of email puts on the suppression list.
func (e Erasure) Key(email string) string { return ErasureKey(e.current, email) }

// keyers computes every key an erased address may stand under.
func (e Erasure) keyers() []*erasureKeyer {
	ks := []*erasureKeyer{newErasureKeyer(e.current)}
	for _, o := range e.older {
		ks = append(ks, newErasureKeyer(o))
	}
	return ks
}

// ReasonErased is why an import leaves out an erased person's address.
const ReasonErased = "erased on the person's request: not to be added again by an import"

// Erased reports whether the person at email was erased on their request,
// so that staff adding an address one at a time meet the same rule as an
// import.
func Erased(ctx context.Context, st interface {
	SuppressedKeys(ctx context.Context, keys []string) ([]string, error)
}, e Erasure, email string) (bool, error) {
	var keys []string
	for _, k := range e.keyers() {
		keys = append(keys, k.key(email))
	}
	found, err := st.SuppressedKeys(ctx, keys)
	return len(found) > 0, err
}

// ErasureStore is an import store that can tell which keys are on the
// suppression list.
type ErasureStore interface {
	ImportStore
	// SuppressedKeys returns those of keys on the suppression list.
	SuppressedKeys(ctx context.Context, keys []string) ([]string, error)
	// HasErasures reports whether any erasure key (ErasedPrefix) is on
	// the suppression list.
	HasErasures(ctx context.Context) (bool, error)
}

// SkipErased stores an import's rows except those of people erased on
// their request, whose addresses only the keyed hashes of the suppression
// list know: every way in (the admin app, the API, the command line) goes
// through it.
func SkipErased(st ErasureStore, e Erasure) ImportStore {
	return skipErased{ErasureStore: st, erasure: e}
}

type skipErased struct {
	ErasureStore
	erasure Erasure
}

// ImportSubscribers looks for the chunk's addresses among the erasure keys
// only when there are some: most publications never erase anyone, and a
// key costs an HMAC and a look-up for each row of a file.
func (f skipErased) ImportSubscribers(ctx context.Context, newsletterID int64, rows []ImportRow, opts ImportOptions) (ImportResult, error) {
	some, err := f.HasErasures(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	if !some {
		return f.ErasureStore.ImportSubscribers(ctx, newsletterID, rows, opts)
	}
	keyers := f.erasure.keyers()
	byKey := make(map[string][]int, len(rows)*len(keyers))
	keys := make([]string, 0, len(rows)*len(keyers))
	for i, row := range rows {
		for _, keyer := range keyers {
			k := keyer.key(row.Email)
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], i)
		}
	}
	drop := make([]bool, len(rows))
	var skips []RowError
	for from := 0; from < len(keys); from += 500 {
		found, err := f.SuppressedKeys(ctx, keys[from:min(from+500, len(keys))])
		if err != nil {
			return ImportResult{}, err
		}
		for _, k := range found {
			for _, i := range byKey[k] {
				if !drop[i] {
					drop[i] = true
					skips = append(skips, RowError{Line: rows[i].Line, Reason: ReasonErased})
				}
			}
		}
	}
	if len(skips) == 0 {
		return f.ErasureStore.ImportSubscribers(ctx, newsletterID, rows, opts)
	}
	kept := make([]ImportRow, 0, len(rows)-len(skips))
	for i, row := range rows {
		if !drop[i] {
			kept = append(kept, row)
		}
	}
	var res ImportResult
	if len(kept) > 0 {
		if res, err = f.ErasureStore.ImportSubscribers(ctx, newsletterID, kept, opts); err != nil {
			return res, err
		}
	}
	res.Skips = append(res.Skips, skips...)
	res.Skipped += len(skips)
	return res, nil
}
