package postgres

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/sinks"
	"github.com/fintraos/fintra/sinks/sinktest"
)

// TestIntegrationStoreOutageIsWaitedOut takes PostgreSQL away from a
// running sink (a proxy in between is cut, the shared server keeps
// running), sees the runner retry while its lag grows, restores the
// connection, and checks that the end state is exact: every record once.
func TestIntegrationStoreOutageIsWaitedOut(t *testing.T) {
	raw := pgURL(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	proxy := sinktest.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	schema := testSchema(t)
	s, err := Open(context.Background(), u.String(), quiet(), Options{Schema: schema, TransactionsTopic: "outage.v1", TransactionsStage: string(schemas.TopicCoreTransactions)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), raw)
		if err == nil {
			conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
			conn.Close(context.Background())
		}
	})

	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "outage.v1"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := sinktest.TransactionRecords("outage.v1", 3000)
	produce := func(part []*kgo.Record) {
		if err := cl.ProduceSync(context.Background(), part...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	committed := func() int64 {
		offs, err := kadm.NewClient(cl).FetchOffsets(context.Background(), "sink-postgres")
		if err != nil {
			return 0
		}
		var n int64
		offs.Each(func(o kadm.OffsetResponse) { n += o.At })
		return n
	}

	metrics := telemetry.New()
	r, err := sinks.NewRunner(sinks.Config{Brokers: cluster.ListenAddrs(), Topics: []string{"outage.v1"}, MaxBatchRecords: 200,
		MaxBatchWait: 20 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 300 * time.Millisecond, Metrics: metrics, Log: quiet()}, s)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for !cond() {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	produce(recs[:1000])
	wait("the first third", func() bool { return committed() >= 1000 })

	proxy.Cut()
	produce(recs[1000:])
	stage := metrics.Stage("sink-postgres")
	wait("failed attempts during the outage", func() bool { return stage.Errors.Load() >= 3 })
	if got := committed(); got >= 3000 {
		t.Fatalf("committed %d of 3000 while PostgreSQL was unreachable", got)
	}
	lagDuringOutage := 3000 - committed()
	proxy.Restore()
	wait("recovery", func() bool { return committed() >= 3000 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	snap, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var rows int
	for k := range snap {
		if len(k) > 13 && k[:13] == "transactions/" {
			rows++
		}
	}
	if rows != 3000 {
		t.Fatalf("%d transaction rows after the outage, want 3000", rows)
	}
	t.Logf("lag during the outage %d records, %d failed attempts, all 3000 rows once", lagDuringOutage, stage.Errors.Load())
}
