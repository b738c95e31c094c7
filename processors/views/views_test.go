package views_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/processortest"
	"github.com/fintraos/fintra/processors/views"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

var now = time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)

// startViews runs the processor through the same constructor `fintra run`
// uses, on goka's in-memory tester.
func startViews(t *testing.T) (*tester.Tester, *telemetry.Metrics) {
	t.Helper()
	tt := tester.New(t)
	metrics := telemetry.New()
	processortest.Run(t, tt, views.Graph(views.Deps{Metrics: metrics, Clock: func() time.Time { return now }}))
	return tt, metrics
}

const (
	pending = fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING
	posted  = fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED
	removed = fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED
)

// account plays the ledger for one account: it numbers the transactions
// and keeps the balances core would put in balance_after.
type account struct {
	id       string
	seq      uint64
	balances map[string]*fintrav1.Balance
}

func newAccount(id string) *account {
	return &account{id: id, balances: map[string]*fintrav1.Balance{}}
}

// accept builds the AcceptedTransaction core emits for a transaction
// reaching status with the given deltas.
func (a *account) accept(srcID string, amount int64, cur string, status fintrav1.TransactionStatus, at time.Time, dPosted, dPending int64) *fintrav1.AcceptedTransaction {
	a.seq++
	b := a.balances[cur]
	if b == nil {
		b = &fintrav1.Balance{Currency: cur}
		a.balances[cur] = b
	}
	b.PostedMinor += dPosted
	b.PendingMinor += dPending
	typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
	return &fintrav1.AcceptedTransaction{
		EventId: schemas.EventID("fintra-json", a.id, fmt.Sprint(srcID, "/", a.seq), typ), AccountId: a.id, Type: typ,
		Transaction: &fintrav1.Transaction{AccountId: a.id, Source: "fintra-json", SourceTransactionId: srcID, AmountMinor: amount,
			Currency: cur, Status: status, OccurredAt: timestamppb.New(at), MerchantName: "Lidl", Mcc: "5411", Description: "LIDL 1234"},
		DeltaPostedMinor: dPosted, DeltaPendingMinor: dPending,
		BalanceAfter: proto.Clone(b).(*fintrav1.Balance),
		OccurredAt:   timestamppb.New(at), IngestedAt: timestamppb.New(at.Add(time.Minute)), Sequence: a.seq,
	}
}

func (a *account) posted(srcID string, amount int64, cur string, at time.Time) *fintrav1.AcceptedTransaction {
	return a.accept(srcID, amount, cur, posted, at, amount, 0)
}

// consume sends the transaction as guard emits it, with no enrichment and
// no score (what a topology without enrich and guard would give).
func consume(t *testing.T, tt *tester.Tester, at *fintrav1.AcceptedTransaction) {
	t.Helper()
	consumeScored(t, tt, &fintrav1.ScoredTransaction{Enriched: &fintrav1.EnrichedTransaction{Accepted: at}})
}

