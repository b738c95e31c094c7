package enrich_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/internal/synth"
	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/enrich"
	"github.com/fintraos/fintra/processors/enrich/merchant"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
	"github.com/fintraos/fintra/topologies"
)

// cluster is the embedded broker with enrich's topics, and enrich,
// enrich-merchants and the catalog follower running on it with the
// runtime configuration `fintra run` uses.
type cluster struct {
	brokers  []string
	client   *kgo.Client
	adm      *kadm.Client
	metrics  *telemetry.Metrics
	resolver *merchant.Resolver
	index    *enrich.SlowIndex
	follower *enrich.CatalogFollower
}

const testPartitions = 4

func startCluster(tb testing.TB, remote bool, delay time.Duration) *cluster {
	tb.Helper()
	broker, err := topologies.StartEmbedded(topologies.EmbeddedConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(broker.Close)
	c := &cluster{brokers: broker.Brokers(), metrics: telemetry.New()}
	c.client, err = kgo.NewClient(kgo.SeedBrokers(c.brokers...), kgo.ProducerLinger(time.Millisecond))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.client.Close)
	c.adm = kadm.NewClient(c.client)
	ctx := context.Background()
	for _, topic := range []goka.Stream{schemas.TopicCoreTransactions, schemas.TopicEnrichTransactions, enrich.TopicResolutions, enrich.DLQ} {
		if _, err := c.adm.CreateTopic(ctx, testPartitions, 1, nil, string(topic)); err != nil {
			tb.Fatal(err)
		}
	}
	compact := map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}
	for _, topic := range []string{string(enrich.MerchantsTable), string(schemas.TopicEnrichCatalog)} {
		if _, err := c.adm.CreateTopic(ctx, testPartitions, 1, compact, topic); err != nil {
			tb.Fatal(err)
		}
	}

	c.resolver, c.index = enrich.NewTestResolver(tb, delay)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt := topologies.Runtime{Brokers: c.brokers}
	emitterOpts, err := rt.EmitterOptions()
	if err != nil {
		tb.Fatal(err)
	}
	deps := enrich.Deps{Resolver: c.resolver, Remote: remote, Metrics: c.metrics, Log: log,
		NewEmitter: func(topic goka.Stream, codec goka.Codec) (*goka.Emitter, error) {
			return goka.NewEmitter(c.brokers, topic, codec, emitterOpts...)
		}}
	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	tb.Cleanup(func() {
		stop()
		wg.Wait()
	})
	c.follower, err = enrich.NewCatalogFollower(c.brokers, c.resolver, deps)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.follower.Close)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := c.follower.Run(runCtx); err != nil {
			tb.Errorf("catalog follower: %v", err)
		}
	}()
	for _, g := range []*goka.GroupGraph{enrich.MerchantsGraph(), enrich.Graph(deps)} {
		opts, err := rt.ProcessorOptions(g.Group())
		if err != nil {
			tb.Fatal(err)
		}
		proc, err := goka.NewProcessor(c.brokers, g, append(opts, goka.WithLogger(silent{}))...)
		if err != nil {
			tb.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := proc.Run(runCtx); err != nil && runCtx.Err() == nil {
				tb.Errorf("processor %s: %v", g.Group(), err)
			}
		}()
	}
	<-c.follower.CaughtUp()
	return c
}

type silent struct{}

func (silent) Print(...any)          {}
func (silent) Println(...any)        {}
func (silent) Printf(string, ...any) {}

// synthTransactions turns synth's fintra-json payloads into what core
// would emit for them: realistic descriptors, per-account sequences.
func synthTransactions(tb testing.TB, n int) []*fintrav1.AcceptedTransaction {
	tb.Helper()
	gen, err := synth.New(synth.Config{Events: n, Seed: 7, Accounts: max(10, n/20)})
	if err != nil {
		tb.Fatal(err)
	}
	seq := map[string]uint64{}
	out := make([]*fintrav1.AcceptedTransaction, 0, n)
	for {
		p, ok := gen.Next()
		if !ok {
			return out
		}
		var j struct {
			AccountID     string `json:"account_id"`
			TransactionID string `json:"transaction_id"`
			AmountMinor   int64  `json:"amount_minor"`
			Currency      string `json:"currency"`
			Description   string `json:"description"`
			MerchantName  string `json:"merchant_name"`
			MCC           string `json:"mcc"`
			Country       string `json:"country"`
		}
		if err := json.Unmarshal(p.Bytes, &j); err != nil {
			tb.Fatal(err)
		}
		seq[j.AccountID]++
		typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
		out = append(out, &fintrav1.AcceptedTransaction{
			EventId: schemas.EventID("fintra-json", j.AccountID, j.TransactionID, typ), AccountId: j.AccountID, Type: typ, Sequence: seq[j.AccountID],
			Transaction: &fintrav1.Transaction{AccountId: j.AccountID, Source: "fintra-json", SourceTransactionId: j.TransactionID,
				AmountMinor: j.AmountMinor, Currency: j.Currency, Status: fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED,
				Description: j.Description, MerchantName: j.MerchantName, Mcc: j.MCC, Country: j.Country},
			IngestedAt: timestamppb.Now(),
		})
	}
}

