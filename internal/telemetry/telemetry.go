// Package telemetry holds the pipeline's metrics (Prometheus) and serves
// them with health and pprof endpoints. Processors count through a *Stage,
// whose counters are plain atomics so that the hot path pays a few
// nanoseconds and progress reports can read them without scraping.
package telemetry

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fintraos/fintra/internal/httpserve"
)

// Metrics is the set of metrics of one process.
type Metrics struct {
	Registry *prometheus.Registry

	mu     sync.Mutex
	stages map[string]*Stage

	latency      *prometheus.HistogramVec
	lag          *prometheus.GaugeVec
	batchSize    *prometheus.HistogramVec
	writeLatency *prometheus.HistogramVec
	// lags mirrors the lag gauge per group (summed over topics) for
	// progress lines, which should not have to scrape.
	lags sync.Map // group -> map[topic]int64 under mu
}

// New returns metrics registered in a fresh registry, with the Go runtime
// and process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		stages:   map[string]*Stage{},
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fintra_e2e_latency_seconds",
			Help: "Time from a payload's arrival on connect.raw.v1 (its record timestamp) until a stage finished processing it.",
			// 100µs .. ~52s: embedded runs are sub-millisecond, a real
			// cluster under load is tens of milliseconds.
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 20),
		}, []string{"stage"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "fintra_consumer_lag",
			Help: "Records not yet consumed by a group, summed over partitions.",
		}, []string{"group", "topic"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fintra_sink_batch_records",
			Help:    "Records per batch a sink wrote.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 16),
		}, []string{"sink"}),
		writeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "fintra_sink_write_seconds",
			Help:    "Time a sink took to make a batch durable, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 18),
		}, []string{"sink"}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.latency, m.lag, m.batchSize, m.writeLatency, stageCollector{m},
	)
	return m
}

// Stage returns the counters of a processor or sink, creating them once.
func (m *Metrics) Stage(name string) *Stage {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.stages[name]; ok {
		return s
	}
	s := &Stage{Name: name, latency: m.latency.WithLabelValues(name)}
	m.stages[name] = s
	return s
}

// Stages returns every stage, sorted by name.
func (m *Metrics) Stages() []*Stage {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Stage, 0, len(m.stages))
	for _, s := range m.stages {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SetLag records the lag of a consumer group on a topic.
func (m *Metrics) SetLag(group, topic string, lag int64) {
	m.lag.WithLabelValues(group, topic).Set(float64(lag))
	m.mu.Lock()
	defer m.mu.Unlock()
	v, _ := m.lags.LoadOrStore(group, map[string]int64{})
	v.(map[string]int64)[topic] = lag
}

// Lag returns a group's last measured lag summed over its topics, and
// whether it was measured at all.
func (m *Metrics) Lag(group string) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.lags.Load(group)
	if !ok {
		return 0, false
	}
	var total int64
	for _, l := range v.(map[string]int64) {
		total += l
	}
	return total, true
}

// ObserveWrite records one durable batch write of a sink.
func (m *Metrics) ObserveWrite(sink string, records int, d time.Duration) {
	m.batchSize.WithLabelValues(sink).Observe(float64(records))
	m.writeLatency.WithLabelValues(sink).Observe(d.Seconds())
}

// Stage counts what one processor or sink did.
type Stage struct {
	Name string
	// In counts records consumed; Out records emitted downstream; DLQ
	// records dead-lettered; Duplicates events dropped as already seen;
	// Errors failures (writes, emits) that were retried or surfaced.
	In, Out, DLQ, Duplicates, Errors atomic.Uint64

	latency prometheus.Observer
}

// ObserveLatency records the end-to-end latency of one record at this stage.
func (s *Stage) ObserveLatency(d time.Duration) {
	s.latency.Observe(d.Seconds())
}

var (
	descIn         = prometheus.NewDesc("fintra_records_in_total", "Records consumed by a stage.", []string{"stage"}, nil)
	descOut        = prometheus.NewDesc("fintra_records_out_total", "Records emitted downstream by a stage.", []string{"stage"}, nil)
	descDLQ        = prometheus.NewDesc("fintra_dlq_total", "Records a stage sent to its dead-letter topic.", []string{"stage"}, nil)
	descDuplicates = prometheus.NewDesc("fintra_duplicates_total", "Events a stage dropped because it had already accepted their event_id.", []string{"stage"}, nil)
	descErrors     = prometheus.NewDesc("fintra_errors_total", "Errors a stage met (failed emits or writes).", []string{"stage"}, nil)
)

type stageCollector struct{ m *Metrics }

func (c stageCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descIn, descOut, descDLQ, descDuplicates, descErrors} {
		ch <- d
	}
}

func (c stageCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.m.Stages() {
		for _, v := range []struct {
			d *prometheus.Desc
			n *atomic.Uint64
		}{{descIn, &s.In}, {descOut, &s.Out}, {descDLQ, &s.DLQ}, {descDuplicates, &s.Duplicates}, {descErrors, &s.Errors}} {
			ch <- prometheus.MustNewConstMetric(v.d, prometheus.CounterValue, float64(v.n.Load()), s.Name)
		}
	}
}

// Serve serves /metrics, /healthz and /debug/pprof/ on addr until ctx ends.
// An empty addr serves nothing.
func (m *Metrics) Serve(ctx context.Context, addr string, log *slog.Logger) error {
	if addr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Info("serving metrics", "addr", "http://"+ln.Addr().String()+"/metrics")
	return httpserve.Serve(ctx, srv, ln, 2*time.Second)
}
