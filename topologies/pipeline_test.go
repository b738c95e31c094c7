package topologies

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/internal/synth"
	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/connect"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// expectation is what the pipeline must produce for a stream of payloads,
// computed independently of the core processor: every distinct event id
// once, posted amounts summed, pending amounts summed until their posting
// or removal.
type expectation struct {
	accepted map[string]bool // event ids
	invalid  [][]byte
	produced int
	posted   map[[2]string]int64 // (account, currency)
	pending  map[[2]string]int64
}

func expect(t *testing.T, payloads []synth.Payload) expectation {
	t.Helper()
	parser, err := connect.DefaultParsers().Lookup("fintra-json")
	if err != nil {
		t.Fatal(err)
	}
	e := expectation{accepted: map[string]bool{}, posted: map[[2]string]int64{}, pending: map[[2]string]int64{}, produced: len(payloads)}
	type open struct {
		key    [2]string
		amount int64
	}
	pendings := map[[2]string]open{} // (account, source txn id)
	for _, p := range payloads {
		evs, err := parser.Parse(source.Payload{Bytes: p.Bytes})
		if err != nil {
			if p.Kind != synth.KindInvalid {
				t.Fatalf("generator payload of kind %v rejected: %v\n%s", p.Kind, err, p.Bytes)
			}
			e.invalid = append(e.invalid, p.Bytes)
			continue
		}
		for _, ev := range evs {
			if e.accepted[ev.GetEventId()] {
				continue
			}
			e.accepted[ev.GetEventId()] = true
			acct := ev.GetAccountId()
			switch pl := ev.GetPayload().(type) {
			case *fintrav1.Event_Created:
				tx := pl.Created.GetTransaction()
				k := [2]string{acct, tx.GetCurrency()}
				if tx.GetStatus() == fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING {
					e.pending[k] += tx.GetAmountMinor()
					pendings[[2]string{acct, tx.GetSourceTransactionId()}] = open{k, tx.GetAmountMinor()}
				} else {
					e.posted[k] += tx.GetAmountMinor()
				}
			case *fintrav1.Event_Updated:
				tx := pl.Updated.GetTransaction()
				e.posted[[2]string{acct, tx.GetCurrency()}] += tx.GetAmountMinor()
				pk := [2]string{acct, pl.Updated.GetSupersedesSourceTransactionId()}
				if o, ok := pendings[pk]; ok {
					e.pending[o.key] -= o.amount
					delete(pendings, pk)
				}
			case *fintrav1.Event_Removed:
				pk := [2]string{acct, pl.Removed.GetSourceTransactionId()}
				o, ok := pendings[pk]
				if !ok {
					t.Fatalf("generator removed %v, which is not an open pending transaction", pk)
				}
				e.pending[o.key] -= o.amount
				delete(pendings, pk)
			}
		}
	}
	return e
}

func generate(t *testing.T, cfg synth.Config) []synth.Payload {
	t.Helper()
	g, err := synth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []synth.Payload
	for {
		p, ok := g.Next()
		if !ok {
			return out
		}
		out = append(out, p)
	}
}

type harness struct {
	t       *testing.T
	brokers []string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	broker, err := StartEmbedded(EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	h := &harness{t: t, brokers: broker.Brokers()}
	cl, adm, err := Admin(h.brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := Provision(context.Background(), adm, Catalog(CatalogConfig{})); err != nil {
		t.Fatal(err)
	}
	return h
}

// start runs every registered processor until the returned stop is called.
func (h *harness) start() (*telemetry.Metrics, func()) {
	h.t.Helper()
	return h.startWith(nil)
}

// startWith runs the processors with connect's parsers replaced when given.
func (h *harness) startWith(parsers *source.Registry) (*telemetry.Metrics, func()) {
	h.t.Helper()
	m := telemetry.New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		done <- Run(ctx, RunConfig{Runtime: Runtime{Brokers: h.brokers}}, Deps{Metrics: m, Log: log, Parsers: parsers})
	}()
	var once bool
	return m, func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("pipeline: %v", err)
		}
	}
}

