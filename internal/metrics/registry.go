// Package metrics exposes Herald's counters, gauges and histograms in the
// Prometheus text format, so that any scraper can watch the send queue
// and the site without Herald taking on a metrics library and its global
// default registry. A Registry is made in main and handed to whoever
// counts; nothing here is package-level state.
package metrics

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Registry holds metric families and renders them. It is safe for
// concurrent use: counting happens on request and worker goroutines while
// a scrape reads.
type Registry struct {
	mu       sync.Mutex
	families []*family
	names    map[string]bool
	scrapes  []func(ctx context.Context)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{names: map[string]bool{}}
}

// sample is one series' current value, able to write itself.
type sample interface {
	write(w *bufio.Writer, name, labels string)
}

// family is the series of one metric name, one per set of label values.
type family struct {
	name, help, typ string
	labels          []string
	make            func() sample

	mu     sync.RWMutex
	series map[string]*entry
}

type entry struct {
	values []string
	s      sample
}

// register adds a family. A bad or repeated name is a mistake in the
// program, not in its input, so it panics at start-up like a bad regexp
// literal would, rather than returning an error every caller must ignore.
func (r *Registry) register(name, help, typ string, labels []string, mk func() sample) *family {
	if !validName(name, true) {
		panic(fmt.Sprintf("metrics: %q is not a valid metric name", name))
	}
	for _, l := range labels {
		if !validName(l, false) || strings.HasPrefix(l, "__") || (typ == "histogram" && l == "le") {
			panic(fmt.Sprintf("metrics: %q is not a valid label name for %s", l, name))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[name] {
		panic(fmt.Sprintf("metrics: %s registered twice", name))
	}
	r.names[name] = true
	f := &family{name: name, help: help, typ: typ, labels: slices.Clone(labels), make: mk, series: map[string]*entry{}}
	r.families = append(r.families, f)
	return f
}

// OnScrape adds fn to what runs before each scrape is rendered, for values
// that are read rather than counted, such as the length of a queue kept in
// the database. fn should set gauges and return; ctx ends with the scrape.
func (r *Registry) OnScrape(fn func(ctx context.Context)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scrapes = append(r.scrapes, fn)
}

// child returns the series for values, creating it on first use.
func (f *family) child(values []string) sample {
	if len(values) != len(f.labels) {
		panic(fmt.Sprintf("metrics: %s takes %d label values (%v), got %d", f.name, len(f.labels), f.labels, len(values)))
	}
	key := strings.Join(values, "\xff")
	f.mu.RLock()
	e := f.series[key]
	f.mu.RUnlock()
	if e != nil {
		return e.s
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if e = f.series[key]; e == nil {
		e = &entry{values: slices.Clone(values), s: f.make()}
		f.series[key] = e
	}
	return e.s
}

// ServeHTTP answers a scrape with every family in the text exposition
// format, version 0.0.4.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if req.Method == http.MethodHead {
		return
	}
	// An error here is the scraper hanging up; there is no one to tell.
	_ = r.Render(req.Context(), w)
}

// Render runs the scrape functions, then writes every family: its HELP
// and TYPE lines and its series sorted by label values, so that two
// scrapes of the same state are byte for byte the same.
func (r *Registry) Render(ctx context.Context, out io.Writer) error {
	r.mu.Lock()
	scrapes := slices.Clone(r.scrapes)
	families := slices.Clone(r.families)
	r.mu.Unlock()
	for _, fn := range scrapes {
		fn(ctx)
	}
	w := bufio.NewWriter(out)
	for _, f := range families {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", f.name, escapeHelp(f.help), f.name, f.typ)
		f.mu.RLock()
		entries := make([]*entry, 0, len(f.series))
		for _, e := range f.series {
			entries = append(entries, e)
		}
		f.mu.RUnlock()
		slices.SortFunc(entries, func(a, b *entry) int { return slices.Compare(a.values, b.values) })
		for _, e := range entries {
			e.s.write(w, f.name, labelString(f.labels, e.values))
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("metrics: write: %w", err)
	}
	return nil
}

// labelString renders {a="x",b="y"}, or nothing without labels.
func labelString(names, values []string) string {
	if len(names) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(values[i]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// withLabel adds one more label to a rendered label string.
func withLabel(labels, name, value string) string {
	pair := name + `="` + escapeLabel(value) + `"`
	if labels == "" {
		return "{" + pair + "}"
	}
	return labels[:len(labels)-1] + "," + pair + "}"
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }

// formatValue writes a sample value as Prometheus reads it: plain decimals
// for ordinary numbers, +Inf, -Inf and NaN for the rest.
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	case math.Abs(v) >= 1e21:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// validName checks a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or, without
// colons, a label name.
func validName(s string, colons bool) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		ok := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (colons && c == ':') || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}