func scoredBytes(t *testing.T, at *fintrav1.AcceptedTransaction) []byte {
	t.Helper()
	b, err := proto.Marshal(&fintrav1.ScoredTransaction{Enriched: &fintrav1.EnrichedTransaction{Accepted: at}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func consumeScored(t *testing.T, tt *tester.Tester, st *fintrav1.ScoredTransaction) {
	t.Helper()
	b, err := proto.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	tt.Consume(string(schemas.TopicGuardScores), st.GetEnriched().GetAccepted().GetAccountId(), b)
}

func view(t *testing.T, tt *tester.Tester, key string) *views.View {
	t.Helper()
	v, _ := tt.TableValue(views.Table, key).(*views.View)
	if v == nil {
		t.Fatalf("no view for %s", key)
	}
	return v
}

func TestBalancesPerCurrency(t *testing.T) {
	tt, _ := startViews(t)
	a := newAccount("acc-1")
	day := time.Date(2026, 2, 3, 9, 0, 0, 0, time.UTC)
	consume(t, tt, a.posted("t1", 250000, "EUR", day))
	consume(t, tt, a.posted("t2", -1250, "EUR", day.Add(time.Hour)))
	consume(t, tt, a.posted("t3", -1200, "JPY", day.Add(2*time.Hour)))
	consume(t, tt, a.accept("t4", -900, "EUR", pending, day.Add(3*time.Hour), 0, -900))
	// The pending transaction posts at a different amount (a tip).
	post := a.accept("t5", -1000, "EUR", posted, day.Add(4*time.Hour), -1000, 900)
	post.SupersedesSourceTransactionId = "t4"
	consume(t, tt, post)

	v := view(t, tt, "acc-1")
	want := []views.Balance{{Currency: "EUR", AmountMinor: 250000 - 1250 - 1000}, {Currency: "JPY", AmountMinor: -1200}}
	if fmt.Sprint(v.Balances) != fmt.Sprint(want) {
		t.Fatalf("balances %+v, want %+v", v.Balances, want)
	}
	if len(v.Transactions) != 4 || v.Transactions[0].SourceTransactionID != "t5" || v.Transactions[0].Status != "posted" {
		t.Fatalf("transactions %+v: want t5 (posted) replacing t4 on top of 4", v.Transactions)
	}
	if got := v.MonthToDate; got.Month != "2026-02" || got.SpendMinor["EUR"][views.Uncategorized] != 2250 || got.SpendMinor["JPY"][views.Uncategorized] != 1200 {
		t.Fatalf("month to date %+v, want 2026-02 with EUR 2250 and JPY 1200 uncategorized", got)
	}
	if !v.UpdatedAt.Equal(now) || v.AccountID != "acc-1" {
		t.Fatalf("updated_at %s account %q", v.UpdatedAt, v.AccountID)
	}
}

func TestKeepsTheLastTwentyTransactions(t *testing.T) {
	tt, _ := startViews(t)
	a := newAccount("acc-1")
	start := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for i := range 25 {
		consume(t, tt, a.posted(fmt.Sprintf("t%02d", i), -100, "EUR", start.Add(time.Duration(i)*time.Hour)))
	}
	// A late transaction older than all twenty kept does not get in.
	consume(t, tt, a.posted("late", -100, "EUR", start.Add(-time.Hour)))
	// Removing one of them drops it from the list.
	rm := a.accept("t24", -100, "EUR", removed, start.Add(24*time.Hour), 100, 0)
	consume(t, tt, rm)

	v := view(t, tt, "acc-1")
	if len(v.Transactions) != 19 {
		t.Fatalf("%d transactions, want 19", len(v.Transactions))
	}
	for i, tx := range v.Transactions {
		if want := fmt.Sprintf("t%02d", 23-i); tx.SourceTransactionID != want {
			t.Fatalf("transaction %d is %s, want %s (newest first)", i, tx.SourceTransactionID, want)
		}
		if tx.Category != "" || tx.RiskDecision != "" || tx.MCC != "5411" || tx.Currency != "EUR" {
			t.Fatalf("transaction %d: %+v", i, tx)
		}
	}
	if b := v.Balances[0].AmountMinor; b != -2500 {
		t.Fatalf("balance %d, want -2500", b)
	}
}

func TestMonthRollsOver(t *testing.T) {
	tt, _ := startViews(t)
	a := newAccount("acc-1")
	jan := time.Date(2026, 1, 31, 23, 59, 0, 0, time.UTC)
	consume(t, tt, a.posted("t1", -5000, "EUR", jan))
	consume(t, tt, a.posted("t2", 10000, "EUR", jan)) // money in is not spend
	if got := view(t, tt, "acc-1").MonthToDate; got.Month != "2026-01" || got.SpendMinor["EUR"][views.Uncategorized] != 5000 {
		t.Fatalf("january: %+v", got)
	}
	// 00:30 in Berlin on 1 February is still January in UTC.
	berlin := time.FixedZone("CET", 3600)
	consume(t, tt, a.posted("t3", -700, "EUR", time.Date(2026, 2, 1, 0, 30, 0, 0, berlin)))
	if got := view(t, tt, "acc-1").MonthToDate; got.Month != "2026-01" || got.SpendMinor["EUR"][views.Uncategorized] != 5700 {
		t.Fatalf("january in UTC: %+v", got)
	}
	consume(t, tt, a.posted("t4", -300, "USD", time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)))
	got := view(t, tt, "acc-1").MonthToDate
	if got.Month != "2026-02" || len(got.SpendMinor) != 1 || got.SpendMinor["USD"][views.Uncategorized] != 300 {
		t.Fatalf("after rollover: %+v, want only February's USD 300", got)
	}
	// A late January transaction does not go back to January's window.
	consume(t, tt, a.posted("t5", -999, "EUR", jan))
	if got := view(t, tt, "acc-1").MonthToDate; got.Month != "2026-02" || len(got.SpendMinor) != 1 {
		t.Fatalf("after a late January transaction: %+v", got)
	}
}

func TestVersionIncreasesAndRedeliveriesAreIgnored(t *testing.T) {
	tt, metrics := startViews(t)
	a := newAccount("acc-1")
	day := time.Date(2026, 2, 3, 9, 0, 0, 0, time.UTC)
	var sent []*fintrav1.AcceptedTransaction
	for i := range 5 {
		at := a.posted(fmt.Sprint("t", i), -100, "EUR", day)
		sent = append(sent, at)
		consume(t, tt, at)
		if v := view(t, tt, "acc-1"); v.Version != uint64(i+1) || v.Sequence != uint64(i+1) {
			t.Fatalf("after %d: version %d sequence %d", i+1, v.Version, v.Sequence)
		}
	}
	before, err := views.Codec{}.Encode(view(t, tt, "acc-1"))
	if err != nil {
		t.Fatal(err)
	}
	consume(t, tt, sent[4]) // the same sequence again
	consume(t, tt, sent[1]) // an older one
	after, err := views.Codec{}.Encode(view(t, tt, "acc-1"))
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Fatalf("a redelivery changed the view:\n%s\n%s", before, after)
	}
	if n := metrics.Stage("views").Duplicates.Load(); n != 2 {
		t.Fatalf("duplicates %d, want 2", n)
	}
	consume(t, tt, a.posted("t5", -100, "EUR", day))
	if v := view(t, tt, "acc-1"); v.Version != 6 || v.Balances[0].AmountMinor != -600 {
		t.Fatalf("version %d balance %d, want 6 and -600", v.Version, v.Balances[0].AmountMinor)
	}
}

func TestDeadLettersWhatItCannotApply(t *testing.T) {
	tt, metrics := startViews(t)
	dlq := tt.NewQueueTracker(string(views.DLQ))
	a := newAccount("acc-1")
	good := a.posted("t1", -100, "EUR", now)
	wrongKey := scoredBytes(t, good)
	noSeq := proto.Clone(good).(*fintrav1.AcceptedTransaction)
	noSeq.Sequence = 0
	noSeqBytes := scoredBytes(t, noSeq)

	topic := string(schemas.TopicGuardScores)
	tt.Consume(topic, "acc-1", []byte("\xff\xffnot protobuf"))
	tt.Consume(topic, "acc-2", wrongKey)
	tt.Consume(topic, "acc-1", noSeqBytes)
	tt.Consume(topic, "acc-1", []byte{})

	var n int
	for {
		_, v, ok := dlq.Next()
		if !ok {
			break
		}
		n++
		if n < 4 && len(v.([]byte)) == 0 {
			t.Errorf("dead letter %d lost its bytes", n)
		}
	}
	if n != 4 {
		t.Fatalf("%d dead letters, want 4", n)
	}
	if got := metrics.Stage("views").DLQ.Load(); got != 4 {
		t.Fatalf("dlq metric %d, want 4", got)
	}
	if v := tt.TableValue(views.Table, "acc-1"); v != nil {
		t.Fatalf("a view was made from bad input: %+v", v)
	}
}

func TestDeadLetterHeaders(t *testing.T) {
	tt, _ := startViews(t)
	dlq := tt.NewQueueTracker(string(views.DLQ))
	tt.Consume(string(schemas.TopicGuardScores), "acc-1", []byte("\xff\xff"), tester.WithHeaders(goka.Headers{"x-trace": []byte("abc")}))
	h, _, _, ok := dlq.NextWithHeaders()
	if !ok {
		t.Fatal("nothing dead-lettered")
	}
	if string(h[schemas.HeaderStage]) != "views" || len(h[schemas.HeaderError]) == 0 || string(h["x-trace"]) != "abc" {
		t.Fatalf("headers %q", h)
	}
}

// TestJSONForm pins the contract the Redis value and apps rely on.
func TestJSONForm(t *testing.T) {
	tt, _ := startViews(t)
	a := newAccount("acc-1")
	consume(t, tt, a.posted("t1", -1250, "EUR", time.Date(2026, 2, 3, 9, 0, 0, 0, time.UTC)))
	b, err := views.Codec{}.Encode(view(t, tt, "acc-1"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"account_id", "version", "sequence", "balances", "transactions", "month_to_date", "open_alerts", "updated_at"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON form has no %q: %s", k, b)
		}
	}
	if s := fmt.Sprint(got["balances"]); s != "[map[amount_minor:-1250 currency:EUR pending_minor:0]]" {
		t.Errorf("balances %s", s)
	}
	if s := fmt.Sprint(got["open_alerts"]); s != "[]" {
		t.Errorf("open_alerts %s, want []", s)
	}
	tx := got["transactions"].([]any)[0].(map[string]any)
	if tx["occurred_at"] != "2026-02-03T09:00:00Z" || tx["status"] != "posted" || tx["category"] != "" || tx["risk_decision"] != "" {
		t.Errorf("transaction %v", tx)
	}
	if got["updated_at"] != "2026-02-10T12:00:00Z" {
		t.Errorf("updated_at %v", got["updated_at"])
	}
	if _, err := (views.Codec{}).Decode([]byte("{")); err == nil {
		t.Error("decoding broken JSON succeeded")
	}
}

// TestEnrichedAndScored: the merchant, category and risk decision of the
// later stages reach the transaction list, the spend goes to the primary
// category, and review or decline decisions open alerts that a removal
// closes.
func TestEnrichedAndScored(t *testing.T) {
	tt, _ := startViews(t)
	a := newAccount("acc-1")
	day := time.Date(2026, 2, 3, 9, 0, 0, 0, time.UTC)
	scored := func(at *fintrav1.AcceptedTransaction, m *fintrav1.Merchant, detailed string, d fintrav1.Decision, score float64, reason string) *fintrav1.ScoredTransaction {
		st := &fintrav1.ScoredTransaction{
			Enriched: &fintrav1.EnrichedTransaction{Accepted: at, Merchant: m,
				Category: &fintrav1.Category{Primary: "FOOD_AND_DRINK", Detailed: detailed, Method: "mcc"}},
			Score: &fintrav1.Score{Score: score, Decision: d, ModelVersion: "m1", ScoredAt: timestamppb.New(day)},
		}
		if reason != "" {
			st.Score.Reasons = []*fintrav1.Reason{{Code: reason}}
		}
		return st
	}
	lidl := &fintrav1.Merchant{EntityId: "lidl", Name: "Lidl", Website: "lidl.com", Method: fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT, Confidence: 1}
	consumeScored(t, tt, scored(a.posted("t1", -1250, "EUR", day), lidl, "FOOD_AND_DRINK_GROCERIES", fintrav1.Decision_DECISION_APPROVE, 0.01, ""))
	unresolved := &fintrav1.Merchant{Name: "XYZ 123", Method: fintrav1.MerchantMethod_MERCHANT_METHOD_UNRESOLVED}
	consumeScored(t, tt, scored(a.posted("t2", -90000, "EUR", day.Add(time.Hour)), unresolved, "FOOD_AND_DRINK_RESTAURANT", fintrav1.Decision_DECISION_DECLINE, 0.97, "amount_zscore"))
	consumeScored(t, tt, scored(a.posted("t3", -500, "EUR", day.Add(2*time.Hour)), lidl, "FOOD_AND_DRINK_GROCERIES", fintrav1.Decision_DECISION_REVIEW, 0.6, "rule:blocklist"))

	v := view(t, tt, "acc-1")
	t1 := v.Transactions[2]
	if t1.MerchantName != "Lidl" || t1.MerchantEntityID != "lidl" || t1.MerchantWebsite != "lidl.com" || t1.Category != "FOOD_AND_DRINK_GROCERIES" || t1.RiskDecision != "approve" || t1.RiskScore == nil || *t1.RiskScore != 0.01 {
		t.Fatalf("enriched transaction %+v", t1)
	}
	if t2 := v.Transactions[1]; t2.MerchantName != "Lidl" || t2.MerchantEntityID != "" || t2.RiskDecision != "decline" {
		// An unresolved merchant keeps the source's own name (the fixture's "Lidl").
		t.Fatalf("unresolved transaction %+v", t2)
	}
	if got := v.MonthToDate.SpendMinor["EUR"]["food_and_drink"]; got != 1250+90000+500 {
		t.Fatalf("spend %v, want 91750 under food_and_drink", v.MonthToDate.SpendMinor)
	}
	if len(v.OpenAlerts) != 2 || v.OpenAlerts[0].SourceTransactionID != "t3" || v.OpenAlerts[0].Decision != "review" || v.OpenAlerts[0].Rule != "rule:blocklist" ||
		v.OpenAlerts[1].SourceTransactionID != "t2" || v.OpenAlerts[1].Decision != "decline" || v.OpenAlerts[1].Score != 0.97 || v.OpenAlerts[1].ModelVersion != "m1" {
		t.Fatalf("open alerts %+v", v.OpenAlerts)
	}

	// Removing t2 closes its alert.
	rm := a.accept("t2", -90000, "EUR", removed, day.Add(3*time.Hour), 90000, 0)
	consumeScored(t, tt, scored(rm, unresolved, "FOOD_AND_DRINK_RESTAURANT", fintrav1.Decision_DECISION_APPROVE, 0, "removed"))
	if v := view(t, tt, "acc-1"); len(v.OpenAlerts) != 1 || v.OpenAlerts[0].SourceTransactionID != "t3" {
		t.Fatalf("after removal, open alerts %+v", v.OpenAlerts)
	}
}
