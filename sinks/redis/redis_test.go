package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/processors/views"
	"github.com/fintraos/fintra/sinks"
	"github.com/fintraos/fintra/sinks/sinktest"
)

// redisURL is the test server's URL (sinktest.Server: skip without one,
// fail under CI).
func redisURL(t testing.TB) string { return sinktest.Server(t, "FINTRA_REDIS_URL") }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// openSink opens the sink on its own key prefix, whose keys are deleted
// when the test ends (except in the conformance suite's crash child, whose
// store the parent reopens).
func openSink(t testing.TB, name string, opts Options) *Sink {
	t.Helper()
	url := redisURL(t)
	opts.KeyPrefix = "fintra:test:" + name + ":"
	s, err := Open(context.Background(), url, quiet(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("FINTRA_SINKTEST_CHILD") == "" {
		// The suite closes its sinks itself: clean up on a client of our own.
		t.Cleanup(func() {
			s.Close()
			c, err := Open(context.Background(), url, quiet(), opts)
			if err != nil {
				t.Errorf("clean up %s: %v", opts.KeyPrefix, err)
				return
			}
			defer c.Close()
			keys, err := c.keys(context.Background())
			if err == nil && len(keys) > 0 {
				err = c.client.Del(context.Background(), keys...).Err()
			}
			if err != nil {
				t.Errorf("clean up %s: %v", opts.KeyPrefix, err)
			}
		})
	}
	return s
}

func testName(t testing.TB) string {
	return fmt.Sprintf("%s_%d", strings.NewReplacer("/", "_", "Integration", "").Replace(t.Name()), time.Now().UnixNano()%1e9)
}

func (s *Sink) keys(ctx context.Context) ([]string, error) {
	var out []string
	iter := s.client.Scan(ctx, 0, s.opts.KeyPrefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		out = append(out, iter.Val())
	}
	return out, iter.Err()
}

// Snapshot is every view under the sink's prefix (SCAN, then GET each),
// keyed by account id, so that stores under two prefixes compare (the
// conformance suite's Store).
func (s *Sink) Snapshot(ctx context.Context) (map[string]string, error) {
	keys, err := s.keys(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, k := range keys {
		v, err := s.client.Get(ctx, k).Result()
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", k, err)
		}
		out[strings.TrimPrefix(k, s.opts.KeyPrefix)] = v
	}
	return out, nil
}

var accounts = []string{"acc-alice", "acc-bob", "acc-chiyo", "acc-dana", "acc-emre"}

// viewOf is a realistic view: version v of an account with a posted
// balance, a few transactions and this month's spend.
func viewOf(account string, version uint64, balance int64) *views.View {
	at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(version) * time.Hour)
	v := &views.View{AccountID: account, Version: version, Sequence: version,
		Balances:    []views.Balance{{Currency: "EUR", AmountMinor: balance}, {Currency: "JPY", AmountMinor: -1200, PendingMinor: -300}},
		MonthToDate: views.MonthToDate{Month: "2026-02", SpendMinor: map[string]map[string]int64{"EUR": {views.Uncategorized: -balance}}},
		UpdatedAt:   at.Add(time.Second)}
	for i := range min(int(version), views.MaxTransactions) {
		v.Transactions = append(v.Transactions, views.Transaction{EventID: fmt.Sprintf("ev-%s-%d", account, int(version)-i),
			Source: "fintra-json", SourceTransactionID: fmt.Sprintf("tx-%d", int(version)-i), OccurredAt: at.Add(-time.Duration(i) * time.Hour),
			AmountMinor: -100, Currency: "EUR", Status: "posted", Description: "LIDL 1234", MerchantName: "Lidl", MCC: "5411"})
	}
	return v
}

func record(topic string, v *views.View) *kgo.Record {
	b, err := views.Codec{}.Encode(v)
	if err != nil {
		panic(err)
	}
	return &kgo.Record{Topic: topic, Key: []byte(v.AccountID), Value: b}
}

// viewRecords is a changelog: each account's views with rising versions.
func viewRecords(topic string, n int) []*kgo.Record {
	out := make([]*kgo.Record, n)
	for i := range out {
		version := uint64(i/len(accounts) + 1)
		out[i] = record(topic, viewOf(accounts[i%len(accounts)], version, -100*int64(version)))
	}
	return out
}

func TestIntegrationConformance(t *testing.T) {
	redisURL(t) // skip before the crash check starts a child that would
	sinktest.Run(t, sinktest.Suite{
		NewSink: func(t testing.TB, name string) (sinks.Sink, sinktest.Store) {
			s := openSink(t, name, Options{Topic: "sinktest.v1"})
			return s, s
		},
		Records: viewRecords,
	})
}

func write(t testing.TB, s *Sink, batch ...*kgo.Record) {
	t.Helper()
	if err := s.Write(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
}

func stored(t testing.TB, s *Sink, account string) *views.View {
	t.Helper()
	b, err := s.client.Get(context.Background(), s.Key(account)).Bytes()
	if err != nil {
		t.Fatalf("get %s: %v", s.Key(account), err)
	}
	v, err := views.Codec{}.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return v.(*views.View)
}

// TestIntegrationOlderVersionNeverOverwrites: a view is never replaced by
// an older one, across batches and within one.
func TestIntegrationOlderVersionNeverOverwrites(t *testing.T) {
	s := openSink(t, testName(t), Options{})
	topic := string(views.Table)
	write(t, s, record(topic, viewOf("acc-alice", 5, -500)))
	write(t, s, record(topic, viewOf("acc-alice", 3, -300)))
	if v := stored(t, s, "acc-alice"); v.Version != 5 || v.Balances[0].AmountMinor != -500 {
		t.Fatalf("stored version %d balance %d, want 5 and -500", v.Version, v.Balances[0].AmountMinor)
	}
	write(t, s, record(topic, viewOf("acc-alice", 9, -900)), record(topic, viewOf("acc-alice", 7, -700)))
	if v := stored(t, s, "acc-alice"); v.Version != 9 {
		t.Fatalf("stored version %d, want 9", v.Version)
	}
	// The stored bytes are the record's: the sink does not re-encode.
	want := record(topic, viewOf("acc-alice", 9, -900)).Value
	if got, _ := s.client.Get(context.Background(), s.Key("acc-alice")).Bytes(); string(got) != string(want) {
		t.Fatalf("stored %s\nwant   %s", got, want)
	}
}

// TestIntegrationTombstoneDeletes: a tombstone deletes the view whatever
// its version, and the account's next view (whose version starts again
// at 1) is written.
func TestIntegrationTombstoneDeletes(t *testing.T) {
	s := openSink(t, testName(t), Options{})
	topic := string(views.Table)
	write(t, s, record(topic, viewOf("acc-bob", 5, -500)), record(topic, viewOf("acc-dana", 2, -200)))
	write(t, s, &kgo.Record{Topic: topic, Key: []byte("acc-bob")})
	if n, err := s.client.Exists(context.Background(), s.Key("acc-bob")).Result(); err != nil || n != 0 {
		t.Fatalf("after the tombstone: exists %d, %v", n, err)
	}
	write(t, s, record(topic, viewOf("acc-bob", 1, -100)))
	if v := stored(t, s, "acc-bob"); v.Version != 1 {
		t.Fatalf("version %d after the delete, want 1", v.Version)
	}
	// In one batch: the view, its tombstone, the next life's first view.
	write(t, s, record(topic, viewOf("acc-dana", 3, -300)), &kgo.Record{Topic: topic, Key: []byte("acc-dana")}, record(topic, viewOf("acc-dana", 1, -10)))
	if v := stored(t, s, "acc-dana"); v.Version != 1 || v.Balances[0].AmountMinor != -10 {
		t.Fatalf("version %d balance %d, want 1 and -10", v.Version, v.Balances[0].AmountMinor)
	}
}

// TestIntegrationRejectsWhatCannotBeDecoded: bad records come back in a
// RejectedError, the rest of the batch is written.
func TestIntegrationRejectsWhatCannotBeDecoded(t *testing.T) {
	s := openSink(t, testName(t), Options{})
	topic := string(views.Table)
	good := viewRecords(topic, 10)
	noVersion := viewOf("acc-x", 1, 0)
	noVersion.Version = 0
	wrongKey := record(topic, viewOf("acc-y", 1, 0))
	wrongKey.Key = []byte("acc-z")
	bad := []*kgo.Record{
		{Topic: topic, Key: []byte("acc-1"), Value: []byte("not json")},
		record(topic, noVersion),
		wrongKey,
		{Topic: topic, Key: []byte("acc-1"), Value: []byte(`{"account_id":"acc-1","version":3}`)},
		{Topic: topic}, // a tombstone without a key
		{Topic: "unknown.v1", Value: good[0].Value},
	}
	batch := append(append(good[:4:4], bad...), good[4:]...)
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
	snap, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(snap) != len(accounts) {
		t.Fatalf("%d views stored, want %d", len(snap), len(accounts))
	}
}

// TestIntegrationScriptReloaded: after the server lost its scripts the
// batch is written with EVAL and the script is loaded again.
func TestIntegrationScriptReloaded(t *testing.T) {
	s := openSink(t, testName(t), Options{})
	topic := string(views.Table)
	write(t, s, record(topic, viewOf("acc-emre", 2, -200)))
	// As if the server had lost it (a restart, SCRIPT FLUSH), without
	// flushing the scripts of whoever else uses the server: a script the
	// server has never seen.
	s.script = goredis.NewScript(setIfNewer + "-- " + testName(t) + "\n")
	write(t, s, record(topic, viewOf("acc-emre", 4, -400)), record(topic, viewOf("acc-chiyo", 1, -100)))
	if v := stored(t, s, "acc-emre"); v.Version != 4 {
		t.Fatalf("version %d, want 4", v.Version)
	}
	if ok, err := s.script.Exists(context.Background(), s.client).Result(); err != nil || !ok[0] {
		t.Fatalf("script loaded again: %v, %v", ok, err)
	}
}

// TestIntegrationJSONShape: the Redis value has the balances array apps read.
func TestIntegrationJSONShape(t *testing.T) {
	s := openSink(t, testName(t), Options{})
	write(t, s, record(string(views.Table), viewOf("acc-alice", 1, -100)))
	b, err := s.client.Get(context.Background(), s.Key("acc-alice")).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Balances []map[string]any `json:"balances"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Balances) != 2 || doc.Balances[0]["currency"] != "EUR" || doc.Balances[0]["amount_minor"] != float64(-100) {
		t.Fatalf("balances %v", doc.Balances)
	}
}

func TestOptions(t *testing.T) {
	o := Options{}
	o.setDefaults()
	if o.Topic != "views-table" || o.KeyPrefix != "fintra:view:account:" || o.Validate() != nil {
		t.Fatalf("defaults %+v: %v", o, o.Validate())
	}
	err := Options{KeyPrefix: "a*b c"}.Validate()
	if err == nil || !strings.Contains(err.Error(), "glob") || !strings.Contains(err.Error(), "white space") {
		t.Fatalf("Validate: %v, want both problems", err)
	}
}

// BenchmarkIntegrationWrite writes batches of 5000 views (the runner's
// default batch) of 5000 accounts, each updated once per batch (so every
// view is one EVALSHA: the worst case, nothing collapses), each view with
// 20 transactions, and reports views per second.
func BenchmarkIntegrationWrite(b *testing.B) {
	s := openSink(b, testName(b), Options{})
	topic := string(views.Table)
	const size, accounts = 5000, 5000
	templates := make([]*views.View, accounts)
	for i := range templates {
		templates[i] = viewOf(fmt.Sprintf("acc-%04d", i), 20, -2000)
	}
	var written, version int
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		batch := make([]*kgo.Record, size)
		for j := range batch {
			if j%accounts == 0 {
				version++
			}
			v := *templates[j%accounts]
			v.Version = uint64(version)
			batch[j] = record(topic, &v)
		}
		b.StartTimer()
		write(b, s, batch...)
		written += size
	}
	b.ReportMetric(float64(written)/b.Elapsed().Seconds(), "views/s")
}
