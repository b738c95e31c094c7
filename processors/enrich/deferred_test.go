package enrich

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/enrich/clean"
	"github.com/fintraos/fintra/processors/enrich/merchant"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// recorder is the deferred path's output in these tests: it keeps every
// emitted record in order.
type recorder struct {
	mu      sync.Mutex
	records []emitted
	closed  bool
}

type emitted struct {
	topic goka.Stream
	key   string
	value any
}

func (r *recorder) open() (emitFunc, func() error, error) {
	emit := func(topic goka.Stream, key string, value any, _ goka.Headers) func() error {
		r.mu.Lock()
		r.records = append(r.records, emitted{topic, key, value})
		r.mu.Unlock()
		return func() error { return nil }
	}
	return emit, func() error { r.mu.Lock(); r.closed = true; r.mu.Unlock(); return nil }, nil
}

// commits records the commit calls of every queued message.
type commits struct {
	mu    sync.Mutex
	calls map[string][]error // message id -> the error of every call
	order map[int32][]string // partition -> message ids in commit order
}

func (c *commits) fn(partition int32, id string) func(error) {
	return func(err error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.calls[id] = append(c.calls[id], err)
		c.order[partition] = append(c.order[partition], id)
	}
}

func (c *commits) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

func testProcessor(t *testing.T, delay time.Duration) (*processor, *SlowIndex) {
	t.Helper()
	r, idx := NewTestResolver(t, delay)
	deps := Deps{Resolver: r, Metrics: telemetry.New(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	deps.setDefaults()
	return newProcessor(deps), idx
}

// TestBatcherKeepsPartitionOrderAndCommitsOnce drives the deferred path
// from three partitions at once through a resolver whose index takes 2ms a
// search: misses, repeated descriptors, cached hits and dead letters
// interleave; every partition's output and commits must come in input
// order, and every message must be committed exactly once.
func TestBatcherKeepsPartitionOrderAndCommitsOnce(t *testing.T) {
	p, idx := testProcessor(t, 2*time.Millisecond)
	rec := &recorder{}
	p.batcher = newBatcher(p, BatchConfig{MaxSize: 8, MaxWait: 3 * time.Millisecond}, rec.open)
	c := &commits{calls: map[string][]error{}, order: map[int32][]string{}}
	descriptors := []string{
		"SQ *BLUE BOTTLE OAKLAND CA", "STARBUKS COFEE 0815", "DOORDASH*ZEEKS PIZZA", "WEAVER STREET MKT 12",
		"TRADER JOES 552", "POS 8812 XQZV 77", "STARBUKS COFEE 0815", "CHIPOTLE ONLINE 3321",
	}
	cachedRes := &merchant.Resolution{EntityID: "cached", Name: "Cached", CatalogVersion: p.resolver.CatalogVersion(), Method: fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT}
	const perPartition = 40
	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for part := range int32(3) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			account := fmt.Sprintf("acc-%d", part)
			for i := range perPartition {
				id := fmt.Sprintf("%d/%d", part, i)
				desc := descriptors[(i+int(part))%len(descriptors)]
				at := &fintrav1.AcceptedTransaction{AccountId: account, Sequence: uint64(i + 1), EventId: id,
					Transaction: &fintrav1.Transaction{AccountId: account, Description: desc, AmountMinor: -100, Country: "US"}}
				cl := clean.Descriptor(desc)
				q := &queued{partition: part, account: account, at: at, commit: c.fn(part, id),
					origin: &fintrav1.Origin{Topic: "core.transactions.v1", Partition: part, Offset: int64(i)},
					l:      lookup{key: cacheKey(cl, "", "US"), cleaned: cl, input: merchant.Input{Descriptor: desc, Country: "US"}, resolve: true}}
				switch i % 10 {
				case 3: // a cache hit queued behind a miss
					q.l.res, q.l.resolve = cachedRes, false
				case 7: // a dead letter queued behind a miss
					q.raw, q.deadErr, q.at = []byte("garbage"), errors.New("enrich: undecodable transaction"), nil
				}
				p.batcher.push(q, runCtx)
				time.Sleep(time.Duration(i%3) * 200 * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for c.count() < 3*perPartition && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	stop()

	c.mu.Lock()
	for id, calls := range c.calls {
		if len(calls) != 1 || calls[0] != nil {
			t.Errorf("message %s committed %d times with %v, want once without error", id, len(calls), calls)
		}
	}
	if len(c.calls) != 3*perPartition {
		t.Errorf("%d of %d messages committed", len(c.calls), 3*perPartition)
	}
	for part, ids := range c.order {
		for i, id := range ids {
			if want := fmt.Sprintf("%d/%d", part, i); id != want {
				t.Fatalf("partition %d committed %s in place %d, want %s", part, id, i, want)
			}
		}
	}
	c.mu.Unlock()

	rec.mu.Lock()
	next := map[string]uint64{}
	deadLetters := 0
	for _, r := range rec.records {
		switch r.topic {
		case schemas.TopicEnrichTransactions:
			et := r.value.(*fintrav1.EnrichedTransaction)
			seq := et.GetAccepted().GetSequence()
			if seq <= next[r.key] {
				t.Fatalf("account %s: sequence %d after %d", r.key, seq, next[r.key])
			}
			next[r.key] = seq
			if seq%10 == 4 && et.GetMerchant().GetEntityId() != "cached" {
				t.Errorf("queued cache hit lost its resolution: %+v", et.GetMerchant())
			}
		case DLQ:
			deadLetters++
		}
	}
	rec.mu.Unlock()
	if deadLetters != 3*perPartition/10 {
		t.Errorf("%d dead letters, want %d", deadLetters, 3*perPartition/10)
	}
	// Distinct descriptors are resolved once each, in few batches.
	if s := idx.Searches(); s == 0 || s > int64(len(descriptors)) {
		t.Errorf("%d index searches for %d distinct descriptors: misses are not batched and cached", s, len(descriptors))
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		p.batcher.mu.Lock()
		running := p.batcher.running
		p.batcher.mu.Unlock()
		rec.mu.Lock()
		closed := rec.closed
		rec.mu.Unlock()
		if !running && closed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the batcher did not stop and close its emitters after the processor stopped")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBatcherFailsMessagesUncommittedWhenResolvingFails: an index that
// keeps failing fails the queued messages (the processor stops and a
// restart retries them), each exactly once.
func TestBatcherFailsMessagesUncommittedWhenResolvingFails(t *testing.T) {
	p, idx := testProcessor(t, 0)
	idx.Fail.Store(true)
	rec := &recorder{}
	p.batcher = newBatcher(p, BatchConfig{MaxSize: 4, MaxWait: time.Millisecond, MaxAttempts: 3}, rec.open)
	p.batcher.sleep = func(context.Context, time.Duration) bool { return true }
	c := &commits{calls: map[string][]error{}, order: map[int32][]string{}}
	for i := range 6 {
		desc := fmt.Sprintf("UNKNOWN SHOP %c", 'A'+i)
		cl := clean.Descriptor(desc)
		p.batcher.push(&queued{partition: 0, account: "acc", commit: c.fn(0, fmt.Sprint(i)),
			at: &fintrav1.AcceptedTransaction{AccountId: "acc", Transaction: &fintrav1.Transaction{Description: desc}},
			l:  lookup{key: cacheKey(cl, "", ""), cleaned: cl, input: merchant.Input{Descriptor: desc}, resolve: true}}, context.Background())
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.count() < 6 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range 6 {
		calls := c.calls[fmt.Sprint(i)]
		if len(calls) != 1 || calls[0] == nil {
			t.Errorf("message %d: commit calls %v, want one failure", i, calls)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.records) != 0 {
		t.Errorf("%d records emitted for messages that could not be resolved", len(rec.records))
	}
}
