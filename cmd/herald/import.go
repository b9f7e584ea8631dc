package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"herald/internal/subscriber"
)

// maxSkipsShown is how many skipped rows an import lists one by one; past
// it, only their number is told, so a wrong file does not flood the screen.
const maxSkipsShown = 100

// pickNewsletter finds a newsletter by slug; no slug means the first one,
// the newsletter every Herald starts with.
func pickNewsletter(ctx context.Context, st database, slug string) (subscriber.Newsletter, error) {
	all, err := st.Newsletters(ctx)
	if err != nil {
		return subscriber.Newsletter{}, err
	}
	if len(all) == 0 {
		return subscriber.Newsletter{}, errors.New("there is no newsletter yet")
	}
	if slug == "" {
		return all[0], nil
	}
	slugs := make([]string, len(all))
	for i, n := range all {
		if n.Slug == slug {
			return n, nil
		}
		slugs[i] = n.Slug
	}
	return subscriber.Newsletter{}, fmt.Errorf("unknown newsletter %q; the newsletters are: %s", slug, strings.Join(slugs, ", "))
}

// subscriberImport adds the addresses of a CSV file to a newsletter without
// mailing anyone. Bad rows are listed and left out; the import still runs.
func subscriberImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var slug string
	var confirmed bool
	c, pos, err := setup("subscriber import", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "newsletter", "", "slug of the newsletter to import into (default: the first newsletter)")
		fs.BoolVar(&confirmed, "confirmed", false, "the people on the list confirmed elsewhere: import them confirmed, not pending")
	})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &usageError{msg: "subscriber import needs one CSV file"}
	}
	// The file first: one that cannot be read leaves the database as it
	// was, or uncreated.
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	r, err := subscriber.NewImportReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	nl, err := pickNewsletter(ctx, st, slug)
	if err != nil {
		return err
	}
	// People erased on their request are known to the suppression list by
	// keyed hashes.
	erasure, err := c.loadErasure(ctx, st)
	if err != nil {
		return err
	}

	// An import makes many short-lived values; collecting garbage less
	// often saves CPU time for some tens of megabytes.
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	bar := newProgress(stderr, size, time.Now)
	shown := 0
	im := &subscriber.Importer{
		Store:        subscriber.SkipErased(st, erasure),
		NewsletterID: nl.ID,
		Options:      subscriber.ImportOptions{Confirmed: confirmed, Source: "import " + filepath.Base(pos[0]), At: time.Now()},
		OnSkip: func(e subscriber.RowError) {
			if shown < maxSkipsShown {
				bar.println(fmt.Sprintf("%s: %v", pos[0], &e))
			}
			shown++
		},
		OnChunk: func(total subscriber.ImportResult) {
			bar.rows.Store(int64(total.Read))
			bar.bytes.Store(total.Bytes)
		},
	}
	start := time.Now()
	stop := bar.start()
	res, err := im.Run(ctx, r)
	stop()
	took := time.Since(start)
	if shown > maxSkipsShown {
		fmt.Fprintf(stderr, "%s: … and %s skipped\n", pos[0], plural(shown-maxSkipsShown, "more row", "more rows"))
	}
	var fe *subscriber.FileError
	if errors.As(err, &fe) {
		stored := "nothing is stored"
		if res.Read > 0 {
			stored = fmt.Sprintf("the %s before it %s read and the good ones stored; importing the corrected file again is safe",
				plural(res.Read, "row", "rows"), verb(res.Read, "is", "are"))
		}
		fmt.Fprintf(stderr, "%s: stopped at line %d: %s\n", pos[0], fe.Line, stored)
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: stopped; the first %s %s stored, some after %s may be too, and importing the file again is safe\n",
			pos[0], plural(res.Read, "row", "rows"), verb(res.Read, "is", "are"), verb(res.Read, "it", "them"))
		return err
	}
	if err := printImportSummary(stdout, c.json, nl.Slug, res, took); err != nil {
		return err
	}
	if res.Skipped > 0 {
		fmt.Fprintf(stderr, "The import ran: %s %s left out for the reasons above; every other row was stored.\n",
			plural(res.Skipped, "row", "rows"), verb(res.Skipped, "was", "were"))
	}
	if res.Unvouched > 0 {
		said := "%s rows say confirmed in their state column, but without --confirmed an import confirms nobody: " +
			"they were stored pending (or left as they were here). If these people gave their consent"
		if res.Unvouched == 1 {
			said = "%s row says confirmed in its state column, but without --confirmed an import confirms nobody: " +
				"it was stored pending (or left as it was here). If this person gave their consent"
		}
		fmt.Fprintf(stderr, "%s: "+said+", as an export of a Herald you trust says, import the file again with --confirmed.\n",
			pos[0], thousands(res.Unvouched))
	}
	return nil
}

