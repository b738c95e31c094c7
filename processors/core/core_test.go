package core_test

import (
	"testing"
	"time"

	"github.com/lovoo/goka/tester"
	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/core"
	"github.com/fintraos/fintra/processors/processortest"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// startCore runs the processor through the same constructor `fintra run`
// uses, on goka's in-memory tester.
func startCore(t *testing.T) (*tester.Tester, *telemetry.Metrics) {
	t.Helper()
	tt := tester.New(t)
	metrics := telemetry.New()
	clock := func() time.Time { return time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC) }
	processortest.Run(t, tt, core.Graph(core.Deps{Metrics: metrics, Clock: clock}))
	return tt, metrics
}

func event(id string, amount int64, status fintrav1.TransactionStatus) *fintrav1.Event {
	typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
	return &fintrav1.Event{
		EventId: schemas.EventID("fintra-json", "acc-1", id, typ), AccountId: "acc-1", Type: typ,
		Payload: &fintrav1.Event_Created{Created: &fintrav1.TransactionCreated{Transaction: &fintrav1.Transaction{
			AccountId: "acc-1", SourceTransactionId: id, AmountMinor: amount, Currency: "EUR", Status: status,
		}}},
	}
}

func consume(t *testing.T, tt *tester.Tester, key string, ev *fintrav1.Event) {
	t.Helper()
	b, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	tt.Consume(string(schemas.TopicCoreEvents), key, b)
}

func TestCoreAcceptsDeduplicatesAndKeepsBalance(t *testing.T) {
	tt, metrics := startCore(t)
	out := tt.NewQueueTracker(string(schemas.TopicCoreTransactions))
	dlq := tt.NewQueueTracker(string(schemas.TopicCoreDLQ))

	consume(t, tt, "acc-1", event("t1", -1250, fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED))
	consume(t, tt, "acc-1", event("t2", 250000, fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED))
	consume(t, tt, "acc-1", event("t1", -1250, fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED)) // redelivery

	var balances []int64
	for {
		key, v, ok := out.Next()
		if !ok {
			break
		}
		if key != "acc-1" {
			t.Errorf("emitted under key %q", key)
		}
		balances = append(balances, v.(*fintrav1.AcceptedTransaction).GetBalanceAfter().GetPostedMinor())
	}
	if len(balances) != 2 || balances[0] != -1250 || balances[1] != 248750 {
		t.Fatalf("balances after each accepted transaction: %v, want [-1250 248750]", balances)
	}
	if _, _, ok := dlq.Next(); ok {
		t.Error("nothing should be dead-lettered")
	}
	st := tt.TableValue(core.Table, "acc-1").(*fintrav1.LedgerState)
	if st.GetDuplicates() != 1 || st.GetSequence() != 2 {
		t.Errorf("state duplicates %d sequence %d, want 1 and 2", st.GetDuplicates(), st.GetSequence())
	}
	if n := metrics.Stage("core").Duplicates.Load(); n != 1 {
		t.Errorf("duplicates metric %d, want 1", n)
	}
}

func TestCoreDeadLettersWhatItCannotApply(t *testing.T) {
	tt, _ := startCore(t)
	dlq := tt.NewQueueTracker(string(schemas.TopicCoreDLQ))

	tt.Consume(string(schemas.TopicCoreEvents), "acc-1", []byte("\xff\xffnot protobuf"))
	consume(t, tt, "acc-2", event("t1", 100, fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED)) // wrong key
	rm := &fintrav1.Event{EventId: schemas.EventID("fintra-json", "acc-1", "nope", fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED), AccountId: "acc-1",
		Payload: &fintrav1.Event_Removed{Removed: &fintrav1.TransactionRemoved{AccountId: "acc-1", SourceTransactionId: "nope"}}}
	consume(t, tt, "acc-1", rm)

	var n int
	for {
		_, v, ok := dlq.Next()
		if !ok {
			break
		}
		n++
		if len(v.([]byte)) == 0 {
			t.Errorf("dead letter %d lost its bytes", n)
		}
	}
	if n != 3 {
		t.Fatalf("%d dead letters, want 3", n)
	}
}
