package main

import (
	"os"
	"testing"
)

// TestMain lets tests start this test binary as a real herald process:
// with HERALD_RUN_MAIN=1 it runs main with the arguments it was given, so
// a test can kill it with SIGKILL like any other process.
func TestMain(m *testing.M) {
	if os.Getenv("HERALD_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