func (h *harness) produce(payloads []synth.Payload) {
	h.t.Helper()
	in, err := NewIngest(h.brokers)
	if err != nil {
		h.t.Fatal(err)
	}
	defer in.Close()
	for _, p := range payloads {
		in.Send(context.Background(), p.Key, p.Bytes, "fintra-json")
	}
	if err := in.Flush(context.Background()); err != nil || in.Failed() > 0 {
		h.t.Fatalf("produce: %v, %d failed: %v", err, in.Failed(), in.Err())
	}
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readTopic(t *testing.T, brokers []string, topic string) []*kgo.Record {
	t.Helper()
	var out []*kgo.Record
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := ReadAll(ctx, brokers, func(r *kgo.Record) { out = append(out, r) }, goka.Stream(topic)); err != nil {
		t.Fatal(err)
	}
	return out
}

// check compares what is on the topics with the expectation, exactly.
func (h *harness) check(e expectation) {
	t := h.t
	t.Helper()
	txs := readTopic(t, h.brokers, string(schemas.TopicCoreTransactions))
	seen := map[string]int{}
	last := map[[2]string]*fintrav1.AcceptedTransaction{}
	for _, r := range txs {
		var at fintrav1.AcceptedTransaction
		if err := proto.Unmarshal(r.Value, &at); err != nil {
			t.Fatal(err)
		}
		seen[at.GetEventId()]++
		if string(r.Key) != at.GetAccountId() {
			t.Errorf("transaction of %s keyed %q", at.GetAccountId(), r.Key)
		}
		k := [2]string{at.GetAccountId(), at.GetBalanceAfter().GetCurrency()}
		if prev := last[k]; prev == nil || prev.GetSequence() < at.GetSequence() {
			last[k] = &at
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("event %s accepted %d times", id, n)
		}
		if !e.accepted[id] {
			t.Errorf("event %s accepted but not expected", id)
		}
	}
	if len(seen) != len(e.accepted) || len(txs) != len(e.accepted) {
		t.Errorf("core.transactions.v1 holds %d records with %d distinct events, want exactly %d", len(txs), len(seen), len(e.accepted))
	}
	for k, want := range e.posted {
		if got := last[k].GetBalanceAfter().GetPostedMinor(); got != want {
			t.Errorf("%s %s posted balance %d, want %d", k[0], k[1], got, want)
		}
	}
	for k, want := range e.pending {
		if got := last[k].GetBalanceAfter().GetPendingMinor(); got != want {
			t.Errorf("%s %s pending balance %d, want %d", k[0], k[1], got, want)
		}
	}

	dlq := readTopic(t, h.brokers, string(schemas.TopicConnectDLQ))
	if len(dlq) != len(e.invalid) {
		t.Errorf("connect.dlq.v1 holds %d dead letters, want %d", len(dlq), len(e.invalid))
	}
	remaining := map[string]int{}
	for _, b := range e.invalid {
		remaining[string(b)]++
	}
	for _, r := range dlq {
		hdr := map[string]string{}
		for _, x := range r.Headers {
			hdr[x.Key] = string(x.Value)
		}
		if hdr[schemas.HeaderError] == "" || hdr[schemas.HeaderStage] != "connect" || hdr[schemas.HeaderSource] != "fintra-json" {
			t.Errorf("dead letter at %d/%d lacks its headers: %v", r.Partition, r.Offset, hdr)
		}
		if _, err := schemas.ParseOrigin(hdr[schemas.HeaderOrigin]); err != nil {
			t.Errorf("dead letter origin: %v", err)
		}
		if remaining[string(r.Value)] == 0 {
			t.Errorf("dead letter bytes %q are not an original invalid payload", r.Value)
		}
		remaining[string(r.Value)]--
	}
	if core := readTopic(t, h.brokers, string(schemas.TopicCoreDLQ)); len(core) != 0 {
		t.Errorf("core.dlq.v1 holds %d records, want none: %s", len(core), core[0].Value)
	}
}

func TestIntegrationPipelineExactOnEmbeddedBroker(t *testing.T) {
	h := newHarness(t)
	payloads := generate(t, synth.Config{Events: 3000, Seed: 7, DuplicateRatio: 0.05, InvalidRatio: 0.03})
	e := expect(t, payloads)
	if len(e.invalid) != 90 {
		t.Fatalf("generator made %d invalid payloads, want 90", len(e.invalid))
	}
	m, stop := h.start()
	h.produce(payloads)
	waitFor(t, "the pipeline to catch up", 2*time.Minute, func() bool { return caughtUp(m, int64(len(payloads))) })
	stop()

	core := m.Stage("core")
	if got := int64(core.Out.Load()); got != int64(len(e.accepted)) {
		t.Errorf("core accepted %d, want %d", got, len(e.accepted))
	}
	if got := int64(core.Out.Load() + core.Duplicates.Load() + m.Stage("connect").DLQ.Load()); got != int64(len(payloads)) {
		t.Errorf("accepted + duplicates + dlq = %d, want produced %d", got, len(payloads))
	}
	h.check(e)
}

func TestIntegrationRestartLosesNothingAndDoubleCountsNothing(t *testing.T) {
	h := newHarness(t)
	payloads := generate(t, synth.Config{Events: 4000, Seed: 11, DuplicateRatio: 0.02, InvalidRatio: 0.01})
	e := expect(t, payloads)

	m1, stop1 := h.start()
	h.produce(payloads[:len(payloads)/2])
	// Stop in the middle: once core has seen some but not all of the first half.
	waitFor(t, "core to process part of the input", time.Minute, func() bool { return m1.Stage("core").In.Load() > 500 })
	stop1()
	t.Logf("first run: connect consumed %d, core %d", m1.Stage("connect").In.Load(), m1.Stage("core").In.Load())

	// A new process rebuilds core's state from the changelog and resumes
	// from the committed offsets.
	restarted := time.Now()
	_, stop2 := h.start()
	defer stop2()
	h.produce(payloads[len(payloads)/2:])
	waitFor(t, "the restarted pipeline to catch up", 2*time.Minute, func() bool {
		return recordCount(t, h.brokers, string(schemas.TopicCoreTransactions)) >= int64(len(e.accepted)) &&
			recordCount(t, h.brokers, string(schemas.TopicConnectDLQ)) >= int64(len(e.invalid))
	})
	t.Logf("restarted pipeline caught up in %s", time.Since(restarted))
	stop2()
	h.check(e)
}

// recordCount is the number of records on a topic, from its offsets.
func recordCount(t *testing.T, brokers []string, topic string) int64 {
	t.Helper()
	counts, err := topicCounts(context.Background(), brokers, []Topic{{Name: topic}})
	if err != nil {
		t.Fatal(err)
	}
	return counts[topic]
}

// TestIntegrationDLQReplayAfterFix runs connect without the fintra-json
// parser (the "bug"), sees the payload dead-lettered with its bytes and
// reason, restarts with the parser (the "fix"), replays the dead letter and
// finds the transaction accepted exactly once, even when replayed twice.
func TestIntegrationDLQReplayAfterFix(t *testing.T) {
	h := newHarness(t)
	empty, err := source.NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	m, stop := h.startWith(empty)
	good := []byte(`{"account_id":"acc-9","transaction_id":"tx-1","status":"posted","amount_minor":-1250,"currency":"EUR","occurred_at":"2026-01-05T08:00:00Z"}`)
	h.produce([]synth.Payload{{Bytes: good, Key: "acc-9"}})
	waitFor(t, "the dead letter", time.Minute, func() bool { return m.Stage("connect").DLQ.Load() == 1 })
	stop()
	dl := readTopic(t, h.brokers, string(schemas.TopicConnectDLQ))
	if len(dl) != 1 || !bytes.Equal(dl[0].Value, good) || string(dl[0].Key) != "acc-9" {
		t.Fatalf("dead letters %v", dl)
	}
	var reason string
	for _, x := range dl[0].Headers {
		if x.Key == schemas.HeaderError {
			reason = string(x.Value)
		}
	}
	if want := `unknown source format "fintra-json"`; !strings.Contains(reason, want) {
		t.Errorf("reason %q does not say %q", reason, want)
	}

	m2, stop2 := h.startWith(nil)
	defer stop2()
	for range 2 {
		res, err := ReplayDLQ(context.Background(), ReplayConfig{Brokers: h.brokers, DLQ: string(schemas.TopicConnectDLQ)})
		if err != nil || res.Replayed != 1 || res.ByTopic[string(schemas.TopicConnectRaw)] != 1 {
			t.Fatalf("replay: %+v %v", res, err)
		}
	}
	waitFor(t, "the replayed payloads", time.Minute, func() bool {
		k := m2.Stage("core")
		return k.Out.Load()+k.Duplicates.Load() == 2
	})
	stop2() // flushes the processors' producers
	txs := readTopic(t, h.brokers, string(schemas.TopicCoreTransactions))
	if len(txs) != 1 {
		t.Fatalf("%d accepted transactions after two replays, want 1", len(txs))
	}
	var at fintrav1.AcceptedTransaction
	if err := proto.Unmarshal(txs[0].Value, &at); err != nil {
		t.Fatal(err)
	}
	if at.GetBalanceAfter().GetPostedMinor() != -1250 || at.GetBalanceAfter().GetCurrency() != "EUR" {
		t.Errorf("balance after replay %v", at.GetBalanceAfter())
	}
}
