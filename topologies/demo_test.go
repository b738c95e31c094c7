package topologies

import (
	"context"
	"testing"

	"github.com/fintraos/fintra/internal/synth"
)

// TestIntegrationDemoSummaryAddsUp runs the demo's own code path and
// checks its summary against the topics and an independent expectation.
func TestIntegrationDemoSummaryAddsUp(t *testing.T) {
	cfg := DemoConfig{Events: 2000, Seed: 5, DuplicateRatio: 0.02, InvalidRatio: 0.01}
	s, err := Demo(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := expect(t, generate(t, synth.Config{Events: cfg.Events, Seed: cfg.Seed, DuplicateRatio: cfg.DuplicateRatio, InvalidRatio: cfg.InvalidRatio}))
	if s.Produced != 2000 || s.Accepted+s.Duplicates+s.DLQ != s.Produced {
		t.Fatalf("produced %d accepted %d duplicates %d dlq %d", s.Produced, s.Accepted, s.Duplicates, s.DLQ)
	}
	if s.Accepted != int64(len(e.accepted)) || s.DLQ != int64(len(e.invalid)) {
		t.Errorf("accepted %d dlq %d, want %d %d", s.Accepted, s.DLQ, len(e.accepted), len(e.invalid))
	}
	if s.Topics["core.transactions.v1"] != s.Accepted || s.Topics["connect.dlq.v1"] != s.DLQ || s.Topics["connect.raw.v1"] != s.Produced {
		t.Errorf("topic counts %v disagree with the summary", s.Topics)
	}
	posted, pending := map[string]int64{}, map[string]int64{}
	for k, v := range e.posted {
		posted[k[1]] += v
	}
	for k, v := range e.pending {
		pending[k[1]] += v
	}
	for cur, want := range posted {
		if s.PostedMinorByCurrency[cur] != want || s.PendingMinorByCurrency[cur] != pending[cur] {
			t.Errorf("%s: ledger posted %d pending %d, want %d %d", cur, s.PostedMinorByCurrency[cur], s.PendingMinorByCurrency[cur], want, pending[cur])
		}
	}
	var reasons int64
	for _, n := range s.DLQReasons {
		reasons += n
	}
	if reasons != s.DLQ {
		t.Errorf("dead-letter reasons count %d, want %d", reasons, s.DLQ)
	}
}
