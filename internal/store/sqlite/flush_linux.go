package sqlite

import (
	"os"
	"syscall"
)

// flushData writes f's data to the disk; its times, which recovery does
// not need, may follow later.
func flushData(f *os.File) error {
	return syscall.Fdatasync(int(f.Fd()))
}
