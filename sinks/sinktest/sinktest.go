// Package sinktest is the conformance suite every sink passes: it checks,
// against the sink's real store, the claims the runner relies on.
//
//   - Idempotence: replaying the same offsets twice leaves the store
//     unchanged.
//   - Crash safety: a process killed (SIGKILL) between a durable write and
//     its commit has the batch redelivered on restart, and the store holds
//     no duplicate.
//   - Durability before commit: while the store fails, no offset is
//     committed; once it recovers, everything is written exactly once.
//
// A sink's test calls Run with a factory for its sink and a reader of its
// store. The crash check re-executes the test binary as a child process
// (the os/exec helper-process pattern), so Run must be called from a
// top-level test function.
package sinktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/sinks"
)

// Store reads back what a sink wrote: a canonical form of the store's
// content, one entry per stored item, that two runs can be compared by.
type Store interface {
	Snapshot(ctx context.Context) (map[string]string, error)
}

// Suite describes the sink under test.
type Suite struct {
	// NewSink opens the sink on the store called name (a table, key
	// prefix or directory), creating it empty if it does not exist and
	// keeping its content if it does: the crash check opens the same store
	// in the killed child and in the restarted runner. The suite never
	// reuses a name across runs.
	NewSink func(t testing.TB, name string) (sinks.Sink, Store)
	// Records builds the n records of the topic the sink consumes
	// (realistic values: the sink decodes them).
	Records func(topic string, n int) []*kgo.Record
	// Topic is the topic name to feed. Default "sinktest.v1".
	Topic string
}

const (
	childEnv   = "FINTRA_SINKTEST_CHILD"
	brokersEnv = "FINTRA_SINKTEST_BROKERS"
	markerEnv  = "FINTRA_SINKTEST_MARKER"
	storeEnv   = "FINTRA_SINKTEST_STORE"
	records    = 600
	// sessionTimeout is the broker's minimum: the killed child's partitions
	// move to the restarted runner after it, not after franz-go's 45s.
	sessionTimeout = 6 * time.Second
)

// Run runs every check. Call it from a top-level test function.
func Run(t *testing.T, s Suite) {
	if s.Topic == "" {
		s.Topic = "sinktest.v1"
	}
	if os.Getenv(childEnv) == t.Name() {
		crashChild(t, s)
		return
	}
	t.Run("ReplayTwiceLeavesStoreUnchanged", func(t *testing.T) { replayTwice(t, s) })
	t.Run("CrashBetweenWriteAndCommit", func(t *testing.T) { crashBetweenWriteAndCommit(t, s) })
	t.Run("NothingCommittedBeforeDurable", func(t *testing.T) { nothingCommittedBeforeDurable(t, s) })
}

type broker struct {
	cluster *kfake.Cluster
	brokers []string
}

func startBroker(t testing.TB, s Suite) *broker {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, s.Topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &broker{cluster: c, brokers: c.ListenAddrs()}
}

func (b *broker) produce(t testing.TB, recs []*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// committed sums the group's committed offsets on the topic.
func (b *broker) committed(t testing.TB, group, topic string) int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), group)
	if err != nil {
		return 0
	}
	var sum int64
	offs.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil {
			sum += o.At
		}
	})
	return sum
}

