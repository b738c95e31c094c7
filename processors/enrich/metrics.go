package enrich

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Cache outcomes, the values of the result label of fintra_enrich_cache_total.
const (
	cacheLRUHit   = "lru_hit"
	cacheTableHit = "table_hit"
	// cacheStale: a cached resolution from an older catalog version, re-resolved.
	cacheStale = "stale"
	cacheMiss  = "miss"
)

// metrics are enrich's own Prometheus metrics, next to the stage counters
// every processor has. They are registered once per registry: every graph
// built on the same telemetry.Metrics shares them.
type metrics struct {
	stage   *telemetry.Stage
	cache   *prometheus.CounterVec
	methods *prometheus.CounterVec
	resolve *prometheus.HistogramVec
	batch   prometheus.Histogram
	catalog *prometheus.CounterVec
}

func newMetrics(m *telemetry.Metrics) *metrics {
	return &metrics{
		stage: m.Stage(string(Group)),
		cache: register(m.Registry, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fintra_enrich_cache_total",
			Help: "Merchant lookups by outcome: lru_hit (in-process cache), table_hit (enrich-merchants-table), stale (cached by an older catalog version, re-resolved), miss (resolved).",
		}, []string{"result"})),
		methods: register(m.Registry, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fintra_enrich_merchant_method_total",
			Help: "Enriched transactions by the method that decided their merchant.",
		}, []string{"method"})),
		resolve: register(m.Registry, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "fintra_enrich_resolve_seconds",
			Help: "Time of one Resolve call of the merchant resolver: path sync (in the callback) or batch (deferred, one call per batch).",
			// 10µs .. ~5s: an in-process resolution is microseconds, a
			// remote batch milliseconds.
			Buckets: prometheus.ExponentialBuckets(0.00001, 2, 20),
		}, []string{"path"})),
		batch: register(m.Registry, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "fintra_enrich_batch_descriptors",
			Help:    "Descriptors resolved per deferred batch.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		})),
		catalog: register(m.Registry, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "fintra_enrich_catalog_updates_total",
			Help: "Catalog update records by outcome: applied or dead_lettered.",
		}, []string{"outcome"})),
	}
}

// register registers c, or returns the collector already registered under
// the same name (a second graph on the same registry).
func register[C prometheus.Collector](r *prometheus.Registry, c C) C {
	if err := r.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic(err) // two metrics with one name and different shapes: a bug
	}
	return c
}

func (m *metrics) observeResolve(path string, d time.Duration) {
	m.resolve.WithLabelValues(path).Observe(d.Seconds())
}

func (m *metrics) countMethod(method fintrav1.MerchantMethod) {
	m.methods.WithLabelValues(method.String()).Inc()
}