func (c *cluster) produce(tb testing.TB, txs []*fintrav1.AcceptedTransaction) {
	tb.Helper()
	recs := make([]*kgo.Record, len(txs))
	for i, at := range txs {
		raw, err := proto.Marshal(at)
		if err != nil {
			tb.Fatal(err)
		}
		recs[i] = &kgo.Record{Topic: string(schemas.TopicCoreTransactions), Key: []byte(at.GetAccountId()), Value: raw}
	}
	if err := c.client.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		tb.Fatal(err)
	}
}

// consume reads n records of topic from the start, within timeout.
func (c *cluster) consume(tb testing.TB, topic goka.Stream, n int, timeout time.Duration) []*kgo.Record {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.brokers...), kgo.ConsumeTopics(string(topic)), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			tb.Fatalf("%d of %d records on %s after %s", len(out), n, topic, timeout)
		}
		fetches.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}

// waitCommitted waits until group enrich has committed everything on
// core.transactions.v1.
func (c *cluster) waitCommitted(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		lags, err := c.adm.Lag(context.Background(), string(enrich.Group))
		if err == nil {
			if l, ok := lags[string(enrich.Group)]; ok && l.Error() == nil && l.Lag.Total() == 0 && len(l.Lag.TotalByTopic()) > 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("group enrich still has uncommitted messages: %v %v", lags, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkOrder checks that every account's enriched records come in
// sequence order, once each, and returns them by event id.
func checkOrder(tb testing.TB, recs []*kgo.Record) map[string]*fintrav1.EnrichedTransaction {
	tb.Helper()
	last := map[string]uint64{}
	byEvent := map[string]*fintrav1.EnrichedTransaction{}
	for _, r := range recs {
		et := new(fintrav1.EnrichedTransaction)
		if err := proto.Unmarshal(r.Value, et); err != nil {
			tb.Fatal(err)
		}
		at := et.GetAccepted()
		if string(r.Key) != at.GetAccountId() {
			tb.Fatalf("enriched record of %s under key %q", at.GetAccountId(), r.Key)
		}
		if at.GetSequence() <= last[at.GetAccountId()] {
			tb.Fatalf("account %s: sequence %d after %d", at.GetAccountId(), at.GetSequence(), last[at.GetAccountId()])
		}
		last[at.GetAccountId()] = at.GetSequence()
		if _, dup := byEvent[at.GetEventId()]; dup {
			tb.Fatalf("event %s enriched twice", at.GetEventId())
		}
		byEvent[at.GetEventId()] = et
	}
	return byEvent
}

// TestEmbeddedBroker runs core.transactions.v1 → enrich.transactions.v1 on
// the embedded broker, with the in-process index (resolved in the
// callback) and with a 2ms-per-search index (the deferred, batched path):
// every transaction comes out once, in order per account, and every input
// is committed. Catalog updates published to enrich.catalog.v1 reach the
// resolver; a bad one lands in enrich.dlq.v1.
func TestEmbeddedBroker(t *testing.T) {
	// Both paths must resolve every transaction alike.
	var firstRun map[string]string // event id -> entity id
	for _, tc := range []struct {
		name   string
		remote bool
		delay  time.Duration
	}{{"in-process", false, 0}, {"deferred", true, 2 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, tc.remote, tc.delay)
			txs := synthTransactions(t, 400)
			c.produce(t, txs[:200])

			// A catalog update mid-stream: a new merchant, and a line
			// that is refused (its key is not its id).
			ctx := context.Background()
			version := c.resolver.CatalogVersion()
			line := "greggles-noodle-bar\tmerchant\tGreggles Noodle Bar\tgreggles.example\tFOOD_AND_DRINK_RESTAURANT\t5812\tUS\tGREGGLES NOODLE\t"
			if _, err := enrich.PublishCatalogLine(ctx, c.client, line); err != nil {
				t.Fatal(err)
			}
			bad := &kgo.Record{Topic: string(schemas.TopicEnrichCatalog), Key: []byte("someone-else"), Value: []byte(line)}
			if err := c.client.ProduceSync(ctx, bad).FirstErr(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for c.resolver.CatalogVersion() == version {
				if time.Now().After(deadline) {
					t.Fatal("the published catalog line never reached the resolver")
				}
				time.Sleep(5 * time.Millisecond)
			}
			greggles := txs[200].GetTransaction()
			greggles.Description, greggles.MerchantName, greggles.Mcc = "GREGGLES NOODLE BAR 0042", "", ""
			c.produce(t, txs[200:])

			byEvent := checkOrder(t, c.consume(t, schemas.TopicEnrichTransactions, len(txs), 30*time.Second))
			if len(byEvent) != len(txs) {
				t.Fatalf("%d of %d transactions enriched", len(byEvent), len(txs))
			}
			c.waitCommitted(t)
			resolved := 0
			for _, et := range byEvent {
				if et.GetMerchant().GetEntityId() != "" {
					resolved++
				}
			}
			// synth also makes transfers, payroll and fees, which are
			// no catalog merchants.
			if resolved < len(txs)*3/4 {
				t.Errorf("only %d of %d synth transactions resolved to a catalog entity", resolved, len(txs))
			}
			entities := map[string]string{}
			for id, et := range byEvent {
				entities[id] = et.GetMerchant().GetEntityId()
			}
			if firstRun == nil {
				firstRun = entities
			} else {
				for id, entity := range firstRun {
					if entities[id] != entity {
						t.Errorf("event %s: %s resolved it to %q, the first run to %q", id, tc.name, entities[id], entity)
					}
				}
			}
			if m := byEvent[txs[200].GetEventId()].GetMerchant(); m.GetEntityId() != "greggles-noodle-bar" {
				t.Errorf("a transaction after the catalog update resolved to %q, want greggles-noodle-bar", m.GetEntityId())
			}
			dl := c.consume(t, enrich.DLQ, 1, 10*time.Second)[0]
			if string(dl.Key) != "someone-else" || !strings.Contains(headerOf(dl, schemas.HeaderError), "key enrich.catalog.v1 by the line's entity id") {
				t.Errorf("dead letter %q: %s", dl.Key, headerOf(dl, schemas.HeaderError))
			}
		})
	}
}

func headerOf(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// BenchmarkEmbeddedBroker measures the enrich processor's throughput on
// the embedded broker: b.N synth transactions produced to
// core.transactions.v1 (after a warmup that starts the groups), timed until
// all b.N are on enrich.transactions.v1. One op is one transaction.
func BenchmarkEmbeddedBroker(b *testing.B) {
	for _, tc := range []struct {
		name   string
		remote bool
		delay  time.Duration
	}{{"in-process", false, 0}, {"deferred-1ms-index", true, time.Millisecond}} {
		b.Run(tc.name, func(b *testing.B) {
			c := startCluster(b, tc.remote, tc.delay)
			const warmup = 200
			txs := synthTransactions(b, b.N+warmup)
			c.produce(b, txs[:warmup])
			c.consume(b, schemas.TopicEnrichTransactions, warmup, time.Minute)
			stage := c.metrics.Stage(string(enrich.Group))
			b.ResetTimer()
			start := time.Now()
			c.produce(b, txs[warmup:])
			for stage.Out.Load() < uint64(len(txs)) {
				time.Sleep(time.Millisecond)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
		})
	}
}

// TestPublishCatalog: lines published together reach every follower; a
// file with a bad line publishes nothing and names the line.
func TestPublishCatalog(t *testing.T) {
	c := startCluster(t, false, 0)
	ctx := context.Background()
	bad := "# new merchants\nzeeks-pizza\tmerchant\tZeeks Pizza\tzeeks.com\tFOOD_AND_DRINK_RESTAURANT\t5812\tUS\tZEEKS PIZZA SEATTLE\t\nbroken line\n"
	if _, err := enrich.PublishCatalog(ctx, c.client, strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "nothing published") {
		t.Fatalf("a file with a bad line: %v", err)
	}
	good := "# new merchants\n\nzeeks-pizza\tmerchant\tZeeks Pizza\tzeeks.com\tFOOD_AND_DRINK_RESTAURANT\t5812\tUS\tZEEKS PIZZA SEATTLE\t\n" +
		"greggles-noodle-bar\tmerchant\tGreggles Noodle Bar\tgreggles.example\tFOOD_AND_DRINK_RESTAURANT\t5812\tUS\tGREGGLES NOODLE\t\n"
	n, err := enrich.PublishCatalog(ctx, c.client, strings.NewReader(good))
	if err != nil || n != 2 {
		t.Fatalf("published %d: %v", n, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, zeeks := c.resolver.Catalog().Entity("zeeks-pizza")
		_, greggles := c.resolver.Catalog().Entity("greggles-noodle-bar")
		if zeeks && greggles {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the published lines never reached the resolver")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := enrich.PublishCatalogDelete(ctx, c.client, "zeeks-pizza"); err != nil {
		t.Fatal(err)
	}
	for {
		if _, ok := c.resolver.Catalog().Entity("zeeks-pizza"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the deletion never reached the resolver")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
