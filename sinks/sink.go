// Package sinks moves the pipeline's output topics into stores. A Runner
// consumes a topic with a franz-go consumer group, batches records by
// count, bytes and time, hands each batch to a Sink, and commits the
// batch's offsets only after the sink said it is durable. Every Sink's
// writes are idempotent, so the at-least-once redelivery after a crash
// between write and commit leaves the store as if it had been written once.
// One conformance suite (sinks/sinktest) checks those claims for every sink.
package sinks

import (
	"context"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Sink writes batches of records to a store.
type Sink interface {
	// Name names the sink in metrics, logs and its DLQ topic ("postgres").
	Name() string
	// Write makes every record of the batch durable, idempotently: writing
	// the same records again leaves the store unchanged. It returns nil only
	// when the whole batch is durable. A *RejectedError says which records
	// can never be written (the rest is durable): they go to the sink's DLQ.
	// Any other error is transient: the runner retries the whole batch.
	Write(ctx context.Context, batch []*kgo.Record) error
	// Close releases the store's connections.
	Close() error
}

// Rejected is one record a sink can never write, with the reason.
type Rejected struct {
	Record *kgo.Record
	Reason error
}

// RejectedError is returned by Write when some records can never be
// written; every other record of the batch is durable.
type RejectedError struct {
	Records []Rejected
}

func (e *RejectedError) Error() string {
	parts := make([]string, 0, len(e.Records))
	for _, r := range e.Records {
		parts = append(parts, fmt.Sprintf("%s/%d/%d: %v", r.Record.Topic, r.Record.Partition, r.Record.Offset, r.Reason))
	}
	return fmt.Sprintf("sinks: %d records rejected: %s", len(e.Records), strings.Join(parts, "; "))
}

// DLQTopic is the dead-letter topic of a sink: "sink-<name>.dlq.v1".
func DLQTopic(sink string) string { return "sink-" + sink + ".dlq.v1" }
