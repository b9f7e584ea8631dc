//go:build !linux

package sqlite

import "os"

// flushData writes f's data to the disk.
func flushData(f *os.File) error {
	return f.Sync()
}