func printImportSummary(w io.Writer, asJSON bool, newsletter string, res subscriber.ImportResult, took time.Duration) error {
	rate := 0.0
	if took > 0 {
		rate = float64(res.Read) / took.Seconds()
	}
	if asJSON {
		return json.NewEncoder(w).Encode(struct {
			Newsletter string  `json:"newsletter"`
			Read       int     `json:"read"`
			Imported   int     `json:"imported"`
			Updated    int     `json:"updated"`
			Unchanged  int     `json:"unchanged"`
			Merged     int     `json:"duplicates_merged"`
			Skipped    int     `json:"skipped"`
			Seconds    float64 `json:"seconds"`
			RowsPerSec float64 `json:"rows_per_second"`
		}{newsletter, res.Read, res.Imported, res.Updated, res.Unchanged, res.Merged, res.Skipped, took.Seconds(), rate})
	}
	_, err := fmt.Fprintf(w, "%s read into %s: %s imported, %s updated, %s unchanged, %s merged, %s skipped; %.1f s, %s rows/s\n",
		plural(res.Read, "row", "rows"), newsletter, thousands(res.Imported), thousands(res.Updated), thousands(res.Unchanged),
		plural(res.Merged, "duplicate", "duplicates"), thousands(res.Skipped), took.Seconds(), thousands(int(rate)))
	return err
}

// subscriberExport writes a newsletter's subscribers as CSV, in every state,
// so the list can be checked, moved, or imported again.
func subscriberExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	var slug, out string
	c, pos, err := setup("subscriber export", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "newsletter", "", "slug of the newsletter to export (default: the first newsletter)")
		fs.StringVar(&out, "out", "", "file to write (default: standard output)")
	})
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return &usageError{msg: "subscriber export takes no arguments"}
	}
	w := stdout
	var tmp *os.File
	if out != "" {
		// Written beside the target and renamed at the end, so a failed
		// export never leaves half a list under the name asked for. Made
		// before the database is opened: an export that cannot be
		// written creates nothing.
		tmp, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err // its path is the temporary file's
			}
			return fmt.Errorf("cannot write %s: %w", out, err)
		}
		defer func() {
			if err != nil {
				tmp.Close()
				os.Remove(tmp.Name())
			}
		}()
		w = tmp
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	nl, err := pickNewsletter(ctx, st, slug)
	if err != nil {
		return err
	}
	n, err := writeExport(ctx, st, nl.ID, w)
	if err != nil {
		return err
	}
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), out); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s of %s written to %s\n", plural(n, "subscriber", "subscribers"), nl.Slug, out)
	}
	return nil
}

// writeExport streams the list page by page; cells that a spreadsheet would
// run as a formula are neutralised.
func writeExport(ctx context.Context, st database, newsletterID int64, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	// language came last, after the columns of old, so that programs
	// reading the file by position still find them.
	if err := cw.Write([]string{"email", "name", "state", "tags", "created_at", "language"}); err != nil {
		return 0, err
	}
	n := 0
	var after int64
	for {
		page, err := st.ExportSubscribers(ctx, newsletterID, after, 1000)
		if err != nil {
			return n, err
		}
		for _, r := range page {
			rec := []string{
				subscriber.NeutralizeCell(r.Email),
				subscriber.NeutralizeCell(r.Name),
				string(r.State),
				subscriber.NeutralizeCell(strings.Join(r.Tags, ";")),
				r.CreatedAt.UTC().Format(time.RFC3339),
				r.Language,
			}
			if err := cw.Write(rec); err != nil {
				return n, err
			}
			n++
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// progress shows how far an import is: how much of the file is stored, not
// merely read, so the estimate of the time left holds. On a terminal it
// redraws one line a few times a second; elsewhere (a log, a pipe) it writes
// a line at each tenth of the file, and nothing for an import done within a
// second.
type progress struct {
	w     io.Writer
	tty   bool
	size  int64
	bytes atomic.Int64 // of the file stored
	rows  atomic.Int64 // rows stored or skipped
	now   func() time.Time
	began time.Time

	mu    sync.Mutex
	drawn bool // a bar is on the terminal's last line
	tenth int  // the last tenth of the file reported
}

func newProgress(w io.Writer, size int64, now func() time.Time) *progress {
	p := &progress{w: w, size: size, now: now, began: now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// start updates the progress until the returned function is called.
func (p *progress) start() (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p.tick()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		p.mu.Lock()
		defer p.mu.Unlock()
		p.clear()
	}
}

// println writes a line, out of the bar's way.
func (p *progress) println(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	fmt.Fprintln(p.w, s)
}

func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// tick draws the bar, or writes a line when a new tenth of the file is read.
func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	elapsed := p.now().Sub(p.began)
	read, rows := p.bytes.Load(), p.rows.Load()
	rate := 0
	if s := elapsed.Seconds(); s > 0 {
		rate = int(float64(rows) / s)
	}
	if !p.tty {
		if p.size <= 0 || elapsed < time.Second {
			return
		}
		tenth := int(min(read, p.size) * 10 / p.size)
		if tenth > p.tenth {
			p.tenth = tenth
			fmt.Fprintf(p.w, "import: %d%% done, %s, %s rows/s\n", tenth*10, plural(int(rows), "row", "rows"), thousands(rate))
		}
		return
	}
	line := fmt.Sprintf("%s, %s rows/s", plural(int(rows), "row", "rows"), thousands(rate))
	if p.size > 0 {
		frac := float64(min(read, p.size)) / float64(p.size)
		const width = 30
		filled := int(frac * width)
		eta := "?"
		if frac > 0 {
			eta = (time.Duration(float64(elapsed)/frac) - elapsed).Round(time.Second).String()
		}
		line = fmt.Sprintf("[%s%s] %3.0f%%  %.1f/%.1f MB  %s  ETA %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
			frac*100, float64(read)/1e6, float64(p.size)/1e6, line, eta)
	}
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.drawn = true
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
