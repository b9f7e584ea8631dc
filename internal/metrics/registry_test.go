package metrics

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func render(t *testing.T, r *Registry) string {
	t.Helper()
	var b strings.Builder
	if err := r.Render(context.Background(), &b); err != nil {
		t.Fatalf("Render() = %v", err)
	}
	return b.String()
}

func TestExpositionFormat(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("app_jobs_total", "Jobs done.\nOne line per \\ job.")
	c.Add(3)
	c.Add(0.5)
	g := r.Gauge("app_queue", "Queue length.")
	r.Gauge("app_unset", "Never set.")
	g.Set(12)
	v := r.CounterVec("app_requests_total", "Requests.", "route", "code")
	v.With("GET /b", "2xx").Inc()
	v.With(`GET /a/{x}`, "5xx").Add(2)
	v.With("say \"hi\"\\\n", "4xx").Inc()
	h := r.Histogram("app_seconds", "Durations.", []float64{0.1, 1, 2.5})
	for _, x := range []float64{0.05, 0.1, 0.7, 3, 30} {
		h.Observe(x)
	}
	hv := r.HistogramVec("app_route_seconds", "Per route.", []float64{1}, "route")
	hv.With("x").Observe(2)

	want := `# HELP app_jobs_total Jobs done.\nOne line per \\ job.
# TYPE app_jobs_total counter
app_jobs_total 3.5
# HELP app_queue Queue length.
# TYPE app_queue gauge
app_queue 12
# HELP app_unset Never set.
# TYPE app_unset gauge
# HELP app_requests_total Requests.
# TYPE app_requests_total counter
app_requests_total{route="GET /a/{x}",code="5xx"} 2
app_requests_total{route="GET /b",code="2xx"} 1
app_requests_total{route="say \"hi\"\\\n",code="4xx"} 1
# HELP app_seconds Durations.
# TYPE app_seconds histogram
app_seconds_bucket{le="0.1"} 2
app_seconds_bucket{le="1"} 3
app_seconds_bucket{le="2.5"} 3
app_seconds_bucket{le="+Inf"} 5
app_seconds_sum 33.85
app_seconds_count 5
# HELP app_route_seconds Per route.
# TYPE app_route_seconds histogram
app_route_seconds_bucket{route="x",le="1"} 0
app_route_seconds_bucket{route="x",le="+Inf"} 1
app_route_seconds_sum{route="x"} 2
app_route_seconds_count{route="x"} 1
`
	if diff := cmp.Diff(want, render(t, r)); diff != "" {
		t.Errorf("Render() (-want +got):\n%s", diff)
	}

	g.Clear()
	if got := render(t, r); strings.Contains(got, "app_queue 12") || !strings.Contains(got, "# TYPE app_queue gauge\n") {
		t.Errorf("after Clear, Render() = %q; want the gauge's HELP and TYPE without a sample", got)
	}
}

func TestServeHTTP(t *testing.T) {
	r := NewRegistry()
	r.Counter("app_total", "Things.").Inc()
	scraped := 0
	r.OnScrape(func(ctx context.Context) { scraped++ })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" ||
		!strings.Contains(rec.Body.String(), "\napp_total 1\n") || scraped != 1 {
		t.Errorf("GET /metrics = %d %q %q after %d scrape functions; want 200, the text format, app_total 1, 1 scrape",
			rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), scraped)
	}
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("HEAD", "/metrics", nil))
	if rec.Code != 200 || rec.Body.Len() != 0 || scraped != 1 {
		t.Errorf("HEAD /metrics = %d with %d bytes, %d scrapes; want 200, no body, no scrape", rec.Code, rec.Body.Len(), scraped)
	}
}

// TestConcurrentUse counts from many goroutines while scraping and checks
// that no count is lost; run with -race it also checks the locking.
func TestConcurrentUse(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("app_total", "Things.")
	v := r.CounterVec("app_by_total", "Things by label.", "l")
	h := r.HistogramVec("app_seconds", "Durations.", []float64{1}, "l")
	g := r.Gauge("app_gauge", "A gauge.")
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	scrapes := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				scrapes <- n
				return
			default:
				render(t, r)
				n++
			}
		}
	}()
	for w := range workers {
		wg.Go(func() {
			label := []string{"a", "b"}[w%2]
			for i := range each {
				c.Inc()
				v.With(label).Inc()
				h.With(label).Observe(float64(i % 3))
				g.Set(float64(i))
			}
		})
	}
	wg.Wait()
	close(stop)
	if n := <-scrapes; n == 0 {
		t.Log("no scrape overlapped the counting")
	}
	out := render(t, r)
	for _, line := range []string{
		"app_total 16000",
		`app_by_total{l="a"} 8000`,
		`app_by_total{l="b"} 8000`,
		`app_seconds_count{l="a"} 8000`,
		`app_seconds_bucket{l="b",le="1"} 5336`, // i%3 is 0 or 1 for 1334 of each 2000, times 4 workers
		`app_seconds_bucket{l="b",le="+Inf"} 8000`,
	} {
		if !strings.Contains(out, "\n"+line+"\n") {
			t.Errorf("after %d×%d counts, Render() lacks %q:\n%s", workers, each, line, out)
		}
	}
}

func TestRegistrationMistakesPanic(t *testing.T) {
	for name, fn := range map[string]func(r *Registry){
		"twice":            func(r *Registry) { r.Counter("a_total", ""); r.Gauge("a_total", "") },
		"bad name":         func(r *Registry) { r.Counter("a-total", "") },
		"digit first":      func(r *Registry) { r.Counter("1a", "") },
		"bad label":        func(r *Registry) { r.CounterVec("a_total", "", "a b") },
		"reserved label":   func(r *Registry) { r.CounterVec("a_total", "", "__a") },
		"le on histogram":  func(r *Registry) { r.HistogramVec("a", "", []float64{1}, "le") },
		"unsorted buckets": func(r *Registry) { r.Histogram("a", "", []float64{2, 1}) },
		"no buckets":       func(r *Registry) { r.Histogram("a", "", nil) },
		"label count":      func(r *Registry) { r.CounterVec("a_total", "", "x", "y").With("1") },
		"negative add":     func(r *Registry) { r.Counter("a_total", "").Add(-1) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			fn(NewRegistry())
		})
	}
}

func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 1: "1", 0.005: "0.005", 1234567: "1234567", 2.5e21: "2.5e+21", -3: "-3"} {
		if got := formatValue(v); got != want {
			t.Errorf("formatValue(%v) = %q, want %q", v, got, want)
		}
	}
}
