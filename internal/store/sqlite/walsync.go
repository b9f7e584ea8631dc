package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// walSync makes commits durable outside the write connection. The write
// connection commits with synchronous=NORMAL: the commit's pages are in
// the write-ahead log, in the operating system's hands, when the commit
// returns. A durable commit then waits for a flush of the log file to the
// disk, while the connection already serves other transactions (the send
// engine's, which need no flush of their own). A flush covers every commit
// made before it started; several may be in flight, so a commit never
// waits for a flush that started before it to end before starting its own.
//
// A commit is durable only once a flush covering it returned: the answer
// that depends on it waits for it. A failed flush may have lost pages that
// a later flush would not write again, so after one every wait fails.
type walSync struct {
	path string // the database file; its log is path-wal
	// flush writes a file's data to the disk.
	flush func(*os.File) error

	mu       sync.Mutex
	done     *sync.Cond
	written  uint64 // commits made so far
	synced   uint64 // commits known to be on the disk
	covered  uint64 // commits a flush in flight will have put on the disk
	inFlight int
	err      error
}

// maxFlushes is how many flushes may be in flight at once. The disk
// completes concurrent flushes of one file faster together than in turn.
const maxFlushes = 4

func newWALSync(dbPath string) *walSync {
	w := &walSync{path: dbPath, flush: flushData}
	w.done = sync.NewCond(&w.mu)
	return w
}

// wrote counts a commit and returns its number. It is called while the
// write connection is still held, so numbers follow the log's order.
func (w *walSync) wrote() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.written++
	return w.written
}

// wait returns once commit n is on the disk.
func (w *walSync) wait(n uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.synced < n {
		if w.err != nil {
			return w.err
		}
		if w.covered >= n || w.inFlight >= maxFlushes {
			w.done.Wait()
			continue
		}
		upTo := w.written
		w.covered = upTo
		w.inFlight++
		w.mu.Unlock()
		err := w.flushLog()
		w.mu.Lock()
		w.inFlight--
		if err != nil {
			w.err = err
		} else {
			w.synced = max(w.synced, upTo)
		}
		w.done.Broadcast()
	}
	return nil
}

// failed returns the flush failure that stopped durable commits, if any.
func (w *walSync) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// flushLog flushes the log file to the disk. A log that is gone was
// checkpointed into the database file when the last connection closed; the
// database file is flushed then.
func (w *walSync) flushLog() error {
	f, err := os.OpenFile(w.path+"-wal", os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.OpenFile(w.path, os.O_RDWR, 0)
	}
	if err != nil {
		return fmt.Errorf("sqlite: flush the write-ahead log: %w", err)
	}
	err = w.flush(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqlite: flush the write-ahead log: %w", err)
	}
	return nil
}
