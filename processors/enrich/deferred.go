package enrich

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lovoo/goka"

	"github.com/fintraos/fintra/processors/enrich/merchant"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// BatchConfig shapes the deferred path of a remote resolver. Zero fields
// take their defaults.
type BatchConfig struct {
	// MaxSize is the most descriptors resolved in one Resolve call (one
	// Embed and one Search). Default 64.
	MaxSize int
	// MaxWait is how long the oldest queued message waits for others to
	// share its batch. Default 5ms.
	MaxWait time.Duration
	// MaxAttempts bounds the Resolve attempts of one batch, with backoff
	// from 50ms doubling to 5s. When the last fails, the queued messages
	// fail the processor uncommitted, so a restart retries them. Default 8
	// (about 12s of outage).
	MaxAttempts int
	// AttemptTimeout bounds one Resolve call. Default 10s.
	AttemptTimeout time.Duration
}

func (c *BatchConfig) setDefaults() {
	if c.MaxSize <= 0 {
		c.MaxSize = 64
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 5 * time.Millisecond
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.AttemptTimeout <= 0 {
		c.AttemptTimeout = 10 * time.Second
	}
}

// emitFunc emits one record (a value of the topic's codec in Graph) and
// returns a function that waits for the broker's acknowledgement.
type emitFunc func(topic goka.Stream, key string, value any, headers goka.Headers) (wait func() error)

// emitters opens the deferred path's output: the emit function and a
// function that flushes and closes it.
type emitters func() (emitFunc, func() error, error)

// emittersFrom makes one goka emitter per output topic, with the codec the
// graph declares for it.
func emittersFrom(newEmitter func(goka.Stream, goka.Codec) (*goka.Emitter, error)) emitters {
	return func() (emitFunc, func() error, error) {
		if newEmitter == nil {
			return nil, nil, errors.New("enrich: a remote resolver needs Deps.NewEmitter to emit batched results")
		}
		byTopic := map[goka.Stream]*goka.Emitter{}
		closeAll := func() error {
			var errs []error
			for _, e := range byTopic {
				errs = append(errs, e.Finish())
			}
			return errors.Join(errs...)
		}
		for topic, c := range outputCodecs() {
			e, err := newEmitter(topic, c)
			if err != nil {
				_ = closeAll()
				return nil, nil, fmt.Errorf("enrich: emitter for %s: %w", topic, err)
			}
			byTopic[topic] = e
		}
		emit := func(topic goka.Stream, key string, value any, headers goka.Headers) func() error {
			promise, err := byTopic[topic].EmitWithHeaders(key, value, headers)
			if err != nil {
				return func() error { return err }
			}
			done := make(chan error, 1)
			promise.Then(func(err error) { done <- err })
			return func() error { return <-done }
		}
		return emit, closeAll, nil
	}
}

// queued is one message waiting in the deferred path.
type queued struct {
	partition int32
	account   string
	raw       []byte
	headers   goka.Headers
	origin    *fintrav1.Origin
	at        *fintrav1.AcceptedTransaction
	l         lookup
	deadErr   error // set: the message goes to the DLQ
	commit    func(error)
	enqueued  time.Time
}

// batcher resolves the cache misses of a remote resolver off the partition
// goroutines. Per partition, once a message waits for a batch every later
// message of the partition queues behind it, whatever it needs; the
// batcher resolves the queued misses of all partitions in one Resolve
// call, emits the results in queue order through goka emitters (a goka
// context must not be used after its callback returns), waits for the
// broker's acknowledgements, then calls the commit functions in order. goka
// commits a partition by marking the next offset, so committing in order is
// what keeps a crash from skipping a message that was never emitted.
type batcher struct {
	p     *processor
	cfg   BatchConfig
	open  emitters
	sleep func(context.Context, time.Duration) bool

	mu      sync.Mutex
	queue   []*queued
	busyBy  map[int32]int // partition -> queued messages
	misses  int           // queued messages that need resolving
	wake    chan struct{}
	running bool
	// runCtx is the goka context of the latest enqueue: the loop ends
	// once it is done and the queue is empty.
	runCtx context.Context
}

func newBatcher(p *processor, cfg BatchConfig, open emitters) *batcher {
	cfg.setDefaults()
	return &batcher{p: p, cfg: cfg, open: open, sleep: sleepCtx, busyBy: map[int32]int{}, wake: make(chan struct{}, 1)}
}

// busy reports whether the partition has messages waiting.
func (b *batcher) busy(partition int32) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.busyBy[partition] > 0
}

