package subscriber

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// An import moves a list gathered elsewhere into Herald. It must never mail
// anyone: addresses come in pending (or confirmed, when the operator vouches
// for the consent), and people who left or whose mail bounced stay out.

// ImportRow is one address read from an import file, already checked.
type ImportRow struct {
	Line  int // where the row starts in the file; the header is line 1
	Email string
	Name  string
	Tags  []string
	// Unsubscribed is set when the file itself says the person left, as an
	// export does; such a row is never imported.
	Unsubscribed bool
	// Pending is set when the file says the person never confirmed; the
	// row is imported pending even when the import vouches for consent.
	Pending bool
	// Confirmed is set when the file says the person confirmed. The file
	// alone is no proof of consent: only an import that vouches for it
	// confirms anyone.
	Confirmed bool
	// Language is the row's own language tag, "" for none: it comes before
	// the import's Language for an address stored anew.
	Language string
}

// RowError is a row left out of an import, with the reason in words the
// operator can act on.
type RowError struct {
	Line   int
	Reason string
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Reasons an import leaves an address out although its row is well formed.
const (
	ReasonUnsubscribed     = "unsubscribed earlier"
	ReasonUnsubscribedFile = "unsubscribed, says the state column"
	ReasonSuppressed       = "suppressed: mail to it bounced or was refused"
	ReasonTooManyTags      = "the address would have more than 50 tags"
)

// ImportOptions are the choices an operator makes for a whole import.
type ImportOptions struct {
	// Confirmed vouches that the people on the list confirmed elsewhere.
	Confirmed bool
	// Source is kept in each consent record, such as "import list.csv".
	Source string
	At     time.Time
	// Since is the highest subscriber ID before the import began: an
	// address first stored above it was stored by this import (or by a
	// signup meanwhile), so meeting it again counts as a duplicate in the
	// file, not as an update.
	Since int64
	// Language is given to the addresses the import stores anew whose
	// rows name none, as a signup gives the language of its page; an
	// address stored before keeps its own. "" leaves it unset.
	Language string
}

// The wording kept in the consent records an import writes.
const (
	WordingImported          = "imported as pending: not confirmed, no email sent"
	WordingImportedConfirmed = "imported with --confirmed: consent gathered elsewhere"
)

// Consent is the consent record an import writes for a new or upgraded
// subscription.
func (o ImportOptions) Consent() (ConsentAction, string) {
	if o.Confirmed {
		return ConsentConfirm, WordingImportedConfirmed
	}
	return ConsentSignup, WordingImported
}

// ExportRow is one subscriber's standing with one newsletter, as an export
// lists it.
type ExportRow struct {
	ID        int64
	Email     string
	Name      string
	State     State
	Tags      []string
	CreatedAt time.Time
	Language  string
}

// ImportResult counts what an import did with the rows of the file. Every
// row lands in exactly one count besides Read.
type ImportResult struct {
	Read      int // data rows in the file
	Imported  int // addresses new to Herald
	Updated   int // addresses Herald had, changed by the file
	Unchanged int // addresses Herald had, already as the file says
	Merged    int // rows repeating an address met earlier in the file
	Skipped   int // rows left out, each with a RowError
	// Unvouched counts the rows, among the others, whose state column
	// says confirmed in an import that does not vouch for consent: the
	// import confirmed none of them.
	Unvouched int
	// Bytes is how much of the file the counted rows took, for telling
	// how far an import is.
	Bytes int64
	// Skips lists the rows a store left out of one chunk; Import hands
	// them on and does not keep them.
	Skips []RowError
}

func (r *ImportResult) add(o ImportResult) {
	r.Read += o.Read
	r.Imported += o.Imported
	r.Updated += o.Updated
	r.Unchanged += o.Unchanged
	r.Merged += o.Merged
	r.Skipped += o.Skipped
	r.Unvouched += o.Unvouched
	r.Bytes += o.Bytes
}

// ImportState is the rule for an address already on the list: what its
// subscription in state current ("" for none) becomes. ok is false when the
// import must leave it alone: people who left stay left. A confirmed
// subscription is never downgraded.
func ImportState(current State, confirmed bool) (next State, ok bool) {
	switch current {
	case Unsubscribed:
		return current, false
	case Confirmed:
		return Confirmed, true
	}
	if confirmed {
		return Confirmed, true
	}
	return Pending, true
}

// MaxTag is the longest tag accepted, in characters.
const MaxTag = 64

// MaxTags is the most tags one row may carry.
const MaxTags = 50

// NormalizeTag returns a tag as stored: trimmed and in lowercase. Commas are
// refused because campaign audiences list tags separated by commas.
func NormalizeTag(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case !utf8.ValidString(s):
		return "", errors.New("a tag is not valid UTF-8")
	case strings.ContainsRune(s, ','):
		return "", fmt.Errorf("tag %q contains a comma", s)
	case utf8.RuneCountInString(s) > MaxTag:
		return "", fmt.Errorf("a tag is longer than %d characters", MaxTag)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", errors.New("a tag contains a control character")
		}
	}
	return s, nil
}

