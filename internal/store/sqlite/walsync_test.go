package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// flushCounter replaces the store's log flush with one that counts its
// calls and can be made slow or failing.
type flushCounter struct {
	calls atomic.Int64
	delay time.Duration
	fail  atomic.Bool
	mu    sync.Mutex
	files map[string]bool
}

func watchFlushes(t *testing.T, s *Store) *flushCounter {
	t.Helper()
	f := &flushCounter{files: map[string]bool{}}
	s.wal.flush = func(file *os.File) error {
		f.calls.Add(1)
		f.mu.Lock()
		f.files[file.Name()] = true
		f.mu.Unlock()
		time.Sleep(f.delay)
		if f.fail.Load() {
			return errors.New("input/output error")
		}
		return flushData(file)
	}
	return f
}

func openWatched(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "herald.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func setSetting(ctx context.Context, s *Store, durable bool, key string) error {
	return s.txMode(ctx, durable, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO setting (key, value) VALUES (?, 'x')`, key)
		return err
	})
}

func TestDurableCommitsWaitForALogFlushAndRelaxedOnesDoNot(t *testing.T) {
	ctx := context.Background()
	s, path := openWatched(t)
	f := watchFlushes(t, s)
	if err := setSetting(ctx, s, false, "relaxed"); err != nil {
		t.Fatal(err)
	}
	if n := f.calls.Load(); n != 0 {
		t.Fatalf("a relaxed commit flushed the log %d times, want 0", n)
	}
	if err := setSetting(ctx, s, true, "durable"); err != nil {
		t.Fatal(err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("a durable commit flushed the log %d times, want 1", n)
	}
	if !f.files[path+"-wal"] || len(f.files) != 1 {
		t.Fatalf("flushed %v, want only %s-wal", f.files, path)
	}
}

func TestConcurrentDurableCommitsShareFlushes(t *testing.T) {
	ctx := context.Background()
	s, _ := openWatched(t)
	f := watchFlushes(t, s)
	// A flush far slower than a commit, so the count says whether flushes
	// were shared however slow the machine (or the race detector) makes
	// the commits: at most four run at once.
	f.delay = 50 * time.Millisecond
	const n = 60
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := setSetting(ctx, s, true, fmt.Sprint("k", i)); err != nil {
				t.Errorf("commit %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if c := f.calls.Load(); c >= n/2 {
		t.Errorf("%d flushes for %d concurrent durable commits: not shared", c, n)
	}
	var count int
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM setting WHERE key LIKE 'k%'`).Scan(&count); err != nil || count != n {
		t.Fatalf("%d settings stored (%v), want %d", count, err, n)
	}
}

// After a flush fails, nothing may be reported durable again: the pages it
// lost would not be written by a later flush.
func TestAFailedFlushFailsEveryLaterDurableCommit(t *testing.T) {
	ctx := context.Background()
	s, _ := openWatched(t)
	f := watchFlushes(t, s)
	f.fail.Store(true)
	err := setSetting(ctx, s, true, "a")
	if err == nil || !strings.Contains(err.Error(), "flush the write-ahead log") {
		t.Fatalf("durable commit with a failing flush = %v, want the flush error", err)
	}
	f.fail.Store(false)
	if err := setSetting(ctx, s, true, "b"); err == nil {
		t.Fatal("a durable commit after a failed flush was reported durable")
	}
	if err := setSetting(ctx, s, false, "c"); err != nil {
		t.Fatalf("relaxed commit after a failed flush = %v", err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping after a failed flush = nil, want the store reported not ready")
	}
}

// Opened through a symbolic link, the store flushes the log SQLite keeps
// beside the file the link points to.
func TestTheLogFlushedIsBesideTheLinkedFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	realPath := filepath.Join(dir, "real", "herald.db")
	if err := os.MkdirAll(filepath.Dir(realPath), 0o700); err != nil {
		t.Fatal(err)
	}
	first, err := Open(ctx, realPath)
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	link := filepath.Join(dir, "herald.db")
	if err := os.Symlink(realPath, link); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := watchFlushes(t, s)
	if err := setSetting(ctx, s, true, "durable"); err != nil {
		t.Fatal(err)
	}
	want, err := filepath.EvalSymlinks(realPath)
	if err != nil {
		t.Fatal(err)
	}
	if !f.files[want+"-wal"] || len(f.files) != 1 {
		t.Fatalf("flushed %v, want only %s-wal", f.files, want)
	}
}
