package sinktest

import (
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// AccountKey is an account and one of its currencies.
type AccountKey struct{ Account, Currency string }

type testAccount struct {
	id         string
	currencies []string
}

// testAccounts cover currencies with 0 (JPY), 2 (EUR, USD) and 3 (BHD)
// decimals.
var testAccounts = []testAccount{
	{"acc-alice", []string{"EUR"}},
	{"acc-bob", []string{"USD", "EUR"}},
	{"acc-chiyo", []string{"JPY"}},
	{"acc-dana", []string{"BHD", "USD"}},
	{"acc-emre", []string{"EUR", "JPY", "BHD"}},
}

var merchants = []struct{ name, mcc string }{
	{"Blue Bottle Coffee", "5814"}, {"Lidl", "5411"}, {"Shell", "5541"}, {"Amazon", "5942"}, {"Deutsche Bahn", "4112"},
}

// Ledger builds realistic accepted transactions (the values of
// core.transactions.v1) for the sinks' tests: per account an increasing
// sequence, per account and currency the running balance after each.
type Ledger struct {
	// Start is the first transaction's event time; Step the time between
	// two. Defaults 2026-01-03 09:00 UTC and six hours, so a few hundred
	// transactions span months.
	Start time.Time
	Step  time.Duration
	// Balances is the posted balance per account and currency so far.
	Balances map[AccountKey]int64

	seq map[string]uint64
	n   int
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{Start: time.Date(2026, 1, 3, 9, 0, 0, 0, time.UTC), Step: 6 * time.Hour, Balances: map[AccountKey]int64{}, seq: map[string]uint64{}}
}

// Next is the ledger's next accepted transaction.
func (l *Ledger) Next() *fintrav1.AcceptedTransaction {
	i := l.n
	l.n++
	a := testAccounts[i%len(testAccounts)]
	cur := a.currencies[(i/len(testAccounts))%len(a.currencies)]
	m := merchants[i%len(merchants)]
	amount := -int64(100 + (i*7919)%90000) // money out
	if i%11 == 0 {
		amount = 250000 + int64(i) // salary, refund: money in
	}
	if cur == "JPY" {
		amount /= 10
	}
	l.seq[a.id]++
	k := AccountKey{a.id, cur}
	l.Balances[k] += amount
	occurred := l.Start.Add(time.Duration(i) * l.Step)
	srcID := fmt.Sprintf("tx-%06d", i)
	return &fintrav1.AcceptedTransaction{
		EventId:   schemas.EventID("fintra-json", a.id, srcID, fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED),
		AccountId: a.id,
		Type:      fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED,
		Transaction: &fintrav1.Transaction{
			AccountId: a.id, Source: "fintra-json", SourceAccountId: a.id, SourceTransactionId: srcID,
			AmountMinor: amount, Currency: cur, Status: fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED,
			OccurredAt: timestamppb.New(occurred), PostedAt: timestamppb.New(occurred.Add(time.Hour)),
			Description: strings.ToUpper(m.name) + " 1234", MerchantName: m.name, Mcc: m.mcc, Country: "DE",
		},
		DeltaPostedMinor: amount,
		BalanceAfter:     &fintrav1.Balance{Currency: cur, PostedMinor: l.Balances[k]},
		OccurredAt:       timestamppb.New(occurred),
		IngestedAt:       timestamppb.New(occurred.Add(2 * time.Hour)),
		AcceptedAt:       timestamppb.New(occurred.Add(2*time.Hour + time.Second)),
		Sequence:         l.seq[a.id],
	}
}

// Record encodes m as a record of topic.
func Record(topic string, m proto.Message, key string) *kgo.Record {
	v, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return &kgo.Record{Topic: topic, Key: []byte(key), Value: v}
}

// TransactionRecords are the first n transactions of a new ledger as
// records of topic, keyed by account (a Suite's Records).
func TransactionRecords(topic string, n int) []*kgo.Record {
	l := NewLedger()
	out := make([]*kgo.Record, n)
	for i := range out {
		at := l.Next()
		out[i] = Record(topic, at, at.GetAccountId())
	}
	return out
}
