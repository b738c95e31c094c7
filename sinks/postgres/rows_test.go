package postgres

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
	"github.com/fintraos/fintra/sinks/sinktest"
)

func TestEnumName(t *testing.T) {
	for e, want := range map[interface{ String() string }]string{
		fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED:      "posted",
		fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED:         "transaction_created",
		fintrav1.TransactionStatus_TRANSACTION_STATUS_UNSPECIFIED: "unspecified",
		fintrav1.TransactionStatus(42):                            "42",
	} {
		var got string
		switch e := e.(type) {
		case fintrav1.TransactionStatus:
			got = enumName(e)
		case fintrav1.EventType:
			got = enumName(e)
		}
		if got != want {
			t.Errorf("enumName(%v) = %q, want %q", e, got, want)
		}
	}
}

func TestPartitionDDL(t *testing.T) {
	m := monthOf(time.Date(2026, 12, 31, 23, 59, 0, 0, time.FixedZone("x", -3600)))
	got := m.partitionDDL("events")
	want := `CREATE TABLE IF NOT EXISTS "events_y2027m01" PARTITION OF events FOR VALUES FROM ('2027-01-01 00:00:00Z') TO ('2027-02-01 00:00:00Z')`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestDecodeRejects(t *testing.T) {
	good := sinktest.NewLedger().Next()
	for name, mutate := range map[string]func(*fintrav1.AcceptedTransaction){
		"no account":     func(m *fintrav1.AcceptedTransaction) { m.AccountId = "" },
		"bad event id":   func(m *fintrav1.AcceptedTransaction) { m.EventId = "42" },
		"no transaction": func(m *fintrav1.AcceptedTransaction) { m.Transaction = nil },
		"bad currency":   func(m *fintrav1.AcceptedTransaction) { m.Transaction.Currency = "euro" },
		"no time":        func(m *fintrav1.AcceptedTransaction) { m.OccurredAt, m.Transaction.OccurredAt = nil, nil },
		"NUL":            func(m *fintrav1.AcceptedTransaction) { m.Transaction.MerchantName = "a\x00b" },
	} {
		m := proto.Clone(good).(*fintrav1.AcceptedTransaction)
		mutate(m)
		v, _ := proto.Marshal(m)
		var r rows
		if err := r.addTransaction(string(schemas.TopicCoreTransactions), v); err == nil || !strings.HasPrefix(err.Error(), "postgres: ") {
			t.Errorf("%s: error %v", name, err)
		}
	}
	var r rows
	v, _ := proto.Marshal(good)
	if err := r.addTransaction(string(schemas.TopicCoreTransactions), v); err != nil || len(r.transactions) != 1 || len(r.accounts) != 1 {
		t.Fatalf("good record: %v, %d rows", err, len(r.transactions))
	}
	if err := r.addTransaction(string(schemas.TopicCoreTransactions), []byte("not protobuf")); err == nil {
		t.Fatal("text decoded as protobuf")
	}
}