// ImportStore is what an import needs from storage.
type ImportStore interface {
	// LastSubscriberID is the highest subscriber ID stored, 0 for none.
	LastSubscriberID(ctx context.Context) (int64, error)
	// ImportSubscribers applies one chunk of rows in one transaction:
	// repeats of an address within the chunk or already stored are merged
	// (tags joined, a name filling an empty one), subscriptions follow
	// ImportState, and no email is queued. Rows it leaves out come back
	// in Skips.
	ImportSubscribers(ctx context.Context, newsletterID int64, rows []ImportRow, opts ImportOptions) (ImportResult, error)
	// ImportWorkers is how many chunks the store writes well at once:
	// one for a store with a single writer, more for a server that gives
	// each transaction a process of its own.
	ImportWorkers() int
}

// Importer reads an import file and applies it chunk by chunk, reading the
// next chunk while the store writes the last, so two cores share the work.
type Importer struct {
	Store        ImportStore
	NewsletterID int64
	Options      ImportOptions
	// ChunkSize is how many rows go into one transaction; default 50,000.
	ChunkSize int
	// Workers is how many chunks may be written at once; default the
	// store's ImportWorkers. Chunks are still reported, and skipped rows
	// told, in the order of the file.
	Workers int
	// OnSkip hears of every row left out, in the order of the file.
	OnSkip func(RowError)
	// OnChunk hears the running totals after each chunk is stored.
	OnChunk func(ImportResult)
}

// importChunk is one stretch of the file: its good rows split into one
// part per worker by address, and its bad rows.
type importChunk struct {
	parts [][]ImportRow
	bad   []RowError
	read  int
	bytes int64
	// confirmed counts the good rows whose state column says confirmed.
	confirmed int
	err       error
	// written is closed when every part is stored or has failed; res and
	// errs are then set, one per part.
	written chan struct{}
	left    atomic.Int32
	res     []ImportResult
	errs    []error
}

