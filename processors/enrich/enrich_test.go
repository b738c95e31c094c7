package enrich_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/enrich"
	"github.com/fintraos/fintra/processors/enrich/catalog"
	"github.com/fintraos/fintra/processors/enrich/merchant"
	"github.com/fintraos/fintra/processors/processortest"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

var now = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const (
	posted  = fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED
	removed = fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED
)

// harness runs enrich and enrich-merchants through the constructors `fintra
// run` uses, on goka's in-memory tester.
type harness struct {
	tt       *tester.Tester
	resolver *merchant.Resolver
	index    *enrich.SlowIndex
	metrics  *telemetry.Metrics
	out      *tester.QueueTracker
	dlq      *tester.QueueTracker
	resolved *tester.QueueTracker
	seq      uint64
}

// testerTable reads enrich-merchants-table as the tester holds it, where
// `fintra run` gives enrich a goka view of it.
type testerTable struct{ tt *tester.Tester }

func (r testerTable) Get(key string) (any, error) {
	return r.tt.TableValue(enrich.MerchantsTable, key), nil
}

func start(t *testing.T, deps enrich.Deps) *harness {
	t.Helper()
	h := &harness{tt: tester.New(t), metrics: telemetry.New()}
	h.resolver, h.index = enrich.NewTestResolver(t, 0)
	deps.Resolver, deps.Metrics, deps.Clock = h.resolver, h.metrics, func() time.Time { return now }
	deps.Merchants = testerTable{h.tt}
	if deps.Remote {
		// Not goka.WithEmitterTester: its producer waits for every
		// consumer to catch up after each emit, and the consumer waiting
		// here is the very message whose batch is being emitted.
		deps.NewEmitter = func(topic goka.Stream, c goka.Codec) (*goka.Emitter, error) {
			h.tt.RegisterEmitter(topic, c)
			return goka.NewEmitter(nil, topic, c,
				goka.WithEmitterProducerBuilder(h.tt.ProducerBuilder()), goka.WithEmitterTopicManagerBuilder(h.tt.TopicManagerBuilder()))
		}
	}
	for _, g := range []*goka.GroupGraph{enrich.Graph(deps), enrich.MerchantsGraph()} {
		processortest.Run(t, h.tt, g)
	}
	h.out = h.tt.NewQueueTracker(string(schemas.TopicEnrichTransactions))
	h.dlq = h.tt.NewQueueTracker(string(enrich.DLQ))
	h.resolved = h.tt.NewQueueTracker(string(enrich.TopicResolutions))
	return h
}

// tx is a card payment of account acc.
func (h *harness) tx(acc, id, description, merchantName, mcc string, amount int64, status fintrav1.TransactionStatus) *fintrav1.AcceptedTransaction {
	h.seq++
	typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
	if status == removed {
		typ = fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED
	}
	return &fintrav1.AcceptedTransaction{
		EventId: schemas.EventID("fintra-json", acc, fmt.Sprint(id, "/", h.seq), typ), AccountId: acc, Type: typ, Sequence: h.seq,
		Transaction: &fintrav1.Transaction{
			AccountId: acc, Source: "fintra-json", SourceTransactionId: id, AmountMinor: amount, Currency: "USD",
			Status: status, OccurredAt: timestamppb.New(now), Description: description, MerchantName: merchantName, Mcc: mcc, Country: "US",
		},
		OccurredAt: timestamppb.New(now), IngestedAt: timestamppb.New(now.Add(-time.Second)),
	}
}

// enrich consumes one transaction and returns what enrich emitted for it.
func (h *harness) enrich(t *testing.T, at *fintrav1.AcceptedTransaction) *fintrav1.EnrichedTransaction {
	t.Helper()
	raw, err := proto.Marshal(at)
	if err != nil {
		t.Fatal(err)
	}
	h.tt.Consume(string(schemas.TopicCoreTransactions), at.GetAccountId(), raw)
	key, value, ok := h.out.Next()
	if !ok {
		t.Fatalf("nothing enriched for %q", at.GetTransaction().GetDescription())
	}
	et := value.(*fintrav1.EnrichedTransaction)
	if key != at.GetAccountId() || !proto.Equal(et.GetAccepted(), at) {
		t.Fatalf("enriched record under key %q does not carry the accepted transaction", key)
	}
	if !et.GetEnrichedAt().AsTime().Equal(now) {
		t.Errorf("enriched_at %v, want the processor's clock %v", et.GetEnrichedAt().AsTime(), now)
	}
	if _, _, more := h.out.Next(); more {
		t.Fatal("more than one enriched record for one transaction")
	}
	return et
}

