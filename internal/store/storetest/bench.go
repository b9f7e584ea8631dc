package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"herald/internal/subscriber"
)

// BenchRecordSignups measures RecordSignups with batches of 16 new
// addresses, the size of a busy group commit, and reports the cost of one
// signup.
func BenchRecordSignups(b *testing.B, st Store) {
	const size = 16
	ctx := context.Background()
	at := time.Now().UTC()
	batch := make([]subscriber.Signup, size)
	n := 0
	for b.Loop() {
		for i := range batch {
			batch[i] = signup(fmt.Sprintf("bench%d@example.com", n), at)
			n++
		}
		if err := st.RecordSignups(ctx, batch, time.Hour); err != nil {
			b.Fatalf("RecordSignups(%d signups) = %v", size, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/signup")
}
