package sinks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"

	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Config configures a Runner.
type Config struct {
	// Brokers are the seed brokers. Required.
	Brokers []string
	// Topics the sink consumes. Required.
	Topics []string
	// Group is the consumer group. Default "sink-<name>".
	Group string
	// MaxBatchRecords closes a batch at this many records. Default 5000.
	MaxBatchRecords int
	// MaxBatchBytes closes a batch at this many value bytes. Default 8 MiB.
	MaxBatchBytes int
	// MaxBatchWait closes a batch this long after its first record.
	// Default 200ms: a quiet stream still reaches the store promptly.
	MaxBatchWait time.Duration
	// MinBackoff and MaxBackoff bound the wait between retries of a
	// failed write (doubling, with ±50% jitter). Defaults 100ms and 10s.
	MinBackoff, MaxBackoff time.Duration
	// FlushTimeout bounds the last write on shutdown. Default 10s.
	FlushTimeout time.Duration
	// SessionTimeout is how long the group waits for a silent member
	// before giving its partitions to others. Default 45s (franz-go's);
	// lower means faster recovery from a killed process and more
	// rebalances on a slow one.
	SessionTimeout time.Duration
	// StartAtEnd starts a new group at the end of the topics instead of
	// the start. Default false: a new sink loads the whole retained history.
	StartAtEnd bool
	Metrics    *telemetry.Metrics
	Log        *slog.Logger
}

func (c *Config) setDefaults(sink string) {
	if c.Group == "" {
		c.Group = "sink-" + sink
	}
	if c.MaxBatchRecords == 0 {
		c.MaxBatchRecords = 5000
	}
	if c.MaxBatchBytes == 0 {
		c.MaxBatchBytes = 8 << 20
	}
	if c.MaxBatchWait == 0 {
		c.MaxBatchWait = 200 * time.Millisecond
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 10 * time.Second
	}
	if c.FlushTimeout == 0 {
		c.FlushTimeout = 10 * time.Second
	}
	if c.Metrics == nil {
		c.Metrics = telemetry.New()
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
}

// Validate lists every problem of the configuration.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("sinks: no brokers"))
	}
	if len(c.Topics) == 0 {
		errs = append(errs, errors.New("sinks: no topics to consume"))
	}
	if c.MaxBatchRecords < 0 || c.MaxBatchBytes < 0 || c.MaxBatchWait < 0 {
		errs = append(errs, errors.New("sinks: batch limits must not be negative"))
	}
	if c.MinBackoff > c.MaxBackoff && c.MaxBackoff > 0 {
		errs = append(errs, fmt.Errorf("sinks: min backoff %s is above max backoff %s", c.MinBackoff, c.MaxBackoff))
	}
	return errors.Join(errs...)
}

// Runner feeds one sink from its topics.
type Runner struct {
	cfg   Config
	sink  Sink
	stage *telemetry.Stage
}

// NewRunner checks the configuration.
func NewRunner(cfg Config, sink Sink) (*Runner, error) {
	cfg.setDefaults(sink.Name())
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Runner{cfg: cfg, sink: sink, stage: cfg.Metrics.Stage("sink-" + sink.Name())}, nil
}

// Run consumes until ctx ends, then writes what it holds, commits it and
// leaves the group. Back-pressure is by construction: the runner does not
// poll while a batch is being written, so memory is bounded by one batch.
func (r *Runner) Run(ctx context.Context) error {
	start := kgo.NewOffset().AtStart()
	if r.cfg.StartAtEnd {
		start = kgo.NewOffset().AtEnd()
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(r.cfg.Brokers...),
		kgo.ConsumerGroup(r.cfg.Group),
		kgo.ConsumeTopics(r.cfg.Topics...),
		kgo.ConsumeResetOffset(start),
		kgo.DisableAutoCommit(),
		// Partitions are not taken away while a batch is between poll and
		// commit, so a rebalance never commits or loses half a batch.
		kgo.BlockRebalanceOnPoll(),
		kgo.RequiredAcks(kgo.AllISRAcks()),
	}
	if r.cfg.SessionTimeout > 0 {
		opts = append(opts, kgo.SessionTimeout(r.cfg.SessionTimeout))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("sinks: %s: %w", r.sink.Name(), err)
	}
	defer cl.Close()
	if err := r.ensureDLQ(ctx, cl); err != nil {
		return err
	}
	r.cfg.Log.Info("sink started", "sink", r.sink.Name(), "topics", r.cfg.Topics, "group", r.cfg.Group)
	for {
		batch := r.collect(ctx, cl)
		if len(batch) > 0 {
			writeCtx := ctx
			if ctx.Err() != nil {
				// Shutting down: one bounded last attempt to flush.
				var cancel context.CancelFunc
				writeCtx, cancel = context.WithTimeout(context.Background(), r.cfg.FlushTimeout)
				defer cancel()
			}
			if err := r.deliver(writeCtx, cl, batch); err != nil {
				// Not committed: the batch is redelivered to whoever
				// consumes the partitions next (this runner after a
				// restart, or another), and the idempotent write absorbs
				// what was already written.
				cl.AllowRebalance()
				if ctx.Err() != nil {
					r.cfg.Log.Warn("sink stopped with a batch not committed", "sink", r.sink.Name(), "records", len(batch), "error", err)
					return nil
				}
				return fmt.Errorf("sinks: %s: %w", r.sink.Name(), err)
			}
		}
		cl.AllowRebalance()
		if ctx.Err() != nil {
			r.cfg.Log.Info("sink stopped", "sink", r.sink.Name())
			return nil
		}
	}
}

