package lake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
	"github.com/fintraos/fintra/sinks"
	"github.com/fintraos/fintra/sinks/sinktest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Snapshot reads every object of the table back and lists its rows by
// event_id, as JSON (the conformance suite's Store). A row stored twice is
// an error: the store must hold each offset once.
func (s *Sink) Snapshot(ctx context.Context) (map[string]string, error) {
	keys, err := s.store.List(ctx, Table+"/")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, k := range keys {
		data, err := s.store.Get(ctx, k)
		if err != nil {
			return nil, err
		}
		rows, err := ReadRows(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		for _, r := range rows {
			if _, dup := out[r.EventID]; dup {
				return nil, fmt.Errorf("row %s is stored twice (again in %s)", r.EventID, k)
			}
			b, err := json.Marshal(r)
			if err != nil {
				return nil, err
			}
			out[r.EventID] = string(b)
		}
	}
	return out, nil
}

var (
	ledgerMu  sync.Mutex
	ledger    = sinktest.NewLedger()
	ledgerTxs []*fintrav1.AcceptedTransaction
)

// transaction is the i-th transaction of the shared test ledger (tests
// address records by offset), a copy the caller may change.
func transaction(i int) *fintrav1.AcceptedTransaction {
	ledgerMu.Lock()
	defer ledgerMu.Unlock()
	for len(ledgerTxs) <= i {
		ledgerTxs = append(ledgerTxs, ledger.Next())
	}
	return proto.Clone(ledgerTxs[i]).(*fintrav1.AcceptedTransaction)
}

func transactionRecords(topic string, n int) []*kgo.Record {
	out := make([]*kgo.Record, n)
	for i := range out {
		at := transaction(i)
		out[i] = sinktest.Record(topic, at, at.GetAccountId())
	}
	return out
}

// partitionRecords are the records of offsets first..last of one
// partition, as a consumer would deliver them.
func partitionRecords(topic string, partition int32, first, last int64) []*kgo.Record {
	var out []*kgo.Record
	for off := first; off <= last; off++ {
		r := sinktest.Record(topic, transaction(int(off)), "")
		r.Partition, r.Offset = partition, off
		out = append(out, r)
	}
	return out
}

func openFile(t testing.TB, dir string, opts Options) *Sink {
	t.Helper()
	s, err := Open(context.Background(), "file://"+filepath.ToSlash(dir), opts, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func write(t testing.TB, s *Sink, batch []*kgo.Record) {
	t.Helper()
	if err := s.Write(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
}

// objectNames are the table's object names (without dt), sorted.
func objectNames(t testing.TB, s *Sink) []string {
	t.Helper()
	keys, err := s.store.List(context.Background(), Table+"/")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		out = append(out, k[strings.LastIndexByte(k, '/')+1:])
	}
	slices.Sort(out)
	return out
}

// wantOffsets checks the store holds exactly offsets first..last of
// partition 0, once each.
func wantOffsets(t testing.TB, s *Sink, first, last int64) {
	t.Helper()
	snap, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(snap)) != last-first+1 {
		t.Fatalf("%d rows stored, want %d (offsets %d-%d); objects %v", len(snap), last-first+1, first, last, objectNames(t, s))
	}
	for off := first; off <= last; off++ {
		if _, ok := snap[transaction(int(off)).GetEventId()]; !ok {
			t.Fatalf("offset %d is not stored; objects %v", off, objectNames(t, s))
		}
	}
}

const topic = "core.transactions.v1"

// TestReplayWithOtherBoundaries: the runner's redelivery after a crash
// between write and commit starts at the committed offset, with batch
// boundaries of its own. Whatever they are, the store holds each row once.
func TestReplayWithOtherBoundaries(t *testing.T) {
	t.Run("LongerAttemptThenShorterBatches", func(t *testing.T) {
		s := openFile(t, t.TempDir(), Options{})
		write(t, s, partitionRecords(topic, 0, 100, 199)) // written, not committed
		write(t, s, partitionRecords(topic, 0, 100, 150)) // the replay
		write(t, s, partitionRecords(topic, 0, 151, 260))
		wantOffsets(t, s, 100, 260)
		// The attempt holds 100-199 already: the replay adds only the rest.
		if got, want := objectNames(t, s), []string{topic + "-0-100-199.parquet", topic + "-0-200-260.parquet"}; !slices.Equal(got, want) {
			t.Fatalf("objects %v, want %v", got, want)
		}
	})
	t.Run("ShorterAttemptIsReplaced", func(t *testing.T) {
		s := openFile(t, t.TempDir(), Options{})
		write(t, s, partitionRecords(topic, 0, 100, 150))
		write(t, s, partitionRecords(topic, 0, 100, 199))
		wantOffsets(t, s, 100, 199)
		if got, want := objectNames(t, s), []string{topic + "-0-100-199.parquet"}; !slices.Equal(got, want) {
			t.Fatalf("objects %v, want %v", got, want)
		}
	})
	t.Run("RestartedProcess", func(t *testing.T) {
		// The replay runs in a new process, which knows the store only by
		// listing it.
		dir := t.TempDir()
		write(t, openFile(t, dir, Options{}), partitionRecords(topic, 0, 100, 150))
		s := openFile(t, dir, Options{})
		write(t, s, partitionRecords(topic, 0, 100, 199))
		write(t, s, partitionRecords(topic, 0, 200, 260))
		wantOffsets(t, s, 100, 260)
		if got, want := objectNames(t, s), []string{topic + "-0-100-199.parquet", topic + "-0-200-260.parquet"}; !slices.Equal(got, want) {
			t.Fatalf("objects %v, want %v", got, want)
		}
	})
	t.Run("AttemptByAnotherProcess", func(t *testing.T) {
		// This sink wrote 0-99 and still believes it owns the partition;
		// meanwhile another process wrote 100-180 and died uncommitted.
		// The redelivery continues where this sink stopped.
		dir := t.TempDir()
		s := openFile(t, dir, Options{})
		write(t, s, partitionRecords(topic, 0, 0, 99))
		write(t, openFile(t, dir, Options{}), partitionRecords(topic, 0, 100, 180))
		write(t, s, partitionRecords(topic, 0, 100, 150))
		write(t, s, partitionRecords(topic, 0, 151, 199))
		wantOffsets(t, s, 0, 199)
	})
	t.Run("SecondGroupReplaysEverything", func(t *testing.T) {
		s := openFile(t, t.TempDir(), Options{})
		for _, r := range [][2]int64{{0, 99}, {100, 199}, {200, 299}} {
			write(t, s, partitionRecords(topic, 0, r[0], r[1]))
		}
		// Another group, other boundaries, then a third with yet others.
		for _, r := range [][2]int64{{0, 57}, {58, 157}, {158, 240}, {241, 299}, {0, 299}, {0, 10}, {11, 150}, {151, 299}} {
			write(t, s, partitionRecords(topic, 0, r[0], r[1]))
			if _, err := s.Snapshot(context.Background()); err != nil {
				t.Fatalf("after %v: %v", r, err)
			}
		}
		wantOffsets(t, s, 0, 299)
	})
}

// TestSameBatchTwiceRewritesTheSameObject: a redelivery with the same
// boundaries puts the same keys with the same bytes.
func TestSameBatchTwiceRewritesTheSameObject(t *testing.T) {
	s := openFile(t, t.TempDir(), Options{})
	batch := append(partitionRecords(topic, 0, 0, 49), partitionRecords(topic, 2, 7, 30)...)
	write(t, s, batch)
	before := objectNames(t, s)
	data := map[string][]byte{}
	keys, _ := s.store.List(context.Background(), Table+"/")
	for _, k := range keys {
		data[k], _ = s.store.Get(context.Background(), k)
	}
	write(t, s, batch)
	if after := objectNames(t, s); !slices.Equal(before, after) || len(after) != 2 {
		t.Fatalf("objects %v, then %v; want the same 2", before, after)
	}
	for k, b := range data {
		again, err := s.store.Get(context.Background(), k)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%s changed on rewrite (%v)", k, err)
		}
	}
}

// TestLayout: one object per partition per batch, dated by its first
// record, with the table's columns, zstd, UTC microsecond timestamps and
// the range in its metadata.
func TestLayout(t *testing.T) {
	s := openFile(t, t.TempDir(), Options{})
	// Partition 1 starts at a record of another day than partition 0's.
	batch := append(partitionRecords(topic, 0, 0, 9), partitionRecords(topic, 1, 20, 29)...)
	batch[0], batch[1] = batch[1], batch[0]
	batch[0].Offset, batch[1].Offset = 0, 1 // record 1 at offset 0
	write(t, s, batch)
	keys, _ := s.store.List(context.Background(), Table+"/")
	slices.Sort(keys)
	want := []string{
		"transactions/dt=2026-01-03/core.transactions.v1-0-0-9.parquet", // record 1: 2026-01-03 15:00
		"transactions/dt=2026-01-08/core.transactions.v1-1-20-29.parquet",
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	data, err := s.store.Get(context.Background(), want[1])
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range f.Schema().Fields() {
		names = append(names, c.Name())
	}
	if !slices.Equal(names, Columns) {
		t.Fatalf("columns %v, want %v", names, Columns)
	}
	for _, c := range f.Metadata().RowGroups[0].Columns {
		if got := c.MetaData.Codec.String(); got != "ZSTD" {
			t.Fatalf("column %v compressed with %s", c.MetaData.PathInSchema, got)
		}
	}
	occ, _ := f.Schema().Lookup("occurred_at")
	if lt := occ.Node.Type().LogicalType(); lt == nil || lt.String() != "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)" {
		t.Fatalf("occurred_at has logical type %v, want UTC microsecond timestamp", lt)
	}
	for k, v := range map[string]string{"fintra.topic": topic, "fintra.partition": "1", "fintra.first_offset": "20", "fintra.last_offset": "29"} {
		if got, _ := f.Lookup(k); got != v {
			t.Fatalf("metadata %s = %q, want %q", k, got, v)
		}
	}
	rows, err := ReadRows(data)
	if err != nil {
		t.Fatal(err)
	}
	at := transaction(20)
	r := rows[0]
	if len(rows) != 10 || r.EventID != at.GetEventId() || r.AmountMinor != at.GetTransaction().GetAmountMinor() ||
		r.Currency != at.GetTransaction().GetCurrency() || !r.OccurredAt.Equal(at.GetOccurredAt().AsTime()) ||
		r.Type != "transaction_created" || r.Status != "posted" || *r.MCC != at.GetTransaction().GetMcc() ||
		*r.BalancePostedMinor != at.GetBalanceAfter().GetPostedMinor() || r.Sequence != int64(at.GetSequence()) || r.Score != nil || r.Merchant != "" || r.Category != "" {
		t.Fatalf("%d rows, first %+v", len(rows), r)
	}
}

// TestMaxRowsPerObject splits a partition batch into consecutive ranges.
func TestMaxRowsPerObject(t *testing.T) {
	s := openFile(t, t.TempDir(), Options{MaxRowsPerObject: 30})
	write(t, s, partitionRecords(topic, 0, 0, 99))
	want := []string{topic + "-0-0-29.parquet", topic + "-0-30-59.parquet", topic + "-0-60-89.parquet", topic + "-0-90-99.parquet"}
	if got := objectNames(t, s); !slices.Equal(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	write(t, s, partitionRecords(topic, 0, 0, 99))
	wantOffsets(t, s, 0, 99)
}

// TestRejectsWhatCannotBeDecoded: bad records come back in a
// RejectedError, the rest of the batch is written.
func TestRejectsWhatCannotBeDecoded(t *testing.T) {
	s := openFile(t, t.TempDir(), Options{})
	batch := partitionRecords(topic, 0, 0, 9)
	noAccount := transaction(10)
	noAccount.AccountId = ""
	badCurrency := transaction(11)
	badCurrency.Transaction.Currency = "eur"
	bad := []*kgo.Record{
		{Topic: topic, Offset: 10, Value: []byte("not protobuf")},
		sinktest.Record(topic, noAccount, ""),
		sinktest.Record(topic, badCurrency, ""),
		{Topic: "unknown.v1", Offset: 7, Value: batch[0].Value},
	}
	bad[1].Offset, bad[2].Offset = 11, 12
	batch = append(batch, bad...)
	err := s.Write(context.Background(), batch)
	var rejected *sinks.RejectedError
	if !errors.As(err, &rejected) {
		t.Fatalf("Write returned %v, want a RejectedError", err)
	}
	if len(rejected.Records) != len(bad) {
		t.Fatalf("%d records rejected, want %d: %v", len(rejected.Records), len(bad), err)
	}
	for i, r := range rejected.Records {
		if r.Record != bad[i] || r.Reason == nil {
			t.Fatalf("rejected[%d] = %+v, want record %d with a reason", i, r, i)
		}
	}
	wantOffsets(t, s, 0, 9)
	// The rejected offsets still count in the range.
	if got := objectNames(t, s); !slices.Equal(got, []string{topic + "-0-0-12.parquet"}) {
		t.Fatalf("objects %v", got)
	}
}

func TestOpenURLs(t *testing.T) {
	for _, u := range []string{"", "/tmp/x", "file://relative", "s3://", "gs://bucket"} {
		if _, err := Open(context.Background(), u, Options{}, quiet()); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
	if _, err := Open(context.Background(), "file://"+t.TempDir(), Options{MaxRowsPerObject: -1}, quiet()); err == nil {
		t.Error("a negative MaxRowsPerObject was accepted")
	}
	for key, ok := range map[string]bool{
		"transactions/dt=2026-01-03/core.transactions.v1-0-0-9.parquet": true,
		"transactions/dt=2026-01-03/a-b-c-12-100-100.parquet":           true,
		"transactions/dt=2026-01-03/x-0-9-1.parquet":                    false,
		"transactions/dt=2026-01-03/x-0-9.parquet":                      false,
		"transactions/dt=2026-01-03/.tmp-123":                           false,
		"other/dt=2026-01-03/x-0-0-9.parquet":                           false,
	} {
		if _, _, got := parseKey(key); got != ok {
			t.Errorf("parseKey(%q) ok = %v", key, got)
		}
	}
	tp, o, _ := parseKey("transactions/dt=2026-01-03/a-b-c-12-100-101.parquet")
	if tp.topic != "a-b-c" || tp.partition != 12 || o.first != 100 || o.last != 101 {
		t.Errorf("parsed %v %v", tp, o)
	}
}

// sinktestDir is the base of the conformance suite's stores on file://:
// fixed, because the crash check's child process opens the same store.
var sinktestDir = filepath.Join(os.TempDir(), "fintra-lake-sinktest")

func TestConformanceFile(t *testing.T) {
	sinktest.Run(t, sinktest.Suite{
		NewSink: func(t testing.TB, name string) (sinks.Sink, sinktest.Store) {
			dir := filepath.Join(sinktestDir, name)
			s := openFile(t, dir, Options{Topic: "sinktest.v1", Stage: string(schemas.TopicCoreTransactions)})
			if os.Getenv("FINTRA_SINKTEST_CHILD") == "" {
				t.Cleanup(func() { _ = os.RemoveAll(dir) })
			}
			return s, s
		},
		Records: transactionRecords,
	})
}

// BenchmarkWrite writes batches of 5000 transactions (the runner's default
// batch) over 3 partitions to a local directory and reports rows per
// second.
func BenchmarkWrite(b *testing.B) {
	benchmarkWrite(b, openFile(b, b.TempDir(), Options{}))
}

func benchmarkWrite(b *testing.B, s *Sink) {
	const size = 5000
	var written int
	next := int64(0)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		batch := make([]*kgo.Record, 0, size)
		for p := range int32(3) {
			batch = append(batch, partitionRecords(topic, p, next, next+size/3)...)
		}
		next += size/3 + 1
		b.StartTimer()
		write(b, s, batch)
		written += len(batch)
	}
	b.ReportMetric(float64(written)/b.Elapsed().Seconds(), "rows/s")
}

// TestScoredRow: from guard.scores.v1 the merchant, category and score of
// the later stages fill their columns; a score outside [0, 1] is refused.
func TestScoredRow(t *testing.T) {
	at := sinktest.NewLedger().Next()
	st := &fintrav1.ScoredTransaction{
		Enriched: &fintrav1.EnrichedTransaction{Accepted: at,
			Merchant: &fintrav1.Merchant{EntityId: "lidl", Name: "Lidl", Method: fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
			Category: &fintrav1.Category{Primary: "FOOD_AND_DRINK", Detailed: "FOOD_AND_DRINK_GROCERIES"}},
		Score: &fintrav1.Score{Score: 0.25, Decision: fintrav1.Decision_DECISION_APPROVE, ModelVersion: "synthetic-1"},
	}
	v, err := proto.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	r, err := decodeTransaction(string(schemas.TopicGuardScores), v)
	if err != nil {
		t.Fatal(err)
	}
	if r.Merchant != "Lidl" || r.MerchantEntityID != "lidl" || r.Category != "FOOD_AND_DRINK_GROCERIES" || r.Score == nil || *r.Score != 0.25 ||
		r.Decision != "approve" || r.ModelVersion != "synthetic-1" || r.AmountMinor != at.GetTransaction().GetAmountMinor() {
		t.Fatalf("row %+v", r)
	}
	st.Score.Score = -0.1
	v, _ = proto.Marshal(st)
	if _, err := decodeTransaction(string(schemas.TopicGuardScores), v); err == nil || !strings.Contains(err.Error(), "not a probability") {
		t.Fatalf("score -0.1: %v", err)
	}
	if _, err := decodeTransaction(string(schemas.TopicCoreEvents), v); err == nil {
		t.Fatal("core.events.v1 decoded as transactions")
	}
}
