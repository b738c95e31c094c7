// Package lake is the S3 Parquet lake sink ("lake"). It writes each
// AcceptedTransaction of core.transactions.v1 as one row of the table
// transactions, in zstd-compressed Parquet objects on S3 (or any
// S3-compatible store) or, as the embedded default, in a local directory:
//
//	<prefix>/transactions/dt=YYYY-MM-DD/<topic>-<partition>-<firstOffset>-<lastOffset>.parquet
//
// A Write groups its batch by topic partition and writes one object per
// partition, so an object's rows are exactly an offset range of one
// partition; dt is the UTC date of the object's first row's occurred_at.
// Files are rolled by the runner's batches (sinks.Config's count, bytes and
// wait); Options.MaxRowsPerObject is only a safety cap that splits a huge
// partition batch into consecutive offset ranges, deterministically.
//
// # Idempotence under redelivery
//
// The key is a function of the offsets, so a redelivered batch with the
// same boundaries rewrites the same object: an atomic replacement with the
// same rows. But a redelivered batch need not have the same boundaries: the
// runner commits after each write, and a crash between write and commit
// redelivers from the last committed offset F with whatever batch the
// next poll builds, say F..L instead of the F..L' that was written. The
// store then holds F..L' (uncommitted attempt) and would get F..L: without
// care, the rows F..min(L,L') twice. So before it writes a partition's
// range F..L the sink looks at the objects of that partition that overlap
// it (from an index of the table's keys, loaded by listing the store at
// Open and again whenever a batch does not continue where this sink's last
// write of the partition ended; and, on every write, a list of the prefix
// dt=D/<topic>-<partition>-<F>- to catch an attempt it does not know of,
// which has the same date since it starts with the same record):
//
//   - an object starting at or after F and ending at or before L holds
//     only rows the new object holds too: it is deleted once the new
//     object is durable. The common case is the brief replay: the
//     uncommitted attempt F..L' with L' < L is replaced.
//   - any other overlapping object (starting before F, or ending after L)
//     is kept, and the offsets it covers are left out of the new object,
//     which may become several objects, one per remaining run of
//     offsets, or none. Its rows before F (committed, never redelivered)
//     stay, and its rows of F..L are already stored. So the attempt F..L'
//     with L' > L is kept, and the replay F..L writes nothing.
//
// Either way the store holds each offset once and never loses a row that
// will not come again: an object is deleted only when another durable
// object holds all its rows. Put comes before delete, so a crash in
// between leaves a transient duplicate that the redelivery removes (it
// starts at the same committed offset and finds the same objects), never
// a hole. A second consumer group replaying the topic from the start, with
// boundaries of its own, converges the same way. This assumes a partition
// is written by one sink at a time, which the consumer group gives.
//
// A record that cannot be decoded is returned in a *sinks.RejectedError
// (the runner dead-letters it) and the rest of the batch is written; its
// offset still counts in the object's range, so ranges stay contiguous.
package lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/sinks"
)

// Table is the name of the transactions table (its top-level directory).
const Table = "transactions"

// Options configures a Sink. The zero value is the production setup.
type Options struct {
	// Topic is the topic whose records become rows of transactions: a
	// transaction stage after the ledger. Default core.transactions.v1.
	Topic string
	// Stage is the stage whose message Topic carries (core.transactions.v1:
	// AcceptedTransaction, enrich.transactions.v1: EnrichedTransaction,
	// guard.scores.v1: ScoredTransaction). Default: Topic itself; set it
	// when the topic has another name (a mirror, a test topic).
	Stage string
	// Endpoint overrides the S3 endpoint, for S3-compatible stores
	// ("http://127.0.0.1:57070"). Region and credentials come from the
	// usual AWS chain (AWS_REGION, AWS_ACCESS_KEY_ID, ~/.aws, ...).
	Endpoint string
	// PathStyle addresses buckets as endpoint/bucket/key instead of
	// bucket.endpoint/key (most S3-compatible stores want it).
	PathStyle bool
	// MaxRowsPerObject is a safety cap, not the roll policy (the runner's
	// batches are): a partition batch of more records is split into
	// consecutive offset ranges of this many records. Default 1,000,000.
	MaxRowsPerObject int
}

