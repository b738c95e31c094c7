package topologies

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lovoo/goka"
	"golang.org/x/sync/errgroup"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/connect"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/core"
	"github.com/fintraos/fintra/processors/enrich"
	"github.com/fintraos/fintra/processors/enrich/catalog"
	"github.com/fintraos/fintra/processors/enrich/merchant"
	"github.com/fintraos/fintra/processors/enrich/qdrant"
	"github.com/fintraos/fintra/processors/guard"
	"github.com/fintraos/fintra/processors/guard/model"
	"github.com/fintraos/fintra/processors/views"
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
	// Resolver is enrich's merchant resolver, shared with its catalog
	// follower. Default (built by Run when enrich runs): the shipped
	// catalog, the n-gram embedder and the in-process index
	// (DefaultResolver). A graph drawn without one needs none.
	Resolver *merchant.Resolver
	// RemoteResolver says the resolver's index or embedder is a network
	// service (Qdrant, the ml/ service): enrich then resolves cache misses
	// in batches off the partition's goroutine.
	RemoteResolver bool
	// GuardModel is guard's model, swapped in place when GuardModelDir
	// changes. Default: the model embedded from ml/models/guard.
	GuardModel *model.Current
	// GuardModelDir, when set, is a model directory (ml/models/guard's
	// layout: CURRENT naming a version directory) that guard loads at start
	// and polls every few seconds, rolling a new model out without a restart.
	GuardModelDir string
	// GuardRules override guard's model (blocklists, impossible travel).
	GuardRules guard.Rules
	// runtime is set by Run: the deferred enrich path emits through goka
	// emitters built with it.
	runtime *Runtime
	// guardWatcher polls GuardModelDir; built by forProcessors.
	guardWatcher *model.Watcher
	// merchantsView is enrich's view of enrich-merchants-table, run by
	// enrich's sidecar; built by forProcessors.
	merchantsView *goka.View
}

// forProcessors builds what the selected processors need and was not
// given: enrich's resolver, guard's swappable model.
func (d *Deps) forProcessors(selected []Processor) error {
	for _, p := range selected {
		switch p.Name {
		case string(enrich.Group):
			if d.Resolver == nil {
				r, err := DefaultResolver()
				if err != nil {
					return fmt.Errorf("topologies: enrich's merchant resolver: %w", err)
				}
				d.Resolver = r
			}
			if d.merchantsView == nil && d.runtime != nil {
				opts, err := d.runtime.ViewOptions()
				if err != nil {
					return err
				}
				v, err := enrich.NewMerchantsView(d.runtime.Brokers, opts...)
				if err != nil {
					return err
				}
				d.merchantsView = v
			}
		case string(guard.Group):
			if d.GuardModelDir != "" && d.guardWatcher == nil {
				if d.GuardModel == nil {
					d.GuardModel = model.NewCurrent(nil)
				}
				// The watcher loads the directory's model now, before guard
				// scores anything; its sidecar then polls for new ones.
				w, err := guard.ModelDirWatcher(d.GuardModelDir, d.GuardModel, 5*time.Second, d.Log)
				if err != nil {
					return err
				}
				d.guardWatcher = w
			}
		}
	}
	return nil
}

// DefaultResolver is enrich's default merchant resolver: the catalog
// shipped in processors/enrich/catalog, the pure-Go n-gram embedder and
// the in-process vector index, at the calibrated default threshold.
func DefaultResolver() (*merchant.Resolver, error) {
	emb, err := merchant.NewNgramEmbedder(0)
	if err != nil {
		return nil, err
	}
	idx, err := merchant.NewMemoryIndex(emb.Dim())
	if err != nil {
		return nil, err
	}
	return ResolverWith(emb, idx)
}

