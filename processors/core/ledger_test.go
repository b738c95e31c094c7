package core

import (
	"errors"
	"testing"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

const acct = "acc-1"

func created(id string, amount int64, currency string, status fintrav1.TransactionStatus) *fintrav1.Event {
	typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
	return &fintrav1.Event{
		EventId: schemas.EventID("test", acct, id, typ), AccountId: acct, Type: typ,
		Payload: &fintrav1.Event_Created{Created: &fintrav1.TransactionCreated{Transaction: &fintrav1.Transaction{
			AccountId: acct, SourceTransactionId: id, AmountMinor: amount, Currency: currency, Status: status,
		}}},
	}
}

func posting(id, pendingID string, amount int64, currency string) *fintrav1.Event {
	typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED
	return &fintrav1.Event{
		EventId: schemas.EventID("test", acct, id, typ), AccountId: acct, Type: typ,
		Payload: &fintrav1.Event_Updated{Updated: &fintrav1.TransactionUpdated{
			Reason: fintrav1.UpdateReason_UPDATE_REASON_POSTED, SupersedesSourceTransactionId: pendingID,
			Transaction: &fintrav1.Transaction{AccountId: acct, SourceTransactionId: id, AmountMinor: amount, Currency: currency, Status: posted},
		}},
	}
}

func correction(id string, revision int64, amount int64, currency string) *fintrav1.Event {
	typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED
	return &fintrav1.Event{
		EventId: schemas.EventID("test", acct, id+"#r"+string(rune('0'+revision)), typ), AccountId: acct, Type: typ,
		Payload: &fintrav1.Event_Updated{Updated: &fintrav1.TransactionUpdated{
			Reason: fintrav1.UpdateReason_UPDATE_REASON_CORRECTION, SupersedesSourceTransactionId: id,
			Transaction: &fintrav1.Transaction{AccountId: acct, SourceTransactionId: id, AmountMinor: amount, Currency: currency, Status: posted, Revision: revision},
		}},
	}
}

func removed(id string) *fintrav1.Event {
	typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED
	return &fintrav1.Event{
		EventId: schemas.EventID("test", acct, id, typ), AccountId: acct, Type: typ,
		Payload: &fintrav1.Event_Removed{Removed: &fintrav1.TransactionRemoved{AccountId: acct, SourceTransactionId: id}},
	}
}

const (
	pending = fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING
	posted  = fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED
)

type want struct {
	outcome         Outcome
	posted, pending int64 // EUR balance after
}

func TestApplyLifecycle(t *testing.T) {
	tests := []struct {
		name   string
		events []*fintrav1.Event
		want   []want
	}{
		{"posted purchase", []*fintrav1.Event{created("t1", -1250, "EUR", posted)},
			[]want{{Accepted, -1250, 0}}},
		{"redelivery is a duplicate", []*fintrav1.Event{created("t1", -1250, "EUR", posted), created("t1", -1250, "EUR", posted)},
			[]want{{Accepted, -1250, 0}, {Duplicate, -1250, 0}}},
		{"pending then posted with a tip", []*fintrav1.Event{created("p1", -2000, "EUR", pending), posting("t1", "p1", -2300, "EUR")},
			[]want{{Accepted, 0, -2000}, {Accepted, -2300, 0}}},
		{"posting before its pending", []*fintrav1.Event{posting("t1", "p1", -2300, "EUR"), created("p1", -2000, "EUR", pending)},
			[]want{{Accepted, -2300, 0}, {Accepted, -2300, 0}}},
		{"expired pending removed", []*fintrav1.Event{created("p1", -2000, "EUR", pending), removed("p1"), removed("p1")},
			[]want{{Accepted, 0, -2000}, {Accepted, 0, 0}, {Duplicate, 0, 0}}},
		{"removal of posted refunds it", []*fintrav1.Event{created("t1", -500, "EUR", posted), removed("t1")},
			[]want{{Accepted, -500, 0}, {Accepted, 0, 0}}},
		{"removal of unknown is rejected", []*fintrav1.Event{created("t1", 100, "EUR", posted), removed("t9")},
			[]want{{Accepted, 100, 0}, {Rejected, 100, 0}}},
		{"correction adjusts by the difference", []*fintrav1.Event{created("t1", -500, "EUR", posted), correction("t1", 1, -550, "EUR")},
			[]want{{Accepted, -500, 0}, {Accepted, -550, 0}}},
		{"correction of unknown is rejected", []*fintrav1.Event{correction("t1", 1, -550, "EUR")},
			[]want{{Rejected, 0, 0}}},
		{"posting superseding removed pending stands alone", []*fintrav1.Event{created("p1", -2000, "EUR", pending), removed("p1"), posting("t1", "p1", -2000, "EUR")},
			[]want{{Accepted, 0, -2000}, {Accepted, 0, 0}, {Accepted, -2000, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := &fintrav1.LedgerState{}
			for i, ev := range tt.events {
				_, outcome, err := apply(state, ev, Limits{})
				if outcome != tt.want[i].outcome {
					t.Fatalf("event %d: outcome %v (err %v), want %v", i, outcome, err, tt.want[i].outcome)
				}
				if outcome == Rejected && !errors.Is(err, ErrLifecycle) {
					t.Errorf("event %d: rejection %v is not a lifecycle error", i, err)
				}
				b := findBalance(state, "EUR")
				var gotPosted, gotPending int64
				if b != nil {
					gotPosted, gotPending = b.PostedMinor, b.PendingMinor
				}
				if gotPosted != tt.want[i].posted || gotPending != tt.want[i].pending {
					t.Errorf("event %d: EUR posted %d pending %d, want %d %d", i, gotPosted, gotPending, tt.want[i].posted, tt.want[i].pending)
				}
			}
		})
	}
}

func TestApplyKeepsCurrenciesApart(t *testing.T) {
	state := &fintrav1.LedgerState{}
	for _, ev := range []*fintrav1.Event{created("a", 1000, "USD", posted), created("b", 700, "JPY", posted), created("c", -5250, "BHD", posted)} {
		if _, o, err := apply(state, ev, Limits{}); o != Accepted {
			t.Fatalf("%v %v", o, err)
		}
	}
	got := map[string]int64{}
	for _, b := range state.Balances {
		got[b.Currency] = b.PostedMinor
	}
	if got["USD"] != 1000 || got["JPY"] != 700 || got["BHD"] != -5250 || len(got) != 3 {
		t.Fatalf("balances %v", got)
	}
	if state.Balances[0].Currency != "BHD" {
		t.Errorf("balances not sorted by currency: %v", state.Balances)
	}
}

func TestApplyAcceptedCarriesBalanceAndDelta(t *testing.T) {
	state := &fintrav1.LedgerState{}
	apply(state, created("p1", -2000, "EUR", pending), Limits{})
	out, _, _ := apply(state, posting("t1", "p1", -2300, "EUR"), Limits{})
	if out.DeltaPostedMinor != -2300 || out.DeltaPendingMinor != 2000 {
		t.Errorf("delta posted %d pending %d, want -2300 2000", out.DeltaPostedMinor, out.DeltaPendingMinor)
	}
	if out.BalanceAfter.GetPostedMinor() != -2300 || out.BalanceAfter.GetPendingMinor() != 0 {
		t.Errorf("balance after %v", out.BalanceAfter)
	}
	if out.Sequence != 2 {
		t.Errorf("sequence %d, want 2", out.Sequence)
	}
}

func TestApplyRefusesOverflow(t *testing.T) {
	state := &fintrav1.LedgerState{}
	apply(state, created("a", 1<<62, "USD", posted), Limits{})
	apply(state, created("b", 1<<62-1, "USD", posted), Limits{})
	_, o, err := apply(state, created("c", 2, "USD", posted), Limits{})
	if o != Rejected || !errors.Is(err, ErrOverflow) {
		t.Fatalf("outcome %v err %v, want an overflow rejection", o, err)
	}
	if b := findBalance(state, "USD"); b.PostedMinor != 1<<62+1<<62-1 {
		t.Errorf("balance changed by a rejected event: %d", b.PostedMinor)
	}
}

func TestDedupWindowAndEvictionAreBounded(t *testing.T) {
	limits := Limits{DedupWindow: 8, SettledWindow: 8}
	state := &fintrav1.LedgerState{}
	for i := range 100 {
		if _, o, err := apply(state, created(string(rune('A'+i%26))+string(rune('a'+i/26)), 1, "EUR", posted), limits); o != Accepted {
			t.Fatalf("event %d: %v %v", i, o, err)
		}
	}
	if n := len(state.RecentEventIds) / idLen; n != 8 {
		t.Errorf("dedup window holds %d ids, want 8", n)
	}
	if n := len(state.Settled) / settledLen; n != 8 || len(state.Transactions) != 0 {
		t.Errorf("ledger holds %d settled and %d open transactions, want 8 and 0", n, len(state.Transactions))
	}
	if b := findBalance(state, "EUR"); b.PostedMinor != 100 {
		t.Errorf("posted %d, want 100", b.PostedMinor)
	}
	// The first transaction left both windows: a redelivery now counts again.
	// That is the documented bound of the window.
	_, o, _ := apply(state, created("Aa", 1, "EUR", posted), limits)
	if o != Accepted {
		t.Errorf("a redelivery older than both windows: %v", o)
	}
}

func FuzzApplyNeverPanics(f *testing.F) {
	f.Add("t1", int64(-100), "EUR", uint8(0), "p1")
	f.Fuzz(func(t *testing.T, id string, amount int64, currency string, kind uint8, other string) {
		state := &fintrav1.LedgerState{}
		evs := []*fintrav1.Event{created(other, amount, currency, pending)}
		switch kind % 4 {
		case 0:
			evs = append(evs, created(id, amount, currency, posted))
		case 1:
			evs = append(evs, posting(id, other, amount, currency))
		case 2:
			evs = append(evs, removed(id))
		case 3:
			evs = append(evs, correction(other, 1, amount, currency))
		}
		for _, ev := range evs {
			apply(state, ev, Limits{})
		}
	})
}