func (o *Options) setDefaults() {
	if o.Topic == "" {
		o.Topic = string(schemas.TopicCoreTransactions)
	}
	if o.MaxRowsPerObject == 0 {
		o.MaxRowsPerObject = 1_000_000
	}
	if o.Stage == "" {
		o.Stage = o.Topic
	}
}

// Validate lists every problem of the options.
func (o Options) Validate() error {
	var errs []error
	if o.MaxRowsPerObject < 0 {
		errs = append(errs, fmt.Errorf("lake: MaxRowsPerObject %d is negative", o.MaxRowsPerObject))
	}
	if !schemas.IsTransactionStage(o.Stage) {
		errs = append(errs, fmt.Errorf("lake: stage %q is not a transaction topic: set Stage to %s, %s or %s, the stage whose message the topic %q carries",
			o.Stage, schemas.TopicCoreTransactions, schemas.TopicEnrichTransactions, schemas.TopicGuardScores, o.Topic))
	}
	if strings.ContainsAny(o.Topic, "/\\") {
		errs = append(errs, fmt.Errorf("lake: topic %q cannot be part of an object key", o.Topic))
	}
	return errors.Join(errs...)
}

type topicPartition struct {
	topic     string
	partition int32
}

// object is a stored object's offset range.
type object struct {
	key         string
	first, last int64
}

// Sink is the lake sink. Write is not safe for concurrent use; the runner
// calls it from one goroutine.
type Sink struct {
	store store
	opts  Options
	log   *slog.Logger

	loaded bool                                 // index reflects the store
	index  map[topicPartition]map[string]object // the table's objects by partition
	next   map[topicPartition]int64             // offset after this sink's last write
}

var _ sinks.Sink = (*Sink)(nil)

