package metrics

import (
	"bufio"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// Counter is a value that only goes up: requests served, mail sent.
type Counter struct{ bits atomic.Uint64 }

// Inc adds one.
func (c *Counter) Inc() { c.Add(1) }

// Add adds v, which must not be negative: a counter that went down would
// read as a restart to every rate() over it.
func (c *Counter) Add(v float64) {
	if v < 0 || math.IsNaN(v) {
		panic(fmt.Sprintf("metrics: counter decreased by %v", v))
	}
	addFloat(&c.bits, v)
}

// Value returns the current count.
func (c *Counter) Value() float64 { return math.Float64frombits(c.bits.Load()) }

func (c *Counter) write(w *bufio.Writer, name, labels string) {
	fmt.Fprintf(w, "%s%s %s\n", name, labels, formatValue(c.Value()))
}

// addFloat adds v to the float64 stored in bits, without a lock.
func addFloat(bits *atomic.Uint64, v float64) {
	for {
		old := bits.Load()
		if bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// Gauge is a value that is set: the length of a queue, an age. A gauge
// that was never set, or was cleared, writes no sample, so a value that
// could not be read at scrape time is missing rather than stale.
type Gauge struct {
	bits atomic.Uint64
	set  atomic.Bool
}

// Set sets the value.
func (g *Gauge) Set(v float64) {
	g.bits.Store(math.Float64bits(v))
	g.set.Store(true)
}

// Clear withdraws the value until the next Set.
func (g *Gauge) Clear() { g.set.Store(false) }

// Value returns the value and whether there is one.
func (g *Gauge) Value() (float64, bool) {
	return math.Float64frombits(g.bits.Load()), g.set.Load()
}

func (g *Gauge) write(w *bufio.Writer, name, labels string) {
	if v, ok := g.Value(); ok {
		fmt.Fprintf(w, "%s%s %s\n", name, labels, formatValue(v))
	}
}

// Histogram counts observations into fixed buckets, for durations whose
// distribution matters more than their mean.
type Histogram struct {
	upper []float64 // sorted upper bounds, without +Inf

	// One lock keeps a scrape's buckets, count and sum consistent with
	// each other; an observation holds it for a few nanoseconds.
	mu     sync.Mutex
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	count  uint64
	sum    float64
}

func newHistogram(upper []float64) *Histogram {
	return &Histogram{upper: upper, counts: make([]uint64, len(upper)+1)}
}

// Observe records one value.
func (h *Histogram) Observe(v float64) {
	i, _ := slices.BinarySearch(h.upper, v) // the first bound >= v: buckets are le
	h.mu.Lock()
	h.counts[i]++
	h.count++
	h.sum += v
	h.mu.Unlock()
}

func (h *Histogram) write(w *bufio.Writer, name, labels string) {
	h.mu.Lock()
	counts := slices.Clone(h.counts)
	count, sum := h.count, h.sum
	h.mu.Unlock()
	var cum uint64
	for i, c := range counts {
		cum += c
		le := "+Inf"
		if i < len(h.upper) {
			le = formatValue(h.upper[i])
		}
		fmt.Fprintf(w, "%s_bucket%s %d\n", name, withLabel(labels, "le", le), cum)
	}
	fmt.Fprintf(w, "%s_sum%s %s\n", name, labels, formatValue(sum))
	fmt.Fprintf(w, "%s_count%s %d\n", name, labels, count)
}

// checkBuckets panics unless the bounds are finite and strictly rising.
func checkBuckets(name string, upper []float64) []float64 {
	if len(upper) == 0 {
		panic(fmt.Sprintf("metrics: %s has no buckets", name))
	}
	for i, b := range upper {
		if math.IsInf(b, 0) || math.IsNaN(b) || (i > 0 && b <= upper[i-1]) {
			panic(fmt.Sprintf("metrics: %s buckets %v must be finite and strictly rising", name, upper))
		}
	}
	return slices.Clone(upper)
}

// Counter registers a counter without labels.
func (r *Registry) Counter(name, help string) *Counter {
	return r.register(name, help, "counter", nil, func() sample { return &Counter{} }).child(nil).(*Counter)
}

// Gauge registers a gauge without labels.
func (r *Registry) Gauge(name, help string) *Gauge {
	return r.register(name, help, "gauge", nil, func() sample { return &Gauge{} }).child(nil).(*Gauge)
}

// Histogram registers a histogram without labels, with the given upper
// bucket bounds (+Inf is implied).
func (r *Registry) Histogram(name, help string, buckets []float64) *Histogram {
	upper := checkBuckets(name, buckets)
	return r.register(name, help, "histogram", nil, func() sample { return newHistogram(upper) }).child(nil).(*Histogram)
}

// CounterVec is a counter per combination of label values.
type CounterVec struct{ f *family }

// CounterVec registers a counter with labels. Label values should come
// from a short fixed list: each combination is a series kept forever.
func (r *Registry) CounterVec(name, help string, labels ...string) *CounterVec {
	return &CounterVec{r.register(name, help, "counter", labels, func() sample { return &Counter{} })}
}

// With returns the counter for the label values, in the order the labels
// were registered.
func (v *CounterVec) With(values ...string) *Counter { return v.f.child(values).(*Counter) }

// HistogramVec is a histogram per combination of label values.
type HistogramVec struct{ f *family }

// HistogramVec registers a histogram with labels.
func (r *Registry) HistogramVec(name, help string, buckets []float64, labels ...string) *HistogramVec {
	upper := checkBuckets(name, buckets)
	return &HistogramVec{r.register(name, help, "histogram", labels, func() sample { return newHistogram(upper) })}
}

// With returns the histogram for the label values.
func (v *HistogramVec) With(values ...string) *Histogram { return v.f.child(values).(*Histogram) }
