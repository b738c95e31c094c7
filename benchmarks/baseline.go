package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/fintraos/fintra/topologies"
)

// Baseline is the limit of the same machine and broker: how fast records
// of the pipeline's sizes cross the same number of hops with no decoding
// and no state, and how fast one goka stage with memory storage goes.
type Baseline struct {
	Records int `json:"records"`
	// PassthroughEPS: five franz-go consume→produce hops (connect.raw →
	// … → the views changelog), acks=all, no decoding, no state.
	PassthroughEPS float64 `json:"passthrough_eps"`
	// GokaStageEPS: one goka processor on the same runtime options
	// (memory storage, flush settings) that reads a record, updates a
	// table value of the views' size and emits a record of the scores'.
	GokaStageEPS float64 `json:"goka_stage_eps"`
	// Sizes are the record sizes used, measured on the real topics.
	Sizes []RecordSize `json:"record_sizes"`
	// StateValueBytes is the table value size of the goka stage.
	StateValueBytes int `json:"state_value_bytes"`
}

// partitions of the baseline topics: the catalog's default.
const baselinePartitions = 12

// runBaseline measures both limits on a fresh embedded broker (or the
// given cluster, in topics of its own).
func runBaseline(ctx context.Context, opts Options, records int, sizes []RecordSize, stateValue int) (Baseline, error) {
	b := Baseline{Records: records, Sizes: sizes, StateValueBytes: stateValue}
	if len(sizes) != len(hopTopics) {
		return b, fmt.Errorf("benchmarks: baseline needs the record sizes of %d topics, got %d", len(hopTopics), len(sizes))
	}
	brokers := opts.Brokers
	if len(brokers) == 0 {
		embedded, stop, err := startBroker(opts.brokerOnDisk)
		if err != nil {
			return b, err
		}
		defer stop()
		brokers = embedded
	}
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	var err error
	if b.PassthroughEPS, err = passthrough(ctx, brokers, records, sizes, suffix); err != nil {
		return b, err
	}
	opts.progress("baseline: bare franz-go, %d hops: %.0f records/s", len(hopTopics)-1, b.PassthroughEPS)
	if b.GokaStageEPS, err = gokaStage(ctx, brokers, opts.KafkaVersion, records, sizes, stateValue, suffix); err != nil {
		return b, err
	}
	opts.progress("baseline: one goka stage with memory storage: %.0f records/s", b.GokaStageEPS)
	return b, nil
}

func createTopics(ctx context.Context, adm *kadm.Client, configs map[string]*string, names ...string) error {
	resp, err := adm.CreateTopics(ctx, baselinePartitions, 1, configs, names...)
	if err != nil {
		return fmt.Errorf("benchmarks: create %v: %w", names, err)
	}
	for _, r := range resp.Sorted() {
		if r.Err != nil {
			return fmt.Errorf("benchmarks: create %s: %w", r.Topic, r.Err)
		}
	}
	return nil
}

// payloads returns n keys over accounts and a value of each size, random
// bytes (incompressible, as protobuf mostly is).
func sizedValue(n float64, rng *rand.Rand) []byte {
	v := make([]byte, int(n+0.5))
	for i := range v {
		v[i] = byte(rng.UintN(256))
	}
	return v
}

func accountKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "acc-%06d", i%100_000)
	}
	return keys
}

