package benchmarks

import (
	"testing"
	"time"
)

func TestPayloadKeyAndViewSequence(t *testing.T) {
	payload := []byte(`{"account_id":"acc-000006","transaction_id":"tx-000006-1","type":"created"}`)
	if got := payloadKey("acc-000006", payload); got != "acc-000006/tx-000006-1" {
		t.Errorf("payloadKey = %q", got)
	}
	if got := payloadKey("a", []byte(`{"account_id":"a"}`)); got != "" {
		t.Errorf("payload without a transaction id: %q", got)
	}
	seq, ok := viewSequence([]byte(`{"account_id":"acc-1","version":7,"sequence":42,"balances":[]}`))
	if !ok || seq != 42 {
		t.Errorf("viewSequence = %d, %v", seq, ok)
	}
	if _, ok := viewSequence([]byte(`{"account_id":"acc-1"}`)); ok {
		t.Error("a view without a sequence was read")
	}
}

func TestTrackerMatchesScoresAndViewsInEitherOrder(t *testing.T) {
	tr := newTracker()
	phase := tr.addPhase()
	t0 := time.Unix(1000, 0)
	tr.sentPayload("a/tx-1", t0, phase)
	tr.sentPayload("a/tx-1", t0.Add(time.Second), phase) // its posting, same id
	tr.sentPayload("b/tx-2", t0, -1)                     // warm-up: not measured

	tr.score("a/tx-1", "a", 1, t0.Add(10*time.Millisecond))
	tr.view("a", 1, t0.Add(15*time.Millisecond))
	// The view of the second arrives before its score.
	tr.view("a", 2, t0.Add(time.Second+30*time.Millisecond))
	tr.score("a/tx-1", "a", 2, t0.Add(time.Second+20*time.Millisecond))
	tr.score("b/tx-2", "b", 1, t0.Add(time.Millisecond))
	tr.score("c/none", "c", 1, t0)

	scores, views := tr.latencies(phase)
	if scores.Count != 2 || views.Count != 2 {
		t.Fatalf("matched %d scores, %d views; want 2 and 2", scores.Count, views.Count)
	}
	if scores.Max < 19.9 || scores.Max > 20.1 || views.Max < 29.9 || views.Max > 30.1 {
		t.Errorf("score max %.2f ms (want 20), view max %.2f ms (want 30)", scores.Max, views.Max)
	}
	if tr.unmatched != 1 {
		t.Errorf("unmatched %d, want 1", tr.unmatched)
	}
	if len(tr.sent) != 0 {
		t.Errorf("sent entries left: %v", tr.sent)
	}
}
