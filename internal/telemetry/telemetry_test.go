package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServeExportsStageMetrics(t *testing.T) {
	m := New()
	s := m.Stage("connect")
	s.In.Add(3)
	s.Out.Add(2)
	s.DLQ.Add(1)
	s.ObserveLatency(3 * time.Millisecond)
	m.Stage("core").Duplicates.Add(4)
	m.SetLag("core", "core.events.v1", 7)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, addr, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	var body string
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{
		`fintra_records_in_total{stage="connect"} 3`,
		`fintra_records_out_total{stage="connect"} 2`,
		`fintra_dlq_total{stage="connect"} 1`,
		`fintra_duplicates_total{stage="core"} 4`,
		`fintra_consumer_lag{group="core",topic="core.events.v1"} 7`,
		`fintra_e2e_latency_seconds_count{stage="connect"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("/healthz: %v %v", resp, err)
	}
}

func TestStageIsCreatedOnce(t *testing.T) {
	m := New()
	first, second := m.Stage("a"), m.Stage("a")
	if first != second {
		t.Fatal("two stages for one name")
	}
	if got := len(m.Stages()); got != 1 {
		t.Fatalf("%d stages", got)
	}
}