// Run imports everything r holds. It returns the totals, and an error only
// when reading or storing failed; bad rows are not errors.
//
// One goroutine reads the file, one writes each of the store's workers:
// every address goes to the same worker each time, so writes that run at
// once never touch the same address and never wait for each other.
// Chunks are counted, and skipped rows told, in the order of the file.
func (im *Importer) Run(ctx context.Context, r *ImportReader) (ImportResult, error) {
	var total ImportResult
	size := im.ChunkSize
	if size <= 0 {
		size = 50000
	}
	workers := im.Workers
	if workers <= 0 {
		workers = max(im.Store.ImportWorkers(), 1)
	}
	opts := im.Options
	if opts.At.IsZero() {
		opts.At = time.Now()
	}
	since, err := im.Store.LastSubscriberID(ctx)
	if err != nil {
		return total, fmt.Errorf("subscriber: import: %w", err)
	}
	opts.Since = since

	// Returning early stops the reader and the writers and waits for them;
	// a write still running is cancelled.
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	queues := make([]chan *importChunk, workers)
	for w := range queues {
		queues[w] = make(chan *importChunk, 1)
		wg.Go(func() {
			for c := range queues[w] {
				if rows := c.parts[w]; len(rows) > 0 && ctx.Err() == nil {
					c.res[w], c.errs[w] = im.Store.ImportSubscribers(ctx, im.NewsletterID, rows, opts)
				} else if err := ctx.Err(); err != nil {
					c.errs[w] = err
				}
				if c.left.Add(-1) == 0 {
					close(c.written)
				}
			}
		})
	}
	chunks := make(chan *importChunk, 1)
	wg.Go(func() {
		defer close(chunks)
		defer func() {
			for _, q := range queues {
				close(q)
			}
		}()
		var last int64
		for {
			c := readChunk(r, size, workers)
			offset := r.Offset()
			c.bytes, last = offset-last, offset
			select {
			case chunks <- c:
			case <-ctx.Done():
				return
			}
			for _, q := range queues {
				select {
				case q <- c:
				case <-ctx.Done():
					return
				}
			}
			if c.err != nil {
				return
			}
		}
	})

	for c := range chunks {
		select {
		case <-c.written:
		case <-ctx.Done():
			return total, ctx.Err()
		}
		var res ImportResult
		skips := c.bad
		for w := range c.parts {
			if c.errs[w] != nil {
				return total, fmt.Errorf("subscriber: import: %w", c.errs[w])
			}
			res.add(c.res[w])
			skips = append(skips, c.res[w].Skips...)
		}
		slices.SortFunc(skips, func(a, b RowError) int { return a.Line - b.Line })
		if im.OnSkip != nil {
			for _, s := range skips {
				im.OnSkip(s)
			}
		}
		res.Read, res.Skipped, res.Bytes = c.read, res.Skipped+len(c.bad), c.bytes
		if !opts.Confirmed {
			res.Unvouched = c.confirmed
		}
		total.add(res)
		if im.OnChunk != nil {
			im.OnChunk(total)
		}
		if c.err != nil && !errors.Is(c.err, io.EOF) {
			return total, c.err
		}
	}
	return total, ctx.Err()
}

// readChunk reads up to size rows, bad ones included, so that a file of
// nothing but bad rows is still read in bounded memory. A read error or
// the end of the file ends the chunk and is kept in its err.
func readChunk(r *ImportReader, size, workers int) *importChunk {
	c := &importChunk{written: make(chan struct{}), res: make([]ImportResult, workers), errs: make([]error, workers)}
	c.left.Store(int32(workers))
	rows := make([]ImportRow, 0, min(size, 4096))
	for c.read < size && c.err == nil {
		row, err := r.Next()
		var re *RowError
		switch {
		case err == nil:
			rows = append(rows, row)
			if row.Confirmed {
				c.confirmed++
			}
		case errors.As(err, &re):
			c.bad = append(c.bad, *re)
		default:
			c.err = err
			continue
		}
		c.read++
	}
	c.parts = partitionByKey(rows, workers)
	return c
}

// partitionByKey splits rows into n parts by address, the same address
// always in the same part, and orders each part by address key, and by
// line for one address, so a store writes its index in order. Done beside
// the parsing, it spares the cores that write.
func partitionByKey(rows []ImportRow, n int) [][]ImportRow {
	type keyed struct {
		key  string
		part int
		i    int
	}
	order := make([]keyed, len(rows))
	sizes := make([]int, n)
	for i, r := range rows {
		key := EmailKey(r.Email)
		part := 0
		if n > 1 {
			h := fnv.New32a()
			h.Write([]byte(key))
			part = int(h.Sum32() % uint32(n))
		}
		order[i] = keyed{key, part, i}
		sizes[part]++
	}
	slices.SortFunc(order, func(a, b keyed) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.i - b.i
	})
	parts := make([][]ImportRow, n)
	for p := range parts {
		parts[p] = make([]ImportRow, 0, sizes[p])
	}
	for _, k := range order {
		parts[k.part] = append(parts[k.part], rows[k.i])
	}
	return parts
}
