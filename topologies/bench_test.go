package topologies

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/fintraos/fintra/internal/synth"
	"github.com/fintraos/fintra/internal/telemetry"
)

// BenchmarkConnectToCore measures the whole registered path on the
// embedded broker: payloads produced to connect.raw.v1 with acks=all, parsed
// by connect, applied by core with its state table, emitted to
// core.transactions.v1. One op is one payload; events/s is reported.
func BenchmarkConnectToCore(b *testing.B) {
	broker, err := StartEmbedded(EmbeddedConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer broker.Close()
	brokers := broker.Brokers()
	cl, adm, err := Admin(brokers)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	if _, err := Provision(context.Background(), adm, Catalog(CatalogConfig{})); err != nil {
		b.Fatal(err)
	}
	// The first warmup payloads start the processors (group join, state
	// recovery) and are not timed.
	const warmup = 200
	gen, err := synth.New(synth.Config{Events: b.N + warmup, Seed: 1, Accounts: 1000})
	if err != nil {
		b.Fatal(err)
	}
	payloads := make([]synth.Payload, 0, b.N+warmup)
	for {
		p, ok := gen.Next()
		if !ok {
			break
		}
		payloads = append(payloads, p)
	}
	m := telemetry.New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunConfig{Runtime: Runtime{Brokers: brokers}}, Deps{Metrics: m, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	in, err := NewIngest(brokers)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()

	for _, p := range payloads[:warmup] {
		in.Send(ctx, p.Key, p.Bytes, "fintra-json")
	}
	for !caughtUp(m, warmup) {
		time.Sleep(2 * time.Millisecond)
	}

	b.ResetTimer()
	start := time.Now()
	for _, p := range payloads[warmup:] {
		in.Send(ctx, p.Key, p.Bytes, "fintra-json")
	}
	if err := in.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	for !caughtUp(m, int64(len(payloads))) {
		time.Sleep(2 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