// storeName is unique per check and run, so no store is ever shared by two.
func storeName(check string) string {
	return fmt.Sprintf("%s_%d_%d", check, os.Getpid(), time.Now().UnixNano())
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// runUntilCommitted runs a runner until the group committed want records.
func runUntilCommitted(t testing.TB, b *broker, s Suite, sink sinks.Sink, group string, want int64) {
	t.Helper()
	r, err := sinks.NewRunner(sinks.Config{Brokers: b.brokers, Topics: []string{s.Topic}, Group: group, MaxBatchRecords: 100,
		MaxBatchWait: 20 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		SessionTimeout: sessionTimeout, Log: quiet()}, sink)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	deadline := time.Now().Add(time.Minute)
	for b.committed(t, group, s.Topic) < want {
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("group %s committed %d of %d records within a minute", group, b.committed(t, group, s.Topic), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func snapshot(t testing.TB, st Store) map[string]string {
	t.Helper()
	snap, err := st.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func sameSnapshots(t testing.TB, what string, a, b map[string]string) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d items, then %d", what, len(a), len(b))
	}
	for k, v := range a {
		if b[k] != v {
			t.Fatalf("%s: item %s was %q, now %q", what, k, v, b[k])
		}
	}
}

func replayTwice(t *testing.T, s Suite) {
	b := startBroker(t, s)
	sink, store := s.NewSink(t, storeName("replay"))
	defer sink.Close()
	b.produce(t, s.Records(s.Topic, records))
	runUntilCommitted(t, b, s, sink, "replay-1", records)
	first := snapshot(t, store)
	if len(first) == 0 {
		t.Fatal("the sink stored nothing")
	}
	// A second group replays the same offsets from the start.
	runUntilCommitted(t, b, s, sink, "replay-2", records)
	sameSnapshots(t, "after replaying every offset", first, snapshot(t, store))
}

// crashingSink marks the first durable write, then blocks so that the
// parent kills the process before the runner commits.
type crashingSink struct {
	sinks.Sink
	marker string
	once   atomic.Bool
}

func (c *crashingSink) Write(ctx context.Context, batch []*kgo.Record) error {
	if err := c.Sink.Write(ctx, batch); err != nil {
		return err
	}
	if c.once.CompareAndSwap(false, true) {
		if err := os.WriteFile(c.marker, []byte(strconv.Itoa(len(batch))), 0o644); err != nil {
			return err
		}
		select {} // killed here, between the durable write and the commit
	}
	return nil
}

func crashChild(t *testing.T, s Suite) {
	sink, _ := s.NewSink(t, os.Getenv(storeEnv))
	r, err := sinks.NewRunner(sinks.Config{Brokers: []string{os.Getenv(brokersEnv)}, Topics: []string{s.Topic}, Group: "crash",
		MaxBatchRecords: 100, MaxBatchWait: 20 * time.Millisecond, SessionTimeout: sessionTimeout, Log: quiet()}, &crashingSink{Sink: sink, marker: os.Getenv(markerEnv)})
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Run(context.Background())
}

func crashBetweenWriteAndCommit(t *testing.T, s Suite) {
	b := startBroker(t, s)
	b.produce(t, s.Records(s.Topic, records))
	marker := t.TempDir() + "/wrote"
	store := storeName("crash")
	parent := t.Name()[:len(t.Name())-len("/CrashBetweenWriteAndCommit")]
	cmd := exec.Command(os.Args[0], "-test.run=^"+parent+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+parent, brokersEnv+"="+b.brokers[0], markerEnv+"="+marker, storeEnv+"="+store)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the child never wrote a batch")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if got := b.committed(t, "crash", s.Topic); got != 0 {
		t.Fatalf("the killed runner had committed %d offsets before its write returned", got)
	}
	// The restarted runner opens the store the child wrote to: the batch
	// that was written but not committed comes again.
	sink, st := s.NewSink(t, store)
	defer sink.Close()
	if len(snapshot(t, st)) == 0 {
		t.Fatal("the child's durable write is not in the store")
	}
	runUntilCommitted(t, b, s, sink, "crash", records)
	after := snapshot(t, st)

	// The reference: the same records written once, without a crash.
	refSink, refStore := s.NewSink(t, storeName("crash-reference"))
	defer refSink.Close()
	runUntilCommitted(t, b, s, refSink, "crash-reference", records)
	sameSnapshots(t, "after a crash between write and commit, compared with a clean run", snapshot(t, refStore), after)
}

// failingSink fails its first writes, as a store that is down for a while.
type failingSink struct {
	sinks.Sink
	failures atomic.Int32
	during   func()
}

func (f *failingSink) Write(ctx context.Context, batch []*kgo.Record) error {
	if f.failures.Add(-1) >= 0 {
		f.during()
		return errors.New("sinktest: store unavailable")
	}
	return f.Sink.Write(ctx, batch)
}

func nothingCommittedBeforeDurable(t *testing.T, s Suite) {
	b := startBroker(t, s)
	b.produce(t, s.Records(s.Topic, records))
	sink, store := s.NewSink(t, storeName("outage"))
	defer sink.Close()
	var committedDuringOutage atomic.Int64
	f := &failingSink{Sink: sink, during: func() {
		committedDuringOutage.Store(max(committedDuringOutage.Load(), b.committed(t, "outage", s.Topic)))
	}}
	f.failures.Store(5)
	runUntilCommitted(t, b, s, f, "outage", records)
	if n := committedDuringOutage.Load(); n != 0 {
		t.Fatalf("%d offsets were committed while the store was failing", n)
	}
	refSink, refStore := s.NewSink(t, storeName("outage-reference"))
	defer refSink.Close()
	runUntilCommitted(t, b, s, refSink, "outage-reference", records)
	sameSnapshots(t, fmt.Sprintf("after an outage of %d writes, compared with a clean run", 5), snapshot(t, refStore), snapshot(t, store))
}
