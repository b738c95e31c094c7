package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
	"github.com/fintraos/fintra/sinks"
	"github.com/fintraos/fintra/sinks/sinktest"
)

// pgURL is the test server's URL (sinktest.Server: skip without one,
// fail under CI).
func pgURL(t testing.TB) string { return sinktest.Server(t, "FINTRA_PG_URL") }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// openSink opens the sink on its own schema, dropped when the test ends
// (except in the conformance suite's crash child, whose store the parent
// reopens).
func openSink(t testing.TB, schema string, opts Options) *Sink {
	t.Helper()
	url := pgURL(t)
	opts.Schema = schema
	s, err := Open(context.Background(), url, quiet(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("FINTRA_SINKTEST_CHILD") == "" {
		// The suite closes its sinks itself: drop on a connection of our own.
		t.Cleanup(func() {
			s.Close()
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
				return
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
				t.Errorf("drop schema %s: %v", schema, err)
			}
		})
	}
	return s
}

func testSchema(t testing.TB) string {
	return fmt.Sprintf("t_%s_%d", strings.ToLower(strings.NewReplacer("/", "_", "Integration", "").Replace(t.Name())), time.Now().UnixNano()%1e9)
}

// Snapshot is the content of the three tables, one entry per row, as JSON
// (the conformance suite's Store).
func (s *Sink) Snapshot(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	for _, q := range []string{
		"SELECT 'events/' || event_id, to_jsonb(t)::text FROM events t",
		"SELECT 'transactions/' || event_id, to_jsonb(t)::text FROM transactions t",
		"SELECT 'accounts/' || account_id || '/' || currency, to_jsonb(t)::text FROM accounts t",
	} {
		rows, err := s.pool.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return nil, err
			}
			if _, dup := out[k]; dup {
				rows.Close()
				return nil, fmt.Errorf("row %s is stored twice", k)
			}
			out[k] = v
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func TestIntegrationConformance(t *testing.T) {
	pgURL(t) // skip before the crash check starts a child that would
	sinktest.Run(t, sinktest.Suite{
		NewSink: func(t testing.TB, name string) (sinks.Sink, sinktest.Store) {
			s := openSink(t, name, Options{TransactionsTopic: "sinktest.v1", TransactionsStage: string(schemas.TopicCoreTransactions)})
			return s, s
		},
		Records: sinktest.TransactionRecords,
	})
}

func write(t testing.TB, s *Sink, batch []*kgo.Record) {
	t.Helper()
	if err := s.Write(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
}

// TestIntegrationSumsMatchRecords writes batches out of order and twice,
// then reconciles: per currency the stored amounts add up to the records',
// and every account's balance is its last balance_after and the sum of its
// transactions.
func TestIntegrationSumsMatchRecords(t *testing.T) {
	s := openSink(t, testSchema(t), Options{})
	if s.Mode() != ModeNative && s.Mode() != ModeTimescale {
		t.Fatalf("mode %q", s.Mode())
	}
	l := sinktest.NewLedger()
	wantSum := map[string]int64{}
	months := map[month]bool{}
	var recs []*kgo.Record
	for range 2000 {
		at := l.Next()
		months[monthOf(at.GetOccurredAt().AsTime())] = true
		wantSum[at.GetTransaction().GetCurrency()] += at.GetTransaction().GetAmountMinor()
		recs = append(recs, sinktest.Record(string(schemas.TopicCoreTransactions), at, at.GetAccountId()))
	}
	// The later half first, then everything again: a replay and a late
	// batch must change nothing.
	write(t, s, recs[1000:])
	write(t, s, recs[:1000])
	write(t, s, recs)

	ctx := context.Background()
	gotSum := map[string]int64{}
	rows, _ := s.pool.Query(ctx, "SELECT currency, sum(amount_minor)::bigint, count(*) FROM transactions GROUP BY currency")
	var count int64
	for rows.Next() {
		var cur string
		var sum, n int64
		if err := rows.Scan(&cur, &sum, &n); err != nil {
			t.Fatal(err)
		}
		gotSum[cur], count = sum, count+n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if count != 2000 {
		t.Fatalf("%d transactions stored, want 2000", count)
	}
	if len(gotSum) != len(wantSum) {
		t.Fatalf("currencies %v, want %v", gotSum, wantSum)
	}
	for cur, want := range wantSum {
		if gotSum[cur] != want {
			t.Errorf("%s: sum %d, want %d", cur, gotSum[cur], want)
		}
	}

	// The reconciliation query of the README, without its filter.
	rows, _ = s.pool.Query(ctx, strings.TrimSuffix(readmeQueries(t)["Reconciliation"], "WHERE a.balance_minor <> coalesce(t.sum_minor, 0);   -- no rows: reconciled"))
	seen := 0
	for rows.Next() {
		var id, cur string
		var balance, sum int64
		if err := rows.Scan(&id, &cur, &balance, &sum); err != nil {
			t.Fatal(err)
		}
		seen++
		if want := l.Balances[sinktest.AccountKey{Account: id, Currency: cur}]; balance != want || sum != want {
			t.Errorf("%s %s: balance %d, transactions sum to %d, want %d", id, cur, balance, sum, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != len(l.Balances) {
		t.Fatalf("%d account balances, want %d", seen, len(l.Balances))
	}

	if s.Mode() == ModeNative {
		var inDefault int
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM transactions_default").Scan(&inDefault); err != nil {
			t.Fatal(err)
		}
		var partitions int
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'transactions'::regclass").Scan(&partitions); err != nil {
			t.Fatal(err)
		}
		if inDefault != 0 || partitions != len(months)+1 {
			t.Fatalf("%d rows in the default partition, %d partitions; want 0 and %d", inDefault, partitions, len(months)+1)
		}
	}
	var spend int64
	if err := s.pool.QueryRow(ctx, "SELECT coalesce(sum(spend_minor), 0)::bigint FROM daily_spend WHERE currency = 'EUR'").Scan(&spend); err != nil {
		t.Fatal(err)
	}
	if spend <= 0 {
		t.Fatalf("daily_spend has EUR spend %d", spend)
	}
}

// readmeQueries are the README's SQL blocks by the first word of the
// paragraph before them.
func readmeQueries(t testing.TB) map[string]string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	parts := strings.Split(string(b), "```sql\n")
	for i := 1; i < len(parts); i++ {
		before := strings.TrimSpace(parts[i-1])
		para := before[strings.LastIndex(before, "\n\n")+2:]
		word, _, _ := strings.Cut(para, " ")
		out[strings.Trim(word, ":")] = strings.TrimSpace(parts[i][:strings.Index(parts[i], "```")])
	}
	return out
}

// TestIntegrationReadmeQueries runs the README's queries on a few months of
// transactions.
func TestIntegrationReadmeQueries(t *testing.T) {
	// As guard emits them: merchant, category and score on every row, a
	// review decision on every tenth.
	s := openSink(t, testSchema(t), Options{TransactionsTopic: string(schemas.TopicGuardScores)})
	l := sinktest.NewLedger()
	var recs []*kgo.Record
	for i := range 500 {
		at := l.Next()
		st := &fintrav1.ScoredTransaction{
			Enriched: &fintrav1.EnrichedTransaction{Accepted: at,
				Merchant: &fintrav1.Merchant{EntityId: "lidl", Name: "Lidl", Method: fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT, Confidence: 1},
				Category: &fintrav1.Category{Primary: "FOOD_AND_DRINK", Detailed: "FOOD_AND_DRINK_GROCERIES", Method: "merchant"}},
			Score: &fintrav1.Score{Score: 0.01, Decision: fintrav1.Decision_DECISION_APPROVE, ModelVersion: "m1"},
		}
		if i%10 == 0 {
			st.Score.Score, st.Score.Decision = 0.8, fintrav1.Decision_DECISION_REVIEW
			st.Score.Reasons = []*fintrav1.Reason{{Code: "amount_zscore", Detail: "amount_zscore=4.1", Contribution: 1.2}}
		}
		recs = append(recs, sinktest.Record(string(schemas.TopicGuardScores), st, at.GetAccountId()))
	}
	write(t, s, recs)
	qs := readmeQueries(t)
	if len(qs) != 6 {
		t.Fatalf("README has queries %v", qs)
	}
	for name, q := range qs {
		rows, err := s.pool.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if (name == "Reconciliation") != (n == 0) {
			t.Errorf("%s: %d rows", name, n)
		}
	}
}

// TestIntegrationRejectsWhatCannotBeDecoded: bad records come back in a
// RejectedError, the rest of the batch is written.
func TestIntegrationRejectsWhatCannotBeDecoded(t *testing.T) {
	s := openSink(t, testSchema(t), Options{})
	topic := string(schemas.TopicCoreTransactions)
	batch := sinktest.TransactionRecords(topic, 10)
	noAccount := sinktest.NewLedger().Next()
	noAccount.AccountId = ""
	bad := []*kgo.Record{
		{Topic: topic, Offset: 100, Value: []byte("not protobuf")},
		sinktest.Record(topic, noAccount, ""),
		{Topic: "unknown.v1", Offset: 7, Value: batch[0].Value},
	}
	batch = append(batch[:4], append(bad, batch[4:]...)...)
	err := s.Write(context.Background(), batch)
	var rejected *sinks.RejectedError
	if !errors.As(err, &rejected) {
		t.Fatalf("Write returned %v, want a RejectedError", err)
	}
	if len(rejected.Records) != len(bad) {
		t.Fatalf("%d records rejected, want %d: %v", len(rejected.Records), len(bad), err)
	}
	for i, r := range rejected.Records {
		if r.Record != bad[i] || r.Reason == nil {
			t.Fatalf("rejected[%d] = %+v, want record %d with a reason", i, r, i)
		}
	}
	var n int
	if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM transactions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 10 {
		t.Fatalf("%d transactions stored, want the 10 good ones", n)
	}
}

// TestIntegrationAccountsKeepTheNewestSequence: a balance is never
// replaced by an older one, whatever the order the batches arrive in.
func TestIntegrationAccountsKeepTheNewestSequence(t *testing.T) {
	s := openSink(t, testSchema(t), Options{})
	topic := string(schemas.TopicCoreTransactions)
	at := func(seq uint64, balance int64) *kgo.Record {
		m := sinktest.NewLedger().Next()
		m.EventId = schemas.EventID("fintra-json", m.GetAccountId(), fmt.Sprint("seq-", seq), m.GetType())
		m.Sequence = seq
		m.BalanceAfter.PostedMinor = balance
		return sinktest.Record(topic, m, m.GetAccountId())
	}
	write(t, s, []*kgo.Record{at(5, 5000)})
	write(t, s, []*kgo.Record{at(3, 3000)})
	var balance, seq int64
	if err := s.pool.QueryRow(context.Background(), "SELECT balance_minor, sequence FROM accounts").Scan(&balance, &seq); err != nil {
		t.Fatal(err)
	}
	if balance != 5000 || seq != 5 {
		t.Fatalf("balance %d at sequence %d, want 5000 at 5", balance, seq)
	}
	// Within one batch too, the highest sequence wins, wherever it is.
	write(t, s, []*kgo.Record{at(9, 9000), at(7, 7000)})
	if err := s.pool.QueryRow(context.Background(), "SELECT balance_minor, sequence FROM accounts").Scan(&balance, &seq); err != nil {
		t.Fatal(err)
	}
	if balance != 9000 || seq != 9 {
		t.Fatalf("balance %d at sequence %d, want 9000 at 9", balance, seq)
	}
}

// TestIntegrationEvents writes canonical events of every kind and reads
// back their columns and JSON payload.
func TestIntegrationEvents(t *testing.T) {
	s := openSink(t, testSchema(t), Options{})
	topic := string(schemas.TopicCoreEvents)
	occurred := time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)
	tx := &fintrav1.Transaction{AccountId: "acc-chiyo", Source: "fintra-json", SourceAccountId: "acc-chiyo",
		SourceTransactionId: "t-1", AmountMinor: -1200, Currency: "JPY", Status: fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING,
		OccurredAt: timestamppb.New(occurred), MerchantName: "Lawson"}
	created := &fintrav1.Event{EventId: schemas.EventID("fintra-json", "acc-chiyo", "t-1", fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED),
		AccountId: "acc-chiyo", Type: fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED, OccurredAt: timestamppb.New(occurred),
		IngestedAt: timestamppb.New(occurred.Add(time.Minute)), Payload: &fintrav1.Event_Created{Created: &fintrav1.TransactionCreated{Transaction: tx}}}
	removed := &fintrav1.Event{EventId: schemas.EventID("fintra-json", "acc-chiyo", "t-1", fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED),
		AccountId: "acc-chiyo", Type: fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED, OccurredAt: timestamppb.New(occurred.Add(72 * time.Hour)),
		Payload: &fintrav1.Event_Removed{Removed: &fintrav1.TransactionRemoved{AccountId: "acc-chiyo", Source: "fintra-json", SourceTransactionId: "t-1", Reason: "expired"}}}
	nul := proto.Clone(created).(*fintrav1.Event)
	nul.EventId = schemas.EventID("fintra-json", "acc-chiyo", "t-2", fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED)
	nul.GetCreated().Transaction.Description = "bad\x00byte"
	batch := []*kgo.Record{sinktest.Record(topic, created, "acc-chiyo"), sinktest.Record(topic, removed, "acc-chiyo"), sinktest.Record(topic, nul, "acc-chiyo")}
	var rejected *sinks.RejectedError
	if err := s.Write(context.Background(), batch); !errors.As(err, &rejected) || len(rejected.Records) != 1 || rejected.Records[0].Record != batch[2] {
		t.Fatalf("Write returned %v, want the event with a NUL byte rejected", err)
	}
	write(t, s, batch[:2])

	ctx := context.Background()
	var typ, currency, payloadType, payloadCurrency string
	var amount int64
	if err := s.pool.QueryRow(ctx, `SELECT type, currency, amount_minor, payload->>'type', payload->'created'->'transaction'->>'currency'
FROM events WHERE event_id = $1`, created.GetEventId()).Scan(&typ, &currency, &amount, &payloadType, &payloadCurrency); err != nil {
		t.Fatal(err)
	}
	if typ != "transaction_created" || currency != "JPY" || amount != -1200 || payloadType != "transaction_created" || payloadCurrency != "JPY" {
		t.Fatalf("created event stored as %s %s %d, payload %s %s", typ, currency, amount, payloadType, payloadCurrency)
	}
	var src string
	var amountNull bool
	if err := s.pool.QueryRow(ctx, "SELECT type, source_transaction_id, amount_minor IS NULL FROM events WHERE event_id = $1",
		removed.GetEventId()).Scan(&typ, &src, &amountNull); err != nil {
		t.Fatal(err)
	}
	if typ != "transaction_removed" || src != "t-1" || !amountNull {
		t.Fatalf("removed event stored as %s %s, amount null %v", typ, src, amountNull)
	}
	if s.Mode() == ModeNative {
		for _, p := range []string{"events_y2025m12", "events_y2026m01"} {
			var n int
			if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM "+p).Scan(&n); err != nil || n != 1 {
				t.Fatalf("partition %s: %d rows, %v; want 1", p, n, err)
			}
		}
	}
}

// TestIntegrationMigrationsOnce: opening the same schema again, and from
// two processes at once, applies every migration once.
func TestIntegrationMigrationsOnce(t *testing.T) {
	schema := testSchema(t)
	s := openSink(t, schema, Options{})
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			o, err := Open(context.Background(), pgURL(t), quiet(), Options{Schema: schema})
			if err == nil {
				o.Close()
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Fatalf("%d migrations recorded, want %d", n, len(ms))
	}
}

// BenchmarkIntegrationWrite writes batches of 5000 new transactions (the
// runner's default batch) and reports rows per second.
func BenchmarkIntegrationWrite(b *testing.B) {
	s := openSink(b, testSchema(b), Options{})
	l := sinktest.NewLedger()
	l.Step = time.Minute // a year of partitions is half a million rows
	topic := string(schemas.TopicCoreTransactions)
	const size = 5000
	var written int
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		batch := make([]*kgo.Record, size)
		for j := range batch {
			at := l.Next()
			batch[j] = sinktest.Record(topic, at, at.GetAccountId())
		}
		b.StartTimer()
		write(b, s, batch)
		written += size
	}
	b.ReportMetric(float64(written)/b.Elapsed().Seconds(), "rows/s")
}

// TestIntegrationScoredTransactions: from guard.scores.v1, the merchant,
// category and score land in their columns; from core.transactions.v1 the
// same columns stay NULL.
func TestIntegrationScoredTransactions(t *testing.T) {
	s := openSink(t, testSchema(t), Options{TransactionsTopic: string(schemas.TopicGuardScores)})
	l := sinktest.NewLedger()
	at := l.Next()
	st := &fintrav1.ScoredTransaction{
		Enriched: &fintrav1.EnrichedTransaction{Accepted: at,
			Merchant: &fintrav1.Merchant{EntityId: "doordash", Name: "DoorDash", Website: "doordash.com", Marketplace: "Zeeks Pizza",
				Confidence: 0.98, Method: fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
			Category: &fintrav1.Category{Primary: "FOOD_AND_DRINK", Detailed: "FOOD_AND_DRINK_RESTAURANT", Method: "merchant"}},
		Score: &fintrav1.Score{Score: 0.875, Decision: fintrav1.Decision_DECISION_REVIEW, ModelVersion: "synthetic-1",
			Reasons: []*fintrav1.Reason{{Code: "amount_zscore", Detail: "amount_zscore=4.2", Contribution: 1.5}}},
	}
	write(t, s, []*kgo.Record{sinktest.Record(string(schemas.TopicGuardScores), st, at.GetAccountId())})

	var (
		entity, merchant, website, marketplace, method, primary, detailed, decision, model string
		confidence, score                                                                  float64
		reasons                                                                            []map[string]any
		amount                                                                             int64
	)
	err := s.pool.QueryRow(context.Background(), `SELECT merchant_entity_id, merchant, merchant_website, marketplace, merchant_method,
		merchant_confidence, category_primary, category_detailed, risk_score, risk_decision, risk_reasons, model_version, amount_minor
		FROM transactions WHERE event_id = $1`, at.GetEventId()).Scan(&entity, &merchant, &website, &marketplace, &method,
		&confidence, &primary, &detailed, &score, &decision, &reasons, &model, &amount)
	if err != nil {
		t.Fatal(err)
	}
	if entity != "doordash" || merchant != "DoorDash" || website != "doordash.com" || marketplace != "Zeeks Pizza" || method != "exact" ||
		confidence != 0.98 || primary != "FOOD_AND_DRINK" || detailed != "FOOD_AND_DRINK_RESTAURANT" || score != 0.875 || decision != "review" ||
		model != "synthetic-1" || amount != at.GetTransaction().GetAmountMinor() || len(reasons) != 1 || reasons[0]["code"] != "amount_zscore" {
		t.Fatalf("row: %q %q %q %q %q %v %q %q %v %q %v %q %d", entity, merchant, website, marketplace, method, confidence, primary, detailed, score, decision, reasons, model, amount)
	}

	bad := proto.Clone(st).(*fintrav1.ScoredTransaction)
	bad.Enriched.Accepted = l.Next()
	bad.Score.Score = 1.5
	err = s.Write(context.Background(), []*kgo.Record{sinktest.Record(string(schemas.TopicGuardScores), bad, bad.GetEnriched().GetAccepted().GetAccountId())})
	var rejected *sinks.RejectedError
	if !errors.As(err, &rejected) || len(rejected.Records) != 1 || !strings.Contains(rejected.Records[0].Reason.Error(), "not a probability") {
		t.Fatalf("a score of 1.5: %v, want the record rejected as not a probability", err)
	}
}
