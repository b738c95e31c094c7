package lake

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/sinks"
	"github.com/fintraos/fintra/sinks/sinktest"
)

// s3URL is the test bucket's URL (sinktest.Server: skip without a server,
// fail under CI).
func s3URL(t testing.TB) string {
	t.Helper()
	sinktest.Server(t, "FINTRA_S3_ENDPOINT")
	if u := os.Getenv("FINTRA_S3_URL"); u != "" {
		return u
	}
	return "s3://fintra-lake"
}

// openS3 opens the sink on the prefix test/<name> of the test bucket,
// emptied when the test ends (except in the conformance suite's crash
// child, whose store the parent reopens).
func openS3(t testing.TB, name string, opts Options) *Sink {
	t.Helper()
	opts.Endpoint = os.Getenv("FINTRA_S3_ENDPOINT")
	opts.PathStyle = os.Getenv("FINTRA_S3_PATH_STYLE") == "true"
	s, err := Open(context.Background(), s3URL(t)+"/test/"+name, opts, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("FINTRA_SINKTEST_CHILD") == "" {
		t.Cleanup(func() {
			ctx := context.Background()
			keys, err := s.store.List(ctx, "")
			if err != nil {
				t.Errorf("empty test/%s: %v", name, err)
				return
			}
			for _, k := range keys {
				if err := s.store.Delete(ctx, k); err != nil {
					t.Errorf("empty test/%s: %v", name, err)
					return
				}
			}
		})
	}
	return s
}

func testName(t testing.TB) string { return fmt.Sprintf("%s_%d", t.Name(), time.Now().UnixNano()) }

func TestIntegrationConformanceS3(t *testing.T) {
	s3URL(t) // skip before the crash check starts a child that would
	sinktest.Run(t, sinktest.Suite{
		NewSink: func(t testing.TB, name string) (sinks.Sink, sinktest.Store) {
			s := openS3(t, name, Options{Topic: "sinktest.v1", Stage: string(schemas.TopicCoreTransactions)})
			return s, s
		},
		Records: transactionRecords,
	})
}

// TestIntegrationS3ReadBack writes a ledger out of order and replayed with
// other boundaries, reads it back with parquet-go's untyped reader, and
// replays the brief crash case.
func TestIntegrationS3ReadBack(t *testing.T) {
	s := openS3(t, testName(t), Options{})
	want := writeLedger(t, s, 1500)
	sameSums(t, "parquet-go generic reader on S3", genericSums(t, s), want)

	r := openS3(t, testName(t), Options{})
	write(t, r, partitionRecords(topic, 0, 100, 199))
	write(t, r, partitionRecords(topic, 0, 100, 150))
	write(t, r, partitionRecords(topic, 0, 151, 260))
	wantOffsets(t, r, 100, 260)
}

// TestIntegrationS3Multipart: an object above the threshold goes up in
// parts and comes back whole.
func TestIntegrationS3Multipart(t *testing.T) {
	s := openS3(t, testName(t), Options{})
	data := make([]byte, multipartThreshold+3<<20)
	_, _ = rand.Read(data)
	ctx := context.Background()
	if err := s.store.Put(ctx, "big/object", data); err != nil {
		t.Fatal(err)
	}
	got, err := s.store.Get(ctx, "big/object")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes back, wrote %d", len(got), len(data))
	}
}

// BenchmarkIntegrationWriteS3 is BenchmarkWrite against the S3 server.
func BenchmarkIntegrationWriteS3(b *testing.B) {
	benchmarkWrite(b, openS3(b, testName(b), Options{}))
}
