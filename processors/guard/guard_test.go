package guard_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/guard"
	"github.com/fintraos/fintra/processors/guard/features"
	"github.com/fintraos/fintra/processors/guard/model"
	"github.com/fintraos/fintra/processors/processortest"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

var t0 = time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)

// testModel is a LightGBM text model made of one-feature trees: a bias of
// -5 (p ≈ 0.007, approve), and +6 (p ≈ 0.73, review) for each rule that
// fires, so that each feature group can be seen to reach the model
// through the processor. The trees are LightGBM's format as it saves it.
func testModel(t testing.TB) *model.Model {
	t.Helper()
	type split struct {
		feature   string
		threshold float64
		// and: a second split on the right branch (both must hold).
		and          string
		andThreshold float64
	}
	splits := []split{
		{feature: "count_10m", threshold: 3.5},
		{feature: "amount_zscore", threshold: 4},
		{feature: "distance_km", threshold: 1000},
		{feature: "new_device", threshold: 0.5, and: "prior_transactions", andThreshold: 2.5},
		{feature: "merchant_category_risk", threshold: 0.8},
		{feature: "declined_24h", threshold: 2.5},
		{feature: "hour_deviation", threshold: 8},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=%d\nobjective=binary sigmoid:1\nfeature_names=%s\n\n",
		features.NumFeatures-1, strings.Join(features.Names(), " "))
	b.WriteString("Tree=0\nnum_leaves=1\nnum_cat=0\nleaf_value=-5\nshrinkage=1\n\n\n")
	for i, s := range splits {
		fi := features.Index(s.feature)
		if s.and == "" {
			fmt.Fprintf(&b, "Tree=%d\nnum_leaves=2\nnum_cat=0\nsplit_feature=%d\nthreshold=%g\ndecision_type=2\nleft_child=-1\nright_child=-2\nleaf_value=0 6\ninternal_value=0.5\nshrinkage=1\n\n\n", i+1, fi, s.threshold)
			continue
		}
		fmt.Fprintf(&b, "Tree=%d\nnum_leaves=3\nnum_cat=0\nsplit_feature=%d %d\nthreshold=%g %g\ndecision_type=2 2\nleft_child=-1 -2\nright_child=1 -3\nleaf_value=0 0 6\ninternal_value=0.5 5.5\nshrinkage=1\n\n\n",
			i+1, fi, features.Index(s.and), s.threshold, s.andThreshold)
	}
	b.WriteString("end of trees\n")
	booster, err := model.ParseText(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return &model.Model{Version: "test-stumps", Thresholds: model.Thresholds{Review: 0.5, Decline: 0.9}, Booster: booster}
}

type harness struct {
	tt             *tester.Tester
	scores, alerts *tester.QueueTracker
	dlq            *tester.QueueTracker
	metrics        *telemetry.Metrics
	input          goka.Stream
	seq            map[string]uint64
	current        *model.Current
}

func start(t *testing.T, deps guard.Deps) *harness {
	t.Helper()
	tt := tester.New(t)
	h := &harness{tt: tt, metrics: telemetry.New(), seq: map[string]uint64{}}
	if deps.Model == nil {
		deps.Model = model.NewCurrent(testModel(t))
	}
	h.current = deps.Model
	deps.Metrics = h.metrics
	deps.Clock = func() time.Time { return t0.Add(365 * 24 * time.Hour) }
	h.input = deps.Input()
	processortest.Run(t, tt, guard.Graph(deps))
	h.scores = tt.NewQueueTracker(string(schemas.TopicGuardScores))
	h.alerts = tt.NewQueueTracker(string(schemas.TopicGuardAlerts))
	h.dlq = tt.NewQueueTracker(string(guard.DLQ))
	return h
}

// txn is one handcrafted transaction.
type txn struct {
	acct     string
	at       time.Duration
	amount   int64
	mcc      string
	ctx      *fintrav1.PaymentContext
	typ      fintrav1.EventType
	merchant string
	seq      uint64 // 0: the next one
}

func (h *harness) accepted(x txn) *fintrav1.AcceptedTransaction {
	if x.acct == "" {
		x.acct = "acc-1"
	}
	if x.typ == 0 {
		x.typ = fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
	}
	seq := x.seq
	if seq == 0 {
		h.seq[x.acct]++
		seq = h.seq[x.acct]
	}
	when := t0.Add(x.at)
	status := fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED
	if x.typ == fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED {
		status = fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED
	}
	src := fmt.Sprintf("tx-%d", seq)
	return &fintrav1.AcceptedTransaction{
		EventId: schemas.EventID("fintra-json", x.acct, src, x.typ), AccountId: x.acct, Type: x.typ, Sequence: seq,
		Transaction: &fintrav1.Transaction{AccountId: x.acct, Source: "fintra-json", SourceTransactionId: src, AmountMinor: x.amount,
			Currency: "USD", Status: status, OccurredAt: timestamppb.New(when), Mcc: x.mcc, MerchantName: x.merchant, Context: x.ctx},
		OccurredAt: timestamppb.New(when), IngestedAt: timestamppb.New(when),
	}
}

// send feeds one transaction and returns its score.
func (h *harness) send(t *testing.T, x txn) *fintrav1.ScoredTransaction {
	t.Helper()
	at := h.accepted(x)
	var msg proto.Message = &fintrav1.EnrichedTransaction{Accepted: at}
	if h.input == schemas.TopicCoreTransactions {
		msg = at
	}
	b, err := proto.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	h.tt.Consume(string(h.input), at.GetAccountId(), b)
	key, v, ok := h.scores.Next()
	if !ok || key != at.GetAccountId() {
		t.Fatalf("no score for %s (key %q)", at.GetEventId(), key)
	}
	return v.(*fintrav1.ScoredTransaction)
}

func (h *harness) state(t *testing.T, acct string) *features.State {
	t.Helper()
	s, _ := h.tt.TableValue(guard.Table, acct).(*features.State)
	if s == nil {
		t.Fatalf("no state for %s", acct)
	}
	return s
}

func codes(s *fintrav1.Score) []string {
	var out []string
	for _, r := range s.GetReasons() {
		out = append(out, r.GetCode())
	}
	return out
}

const (
	approve = fintrav1.Decision_DECISION_APPROVE
	review  = fintrav1.Decision_DECISION_REVIEW
	decline = fintrav1.Decision_DECISION_DECLINE
)

func cardPresent(lat, lon float64) *fintrav1.PaymentContext {
	return &fintrav1.PaymentContext{Channel: fintrav1.Channel_CHANNEL_CARD_PRESENT, HasLocation: true, Latitude: lat, Longitude: lon}
}

// TestFeatureGroups sends one handcrafted sequence per feature group and
// checks that the last transaction of each reaches the model through
// the processor with the feature as its first reason, and the earlier
// ones do not.
func TestFeatureGroups(t *testing.T) {
	online := func(device string) *fintrav1.PaymentContext {
		return &fintrav1.PaymentContext{Channel: fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT, DeviceId: device}
	}
	declined := &fintrav1.PaymentContext{Declined: true}
	cases := []struct {
		group  string
		seq    []txn
		reason string
	}{
		{"velocity", []txn{{at: 0, amount: -100}, {at: time.Minute, amount: -100}, {at: 2 * time.Minute, amount: -100}, {at: 3 * time.Minute, amount: -100}, {at: 4 * time.Minute, amount: -100}}, "count_10m"},
		{"amount", []txn{{at: 0, amount: -1000}, {at: time.Hour, amount: -1100}, {at: 2 * time.Hour, amount: -900}, {at: 3 * time.Hour, amount: -1050}, {at: 4 * time.Hour, amount: -95000}}, "amount_zscore"},
		{"location", []txn{{at: 0, amount: -500, ctx: cardPresent(40.7128, -74.0060)}, {at: 20 * time.Hour, amount: -500, ctx: cardPresent(34.0522, -118.2437)}}, "distance_km"},
		{"novelty", []txn{{at: 0, amount: -10, ctx: online("d1")}, {at: time.Hour, amount: -10, ctx: online("d1")}, {at: 2 * time.Hour, amount: -10, ctx: online("d1")}, {at: 3 * time.Hour, amount: -10, ctx: online("d2")}}, "new_device"},
		{"category", []txn{{at: 0, amount: -500, mcc: "5411"}, {at: time.Hour, amount: -500, mcc: "7995"}}, "merchant_category_risk"},
		{"declines", []txn{{at: 0, amount: -10, ctx: declined}, {at: time.Minute * 20, amount: -10, ctx: declined}, {at: time.Minute * 40, amount: -10, ctx: declined}, {at: time.Hour * 2, amount: -10}}, "declined_24h"},
		{"habit", []txn{{at: 0, amount: -10}, {at: 24 * time.Hour, amount: -10}, {at: 48 * time.Hour, amount: -10}, {at: 60 * time.Hour, amount: -10}}, "hour_deviation"},
	}
	for _, c := range cases {
		t.Run(c.group, func(t *testing.T) {
			h := start(t, guard.Deps{})
			for i, x := range c.seq {
				x.acct = "acc-" + c.group
				st := h.send(t, x)
				s := st.GetScore()
				last := i == len(c.seq)-1
				if s.GetModelVersion() != "test-stumps" || s.GetScoredAt() == nil || !proto.Equal(st.GetEnriched().GetAccepted(), h.accepted(txn{acct: x.acct, at: x.at, amount: x.amount, mcc: x.mcc, ctx: x.ctx, seq: uint64(i + 1)})) {
					t.Errorf("transaction %d: score %v does not carry the transaction and the model version", i, s)
				}
				switch {
				case last && (s.GetDecision() == approve || len(s.GetReasons()) == 0 || s.GetReasons()[0].GetCode() != c.reason):
					t.Errorf("last transaction: %v %.3f reasons %v, want review with %s first", s.GetDecision(), s.GetScore(), codes(s), c.reason)
				case !last && s.GetDecision() != approve:
					t.Errorf("transaction %d: %v reasons %v, want approve", i, s.GetDecision(), codes(s))
				}
				if last {
					if !strings.HasPrefix(s.GetReasons()[0].GetDetail(), c.reason+"=") || s.GetReasons()[0].GetContribution() <= 0 {
						t.Errorf("reason %v: want %s=<value> with a positive contribution", s.GetReasons()[0], c.reason)
					}
				}
			}
			if got := h.state(t, "acc-"+c.group).N; got != uint64(len(c.seq)) {
				t.Errorf("state folded %d transactions, want %d", got, len(c.seq))
			}
		})
	}
}

func TestAlertRouting(t *testing.T) {
	h := start(t, guard.Deps{Rules: guard.Rules{BlockAccounts: []string{"acc-bad"}, BlockMerchants: []string{"m-bad"}}})
	// approve: no alert.
	h.send(t, txn{acct: "acc-1", amount: -100})
	if _, _, ok := h.alerts.Next(); ok {
		t.Fatal("an approved transaction raised an alert")
	}
	// review by the model.
	st := h.send(t, txn{acct: "acc-1", at: time.Hour, amount: -100, mcc: "7995"})
	key, v, ok := h.alerts.Next()
	if !ok || key != "acc-1" {
		t.Fatal("no alert for a review")
	}
	a := v.(*fintrav1.Alert)
	ev := st.GetEnriched().GetAccepted().GetEventId()
	if a.GetAlertId() != guard.AlertID(ev) || a.GetEventId() != ev || a.GetAccountId() != "acc-1" || a.GetScore().GetDecision() != review ||
		!proto.Equal(a.GetTransaction(), st) {
		t.Errorf("alert %v", a)
	}
	// decline by rule: the blocklisted account, even on an innocent transaction.
	st = h.send(t, txn{acct: "acc-bad", amount: -100})
	if s := st.GetScore(); s.GetDecision() != decline || !s.GetRuleOverride() || codes(s)[0] != "rule:blocklist" {
		t.Errorf("blocklisted account: %v", s)
	}
	if _, v, ok := h.alerts.Next(); !ok || v.(*fintrav1.Alert).GetScore().GetDecision() != decline {
		t.Error("no decline alert")
	}
	// The same event id always gives the same alert id.
	if guard.AlertID(ev) == guard.AlertID(ev+"x") {
		t.Error("alert ids are not deterministic per event")
	}
}

func TestImpossibleTravelRule(t *testing.T) {
	h := start(t, guard.Deps{})
	h.send(t, txn{amount: -500, ctx: cardPresent(51.5072, -0.1276)})                            // London
	st := h.send(t, txn{at: 10 * time.Minute, amount: -500, ctx: cardPresent(48.8566, 2.3522)}) // Paris: 344 km in 10 min
	s := st.GetScore()
	if s.GetDecision() != review || !s.GetRuleOverride() || codes(s)[0] != "rule:impossible_travel" {
		t.Errorf("London→Paris in 10 min: %v %v", s.GetDecision(), codes(s))
	}
	h2 := start(t, guard.Deps{Rules: guard.Rules{ImpossibleTravelKmh: -1}})
	h2.send(t, txn{amount: -500, ctx: cardPresent(51.5072, -0.1276)})
	if s := h2.send(t, txn{at: 10 * time.Minute, amount: -500, ctx: cardPresent(48.8566, 2.3522)}).GetScore(); s.GetDecision() != approve {
		t.Errorf("rule off: %v %v", s.GetDecision(), codes(s))
	}
}

// TestRemovedAndRedelivered: a removal passes through approved with the
// reason "removed" and leaves the state alone; a redelivery is scored
// again but not counted twice.
func TestRemovedAndRedelivered(t *testing.T) {
	h := start(t, guard.Deps{})
	h.send(t, txn{amount: -100})
	h.send(t, txn{at: time.Minute, amount: -100})
	before := h.state(t, "acc-1").Encode()
	st := h.send(t, txn{at: 2 * time.Minute, typ: fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED})
	if s := st.GetScore(); s.GetDecision() != approve || codes(s)[0] != "removed" {
		t.Errorf("removal: %v", s)
	}
	after := h.state(t, "acc-1")
	if after.N != 2 || after.Sequence != 3 {
		t.Errorf("after a removal N=%d sequence=%d, want 2 and 3", after.N, after.Sequence)
	}
	after.Sequence = 2
	if string(after.Encode()) != string(before) {
		t.Error("a removal changed the features' state")
	}
	h.send(t, txn{at: time.Minute, amount: -100, seq: 2}) // redelivery of the second
	if got := h.state(t, "acc-1").N; got != 2 {
		t.Errorf("a redelivery was folded: N=%d", got)
	}
	if d := h.metrics.Stage("guard").Duplicates.Load(); d != 1 {
		t.Errorf("duplicates = %d", d)
	}
	// A posting of a pending transaction is scored, not folded.
	h.send(t, txn{at: 3 * time.Minute, amount: -120, typ: fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED})
	if got := h.state(t, "acc-1").N; got != 2 {
		t.Errorf("a posting was folded: N=%d", got)
	}
}

func TestDeadLetters(t *testing.T) {
	h := start(t, guard.Deps{})
	h.tt.Consume(string(h.input), "acc-1", []byte("\xff\xff\xff"), tester.WithHeaders(goka.Headers{"x-trace": []byte("abc")}))
	hdr, key, v, ok := h.dlq.NextWithHeaders()
	if !ok || key != "acc-1" || string(v.([]byte)) != "\xff\xff\xff" || string(hdr["x-trace"]) != "abc" ||
		!strings.Contains(string(hdr[schemas.HeaderError]), "undecodable") || string(hdr[schemas.HeaderStage]) != "guard" {
		t.Errorf("dead letter %q %q %v", key, v, hdr)
	}
	at := h.accepted(txn{acct: "acc-2"})
	b, _ := proto.Marshal(&fintrav1.EnrichedTransaction{Accepted: at})
	h.tt.Consume(string(h.input), "acc-1", b)
	hdr, _, _, ok = h.dlq.NextWithHeaders()
	if !ok || !strings.Contains(string(hdr[schemas.HeaderError]), "key the topic by account_id") {
		t.Errorf("misrouted: %v", hdr)
	}
	if _, _, ok := h.scores.Next(); ok {
		t.Error("a dead letter was scored")
	}
}

func TestFromCore(t *testing.T) {
	h := start(t, guard.Deps{FromCore: true})
	if h.input != schemas.TopicCoreTransactions {
		t.Fatalf("input %s", h.input)
	}
	st := h.send(t, txn{amount: -100, merchant: "Lidl"})
	if st.GetEnriched().GetMerchant() != nil || st.GetEnriched().GetAccepted().GetTransaction().GetMerchantName() != "Lidl" {
		t.Errorf("wrapped transaction %v", st.GetEnriched())
	}
}

// TestModelSwap: a new model takes effect on the next transaction, and
// each score names the model that made it.
func TestModelSwap(t *testing.T) {
	cur := model.NewCurrent(nil)
	h := start(t, guard.Deps{Model: cur})
	if s := h.send(t, txn{amount: -100, mcc: "7995"}).GetScore(); s.GetModelVersion() != guard.NoModelVersion || s.GetDecision() != approve || codes(s)[0] != "model:none" {
		t.Errorf("without a model: %v", s)
	}
	cur.Store(testModel(t))
	if s := h.send(t, txn{at: time.Minute, amount: -100, mcc: "7995"}).GetScore(); s.GetModelVersion() != "test-stumps" || s.GetDecision() != review {
		t.Errorf("after the swap: %v", s)
	}
}

func TestModelDirWatcher(t *testing.T) {
	cur := model.NewCurrent(nil)
	w, err := guard.ModelDirWatcher("model/testdata/trained", cur, time.Second, nil)
	if err != nil || w == nil || cur.Load().Version != "test-trained" {
		t.Fatalf("%v %v", w, err)
	}
	if _, err := guard.ModelDirWatcher(t.TempDir(), cur, time.Second, nil); err == nil || !strings.Contains(err.Error(), "CURRENT") {
		t.Errorf("empty directory: %v", err)
	}
}