// collect polls until the batch is full by count or bytes, or MaxBatchWait
// has passed since its first record, or ctx ends.
func (r *Runner) collect(ctx context.Context, cl *kgo.Client) []*kgo.Record {
	var (
		batch    []*kgo.Record
		bytes    int
		deadline time.Time
	)
	for len(batch) < r.cfg.MaxBatchRecords && bytes < r.cfg.MaxBatchBytes {
		pollCtx, cancel := ctx, context.CancelFunc(func() {})
		if !deadline.IsZero() {
			if time.Until(deadline) <= 0 {
				break
			}
			pollCtx, cancel = context.WithDeadline(ctx, deadline)
		}
		fetches := cl.PollRecords(pollCtx, r.cfg.MaxBatchRecords-len(batch))
		cancel()
		fetches.EachError(func(topic string, partition int32, err error) {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				r.stage.Errors.Add(1)
				r.cfg.Log.Warn("sink fetch", "sink", r.sink.Name(), "topic", topic, "partition", partition, "error", err)
			}
		})
		fetches.EachRecord(func(rec *kgo.Record) {
			batch = append(batch, rec)
			bytes += len(rec.Value)
		})
		if len(batch) > 0 && deadline.IsZero() {
			deadline = time.Now().Add(r.cfg.MaxBatchWait)
		}
		if ctx.Err() != nil || fetches.IsClientClosed() {
			break
		}
	}
	r.stage.In.Add(uint64(len(batch)))
	return batch
}

// deliver writes the batch until it is durable (retrying transient errors
// with backoff and jitter), dead-letters what the sink rejects, and only
// then commits the batch's offsets.
func (r *Runner) deliver(ctx context.Context, cl *kgo.Client, batch []*kgo.Record) error {
	began := time.Now()
	backoff := r.cfg.MinBackoff
	var rejected *RejectedError
	for attempt := 1; ; attempt++ {
		err := r.sink.Write(ctx, batch)
		if err == nil || errors.As(err, &rejected) {
			break
		}
		r.stage.Errors.Add(1)
		r.cfg.Log.Warn("sink write failed, retrying", "sink", r.sink.Name(), "attempt", attempt, "records", len(batch), "backoff", backoff, "error", err)
		wait := backoff/2 + time.Duration(rand.Int64N(int64(backoff)))
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
		case <-time.After(wait):
		}
		backoff = min(2*backoff, r.cfg.MaxBackoff)
	}
	written := len(batch)
	if rejected != nil {
		if err := r.deadLetter(ctx, cl, rejected); err != nil {
			return err
		}
		written -= len(rejected.Records)
	}
	r.cfg.Metrics.ObserveWrite(r.sink.Name(), len(batch), time.Since(began))
	r.stage.Out.Add(uint64(written))
	if err := cl.CommitRecords(ctx, batch...); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if last := batch[len(batch)-1]; !last.Timestamp.IsZero() {
		r.stage.ObserveLatency(time.Since(last.Timestamp))
	}
	return nil
}

// ensureDLQ creates the sink's dead-letter topic if it is missing, with the
// design's 30-day retention.
func (r *Runner) ensureDLQ(ctx context.Context, cl *kgo.Client) error {
	retention := "2592000000"
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, 1, -1, map[string]*string{"retention.ms": &retention}, DLQTopic(r.sink.Name()))
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("sinks: create %s: %w", DLQTopic(r.sink.Name()), err)
	}
	return nil
}

func (r *Runner) deadLetter(ctx context.Context, cl *kgo.Client, rejected *RejectedError) error {
	recs := make([]*kgo.Record, 0, len(rejected.Records))
	for _, rj := range rejected.Records {
		orig := rj.Record
		h := goka.Headers{}
		for _, x := range orig.Headers {
			h[x.Key] = x.Value
		}
		h = schemas.DeadLetterHeaders(h, "sink-"+r.sink.Name(), &fintrav1.Origin{Topic: orig.Topic, Partition: orig.Partition, Offset: orig.Offset}, rj.Reason)
		rec := &kgo.Record{Topic: DLQTopic(r.sink.Name()), Key: orig.Key, Value: orig.Value}
		for k, v := range h {
			rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: k, Value: v})
		}
		recs = append(recs, rec)
		r.cfg.Log.Warn("sink dead-lettered a record", "sink", r.sink.Name(), "origin", fmt.Sprintf("%s/%d/%d", orig.Topic, orig.Partition, orig.Offset), "reason", rj.Reason)
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("dead-letter %d records to %s: %w", len(recs), DLQTopic(r.sink.Name()), err)
	}
	r.stage.DLQ.Add(uint64(len(recs)))
	return nil
}
