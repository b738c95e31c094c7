package enrich

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/enrich/clean"
	"github.com/fintraos/fintra/processors/enrich/merchant"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Group is the enrich processor's consumer group. It keeps no table of its
// own: its cache table belongs to MerchantsGroup.
const Group goka.Group = "enrich"

// MerchantsGroup is the group that keeps MerchantsTable. goka lets a
// processor write only its own table, under the input's key (the account),
// while the cache is keyed by descriptor: so enrich emits each new
// resolution to TopicResolutions, keyed by descriptor, and this group
// stores it.
const MerchantsGroup goka.Group = "enrich-merchants"

// MerchantsTable holds the latest resolution per cache key (the cleaned
// descriptor; see cacheKey), as ResolutionCodec JSON. enrich reads it with
// goka.Lookup.
var MerchantsTable = goka.GroupTable(MerchantsGroup)

// TopicResolutions carries new resolutions from enrich to MerchantsGroup,
// keyed by cache key (ResolutionCodec).
const TopicResolutions goka.Stream = "enrich.resolutions.v1"

// DLQ is the dead-letter topic of enrich and of the catalog follower,
// enrich.dlq.v1.
var DLQ = schemas.DLQTopic(string(Group))

// Deps is what the processor needs from its surroundings.
type Deps struct {
	// Resolver resolves merchants. Required to process messages (a graph
	// built without one can still be drawn and validated); share it with
	// the CatalogFollower so that catalog updates reach it.
	Resolver *merchant.Resolver
	// Remote says the resolver's index or embedder is a network service
	// (Qdrant, the HTTP embedder). Cache misses are then resolved off the
	// partition's goroutine in batches (see Batch), never one network call
	// per event. Default false: a miss is resolved in the callback, which
	// the in-process index does in microseconds.
	Remote bool
	// Batch shapes the deferred path of a Remote resolver.
	Batch BatchConfig
	// NewEmitter makes the emitters of the deferred path, which emits after
	// the callback has returned: goka.NewEmitter with the runtime's emitter
	// options (murmur2 hasher, acks=all), or goka.WithEmitterTester in
	// tests. Required when Remote.
	NewEmitter func(topic goka.Stream, codec goka.Codec) (*goka.Emitter, error)
	// CacheSize bounds the in-process LRU of resolutions (per process,
	// shared by its partitions). Default 100000 (tens of MB).
	CacheSize int
	// Merchants reads MerchantsTable, the resolutions every enrich process
	// shares: a goka view of it (NewMerchantsView), run beside the processor
	// and stopped after it. Nil: the per-process LRU only.
	//
	// Not a goka.Lookup edge: goka v1.1.14 closes a processor's lookup views
	// while its partitions may still be processing, a data race on the
	// view's partitions at every shutdown.
	Merchants MerchantsReader
	// Metrics receives the stage's counters and enrich's cache, method and
	// latency metrics. Default: a private set.
	Metrics *telemetry.Metrics
	// Clock stamps enriched_at and measures end-to-end latency. Default
	// time.Now.
	Clock func() time.Time
	// Log receives dead letters and catalog updates. Default slog.Default().
	Log *slog.Logger
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
	if d.CacheSize <= 0 {
		d.CacheSize = 100_000
	}
	d.Batch.setDefaults()
}

// Graph is the enrich processor's goka graph.
func Graph(deps Deps) *goka.GroupGraph {
	deps.setDefaults()
	p := newProcessor(deps)
	return goka.DefineGroup(Group,
		// Input as raw bytes: an undecodable transaction must reach the
		// DLQ, and goka stops the processor on a codec error.
		goka.Input(schemas.TopicCoreTransactions, new(codec.Bytes), p.process),
		goka.Output(schemas.TopicEnrichTransactions, outputCodecs()[schemas.TopicEnrichTransactions]),
		goka.Output(TopicResolutions, outputCodecs()[TopicResolutions]),
		goka.Output(DLQ, outputCodecs()[DLQ]),
	)
}

// MerchantsReader reads a key of MerchantsTable; *goka.View is one.
type MerchantsReader interface {
	Get(key string) (any, error)
}

// NewMerchantsView is a goka view of MerchantsTable for Deps.Merchants;
// pass the runtime's view options (murmur2 partitioning).
func NewMerchantsView(brokers []string, opts ...goka.ViewOption) (*goka.View, error) {
	v, err := goka.NewView(brokers, MerchantsTable, ResolutionCodec{}, opts...)
	if err != nil {
		return nil, fmt.Errorf("enrich: view of %s: %w", MerchantsTable, err)
	}
	return v, nil
}

// fromTable reads a resolution from MerchantsTable. A view that is not
// running yet or has not loaded the key is a miss, not an error: the
// resolver answers instead.
func (p *processor) fromTable(key string) (*merchant.Resolution, bool) {
	if p.merchants == nil {
		return nil, false
	}
	v, err := p.merchants.Get(key)
	if err != nil {
		return nil, false
	}
	r, ok := v.(*merchant.Resolution)
	return r, ok && r != nil
}

