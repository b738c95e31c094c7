package topologies

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/schemas"
)

// Ingest pushes raw payloads to connect.raw.v1 the way an event producer
// should: a franz-go producer with acks from all in-sync replicas,
// idempotent, murmur2-partitioned by key, with the fintra-source header.
type Ingest struct {
	cl              *kgo.Client
	sent, failed    atomic.Int64
	firstErr        atomic.Pointer[error]
	stampProducedAt bool
}

// NewIngest connects a producer. Extra options override the defaults.
func NewIngest(brokers []string, opts ...kgo.Opt) (*Ingest, error) {
	base := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(2 * time.Millisecond),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.MaxBufferedRecords(100_000),
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("topologies: ingest producer for %s: %w", strings.Join(brokers, ","), err)
	}
	return &Ingest{cl: cl, stampProducedAt: true}, nil
}

// Send queues one payload; it blocks only when the producer's buffer is
// full (back-pressure), and reports the outcome through Sent/Failed/Err.
func (in *Ingest) Send(ctx context.Context, key string, payload []byte, format string) {
	rec := &kgo.Record{
		Topic: string(schemas.TopicConnectRaw),
		Value: payload,
		Headers: []kgo.RecordHeader{
			{Key: schemas.HeaderSource, Value: []byte(format)},
		},
	}
	if key != "" {
		rec.Key = []byte(key)
	}
	if in.stampProducedAt {
		rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: schemas.HeaderProducedAt, Value: strconv.AppendInt(nil, time.Now().UnixNano(), 10)})
	}
	in.cl.Produce(ctx, rec, func(_ *kgo.Record, err error) {
		if err != nil {
			in.failed.Add(1)
			in.firstErr.CompareAndSwap(nil, &err)
			return
		}
		in.sent.Add(1)
	})
}

// Flush waits until every queued payload is acknowledged or failed.
func (in *Ingest) Flush(ctx context.Context) error { return in.cl.Flush(ctx) }

// Sent is the number of payloads acknowledged by the broker.
func (in *Ingest) Sent() int64 { return in.sent.Load() }

// Failed is the number of payloads the broker did not take.
func (in *Ingest) Failed() int64 { return in.failed.Load() }

// Err is the first produce error, if any.
func (in *Ingest) Err() error {
	if p := in.firstErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Close flushes nothing: call Flush first.
func (in *Ingest) Close() { in.cl.Close() }
