// Command import measures `herald subscriber import`: it writes a CSV file
// of generated subscribers (the same file for the same flags: some names and
// tags, about 1% bad rows and 1% repeated addresses), builds the herald
// binary, imports the file into a fresh database several times, and
// reports rows, seconds, rows per second, CPU time and peak memory of the
// herald process.
//
//	go run ./bench/import -rows 1000000 -runs 3
//	go run ./bench/import -postgres "$(bash .ci/postgres.sh)"
//
// -baseline names a second herald binary, such as one built from an older
// commit; its runs alternate with the new build's, so that both meet the
// same load on a shared machine, and both medians are printed.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"herald/bench/internal/pgdb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/import:", err)
		os.Exit(1)
	}
}

// expected is what a correct import of the generated file reports.
type expected struct {
	rows, good, unique int
}

// summary is what `herald subscriber import --json` prints.
type summary struct {
	Read      int `json:"read"`
	Imported  int `json:"imported"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Merged    int `json:"duplicates_merged"`
	Skipped   int `json:"skipped"`
}

type measure struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
	sum       summary
}

// build is one herald binary under test.
type build struct {
	name, bin string
	runs      []measure
}

type options struct {
	rows, runs int
	confirmed  bool
	postgres   string // server URL: import into PostgreSQL instead of SQLite
	baseline   string
	keep       string
}

func run() error {
	var o options
	flag.IntVar(&o.rows, "rows", 1_000_000, "data rows in the generated file")
	flag.IntVar(&o.runs, "runs", 3, "imports to run with each binary; the median is reported")
	flag.BoolVar(&o.confirmed, "confirmed", true, "import with --confirmed")
	flag.StringVar(&o.postgres, "postgres", "", "a PostgreSQL server URL (bash .ci/postgres.sh prints one): each run gets a fresh database on it")
	flag.StringVar(&o.baseline, "baseline", "", "another herald binary to measure, run by run alternating with the current build")
	flag.StringVar(&o.keep, "keep", "", "keep the generated file and data folders in this folder")
	flag.Parse()

	tmp := o.keep
	if tmp == "" {
		var err error
		if tmp, err = os.MkdirTemp("", "herald-bench-import-"); err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
	} else if err := os.MkdirAll(tmp, 0o700); err != nil {
		return err
	}
	bin := filepath.Join(tmp, "herald")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/herald")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build herald (run from the repository root): %w", err)
	}
	builds := []*build{{name: "current", bin: bin}}
	if o.baseline != "" {
		abs, err := filepath.Abs(o.baseline)
		if err != nil {
			return err
		}
		builds = append(builds, &build{name: "baseline", bin: abs})
	}
	file := filepath.Join(tmp, "subscribers.csv")
	t0 := time.Now()
	want, err := generate(file, o.rows)
	if err != nil {
		return err
	}
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	store := "SQLite"
	if o.postgres != "" {
		store = "PostgreSQL (a fresh database per run)"
	}
	fmt.Printf("machine: %d CPUs, %s; %s; --confirmed=%t; load average %s\n", runtime.NumCPU(), runtime.Version(), store, o.confirmed, loadAverage())
	fmt.Printf("file: %d rows (%d good, %d distinct addresses), %.1f MB, written in %.1f s\n",
		want.rows, want.good, want.unique, float64(fi.Size())/1e6, time.Since(t0).Seconds())
	if err := measureAll(o, builds, tmp, file, want); err != nil {
		return err
	}
	for _, b := range builds {
		if len(b.runs) == 0 {
			continue
		}
		slices.SortFunc(b.runs, func(x, y measure) int { return int(x.wall - y.wall) })
		fmt.Printf("%-8s median: %s\n", b.name, b.runs[len(b.runs)/2])
	}
	fmt.Printf("load average %s\n", loadAverage())
	return nil
}

// measureAll imports the file o.runs times with each build, taking turns,
// and checks every run's counts against want.
func measureAll(o options, builds []*build, tmp, file string, want expected) error {
	for i := range o.runs {
		for _, b := range builds {
			data := filepath.Join(tmp, fmt.Sprintf("data-%s-%d", b.name, i))
			os.RemoveAll(data)
			m, err := importOnce(b.bin, file, data, o.postgres, o.confirmed)
			if err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
			s := m.sum
			if s.Read != want.rows || s.Imported != want.unique || s.Merged != want.good-want.unique || s.Skipped != want.rows-want.good {
				return fmt.Errorf("%s run %d reported %+v; want %d read, %d imported, %d merged, %d skipped",
					b.name, i+1, s, want.rows, want.unique, want.good-want.unique, want.rows-want.good)
			}
			fmt.Printf("%-8s run %d: %s\n", b.name, i+1, m)
			b.runs = append(b.runs, m)
			if o.keep == "" {
				os.RemoveAll(data)
			}
		}
	}
	return nil
}

func (m measure) String() string {
	return fmt.Sprintf("%d rows in %.2f s = %.0f rows/s; CPU %.2f s; peak RSS %.0f MB",
		m.sum.Read, m.wall.Seconds(), float64(m.sum.Read)/m.wall.Seconds(), m.cpu.Seconds(), float64(m.maxRSS)/1e6)
}

// loadAverage is the first three fields of /proc/loadavg, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

// importOnce imports the file into a new database: a data folder for
// SQLite, or a fresh database on the PostgreSQL server, dropped afterwards.
func importOnce(bin, file, data, postgres string, confirmed bool) (measure, error) {
	args := []string{"subscriber", "import", file, "--data", data, "--json"}
	if confirmed {
		args = append(args, "--confirmed")
	}
	if postgres != "" {
		db, drop, err := pgdb.Create(context.Background(), postgres)
		if err != nil {
			return measure{}, err
		}
		defer drop()
		args = append(args, "--database", db)
	}
	var out, errOut bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.Env = append(os.Environ(), "HERALD_LOG_LEVEL=warn")
	start := time.Now()
	err := cmd.Run()
	m := measure{wall: time.Since(start)}
	if err != nil {
		return m, fmt.Errorf("herald subscriber import: %w\n%s", err, errOut.String())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if err := json.Unmarshal(out.Bytes(), &m.sum); err != nil {
		return m, fmt.Errorf("herald subscriber import printed %q: %w", out.String(), err)
	}
	return m, nil
}

// generate writes the file: random but the same for the same row count.
func generate(path string, rows int) (expected, error) {
	f, err := os.Create(path)
	if err != nil {
		return expected{}, err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	rnd := rand.New(rand.NewPCG(2026, 11))
	first := []string{"ana", "bo", "carla", "dmitri", "emma", "farid", "greta", "hugo", "ines", "jon", "kemal", "lea", "mika", "nora", "omar", "pia"}
	last := []string{"lindqvist", "duarte", "okafor", "muller", "rossi", "nguyen", "kowalski", "haddad", "silva", "tanaka"}
	domains := []string{"example.org", "example.com", "mail.example.net", "post.example.co.uk", "inbox.example.de"}
	tags := []string{"local", "sport", "culture", "politics", "business", "weekend"}
	var want expected
	var seen []string // a sample of good addresses, to repeat
	if err := w.Write([]string{"email", "name", "tags"}); err != nil {
		return want, err
	}
	for i := range rows {
		fn, ln := first[rnd.IntN(len(first))], last[rnd.IntN(len(last))]
		email := fmt.Sprintf("%s.%s%d@%s", fn, ln, i, domains[rnd.IntN(len(domains))])
		name := ""
		if rnd.IntN(10) < 6 {
			name = strings.ToUpper(fn[:1]) + fn[1:] + " " + strings.ToUpper(ln[:1]) + ln[1:]
		}
		tag := ""
		if rnd.IntN(10) < 3 {
			tag = tags[rnd.IntN(len(tags))]
			if rnd.IntN(3) == 0 {
				tag += ";" + tags[rnd.IntN(len(tags))]
			}
		}
		rec := []string{email, name, tag}
		switch p := rnd.IntN(1000); {
		case p < 10: // a bad row
			switch p % 4 {
			case 0:
				rec[0] = strings.Replace(email, "@", " at ", 1)
			case 1:
				rec[0] = email[:strings.IndexByte(email, '@')+1] + "nodot"
			case 2:
				rec[1] = "Eve\r\nBcc: x@example.org"
			case 3:
				rec = append(rec, "extra")
			}
		case p < 20 && len(seen) > 0: // a repeat, in any case
			rec[0] = seen[rnd.IntN(len(seen))]
			if rnd.IntN(2) == 0 {
				rec[0] = strings.ToUpper(rec[0])
			}
			want.good++
		default:
			want.good++
			want.unique++
			if len(seen) < 10000 {
				seen = append(seen, email)
			} else if rnd.IntN(100) == 0 {
				seen[rnd.IntN(len(seen))] = email
			}
		}
		if err := w.Write(rec); err != nil {
			return want, err
		}
		want.rows++
	}
	w.Flush()
	if err := errors.Join(w.Error(), bw.Flush()); err != nil {
		return want, err
	}
	return want, f.Close()
}