// enqueue defers the message's commit and queues it. Called from the
// partition's callback: everything the batcher needs from the goka context
// is copied here.
func (b *batcher) enqueue(ctx goka.Context, raw []byte, at *fintrav1.AcceptedTransaction, l lookup, deadErr error) {
	q := &queued{
		partition: ctx.Partition(), account: ctx.Key(), raw: raw, at: at, l: l, deadErr: deadErr,
		origin:  &fintrav1.Origin{Topic: string(ctx.Topic()), Partition: ctx.Partition(), Offset: ctx.Offset()},
		commit:  ctx.DeferCommit(),
		headers: ctx.Headers(),
	}
	b.push(q, ctx.Context())
}

func (b *batcher) push(q *queued, runCtx context.Context) {
	q.enqueued = time.Now()
	b.mu.Lock()
	b.queue = append(b.queue, q)
	b.busyBy[q.partition]++
	if q.deadErr == nil && q.l.resolve {
		b.misses++
	}
	b.runCtx = runCtx
	start := !b.running
	b.running = true
	b.mu.Unlock()
	if start {
		go b.run()
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// run flushes batches until the queue is empty and the processor has
// stopped; it keeps flushing after a stop so that goka's graceful shutdown,
// which waits for deferred commits, completes.
func (b *batcher) run() {
	emit, closeEmitters, err := b.open()
	if err != nil {
		b.failAll(err)
		b.stop(nil)
		return
	}
	// Acknowledgements are awaited and commits made by a second goroutine,
	// batch after batch, so that the next batch is resolved while the
	// broker acknowledges the last one; one goroutine emitting and one
	// committing keep both in queue order.
	acks := make(chan inFlight, 16)
	committerDone := make(chan struct{})
	go func() {
		defer close(committerDone)
		for f := range acks {
			b.commitInOrder(f)
		}
	}()
	for {
		b.mu.Lock()
		runCtx := b.runCtx
		if len(b.queue) == 0 {
			if runCtx.Err() != nil {
				b.mu.Unlock()
				close(acks)
				<-committerDone
				b.stop(closeEmitters)
				return
			}
			b.mu.Unlock()
			select {
			case <-b.wake:
			case <-runCtx.Done():
			}
			continue
		}
		wait := b.cfg.MaxWait - time.Since(b.queue[0].enqueued)
		ready := b.misses == 0 || b.misses >= b.cfg.MaxSize || wait <= 0
		b.mu.Unlock()
		if !ready {
			timer := time.NewTimer(wait)
			select {
			case <-b.wake:
			case <-timer.C:
			}
			timer.Stop()
			continue
		}
		if err := b.flush(emit, acks); err != nil {
			b.failAll(err)
		}
	}
}

func (b *batcher) stop(closeEmitters func() error) {
	if closeEmitters != nil {
		if err := closeEmitters(); err != nil {
			b.p.log.Warn("closing the deferred path's emitters", "stage", Group, "error", err)
		}
	}
	b.mu.Lock()
	b.running = false
	restart := len(b.queue) > 0
	b.mu.Unlock()
	if restart {
		// A message arrived from a new run of the processor while this
		// loop was closing.
		go b.run()
	}
}

// take removes the next batch from the queue: messages from the front up
// to MaxSize misses.
func (b *batcher) take() []*queued {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, misses := 0, 0
	for ; n < len(b.queue); n++ {
		q := b.queue[n]
		if q.deadErr == nil && q.l.resolve {
			if misses == b.cfg.MaxSize {
				break
			}
			misses++
		}
	}
	batch := b.queue[:n:n]
	b.queue = b.queue[n:]
	b.misses -= misses
	return batch
}

// inFlight is an emitted batch waiting for its acknowledgements.
type inFlight struct {
	batch []*queued
	waits []func() error
}

// flush resolves and emits one batch and hands it to the committer. An
// error means the batch could not be resolved; its messages are then
// failed.
func (b *batcher) flush(emit emitFunc, acks chan<- inFlight) error {
	batch := b.take()
	if err := b.resolve(batch); err != nil {
		b.done(batch, err)
		return err
	}
	var waits []func() error
	emitted := map[string]bool{}
	for _, q := range batch {
		if q.deadErr != nil {
			b.p.m.stage.DLQ.Add(1)
			b.p.log.Warn("dead-lettered transaction", "stage", Group, "origin", schemas.FormatOrigin(q.origin), "key", q.account, "error", q.deadErr)
			waits = append(waits, emit(DLQ, q.account, q.raw, schemas.DeadLetterHeaders(q.headers, string(Group), q.origin, q.deadErr)))
			continue
		}
		if q.l.resolve && q.l.key != "" && !emitted[q.l.key] {
			emitted[q.l.key] = true
			waits = append(waits, emit(TopicResolutions, q.l.key, q.l.res, nil))
		}
		waits = append(waits, emit(schemas.TopicEnrichTransactions, q.account, b.p.enriched(q.at, q.l), nil))
	}
	acks <- inFlight{batch: batch, waits: waits}
	return nil
}

// commitInOrder waits for a batch's acknowledgements, then commits its
// messages in queue order, or fails them all (and the queue) when an emit
// failed.
func (b *batcher) commitInOrder(f inFlight) {
	batch := f.batch
	var errs []error
	for _, w := range f.waits {
		if err := w(); err != nil {
			errs = append(errs, err)
		}
	}
	err := errors.Join(errs...)
	if err != nil {
		err = fmt.Errorf("enrich: emit a batch of %d: %w", len(batch), err)
	}
	now := b.p.clock()
	for _, q := range batch {
		if err == nil && q.deadErr == nil {
			b.p.m.stage.Out.Add(1)
			if ts := q.at.GetIngestedAt(); ts != nil {
				b.p.m.stage.ObserveLatency(now.Sub(ts.AsTime()))
			}
		}
	}
	b.done(batch, err)
	if err != nil {
		b.failAll(err)
	}
}

// resolve fills in the resolution of every miss of the batch: one Resolve
// call for the distinct cache keys the LRU still lacks, retried with
// backoff.
func (b *batcher) resolve(batch []*queued) error {
	current := b.p.resolver.CatalogVersion()
	type miss struct {
		q     *queued
		input int // index in inputs
	}
	var inputs []merchant.Input
	var misses []miss
	slot := map[string]int{} // cache key -> index in inputs
	for _, q := range batch {
		if q.deadErr != nil || !q.l.resolve {
			continue
		}
		if q.l.key != "" {
			// An earlier batch may have resolved the same descriptor.
			if r, ok := b.p.lru.get(q.l.key); ok && r.CatalogVersion == current {
				q.l.res, q.l.resolve = r, false
				continue
			}
			if i, ok := slot[q.l.key]; ok {
				misses = append(misses, miss{q, i})
				continue
			}
			slot[q.l.key] = len(inputs)
		}
		misses = append(misses, miss{q, len(inputs)})
		inputs = append(inputs, q.l.input)
	}
	if len(inputs) == 0 {
		return nil
	}
	var res []merchant.Resolution
	var err error
	backoff := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		// Not the processor's context: a batch in flight when the
		// processor stops must still finish, or its commits never come.
		ctx, cancel := context.WithTimeout(context.Background(), b.cfg.AttemptTimeout)
		start := time.Now()
		res, err = b.p.resolver.Resolve(ctx, inputs)
		b.p.m.observeResolve("batch", time.Since(start))
		cancel()
		if err == nil && len(res) != len(inputs) {
			err = fmt.Errorf("resolver returned %d resolutions for %d inputs", len(res), len(inputs))
		}
		if err == nil {
			break
		}
		if attempt == b.cfg.MaxAttempts {
			return fmt.Errorf("enrich: resolve a batch of %d descriptors, %d attempts: %w", len(inputs), attempt, err)
		}
		b.p.log.Warn("resolving a batch failed; retrying", "stage", Group, "attempt", attempt, "descriptors", len(inputs), "error", err)
		b.sleep(context.Background(), backoff)
		backoff = min(backoff*2, 5*time.Second)
	}
	b.p.m.batch.Observe(float64(len(inputs)))
	for _, m := range misses {
		m.q.l.res = &res[m.input]
		b.p.remember(m.q.l)
	}
	return nil
}

// done commits the batch's messages in queue order (or fails them) and
// releases their partitions.
func (b *batcher) done(batch []*queued, err error) {
	for _, q := range batch {
		q.commit(err)
	}
	b.mu.Lock()
	for _, q := range batch {
		b.busyBy[q.partition]--
		if b.busyBy[q.partition] == 0 {
			delete(b.busyBy, q.partition)
		}
	}
	b.mu.Unlock()
}

// failAll fails every queued message: the processor stops, and since none
// of them is committed a restart processes them again.
func (b *batcher) failAll(err error) {
	b.mu.Lock()
	batch := b.queue
	b.queue = nil
	b.misses = 0
	b.mu.Unlock()
	if len(batch) > 0 {
		b.done(batch, err)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