func (h *harness) cache(result string) float64 {
	return h.metricVec("fintra_enrich_cache_total", result)
}

func (h *harness) metricVec(name, label string) float64 {
	families, err := h.metrics.Registry.Gather()
	if err != nil {
		panic(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func wantMerchant(t *testing.T, et *fintrav1.EnrichedTransaction, entity, marketplace string, method fintrav1.MerchantMethod) {
	t.Helper()
	m := et.GetMerchant()
	if m.GetEntityId() != entity || m.GetMarketplace() != marketplace || m.GetMethod() != method {
		t.Errorf("%q: merchant %q marketplace %q by %s, want %q marketplace %q by %s",
			et.GetAccepted().GetTransaction().GetDescription(), m.GetEntityId(), m.GetMarketplace(), m.GetMethod(), entity, marketplace, method)
	}
	if m.GetCatalogVersion() == "" || m.GetCleanedDescriptor() == "" {
		t.Errorf("merchant %+v lacks its catalog version or cleaned descriptor", m)
	}
}

func TestExactAlias(t *testing.T) {
	h := start(t, enrich.Deps{})
	et := h.enrich(t, h.tx("acc-1", "t1", "STARBUCKS STORE 12345 SEATTLE WA", "", "", -575, posted))
	wantMerchant(t, et, "starbucks", "", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT)
	if got := et.GetMerchant().GetName(); got != "Starbucks" {
		t.Errorf("name %q, want Starbucks", got)
	}
	if c := et.GetCategory(); c.GetDetailed() != "FOOD_AND_DRINK_COFFEE" {
		t.Errorf("category %+v, want FOOD_AND_DRINK_COFFEE", c)
	}
}

func TestProcessorPrefixedSeller(t *testing.T) {
	h := start(t, enrich.Deps{})
	et := h.enrich(t, h.tx("acc-1", "t1", "SQ *BLUE BOTTLE OAKLAND CA", "", "", -450, posted))
	m := et.GetMerchant()
	if m.GetEntityId() != "blue-bottle-coffee" || m.GetMarketplaceEntityId() != "square" {
		t.Errorf("merchant %q marketplace %q (%q), want blue-bottle-coffee with marketplace square", m.GetEntityId(), m.GetMarketplace(), m.GetMarketplaceEntityId())
	}
	if c := et.GetCategory(); c.GetPrimary() != "FOOD_AND_DRINK" {
		t.Errorf("category %+v, want FOOD_AND_DRINK from the merchant", c)
	}
}

func TestMarketplacePlatform(t *testing.T) {
	h := start(t, enrich.Deps{})
	et := h.enrich(t, h.tx("acc-1", "t1", "DOORDASH*ZEEKS PIZZA", "", "", -2310, posted))
	m := et.GetMerchant()
	if m.GetEntityId() != "doordash" || !strings.EqualFold(m.GetMarketplace(), "Zeeks Pizza") {
		t.Errorf("merchant %q marketplace %q, want doordash with marketplace Zeeks Pizza", m.GetEntityId(), m.GetMarketplace())
	}
}

func TestUnresolved(t *testing.T) {
	h := start(t, enrich.Deps{})
	et := h.enrich(t, h.tx("acc-1", "t1", "POS 8812 XQZV 77", "", "", -1200, posted))
	m := et.GetMerchant()
	if m.GetEntityId() != "" {
		t.Errorf("gibberish resolved to %q", m.GetEntityId())
	}
	if m.GetMethod() != fintrav1.MerchantMethod_MERCHANT_METHOD_UNRESOLVED && m.GetMethod() != fintrav1.MerchantMethod_MERCHANT_METHOD_DESCRIPTOR {
		t.Errorf("method %s, want UNRESOLVED or DESCRIPTOR", m.GetMethod())
	}
	if m.GetConfidence() >= 0.5 {
		t.Errorf("confidence %v for an unresolved merchant", m.GetConfidence())
	}
	if et.GetCategory().GetPrimary() == "" {
		t.Error("no category: Decide always gives one")
	}
}

func TestSecondIdenticalDescriptorIsACacheHit(t *testing.T) {
	h := start(t, enrich.Deps{})
	// A misspelling: no alias matches, so the resolver searches the index.
	const desc = "STARBUKS COFEE 0815 PORTLAND OR"
	first := h.enrich(t, h.tx("acc-1", "t1", desc, "", "", -500, posted))
	searches := h.index.Searches()
	if searches == 0 {
		t.Fatal("the first resolution did not search the index; pick a descriptor no alias matches")
	}
	second := h.enrich(t, h.tx("acc-2", "t2", desc, "", "", -650, posted))
	if got := h.index.Searches(); got != searches {
		t.Errorf("second identical descriptor searched the index again (%d searches, want %d)", got, searches)
	}
	if !proto.Equal(first.GetMerchant(), second.GetMerchant()) {
		t.Errorf("cache hit gave %+v, the resolution was %+v", second.GetMerchant(), first.GetMerchant())
	}
	if h.cache("miss") != 1 || h.cache("lru_hit") != 1 {
		t.Errorf("cache counters miss %v lru_hit %v, want 1 and 1", h.cache("miss"), h.cache("lru_hit"))
	}
	// The resolution went to the table, keyed by descriptor, once.
	key, value, ok := h.resolved.Next()
	if !ok || !strings.HasPrefix(key, first.GetMerchant().GetCleanedDescriptor()) {
		t.Fatalf("resolution emitted under %q, want the cleaned descriptor %q", key, first.GetMerchant().GetCleanedDescriptor())
	}
	if r := value.(*merchant.Resolution); r.EntityID != first.GetMerchant().GetEntityId() {
		t.Errorf("emitted resolution %+v", r)
	}
	if _, _, more := h.resolved.Next(); more {
		t.Error("a cache hit emitted a resolution again")
	}
	if stored, ok := h.tt.TableValue(enrich.MerchantsTable, key).(*merchant.Resolution); !ok || stored.EntityID != first.GetMerchant().GetEntityId() {
		t.Errorf("enrich-merchants-table holds %+v under %q", stored, key)
	}
}

func TestTableHitFillsTheLRU(t *testing.T) {
	h := start(t, enrich.Deps{})
	const desc = "BLUE BOTTLE COFFE 22"
	// Another process resolved it: only the table knows it.
	res, err := h.resolver.Resolve(context.Background(), []merchant.Input{{Descriptor: desc, Country: "US"}})
	if err != nil {
		t.Fatal(err)
	}
	res[0].Name = "Blue Bottle (from the table)"
	key := enrich.CacheKey(desc, "", "US")
	h.tt.SetTableValue(enrich.MerchantsTable, key, &res[0])
	searches := h.index.Searches()
	for i := range 2 {
		et := h.enrich(t, h.tx("acc-1", fmt.Sprint("t", i), desc, "", "", -400, posted))
		if got := et.GetMerchant().GetName(); got != res[0].Name {
			t.Errorf("merchant %q, want the table's %q", got, res[0].Name)
		}
	}
	if h.index.Searches() != searches {
		t.Error("a table hit called the resolver")
	}
	if h.cache("table_hit") != 1 || h.cache("lru_hit") != 1 {
		t.Errorf("table_hit %v lru_hit %v, want 1 and 1", h.cache("table_hit"), h.cache("lru_hit"))
	}
}

func TestCatalogUpdateChangesNewResolutionsOnly(t *testing.T) {
	h := start(t, enrich.Deps{})
	const desc = "GREGGLES NOODLE BAR 0042"
	before := h.enrich(t, h.tx("acc-1", "t1", desc, "", "", -1800, posted))
	if before.GetMerchant().GetEntityId() != "" {
		t.Fatalf("%q resolved to %q before the catalog knew it", desc, before.GetMerchant().GetEntityId())
	}
	old := h.resolver.CatalogVersion()
	line := "greggles-noodle-bar\tmerchant\tGreggles Noodle Bar\tgreggles.example\tFOOD_AND_DRINK_RESTAURANT\t5812\tUS\tGREGGLES NOODLE|GREGGLES NOODLES\t"
	e, err := catalog.ParseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.resolver.Update(context.Background(), []catalog.Entity{e}, nil); err != nil {
		t.Fatal(err)
	}
	if h.resolver.CatalogVersion() == old {
		t.Fatal("the update did not change the catalog version")
	}
	if _, _, ok := h.out.Next(); ok {
		t.Fatal("a catalog update re-emitted an old transaction")
	}
	after := h.enrich(t, h.tx("acc-1", "t2", desc, "", "", -1900, posted))
	wantMerchant(t, after, "greggles-noodle-bar", "", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT)
	if after.GetMerchant().GetCatalogVersion() != h.resolver.CatalogVersion() {
		t.Errorf("new resolution under catalog %q, want %q", after.GetMerchant().GetCatalogVersion(), h.resolver.CatalogVersion())
	}
	if h.cache("stale") != 1 {
		t.Errorf("stale %v, want 1: the cached resolution of the old catalog was re-resolved", h.cache("stale"))
	}
}

func TestRemovedTransactionKeepsItsMerchantAndNeverResolves(t *testing.T) {
	h := start(t, enrich.Deps{})
	const desc = "STARBUKS COFEE 0815 PORTLAND OR"
	postedTx := h.enrich(t, h.tx("acc-1", "t1", desc, "", "", -500, posted))
	searches := h.index.Searches()
	h.resolved.Seek(h.resolved.Hwm())

	gone := h.enrich(t, h.tx("acc-1", "t1", desc, "", "", -500, removed))
	if !proto.Equal(gone.GetMerchant(), postedTx.GetMerchant()) {
		t.Errorf("removed transaction's merchant %+v, want the posted one's %+v", gone.GetMerchant(), postedTx.GetMerchant())
	}
	unseen := h.enrich(t, h.tx("acc-1", "t9", "SOMEWHERE NEVER SEEN 1", "", "", -100, removed))
	if m := unseen.GetMerchant(); m.GetMethod() != fintrav1.MerchantMethod_MERCHANT_METHOD_UNRESOLVED || m.GetEntityId() != "" {
		t.Errorf("removal with nothing cached: %+v, want unresolved", m)
	}
	if h.index.Searches() != searches {
		t.Error("a removal called the resolver")
	}
	if _, _, ok := h.resolved.Next(); ok {
		t.Error("a removal emitted a resolution")
	}
}

func TestGarbageGoesToTheDLQ(t *testing.T) {
	h := start(t, enrich.Deps{})
	garbage := []byte{0xff, 0x01, 0x02}
	h.tt.Consume(string(schemas.TopicCoreTransactions), "acc-1", garbage)
	wrongKey, _ := proto.Marshal(h.tx("acc-2", "t1", "STARBUCKS", "", "", -100, posted))
	h.tt.Consume(string(schemas.TopicCoreTransactions), "acc-1", wrongKey)
	for _, want := range []struct {
		value []byte
		err   string
	}{{garbage, "undecodable"}, {wrongKey, "key core.transactions.v1 by account_id"}} {
		headers, key, value, ok := h.dlq.NextRawWithHeaders()
		if !ok {
			t.Fatal("nothing dead-lettered")
		}
		if key != "acc-1" || string(value) != string(want.value) {
			t.Errorf("dead letter %q %x, want the original bytes under acc-1", key, value)
		}
		if !strings.Contains(string(headers[schemas.HeaderError]), want.err) || string(headers[schemas.HeaderStage]) != "enrich" ||
			!strings.HasPrefix(string(headers[schemas.HeaderOrigin]), "core.transactions.v1/") {
			t.Errorf("dead-letter headers %q", headers)
		}
	}
	if _, _, ok := h.out.Next(); ok {
		t.Error("garbage was enriched")
	}
}

func TestDeferredPathOnTheTester(t *testing.T) {
	h := start(t, enrich.Deps{Remote: true, Batch: enrich.BatchConfig{MaxWait: time.Millisecond}})
	et := h.enrich(t, h.tx("acc-1", "t1", "SQ *BLUE BOTTLE OAKLAND CA", "", "", -450, posted))
	if et.GetMerchant().GetEntityId() != "blue-bottle-coffee" {
		t.Errorf("deferred resolution %+v", et.GetMerchant())
	}
	again := h.enrich(t, h.tx("acc-1", "t2", "SQ *BLUE BOTTLE OAKLAND CA", "", "", -450, posted))
	if !proto.Equal(et.GetMerchant(), again.GetMerchant()) || h.cache("lru_hit") != 1 {
		t.Errorf("second identical descriptor on the deferred path: %+v, lru hits %v", again.GetMerchant(), h.cache("lru_hit"))
	}
	if _, _, ok := h.resolved.Next(); !ok {
		t.Error("the deferred path emitted no resolution")
	}
}