// QdrantResolver is the default resolver with its vector index in Qdrant
// (gRPC at addr, e.g. "qdrant:6334"): the collection is created and the
// catalog upserted at start. Run it with Deps.RemoteResolver, so that
// enrich batches its searches instead of one network call per event.
func QdrantResolver(ctx context.Context, addr, collection string) (*merchant.Resolver, error) {
	emb, err := merchant.NewNgramEmbedder(0)
	if err != nil {
		return nil, err
	}
	idx, err := qdrant.New(ctx, qdrant.Config{Addr: addr, Collection: collection}, emb.Dim(), emb.Name())
	if err != nil {
		return nil, err
	}
	return ResolverWith(emb, idx)
}

// ResolverWith is a resolver of the shipped catalog with the given
// embedder and index.
func ResolverWith(emb merchant.Embedder, idx merchant.Index) (*merchant.Resolver, error) {
	cat, err := catalog.Default()
	if err != nil {
		return nil, err
	}
	return merchant.NewResolver(cat, emb, idx, merchant.Options{})
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
	// Sidecar, when set, runs beside the processor in Run until ctx ends
	// (enrich's catalog follower, guard's model watcher). Run has filled
	// Deps' defaults; deps.runtime is set.
	Sidecar func(ctx context.Context, deps Deps) error
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
			Name:    string(enrich.Group),
			Summary: "resolves each transaction's merchant entity (catalog aliases, then vector search) and categorizes it; follows catalog updates on enrich.catalog.v1",
			Graph: func(d Deps) *goka.GroupGraph {
				ed := enrich.Deps{Resolver: d.Resolver, Remote: d.RemoteResolver, Metrics: d.Metrics, Clock: d.Clock, Log: d.Log}
				if d.merchantsView != nil {
					ed.Merchants = d.merchantsView
				}
				if d.RemoteResolver && d.runtime != nil {
					rt := *d.runtime
					ed.NewEmitter = func(topic goka.Stream, codec goka.Codec) (*goka.Emitter, error) {
						opts, err := rt.EmitterOptions()
						if err != nil {
							return nil, err
						}
						return goka.NewEmitter(rt.Brokers, topic, codec, opts...)
					}
				}
				return enrich.Graph(ed)
			},
			// The catalog follower, and the view of enrich-merchants-table
			// that enrich reads (Run stops it only after enrich stopped).
			Sidecar: func(ctx context.Context, d Deps) error {
				f, err := enrich.NewCatalogFollower(d.runtime.Brokers, d.Resolver, enrich.Deps{Metrics: d.Metrics, Log: d.Log})
				if err != nil {
					return err
				}
				defer f.Close()
				g, gctx := errgroup.WithContext(ctx)
				g.Go(func() error { return f.Run(gctx) })
				if d.merchantsView != nil {
					g.Go(func() error { return d.merchantsView.Run(gctx) })
				}
				return g.Wait()
			},
		},
		{
			Name:    string(enrich.MerchantsGroup),
			Summary: "keeps enrich's resolutions per cleaned descriptor in enrich-merchants-table, the cache every enrich process reads",
			Graph:   func(Deps) *goka.GroupGraph { return enrich.MerchantsGraph() },
		},
		{
			Name:    string(guard.Group),
			Summary: "scores every transaction for fraud from per-account features in guard-table and the LightGBM model; alerts on review and decline",
			Graph: func(d Deps) *goka.GroupGraph {
				return guard.Graph(guard.Deps{Model: d.GuardModel, Rules: d.GuardRules, Metrics: d.Metrics, Clock: d.Clock, Log: d.Log})
			},
			Sidecar: func(ctx context.Context, d Deps) error {
				if d.guardWatcher != nil {
					d.guardWatcher.Run(ctx)
				}
				return nil
			},
		},
		{
			Name:    string(views.Group),
			Summary: "keeps each account's read model (balances, last 20 transactions with merchant, category and risk, month-to-date spend, open alerts) in views-table for the Redis sink",
			Graph: func(d Deps) *goka.GroupGraph {
				return views.Graph(views.Deps{Metrics: d.Metrics, Clock: d.Clock, Log: d.Log})
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