// preload writes records values of size to topic and waits for them.
func preload(ctx context.Context, brokers []string, topic string, keys [][]byte, value []byte) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(5*time.Millisecond), kgo.MaxBufferedRecords(100_000))
	if err != nil {
		return err
	}
	defer cl.Close()
	var failed atomic.Pointer[error]
	for _, k := range keys {
		cl.Produce(ctx, &kgo.Record{Key: k, Value: value}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.CompareAndSwap(nil, &err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return err
	}
	if p := failed.Load(); p != nil {
		return fmt.Errorf("benchmarks: preload %s: %w", topic, *p)
	}
	return nil
}

// passthrough runs the bare five-hop chain over records preloaded into
// the first topic and returns records/s from the first record consumed
// to the last one acknowledged at the end.
func passthrough(ctx context.Context, brokers []string, records int, sizes []RecordSize, suffix string) (float64, error) {
	cl, adm, err := topologies.Admin(brokers)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	topics := make([]string, len(sizes))
	for i := range topics {
		topics[i] = fmt.Sprintf("bench.hop%d.%s", i, suffix)
	}
	if err := createTopics(ctx, adm, nil, topics...); err != nil {
		return 0, err
	}
	defer func() { _, _ = adm.DeleteTopics(context.Background(), topics...) }()
	rng := rand.New(rand.NewPCG(1, 2))
	keys := accountKeys(records)
	if err := preload(ctx, brokers, topics[0], keys, sizedValue(sizes[0].ValueBytes, rng)); err != nil {
		return 0, err
	}

	var firstAt atomic.Int64
	var delivered atomic.Int64
	done := make(chan time.Time, 1)
	hopCtx, stop := context.WithCancel(ctx)
	defer stop()
	g, gctx := errgroup.WithContext(hopCtx)
	for hop := 1; hop < len(topics); hop++ {
		value := sizedValue(sizes[hop].ValueBytes, rng)
		last := hop == len(topics)-1
		g.Go(func() error {
			c, err := kgo.NewClient(
				kgo.SeedBrokers(brokers...),
				kgo.ConsumerGroup(fmt.Sprintf("bench-hop%d-%s", hop, suffix)),
				kgo.ConsumeTopics(topics[hop-1]),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
				kgo.DefaultProduceTopic(topics[hop]),
				kgo.RequiredAcks(kgo.AllISRAcks()),
				kgo.ProducerLinger(5*time.Millisecond),
				kgo.FetchMaxWait(50*time.Millisecond),
				kgo.MaxBufferedRecords(100_000),
			)
			if err != nil {
				return err
			}
			defer c.Close()
			for {
				fs := c.PollFetches(gctx)
				if gctx.Err() != nil {
					return nil
				}
				if err := fs.Err0(); err != nil {
					return fmt.Errorf("benchmarks: hop %d: %w", hop, err)
				}
				if hop == 1 && !fs.Empty() {
					firstAt.CompareAndSwap(0, time.Now().UnixNano())
				}
				fs.EachRecord(func(r *kgo.Record) {
					c.Produce(gctx, &kgo.Record{Key: r.Key, Value: value}, func(_ *kgo.Record, err error) {
						if err != nil || !last {
							return
						}
						if delivered.Add(1) == int64(records) {
							done <- time.Now()
						}
					})
				})
			}
		})
	}
	var end time.Time
	select {
	case end = <-done:
	case <-time.After(5 * time.Minute):
		stop()
		return 0, errors.New("benchmarks: the passthrough chain did not deliver every record within 5m")
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	stop()
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return roundTo(float64(records)/end.Sub(time.Unix(0, firstAt.Load())).Seconds(), 0), nil
}

// gokaStage runs one goka processor with the pipeline's runtime options
// over records preloaded into its input.
func gokaStage(ctx context.Context, brokers []string, kafkaVersion string, records int, sizes []RecordSize, stateValue int, suffix string) (float64, error) {
	cl, adm, err := topologies.Admin(brokers)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	group := goka.Group("bench-goka-stage-" + suffix)
	in, out := goka.Stream("bench.goka.in."+suffix), goka.Stream("bench.goka.out."+suffix)
	table := goka.GroupTable(group)
	if err := createTopics(ctx, adm, nil, string(in), string(out)); err != nil {
		return 0, err
	}
	compact := "compact"
	if err := createTopics(ctx, adm, map[string]*string{"cleanup.policy": &compact}, string(table)); err != nil {
		return 0, err
	}
	defer func() { _, _ = adm.DeleteTopics(context.Background(), string(in), string(out), string(table)) }()
	rng := rand.New(rand.NewPCG(3, 4))
	// The stage reads what guard reads and writes what guard writes.
	if err := preload(ctx, brokers, string(in), accountKeys(records), sizedValue(sizes[3].ValueBytes, rng)); err != nil {
		return 0, err
	}
	state := sizedValue(float64(stateValue), rng)
	emitted := sizedValue(sizes[4].ValueBytes, rng)

	var firstAt, processed atomic.Int64
	done := make(chan time.Time, 1)
	graph := goka.DefineGroup(group,
		goka.Input(in, new(codec.Bytes), func(ctx goka.Context, _ any) {
			if processed.Load() == 0 {
				firstAt.CompareAndSwap(0, time.Now().UnixNano())
			}
			_ = ctx.Value()
			ctx.SetValue(state)
			ctx.Emit(out, ctx.Key(), emitted)
			if processed.Add(1) == int64(records) {
				done <- time.Now()
			}
		}),
		goka.Persist(new(codec.Bytes)),
		goka.Output(out, new(codec.Bytes)),
	)
	rt := topologies.Runtime{Brokers: brokers, KafkaVersion: kafkaVersion}
	popts, err := rt.ProcessorOptions(group)
	if err != nil {
		return 0, err
	}
	popts = append(popts, goka.WithLogger(quietGoka{}))
	proc, err := goka.NewProcessor(brokers, graph, popts...)
	if err != nil {
		return 0, fmt.Errorf("benchmarks: goka stage: %w", err)
	}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	runDone := make(chan error, 1)
	go func() { runDone <- proc.Run(pctx) }()
	var end time.Time
	select {
	case end = <-done:
	case err := <-runDone:
		return 0, fmt.Errorf("benchmarks: goka stage stopped: %w", err)
	case <-time.After(5 * time.Minute):
		stop()
		<-runDone
		return 0, errors.New("benchmarks: the goka stage did not process every record within 5m")
	}
	stop()
	if err := <-runDone; err != nil && !errors.Is(err, context.Canceled) {
		return 0, fmt.Errorf("benchmarks: goka stage: %w", err)
	}
	return roundTo(float64(records)/end.Sub(time.Unix(0, firstAt.Load())).Seconds(), 0), nil
}

// quietGoka drops goka's rebalance chatter, which would interleave with
// the harness's progress lines.
type quietGoka struct{}

func (quietGoka) Print(...any)          {}
func (quietGoka) Println(...any)        {}
func (quietGoka) Printf(string, ...any) {}
