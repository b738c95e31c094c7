package topologies

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/internal/murmur2"
)

// TestIntegrationPartitioningAgrees proves that a franz-go producer, the
// goka emitter and the goka processors put the same key on the same
// partition (murmur2 everywhere), and that a goka view finds every key
// written through franz-go.
func TestIntegrationPartitioningAgrees(t *testing.T) {
	h := newHarness(t)
	const (
		n          = 2000
		partitions = 12
		viaFranz   = "partitioning.franz.v1"
		viaGoka    = "partitioning.goka.v1"
		group      = goka.Group("partitioning")
	)
	table := string(goka.GroupTable(group))
	cl, adm, err := Admin(h.brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	for _, topic := range []string{viaFranz, viaGoka} {
		if _, err := adm.CreateTopic(ctx, partitions, 1, nil, topic); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := adm.CreateTopic(ctx, partitions, 1, map[string]*string{"cleanup.policy": ptr("compact")}, table); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("acc-%06d", i)
	}

	// franz-go with its default partitioner, writing both the stream and
	// the table directly.
	prod, err := kgo.NewClient(kgo.SeedBrokers(h.brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	franzPartition := map[string]int32{}
	var recs []*kgo.Record
	for _, k := range keys {
		recs = append(recs, &kgo.Record{Topic: viaFranz, Key: []byte(k), Value: []byte(k)}, &kgo.Record{Topic: table, Key: []byte(k), Value: []byte("v-" + k)})
	}
	results := prod.ProduceSync(ctx, recs...)
	if err := results.FirstErr(); err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Record.Topic == viaFranz {
			franzPartition[string(r.Record.Key)] = r.Record.Partition
		}
	}

	// The goka emitter with the runtime's options.
	eopts, err := Runtime{Brokers: h.brokers}.EmitterOptions()
	if err != nil {
		t.Fatal(err)
	}
	em, err := goka.NewEmitter(h.brokers, viaGoka, new(codec.String), eopts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := em.EmitSync(k, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := em.Finish(); err != nil {
		t.Fatal(err)
	}
	gokaPartition := map[string]int32{}
	for _, r := range readTopic(t, h.brokers, viaGoka) {
		gokaPartition[string(r.Key)] = r.Partition
	}

	var mismatches int
	for _, k := range keys {
		want := murmur2.Partition([]byte(k), partitions)
		if franzPartition[k] != want || gokaPartition[k] != want {
			mismatches++
			if mismatches < 5 {
				t.Errorf("key %s: franz-go partition %d, goka emitter %d, murmur2 %d", k, franzPartition[k], gokaPartition[k], want)
			}
		}
	}
	if mismatches > 0 {
		t.Fatalf("%d of %d keys on different partitions", mismatches, n)
	}

	// A goka processor consuming the franz-go stream sees each key on the
	// partition its own hasher computes, and can read the franz-go-written
	// table row of the same key from its own partition.
	var mu sync.Mutex
	var seen, wrongPartition, missing int
	popts, err := Runtime{Brokers: h.brokers}.ProcessorOptions(group)
	if err != nil {
		t.Fatal(err)
	}
	proc, err := goka.NewProcessor(h.brokers, goka.DefineGroup(group,
		goka.Input(viaFranz, new(codec.String), func(ctx goka.Context, msg any) {
			mu.Lock()
			defer mu.Unlock()
			seen++
			if ctx.Partition() != murmur2.Partition([]byte(ctx.Key()), partitions) {
				wrongPartition++
			}
			if v, _ := ctx.Value().(string); v != "v-"+ctx.Key() {
				missing++
			}
		}),
		goka.Persist(new(codec.String)),
	), popts...)
	if err != nil {
		t.Fatal(err)
	}
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- proc.Run(pctx) }()
	waitFor(t, "the processor to see every key", time.Minute, func() bool { mu.Lock(); defer mu.Unlock(); return seen >= n })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if wrongPartition > 0 || missing > 0 {
		t.Fatalf("goka processor: %d keys on a partition its hasher disagrees with, %d table rows written by franz-go not found", wrongPartition, missing)
	}

	// A goka view (lookup from outside a processor) finds every key
	// written through franz-go.
	vopts, err := Runtime{Brokers: h.brokers}.ViewOptions()
	if err != nil {
		t.Fatal(err)
	}
	view, err := goka.NewView(h.brokers, goka.Table(table), new(codec.String), vopts...)
	if err != nil {
		t.Fatal(err)
	}
	stop, err := RunView(ctx, view)
	if err != nil {
		t.Fatal(err)
	}
	var found int
	for _, k := range keys {
		if v, err := view.Get(k); err == nil && v == "v-"+k {
			found++
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("view: %v", err)
	}
	if found != n {
		t.Fatalf("view found %d of %d keys written through franz-go", found, n)
	}
}
