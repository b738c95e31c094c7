package fintrajson

import (
	"testing"
	"time"

	"github.com/fintraos/fintra/processors/connect/source"
)

// TestRemovalKeepsTheProducersEventTime: a removal is the same event, time
// included, however often it is ingested, when the producer dates it.
func TestRemovalKeepsTheProducersEventTime(t *testing.T) {
	payload := []byte(`{"account_id":"acc-1","transaction_id":"tx-9","type":"removed","occurred_at":"2026-01-08T10:00:00Z","reason":"authorization expired"}`)
	first, err := New().Parse(source.Payload{Bytes: payload, IngestedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	second, err := New().Parse(source.Payload{Bytes: payload, IngestedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 1, 8, 10, 0, 0, 0, time.UTC)
	if got := first[0].GetOccurredAt().AsTime(); !got.Equal(want) || !second[0].GetOccurredAt().AsTime().Equal(want) {
		t.Errorf("occurred_at %s and %s, want %s", got, second[0].GetOccurredAt().AsTime(), want)
	}
	undated, _ := New().Parse(source.Payload{Bytes: []byte(`{"account_id":"acc-1","transaction_id":"tx-9","type":"removed"}`), IngestedAt: want})
	if got := undated[0].GetOccurredAt().AsTime(); !got.Equal(want) {
		t.Errorf("an undated removal takes the ingestion time: %s", got)
	}
}
