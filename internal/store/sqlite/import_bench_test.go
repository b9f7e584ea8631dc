package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"herald/internal/store/sqlite"
	"herald/internal/subscriber"
)

// BenchmarkImportSubscribers stores b.N generated rows in chunks as
// `herald subscriber import` does, into a fresh database on disk.
func BenchmarkImportSubscribers(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "herald.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rnd := rand.New(rand.NewPCG(1, 2))
	tags := []string{"local", "sport", "culture", "politics"}
	rows := make([]subscriber.ImportRow, b.N)
	for i := range rows {
		r := subscriber.ImportRow{Line: i + 2, Email: fmt.Sprintf("u%016x@example%d.org", rnd.Uint64(), rnd.IntN(100))}
		if i%3 == 0 {
			r.Name = fmt.Sprintf("Reader %d", i)
		}
		if i%4 == 0 {
			r.Tags = []string{tags[rnd.IntN(len(tags))]}
		}
		rows[i] = r
	}
	opts := subscriber.ImportOptions{Source: "import bench.csv", At: time.Now()}
	chunk, _ := strconv.Atoi(os.Getenv("CHUNK"))
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	b.ResetTimer()
	for from := 0; from < len(rows); from += chunk {
		if _, err := st.ImportSubscribers(ctx, 1, rows[from:min(from+chunk, len(rows))], opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	b.ReportMetric(cpu.Seconds(), "cpu-s")
	b.ReportMetric(float64(ru1.Inblock-ru0.Inblock), "inblocks")
	b.ReportMetric(float64(ru1.Oublock-ru0.Oublock)*512/1e6, "MB-written")
}