// Open opens the store url names, s3://bucket[/prefix] or file:///dir
// (created if missing), and lists the table's objects.
func Open(ctx context.Context, url string, opts Options, log *slog.Logger) (*Sink, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	st, err := openStore(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	s := &Sink{store: st, opts: opts, log: log, next: map[topicPartition]int64{}}
	if err := s.reload(ctx); err != nil {
		return nil, fmt.Errorf("lake: list %s: %w", st, err)
	}
	log.Info("lake sink ready", "store", st.String(), "topic", opts.Topic, "objects", s.objects())
	return s, nil
}

// Name is "lake".
func (s *Sink) Name() string { return "lake" }

// Close releases nothing: objects are durable when Write returns.
func (s *Sink) Close() error { return nil }

func (s *Sink) objects() int {
	n := 0
	for _, objs := range s.index {
		n += len(objs)
	}
	return n
}

// objectKey is the key of a partition's offset range dated dt.
func objectKey(dt string, tp topicPartition, first, last int64) string {
	return fmt.Sprintf("%s/dt=%s/%s-%d-%d-%d.parquet", Table, dt, tp.topic, tp.partition, first, last)
}

// parseKey reads an object key back; ok is false for anything else.
func parseKey(key string) (tp topicPartition, o object, ok bool) {
	rest, found := strings.CutPrefix(key, Table+"/dt=")
	if !found {
		return tp, o, false
	}
	_, name, found := strings.Cut(rest, "/")
	name, isParquet := strings.CutSuffix(name, ".parquet")
	if !found || !isParquet || strings.Contains(name, "/") {
		return tp, o, false
	}
	// The topic may contain '-': the numbers are the last three fields.
	f := strings.Split(name, "-")
	if len(f) < 4 {
		return tp, o, false
	}
	p, err1 := strconv.ParseInt(f[len(f)-3], 10, 32)
	first, err2 := strconv.ParseInt(f[len(f)-2], 10, 64)
	last, err3 := strconv.ParseInt(f[len(f)-1], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || first > last {
		return tp, o, false
	}
	return topicPartition{strings.Join(f[:len(f)-3], "-"), int32(p)}, object{key: key, first: first, last: last}, true
}

// reload rebuilds the index from a listing of the table.
func (s *Sink) reload(ctx context.Context) error {
	keys, err := s.store.List(ctx, Table+"/")
	if err != nil {
		s.loaded = false
		return err
	}
	s.index = map[topicPartition]map[string]object{}
	for _, k := range keys {
		if tp, o, ok := parseKey(k); ok {
			s.add(tp, o)
		}
	}
	s.loaded = true
	return nil
}

func (s *Sink) add(tp topicPartition, o object) {
	if s.index[tp] == nil {
		s.index[tp] = map[string]object{}
	}
	s.index[tp][o.key] = o
}

// item is one record of a partition batch, decoded or rejected.
type item struct {
	offset int64
	row    Row
	ok     bool
}

// put is an object to write.
type put struct {
	tp          topicPartition
	key         string
	first, last int64
	rows        []Row
}

// Write writes one object per partition of the batch (see the package
// documentation for how a redelivery replaces or skips what an earlier
// attempt wrote). Undecodable records come back in a *sinks.RejectedError
// after the rest is durable; a store error is returned as is, for the
// runner to retry the batch.
func (s *Sink) Write(ctx context.Context, batch []*kgo.Record) error {
	var (
		rejected sinks.RejectedError
		order    []topicPartition
		parts    = map[topicPartition][]item{}
	)
	for _, r := range batch {
		tp := topicPartition{r.Topic, r.Partition}
		if _, seen := parts[tp]; !seen {
			order = append(order, tp)
		}
		it := item{offset: r.Offset}
		var err error
		if r.Topic != s.opts.Topic {
			err = fmt.Errorf("lake: no table for topic %q", r.Topic)
		} else {
			it.row, err = decodeTransaction(s.opts.Stage, r.Value)
		}
		if err != nil {
			rejected.Records = append(rejected.Records, sinks.Rejected{Record: r, Reason: err})
		} else {
			it.ok = true
		}
		parts[tp] = append(parts[tp], it)
	}
	if err := s.write(ctx, order, parts); err != nil {
		// The index may not match the store any more: list again next time.
		s.loaded = false
		return fmt.Errorf("lake: write %d records to %s: %w", len(batch), s.store, err)
	}
	if len(rejected.Records) > 0 {
		return &rejected
	}
	return nil
}

func (s *Sink) write(ctx context.Context, order []topicPartition, parts map[topicPartition][]item) error {
	var (
		puts     []put
		deletes  []object
		deleteTP []topicPartition
		reloaded bool
	)
	for _, tp := range order {
		items := parts[tp]
		first, last := items[0].offset, items[len(items)-1].offset
		if next, ok := s.next[tp]; !reloaded && (!s.loaded || !ok || next != first) {
			if err := s.reload(ctx); err != nil {
				return err
			}
			reloaded = true
		}
		if !reloaded {
			// An attempt this sink does not know of (another process
			// wrote the partition in between) starts at the same offset,
			// hence with the same record and the same date.
			if dt, ok := firstDate(items); ok {
				keys, err := s.store.List(ctx, fmt.Sprintf("%s/dt=%s/%s-%d-%d-", Table, dt, tp.topic, tp.partition, first))
				if err != nil {
					return err
				}
				for _, k := range keys {
					if _, known := s.index[tp][k]; !known {
						if err := s.reload(ctx); err != nil {
							return err
						}
						reloaded = true
						break
					}
				}
			}
		}
		p, d := s.plan(tp, items, first, last)
		puts = append(puts, p...)
		for _, o := range d {
			deletes, deleteTP = append(deletes, o), append(deleteTP, tp)
		}
	}
	for _, p := range puts {
		data, err := encode(p)
		if err != nil {
			return err
		}
		if err := s.store.Put(ctx, p.key, data); err != nil {
			return fmt.Errorf("put %s: %w", p.key, err)
		}
		s.add(p.tp, object{key: p.key, first: p.first, last: p.last})
	}
	// Only now that every new object is durable do superseded ones go.
	for i, o := range deletes {
		if err := s.store.Delete(ctx, o.key); err != nil {
			return fmt.Errorf("delete %s: %w", o.key, err)
		}
		delete(s.index[deleteTP[i]], o.key)
		s.log.Debug("lake replaced an object", "old", o.key)
	}
	for _, tp := range order {
		s.next[tp] = parts[tp][len(parts[tp])-1].offset + 1
	}
	return nil
}

func firstDate(items []item) (string, bool) {
	for _, it := range items {
		if it.ok {
			return it.row.OccurredAt.UTC().Format("2006-01-02"), true
		}
	}
	return "", false
}

// plan decides the objects that hold a partition's items first..last,
// given the objects already stored: what to put, and what the puts
// supersede (to delete after them).
func (s *Sink) plan(tp topicPartition, items []item, first, last int64) ([]put, []object) {
	var contained, kept []object
	for _, o := range s.index[tp] {
		switch {
		case o.last < first || o.first > last:
		case o.first >= first && o.last <= last:
			contained = append(contained, o)
		default:
			kept = append(kept, o)
		}
	}
	covered := func(off int64) bool {
		for _, o := range kept {
			if o.first <= off && off <= o.last {
				return true
			}
		}
		return false
	}
	var (
		puts []put
		run  []item
	)
	flush := func() {
		for len(run) > 0 {
			n := min(len(run), s.opts.MaxRowsPerObject)
			chunk := run[:n]
			run = run[n:]
			var rows []Row
			for _, it := range chunk {
				if it.ok {
					rows = append(rows, it.row)
				}
			}
			if len(rows) == 0 {
				continue // only rejected records: nothing to store
			}
			f, l := chunk[0].offset, chunk[len(chunk)-1].offset
			dt := rows[0].OccurredAt.UTC().Format("2006-01-02")
			puts = append(puts, put{tp: tp, key: objectKey(dt, tp, f, l), first: f, last: l, rows: rows})
		}
	}
	for _, it := range items {
		if covered(it.offset) {
			flush()
			continue
		}
		run = append(run, it)
	}
	flush()
	written := map[string]bool{}
	for _, p := range puts {
		written[p.key] = true
	}
	var deletes []object
	for _, o := range contained {
		if !written[o.key] { // the same key is replaced by the put itself
			deletes = append(deletes, o)
		}
	}
	return puts, deletes
}

// encode writes the rows as one zstd-compressed Parquet file, with the
// range it holds in its key-value metadata.
func encode(p put) ([]byte, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[Row](&buf,
		parquet.Compression(&parquet.Zstd),
		parquet.CreatedBy("fintra lake sink", "", ""),
		parquet.KeyValueMetadata("fintra.topic", p.tp.topic),
		parquet.KeyValueMetadata("fintra.partition", strconv.Itoa(int(p.tp.partition))),
		parquet.KeyValueMetadata("fintra.first_offset", strconv.FormatInt(p.first, 10)),
		parquet.KeyValueMetadata("fintra.last_offset", strconv.FormatInt(p.last, 10)),
	)
	if _, err := w.Write(p.rows); err != nil {
		return nil, fmt.Errorf("encode %s: %w", p.key, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encode %s: %w", p.key, err)
	}
	return buf.Bytes(), nil
}

// ReadRows decodes a Parquet object of the transactions table.
func ReadRows(data []byte) ([]Row, error) {
	return parquet.Read[Row](bytes.NewReader(data), int64(len(data)))
}
