package serve

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/processors/views"
	"github.com/fintraos/fintra/topologies"
)

// TestGokaStoreEmbeddedBroker serves views-table through a goka view on an
// embedded broker. The views are written with franz-go's default
// partitioner (murmur2), which the view, built with the runtime's options,
// must agree with to find them.
func TestGokaStoreEmbeddedBroker(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	brokers := cluster.ListenAddrs()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	table := string(views.Table)
	compact := "compact"
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, 6, 1, map[string]*string{"cleanup.policy": &compact}, table)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create %s: %v", table, err)
	}

	fx := withRaw(t, fixtures(t))
	var recs []*kgo.Record
	for _, f := range fx {
		// An older version first: the view keeps the last record of a key.
		recs = append(recs,
			&kgo.Record{Topic: table, Key: []byte(f.account), Value: viewOf(t, f.account, f.version-1, 1)},
			&kgo.Record{Topic: table, Key: []byte(f.account), Value: f.raw})
	}
	// A deleted account: its view, then a tombstone.
	recs = append(recs,
		&kgo.Record{Topic: table, Key: []byte("acc-unknown"), Value: viewOf(t, "acc-unknown", 3, 1)},
		&kgo.Record{Topic: table, Key: []byte("acc-unknown")})
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	opts, err := topologies.Runtime{Brokers: brokers}.ViewOptions()
	if err != nil {
		t.Fatal(err)
	}
	view, err := NewGokaView(brokers, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var stop func() error
	// Registered before the HTTP server, so it runs after the server has
	// closed (cleanups run last first): no request reads a stopped view.
	t.Cleanup(func() {
		if stop == nil {
			return
		}
		if err := stop(); err != nil {
			t.Errorf("view: %v", err)
		}
	})
	base := startServer(t, NewGokaStore(view))

	// Before the view runs, it has loaded nothing: 503, not 404.
	wantError(t, "view not running", get(t, base+"/v1/accounts/acc-alice"), http.StatusServiceUnavailable, "still loading")
	wantError(t, "healthz before running", get(t, base+"/healthz"), http.StatusServiceUnavailable, "not ready")

	if stop, err = topologies.RunView(ctx, view); err != nil {
		t.Fatal(err)
	}
	checkAPI(t, base, fx)
}