// outputCodecs are the codecs of enrich's outputs, shared by the graph and
// the deferred path's emitters.
func outputCodecs() map[goka.Stream]goka.Codec {
	return map[goka.Stream]goka.Codec{
		schemas.TopicEnrichTransactions: schemas.ProtoCodec[*fintrav1.EnrichedTransaction]{},
		TopicResolutions:                ResolutionCodec{},
		DLQ:                             new(codec.Bytes),
	}
}

// MerchantsGraph is the graph of MerchantsGroup: it stores every
// resolution enrich emits, by cache key.
func MerchantsGraph() *goka.GroupGraph {
	return goka.DefineGroup(MerchantsGroup,
		goka.Input(TopicResolutions, ResolutionCodec{}, storeResolution),
		goka.Persist(ResolutionCodec{}),
	)
}

func storeResolution(ctx goka.Context, msg any) {
	// The latest resolution wins: enrich only emits one when it resolved
	// afresh, under the catalog version current at the time.
	if r, ok := msg.(*merchant.Resolution); ok && r != nil {
		ctx.SetValue(r)
	}
}

type processor struct {
	resolver  *merchant.Resolver
	merchants MerchantsReader
	// exact caches by the statement text as it is, lru by cache key.
	exact   *lru[exactEntry]
	lru     *lru[*merchant.Resolution]
	m       *metrics
	clock   func() time.Time
	log     *slog.Logger
	batcher *batcher // nil unless the resolver is remote
}

func newProcessor(deps Deps) *processor {
	p := &processor{
		resolver:  deps.Resolver,
		merchants: deps.Merchants,
		exact:     newLRU[exactEntry](deps.CacheSize),
		lru:       newLRU[*merchant.Resolution](deps.CacheSize),
		m:         newMetrics(deps.Metrics),
		clock:     deps.Clock,
		log:       deps.Log,
	}
	if deps.Remote {
		p.batcher = newBatcher(p, deps.Batch, emittersFrom(deps.NewEmitter))
	}
	return p
}

// lookup is what enrich knows about a transaction's merchant before
// resolving: its cache key and, when cached, its resolution.
type lookup struct {
	exact   string // exactKey
	key     string
	cleaned clean.Cleaned
	input   merchant.Input
	// res is the resolution to use; nil with resolve false means the
	// transaction is a removal nothing is cached for (it goes out
	// unresolved).
	res     *merchant.Resolution
	resolve bool
}

func (p *processor) process(ctx goka.Context, msg any) {
	p.m.stage.In.Add(1)
	if p.resolver == nil {
		ctx.Fail(errors.New("enrich: no merchant resolver: build the graph with Deps.Resolver (merchant.NewResolver)"))
	}
	raw, _ := msg.([]byte)
	at, err := decode(raw, ctx.Key())
	if p.batcher != nil && p.batcher.busy(ctx.Partition()) {
		// An earlier message of this partition waits for a batch: this
		// one queues behind it so that output and commits keep the
		// partition's order.
		var l lookup
		if err == nil {
			l = p.find(ctx, at)
		}
		p.batcher.enqueue(ctx, raw, at, l, err)
		return
	}
	if err != nil {
		p.deadLetter(ctx, raw, err)
		return
	}
	l := p.find(ctx, at)
	if l.resolve {
		if p.batcher != nil {
			p.batcher.enqueue(ctx, raw, at, l, nil)
			return
		}
		start := time.Now()
		res, err := p.resolver.Resolve(ctx.Context(), []merchant.Input{l.input})
		p.m.observeResolve("sync", time.Since(start))
		if err == nil && len(res) != 1 {
			err = fmt.Errorf("resolver returned %d resolutions for 1 input", len(res))
		}
		if err != nil {
			// The in-process resolver has no transient failures: an
			// error is a bug, and a bug stops the processor.
			ctx.Fail(fmt.Errorf("enrich: resolve %q: %w", l.key, err))
		}
		l.res = &res[0]
		p.remember(l)
		if l.key != "" {
			ctx.Emit(TopicResolutions, l.key, l.res)
		}
	}
	ctx.Emit(schemas.TopicEnrichTransactions, at.GetAccountId(), p.enriched(at, l))
	p.m.stage.Out.Add(1)
	if ts := at.GetIngestedAt(); ts != nil {
		p.m.stage.ObserveLatency(p.clock().Sub(ts.AsTime()))
	}
}

// decode reads an accepted transaction and rejects what enrich cannot
// enrich: core never emits these, so they come from a misbehaving producer.
func decode(raw []byte, key string) (*fintrav1.AcceptedTransaction, error) {
	at := new(fintrav1.AcceptedTransaction)
	if err := proto.Unmarshal(raw, at); err != nil {
		return nil, fmt.Errorf("enrich: undecodable transaction: %w", err)
	}
	var errs []error
	switch {
	case at.GetAccountId() == "":
		errs = append(errs, errors.New("enrich: transaction without account_id"))
	case at.GetAccountId() != key:
		errs = append(errs, fmt.Errorf("enrich: transaction for account %q arrived under key %q: producers must key core.transactions.v1 by account_id", at.GetAccountId(), key))
	}
	if at.GetTransaction() == nil {
		errs = append(errs, errors.New("enrich: accepted transaction without its transaction"))
	}
	return at, errors.Join(errs...)
}

