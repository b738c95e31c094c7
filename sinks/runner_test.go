package sinks_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/sinks"
	"github.com/fintraos/fintra/sinks/sinktest"
)

// fileSink stores each record as one file named by its topic, partition
// and offset, written to a temporary name, synced and renamed, so that a
// rewrite of the same record replaces it atomically: the smallest store
// that is idempotent and durable by construction. It is what the runner's
// own tests run against; the real sinks run the same suite against their
// servers.
type fileSink struct {
	dir    string
	reject func(*kgo.Record) error
}

func (f *fileSink) Name() string { return "file" }
func (f *fileSink) Close() error { return nil }

func (f *fileSink) Write(_ context.Context, batch []*kgo.Record) error {
	var rejected sinks.RejectedError
	for _, r := range batch {
		if f.reject != nil {
			if err := f.reject(r); err != nil {
				rejected.Records = append(rejected.Records, sinks.Rejected{Record: r, Reason: err})
				continue
			}
		}
		name := filepath.Join(f.dir, fmt.Sprintf("%s-%d-%d", r.Topic, r.Partition, r.Offset))
		tmp, err := os.CreateTemp(f.dir, ".tmp-*")
		if err != nil {
			return err
		}
		if _, err := tmp.Write(r.Value); err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Sync(); err != nil {
			tmp.Close()
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), name); err != nil {
			return err
		}
	}
	if len(rejected.Records) > 0 {
		return &rejected
	}
	return nil
}

func (f *fileSink) Snapshot(context.Context) (map[string]string, error) {
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(f.dir, e.Name()))
		if err != nil {
			return nil, err
		}
		// The offsets differ between the reference and the replayed run's
		// store only in name, never in content: key by content.
		out[string(b)] = e.Name()[:strings.LastIndexByte(e.Name(), '-')]
	}
	return out, nil
}

func records(topic string, n int) []*kgo.Record {
	out := make([]*kgo.Record, n)
	for i := range out {
		out[i] = &kgo.Record{Topic: topic, Key: []byte(fmt.Sprintf("acc-%03d", i%37)), Value: []byte(fmt.Sprintf(`{"n":%d}`, i))}
	}
	return out
}

func TestFileSinkConformance(t *testing.T) {
	sinktest.Run(t, sinktest.Suite{
		NewSink: func(t testing.TB, name string) (sinks.Sink, sinktest.Store) {
			dir := filepath.Join(os.TempDir(), "fintra-sinktest", name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if os.Getenv("FINTRA_SINKTEST_CHILD") == "" {
				t.Cleanup(func() { os.RemoveAll(dir) })
			}
			s := &fileSink{dir: dir}
			return s, s
		},
		Records: records,
	})
}

// TestRunnerDeadLettersWhatTheSinkRejects checks the DLQ path: a record the
// sink can never write is dead-lettered with its bytes and reason, the
// others are written, and everything is committed.
func TestRunnerDeadLettersWhatTheSinkRejects(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "in.v1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := records("in.v1", 50)
	recs[7].Value = []byte("poison")
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	sink := &fileSink{dir: t.TempDir(), reject: func(r *kgo.Record) error {
		if string(r.Value) == "poison" {
			return fmt.Errorf("value is not JSON")
		}
		return nil
	}}
	r, err := sinks.NewRunner(sinks.Config{Brokers: c.ListenAddrs(), Topics: []string{"in.v1"}, MaxBatchWait: 10 * time.Millisecond}, sink)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	dlq, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(sinks.DLQTopic("file")), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer dlq.Close()
	pollCtx, pollCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer pollCancel()
	var dead []*kgo.Record
	for len(dead) == 0 && pollCtx.Err() == nil {
		dead = append(dead, dlq.PollFetches(pollCtx).Records()...)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || string(dead[0].Value) != "poison" {
		t.Fatalf("dead letters: %v", dead)
	}
	h := map[string]string{}
	for _, x := range dead[0].Headers {
		h[x.Key] = string(x.Value)
	}
	if h["fintra-error"] != "value is not JSON" || h["fintra-stage"] != "sink-file" || !strings.HasPrefix(h["fintra-origin"], "in.v1/") {
		t.Errorf("headers %v", h)
	}
	snap, _ := sink.Snapshot(context.Background())
	if len(snap) != 49 {
		t.Errorf("%d records written, want 49", len(snap))
	}
}
