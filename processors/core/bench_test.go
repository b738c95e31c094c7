package core

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

// BenchmarkLedgerEvent measures what core does per event for an account
// whose windows are full: decode the state from the table, apply the event,
// encode the state back. goka's storage and Kafka I/O are not included.
func BenchmarkLedgerEvent(b *testing.B) {
	state := &fintrav1.LedgerState{}
	for i := range 1000 {
		apply(state, created(fmt.Sprintf("warm-%d", i), -100, "EUR", posted), Limits{})
	}
	stored, err := proto.Marshal(state)
	if err != nil {
		b.Fatal(err)
	}
	events := make([]*fintrav1.Event, b.N)
	for i := range events {
		events[i] = created(fmt.Sprintf("t-%d", i), -100, "EUR", posted)
	}
	b.ReportMetric(float64(len(stored)), "state-bytes")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := new(fintrav1.LedgerState)
		if err := proto.Unmarshal(stored, st); err != nil {
			b.Fatal(err)
		}
		if _, o, err := apply(st, events[i], Limits{}); o != Accepted {
			b.Fatal(o, err)
		}
		if stored, err = proto.Marshal(st); err != nil {
			b.Fatal(err)
		}
	}
}