// find looks the transaction's merchant up: the process's LRU, then
// MerchantsTable. A resolution made under an older catalog is re-resolved
// for a new transaction; a removal takes whatever is cached (it keeps the
// merchant it was enriched with) and is never resolved.
func (p *processor) find(ctx goka.Context, at *fintrav1.AcceptedTransaction) lookup {
	tx := at.GetTransaction()
	removed := tx.GetStatus() == fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED
	current := p.resolver.CatalogVersion()
	input := merchant.Input{Descriptor: tx.GetDescription(), MerchantName: tx.GetMerchantName(), MCC: tx.GetMcc(), Country: tx.GetCountry()}
	exact := exactKey(input.Descriptor, input.MerchantName, input.Country)
	if e, ok := p.exact.get(exact); ok && e.res != nil && (removed || e.res.CatalogVersion == current) {
		p.m.cache.WithLabelValues(cacheLRUHit).Inc()
		return lookup{exact: exact, key: e.key, cleaned: e.cleaned, input: input, res: e.res}
	}
	cl := clean.Descriptor(tx.GetDescription())
	l := lookup{exact: exact, key: cacheKey(cl, tx.GetMerchantName(), tx.GetCountry()), cleaned: cl, input: input}
	defer func() {
		if l.res != nil {
			p.exact.put(l.exact, exactEntry{key: l.key, cleaned: l.cleaned, res: l.res})
		}
	}()
	if l.key == "" {
		l.resolve = !removed
		if l.resolve {
			p.m.cache.WithLabelValues(cacheMiss).Inc()
		}
		return l
	}
	var stale *merchant.Resolution
	if r, ok := p.lru.get(l.key); ok {
		if removed || r.CatalogVersion == current {
			p.m.cache.WithLabelValues(cacheLRUHit).Inc()
			l.res = r
			return l
		}
		stale = r
	}
	if r, ok := p.fromTable(l.key); ok {
		if removed || r.CatalogVersion == current {
			p.m.cache.WithLabelValues(cacheTableHit).Inc()
			p.lru.put(l.key, r)
			l.res = r
			return l
		}
		stale = r
	}
	if removed {
		l.res = stale
		return l
	}
	if stale != nil {
		p.m.cache.WithLabelValues(cacheStale).Inc()
	} else {
		p.m.cache.WithLabelValues(cacheMiss).Inc()
	}
	l.resolve = true
	return l
}

// remember caches a fresh resolution in both LRUs.
func (p *processor) remember(l lookup) {
	if l.key != "" {
		p.lru.put(l.key, l.res)
	}
	p.exact.put(l.exact, exactEntry{key: l.key, cleaned: l.cleaned, res: l.res})
}

// enriched builds the output record.
func (p *processor) enriched(at *fintrav1.AcceptedTransaction, l lookup) *fintrav1.EnrichedTransaction {
	m := merchantOf(l)
	p.m.countMethod(m.GetMethod())
	return &fintrav1.EnrichedTransaction{
		Accepted:   at,
		Merchant:   m,
		Category:   categorize(at, l),
		EnrichedAt: timestamppb.New(p.clock()),
	}
}

func merchantOf(l lookup) *fintrav1.Merchant {
	r := l.res
	if r == nil {
		return &fintrav1.Merchant{Method: fintrav1.MerchantMethod_MERCHANT_METHOD_UNRESOLVED, CleanedDescriptor: l.cleaned.Text}
	}
	cleaned := r.Cleaned
	if cleaned == "" {
		cleaned = l.cleaned.Text
	}
	return &fintrav1.Merchant{
		EntityId: r.EntityID, Name: r.Name, Website: r.Website,
		Marketplace: r.Marketplace, MarketplaceEntityId: r.MarketplaceEntityID,
		Confidence: r.Confidence, Method: r.Method,
		CleanedDescriptor: cleaned, CatalogVersion: r.CatalogVersion,
	}
}

func (p *processor) deadLetter(ctx goka.Context, raw []byte, err error) {
	p.m.stage.DLQ.Add(1)
	origin := &fintrav1.Origin{Topic: string(ctx.Topic()), Partition: ctx.Partition(), Offset: ctx.Offset()}
	p.log.Warn("dead-lettered transaction", "stage", Group, "origin", schemas.FormatOrigin(origin), "key", ctx.Key(), "error", err)
	ctx.Emit(DLQ, ctx.Key(), raw, goka.WithCtxEmitHeaders(schemas.DeadLetterHeaders(ctx.Headers(), string(Group), origin, err)))
}
