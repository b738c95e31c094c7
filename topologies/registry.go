package topologies

import (
	"log/slog"
	"time"

	"github.com/lovoo/goka"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/connect"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/core"
	"github.com/fintraos/fintra/processors/views"
	"github.com/fintraos/fintra/schemas"
)

// Deps are the shared dependencies handed to every processor's graph.
type Deps struct {
	Metrics *telemetry.Metrics
	Clock   func() time.Time
	Log     *slog.Logger
	// Parsers are the ingest formats of connect. Default connect.DefaultParsers().
	Parsers *source.Registry
	// CoreLimits bound the ledger's per-account state.
	CoreLimits core.Limits
}

func (d *Deps) setDefaults() {
	if d.Metrics == nil {
		d.Metrics = telemetry.New()
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Parsers == nil {
		d.Parsers = connect.DefaultParsers()
	}
}

// Processor is one entry of the registry.
type Processor struct {
	// Name is what --processors selects; it is the processor's group.
	Name string
	// Summary says in one line what the processor does.
	Summary string
	// Graph builds the processor's goka graph.
	Graph func(Deps) *goka.GroupGraph
}

// Processors is the registry: every processor of the pipeline, in dataflow
// order. There is no other registration.
func Processors() []Processor {
	return []Processor{
		{
			Name:    string(connect.Group),
			Summary: "parses raw connector payloads into canonical events; dead-letters what it cannot parse",
			Graph: func(d Deps) *goka.GroupGraph {
				return connect.Graph(connect.Deps{Parsers: d.Parsers, Metrics: d.Metrics, Clock: d.Clock})
			},
		},
		{
			Name:    string(core.Group),
			Summary: "the ledger: deduplicates events, applies the pending/posted/removed lifecycle, keeps balances",
			Graph: func(d Deps) *goka.GroupGraph {
				return core.Graph(core.Deps{Limits: d.CoreLimits, Metrics: d.Metrics, Clock: d.Clock, Log: d.Log})
			},
		},
		{
			Name:    string(views.Group),
			Summary: "keeps each account's read model (balances, last 20 transactions, month-to-date spend) in views-table for the Redis sink",
			Graph: func(d Deps) *goka.GroupGraph {
				return views.Graph(views.Deps{Metrics: d.Metrics, Clock: d.Clock, Log: d.Log, Input: schemas.TopicCoreTransactions})
			},
		},
	}
}

// Graphs builds the graph of every registered processor.
func Graphs(d Deps) []*goka.GroupGraph {
	d.setDefaults()
	var out []*goka.GroupGraph
	for _, p := range Processors() {
		out = append(out, p.Graph(d))
	}
	return out
}
