package plaid

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/sourcetest"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// ingestedAt and origin stand in for the Kafka record of every test payload.
var (
	ingestedAt = time.Date(2026, 3, 16, 9, 26, 53, 0, time.UTC)
	origin     = &fintrav1.Origin{Topic: string(schemas.TopicConnectRaw), Partition: 3, Offset: 42}
)

func parse(b []byte) ([]*fintrav1.Event, error) {
	return New().Parse(source.Payload{Bytes: b, Key: "item_1", Origin: origin, IngestedAt: ingestedAt})
}

// fixture is one payload of the copied fixtures: a whole file, or one
// example of the webhook collection.
type fixture struct {
	name string // golden files are testdata/<name>.golden.jsonl or .golden.err
	b    []byte
}

// wholeFiles are the fixtures that are one payload each.
var wholeFiles = []string{
	"transactions_sync_response.example.json",
	"transactions_get_response.example.json",
	"transactions_recurring_get_response.example.json",
	"transactions_enrich_response.example.json",
	"plaid-go_enrich_test_descriptors.json",
}

// webhookCollection maps webhook schema names to lists of examples.
const webhookCollection = "webhooks_transactions_and_item.examples.json"

// supported are the fixtures Parse must accept (the others it must reject).
func supported(name string) bool {
	return strings.HasPrefix(name, "transactions_sync") || strings.HasPrefix(name, "transactions_get") ||
		strings.HasPrefix(name, "webhooks_")
}

func fixtures(t testing.TB) []fixture {
	t.Helper()
	var out []fixture
	for _, f := range wholeFiles {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fixture{strings.TrimSuffix(f, ".json"), b})
	}
	b, err := os.ReadFile(filepath.Join("testdata", webhookCollection))
	if err != nil {
		t.Fatal(err)
	}
	var coll map[string][]json.RawMessage
	if err := json.Unmarshal(b, &coll); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(coll))
	for k := range coll {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for i, ex := range coll[k] {
			out = append(out, fixture{fmt.Sprintf("%s.%s-%d", strings.TrimSuffix(webhookCollection, ".json"), k, i), ex})
		}
	}
	return out
}

func TestParserInterface(t *testing.T) {
	var p source.Parser = New()
	if p.Name() != "plaid" || p.Framing() != source.FramingDocument {
		t.Errorf("Name, Framing = %q, %v", p.Name(), p.Framing())
	}
	if _, ok := p.(source.Detector); !ok {
		t.Error("Parser is not a source.Detector")
	}
}

// TestGolden renders each fixture's events (or its error) and compares
// them with testdata/<name>.golden.jsonl (or .golden.err). go test -update
// rewrites them.
func TestGolden(t *testing.T) {
	for _, fx := range fixtures(t) {
		t.Run(fx.name, func(t *testing.T) {
			events, perr := parse(fx.b)
			var got []byte
			golden := filepath.Join("testdata", fx.name)
			if supported(fx.name) {
				if perr != nil {
					t.Fatalf("Parse: %v", perr)
				}
				golden += ".golden.jsonl"
				got = sourcetest.Events(t, events)
			} else {
				golden += ".golden.err"
				got = sourcetest.Rejection(t, perr, Name)
			}
			sourcetest.Golden(t, golden, got)
		})
	}
}

// TestSums checks, for each transaction page, that the events' amounts
// per currency equal Plaid's own amounts, negated, read independently
// (encoding/json into any, math/big decimals), and that ids are unique.
func TestSums(t *testing.T) {
	exp := map[string]int64{"USD": 100, "CAD": 100, "EUR": 100, "GBP": 100}
	for _, fx := range fixtures(t) {
		if !supported(fx.name) {
			continue
		}
		t.Run(fx.name, func(t *testing.T) {
			events, err := parse(fx.b)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			ids := map[string]bool{}
			for _, ev := range events {
				if ids[ev.GetEventId()] {
					t.Errorf("event id %s twice", ev.GetEventId())
				}
				ids[ev.GetEventId()] = true
				tx := ev.GetCreated().GetTransaction()
				if tx == nil {
					tx = ev.GetUpdated().GetTransaction()
				}
				if tx != nil {
					got[tx.GetCurrency()] += tx.GetAmountMinor()
				}
			}

			dec := json.NewDecoder(bytes.NewReader(fx.b))
			dec.UseNumber()
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{}
			for _, key := range []string{"added", "modified", "transactions"} {
				list, _ := doc[key].([]any)
				for _, item := range list {
					m := item.(map[string]any)
					cur, _ := m["iso_currency_code"].(string)
					if cur == "" {
						cur, _ = m["unofficial_currency_code"].(string)
					}
					r, ok := new(big.Rat).SetString(string(m["amount"].(json.Number)))
					if !ok {
						t.Fatalf("amount %v", m["amount"])
					}
					r.Mul(r, big.NewRat(-exp[cur], 1))
					if !r.IsInt() {
						t.Fatalf("amount %v is not whole minor units of %s", m["amount"], cur)
					}
					want[cur] += r.Num().Int64()
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("sums %v, want %v", got, want)
			}
		})
	}
}

// TestDetect: Detect claims exactly the fixtures Parse accepts, never a
// fintra-json payload, and none of the other formats' fixtures.
func TestDetect(t *testing.T) {
	p := New()
	for _, fx := range fixtures(t) {
		if got := p.Detect(fx.b); got != supported(fx.name) {
			t.Errorf("Detect(%s) = %v", fx.name, got)
		}
	}
	fintraJSON := `{"account_id":"acc_7Hq2mX9","transaction_id":"txn_1","status":"posted","amount_minor":-575,"currency":"USD","occurred_at":"2026-03-14T08:42:17-07:00"}`
	for _, s := range []string{fintraJSON, "", "{", "[]", `{"added":[]}`, `{"webhook_type":"TRANSACTIONS"}`, `{"data":{"webhook_type":1,"webhook_code":2}}`} {
		if p.Detect([]byte(s)) {
			t.Errorf("Detect(%q) = true", s)
		}
	}

	sourcetest.EachOtherFixture(t, "plaid", func(path string, b []byte) {
		if p.Detect(b) {
			t.Errorf("Detect claims %s", path)
		}
	})
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	for _, fx := range fixtures(t) {
		if fx.name == name {
			return fx.b
		}
	}
	t.Fatalf("no fixture %s", name)
	return nil
}

// TestMapping checks what the golden files show only as opaque values:
// event ids, the posting and correction links, the revision.
func TestMapping(t *testing.T) {
	events, err := parse(readFixture(t, "transactions_sync_response.example"))
	if err != nil || len(events) != 3 {
		t.Fatalf("sync page: %v, %d events", err, len(events))
	}
	const acct = "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp"

	posting := events[0]
	up := posting.GetUpdated()
	if up.GetReason() != fintrav1.UpdateReason_UPDATE_REASON_POSTED || up.GetSupersedesSourceTransactionId() != "no86Eox18VHMvaOVL7gPUM9ap3aR1LsAVZ5nc" {
		t.Errorf("Walmart purchase: %v", up)
	}
	tx := up.GetTransaction()
	if tx.GetAmountMinor() != -7210 || tx.GetCurrency() != "USD" || tx.GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED {
		t.Errorf("Walmart purchase: %d %s %s", tx.GetAmountMinor(), tx.GetCurrency(), tx.GetStatus())
	}
	if tx.GetAccountId() != "plaid:"+acct || posting.GetAccountId() != "plaid:"+acct {
		t.Errorf("account id %q", tx.GetAccountId())
	}
	if want := schemas.EventID(Name, acct, "lPNjeW1nR6CDn5okmGQ6hEpMo4lLNoSrzqDje", fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED); posting.GetEventId() != want {
		t.Errorf("posting id %s, want %s", posting.GetEventId(), want)
	}
	if got, want := tx.GetOccurredAt().AsTime(), time.Date(2023, 9, 22, 10, 34, 50, 0, time.UTC); !got.Equal(want) {
		t.Errorf("occurred_at %v, want authorized_datetime %v", got, want)
	}
	if got, want := tx.GetPostedAt().AsTime(), time.Date(2023, 9, 24, 11, 1, 1, 0, time.UTC); !got.Equal(want) {
		t.Errorf("posted_at %v, want datetime %v", got, want)
	}
	if tx.GetDescription() != "PURCHASE WM SUPERCENTER #1700" || tx.GetMerchantName() != "Walmart" || tx.GetCounterparty() != "Walmart" ||
		tx.GetCountry() != "US" || tx.GetCity() != "Poway" {
		t.Errorf("descriptive fields: %v", tx)
	}

	corr := events[1].GetUpdated()
	ctx := corr.GetTransaction()
	if corr.GetReason() != fintrav1.UpdateReason_UPDATE_REASON_CORRECTION || corr.GetSupersedesSourceTransactionId() != "yhnUVvtcGGcCKU0bcz8PDQr5ZUxUXebUvbKC0" ||
		ctx.GetRevision() <= 0 || ctx.GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING || ctx.GetPostedAt() != nil || ctx.GetAmountMinor() != -2834 {
		t.Errorf("correction: %v", corr)
	}
	if want := schemas.EventID(Name, acct, fmt.Sprintf("yhnUVvtcGGcCKU0bcz8PDQr5ZUxUXebUvbKC0#r%d", ctx.GetRevision()), fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED); events[1].GetEventId() != want {
		t.Errorf("correction id %s, want %s", events[1].GetEventId(), want)
	}

	rm := events[2].GetRemoved()
	if rm.GetSourceTransactionId() != "CmdQTNgems8BT1B7ibkoUXVPyAeehT3Tmzk0l" || rm.GetAccountId() != "plaid:"+acct ||
		events[2].GetEventId() != schemas.EventID(Name, acct, "CmdQTNgems8BT1B7ibkoUXVPyAeehT3Tmzk0l", fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED) {
		t.Errorf("removal: %v", events[2])
	}

	// /transactions/get: the same posting, and the pending DoorDash order
	// as a plain created pending transaction.
	got, err := parse(readFixture(t, "transactions_get_response.example"))
	if err != nil || len(got) != 2 {
		t.Fatalf("get page: %v, %d events", err, len(got))
	}
	if got[1].GetEventId() != posting.GetEventId() || got[0].GetCreated().GetTransaction().GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING {
		t.Errorf("get page: %v", got)
	}
}

// TestRevision: a correction's revision is the same for the same page and
// differs when the modification or the page differs.
func TestRevision(t *testing.T) {
	page := func(amount, name, cursor string) string {
		return `{"added":[],"modified":[{"account_id":"a","transaction_id":"t","amount":` + amount + `,"iso_currency_code":"USD","date":"2024-01-02","pending":false,"name":"` + name + `"}],"removed":[],"next_cursor":"` + cursor + `"}`
	}
	rev := func(s string) (int64, string) {
		t.Helper()
		evs, err := parse([]byte(s))
		if err != nil || len(evs) != 1 {
			t.Fatalf("%v %v", evs, err)
		}
		return evs[0].GetUpdated().GetTransaction().GetRevision(), evs[0].GetEventId()
	}
	r1, id1 := rev(page("1.5", "A", "c1"))
	r1b, id1b := rev(page("1.50", "A", "c1")) // the same amount written otherwise
	r2, _ := rev(page("1.6", "A", "c1"))
	r3, _ := rev(page("1.5", "B", "c1"))
	r4, _ := rev(page("1.5", "A", "c2"))
	if r1 != r1b || id1 != id1b {
		t.Errorf("same modification: revisions %d, %d", r1, r1b)
	}
	if r1 == r2 || r1 == r3 || r1 == r4 || r1 <= 0 {
		t.Errorf("revisions %d %d %d %d: each modification must have its own, positive", r1, r2, r3, r4)
	}
}

// TestWebhook checks the ConnectionEvent of webhooks.
func TestWebhook(t *testing.T) {
	b := readFixture(t, "webhooks_transactions_and_item.examples.SyncUpdatesAvailableWebhook-0")
	events, err := parse(b)
	if err != nil || len(events) != 1 {
		t.Fatalf("%v, %d events", err, len(events))
	}
	ev := events[0]
	c := ev.GetConnection()
	if ev.GetType() != fintrav1.EventType_EVENT_TYPE_CONNECTION || c.GetConnectionId() != "wz666MBjYWTp2PDzzggYhM6oWWmBb" ||
		c.GetKind() != "TRANSACTIONS/SYNC_UPDATES_AVAILABLE" || c.GetSource() != "plaid" || ev.GetAccountId() != "plaid:wz666MBjYWTp2PDzzggYhM6oWWmBb" {
		t.Errorf("event %v", ev)
	}
	want := map[string]string{"user_id": "usr_9nSp2KuZ2x4JDw", "initial_update_complete": "true", "historical_update_complete": "false", "environment": "production"}
	if fmt.Sprint(c.GetDetail()) != fmt.Sprint(want) {
		t.Errorf("detail %v, want %v", c.GetDetail(), want)
	}
	// Same content, other formatting: same event id. Other content: another.
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	compact, _ := json.Marshal(m)
	again, err := parse(compact)
	if err != nil || again[0].GetEventId() != ev.GetEventId() {
		t.Errorf("reformatted webhook: %v %v", again, err)
	}
	m["historical_update_complete"] = true
	changed, _ := json.Marshal(m)
	other, err := parse(changed)
	if err != nil || other[0].GetEventId() == ev.GetEventId() {
		t.Errorf("changed webhook kept its id: %v %v", other, err)
	}

	// Processor webhooks name an account, not an item.
	pb := readFixture(t, "webhooks_transactions_and_item.examples.ProcessorDefaultUpdateWebhook-0")
	pe, err := parse(pb)
	if err != nil {
		t.Fatal(err)
	}
	if c := pe[0].GetConnection(); c.GetConnectionId() != "dVzbVMLjrxTnLjX4G66XUp5GLklm4oiZy88yK" || c.GetDetail()["new_transactions"] != "3" {
		t.Errorf("processor webhook %v", pe[0])
	}
	// Objects and arrays are kept as compact JSON.
	rb := readFixture(t, "webhooks_transactions_and_item.examples.TransactionsRemovedWebhook-0")
	re, err := parse(rb)
	if err != nil {
		t.Fatal(err)
	}
	if got := re[0].GetConnection().GetDetail()["removed_transactions"]; got != `["yBVBEwrPyJs8GvR77N7QTxnGg6wG74H7dEDN6","kgygNvAVPzSX9KkddNdWHaVGRVex1MHm3k9no"]` {
		t.Errorf("removed_transactions %q", got)
	}
}

// tx is a valid /transactions/get entry that the rule tests modify.
func txJSON(mods map[string]any) string {
	m := map[string]any{
		"account_id": "acc1", "transaction_id": "tx1", "amount": json.Number("12.34"),
		"iso_currency_code": "USD", "unofficial_currency_code": nil,
		"date": "2024-01-02", "authorized_date": "2024-01-01", "pending": false, "name": "SHOP",
	}
	for k, v := range mods {
		if v == "<del>" {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func getPage(txs ...string) string {
	return `{"accounts":[],"total_transactions":` + fmt.Sprint(len(txs)) + `,"transactions":[` + strings.Join(txs, ",") + `]}`
}

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string // the error, or "" for a valid payload
	}{
		{"base", getPage(txJSON(nil)), ""},
		{"empty page", getPage(), ""},
		{"amount 3 decimals", getPage(txJSON(map[string]any{"amount": json.Number("2307.215")})), "transactions[0].amount: amount '2307.215' has more decimals than USD allows (2)"},
		{"amount trailing zeros", getPage(txJSON(map[string]any{"amount": json.Number("2307.2100")})), ""},
		{"amount exponent", getPage(txJSON(map[string]any{"amount": json.Number("1e2")})), "transactions[0].amount: amount '1e2' uses exponent notation"},
		{"amount string", getPage(txJSON(map[string]any{"amount": "12.34"})), "transactions[0].amount: must be a number, not a string"},
		{"amount null", getPage(txJSON(map[string]any{"amount": nil})), "transactions[0].amount: required number"},
		{"amount min int64", getPage(txJSON(map[string]any{"amount": json.Number("92233720368547758.08"), "iso_currency_code": "USD"})), "transactions[0].amount: amount '92233720368547758.08' USD overflows int64 minor units"},
		{"amount JPY 0 decimals", getPage(txJSON(map[string]any{"amount": json.Number("100.5"), "iso_currency_code": "JPY"})), "transactions[0].amount: amount '100.5' has more decimals than JPY allows (0)"},
		{"unofficial ISO", getPage(txJSON(map[string]any{"iso_currency_code": nil, "unofficial_currency_code": "EUR"})), ""},
		{"unofficial crypto", getPage(txJSON(map[string]any{"iso_currency_code": nil, "unofficial_currency_code": "BTC"})),
			"transactions[0].unofficial_currency_code: 'BTC' is not an ISO 4217 code and iso_currency_code is null: the amount cannot be expressed in exact minor units"},
		{"no currency", getPage(txJSON(map[string]any{"iso_currency_code": nil})), "transactions[0].iso_currency_code: required: iso_currency_code and unofficial_currency_code are both null or missing"},
		{"currency XAU", getPage(txJSON(map[string]any{"iso_currency_code": "XAU"})), "transactions[0].iso_currency_code: 'XAU' has no minor unit, so the amount cannot be expressed in minor units"},
		{"currency lower", getPage(txJSON(map[string]any{"iso_currency_code": "usd"})), "transactions[0].iso_currency_code: 'usd' is not an ISO 4217 code"},
		{"missing ids", getPage(txJSON(map[string]any{"account_id": "<del>", "transaction_id": ""})), "transactions[0].account_id: required string; transactions[0].transaction_id: '' is not 1..128 characters"},
		{"pending missing", getPage(txJSON(map[string]any{"pending": "<del>"})), "transactions[0].pending: required boolean"},
		{"pending string", getPage(txJSON(map[string]any{"pending": "false"})), "transactions[0].pending: must be a boolean, not a string"},
		{"date missing", getPage(txJSON(map[string]any{"date": "<del>", "authorized_date": "<del>"})), "transactions[0].date: required string"},
		{"date bad", getPage(txJSON(map[string]any{"date": "2024-13-01"})), "transactions[0].date: '2024-13-01' is not an ISO 8601 date (YYYY-MM-DD)"},
		{"date year 0", getPage(txJSON(map[string]any{"date": "0000-01-01"})), "transactions[0].date: '0000-01-01' is outside the years 0001..9999 (UTC)"},
		{"datetime year 0 in UTC", getPage(txJSON(map[string]any{"datetime": "0001-01-01T00:30:00+01:00"})), "transactions[0].datetime: '0001-01-01T00:30:00+01:00' is outside the years 0001..9999 (UTC)"},
		{"datetime bad", getPage(txJSON(map[string]any{"datetime": "2024-01-02 10:00"})), "transactions[0].datetime: '2024-01-02 10:00' is not an RFC 3339 date-time"},
		{"not an object", getPage(`42`), "transactions[0]: must be an object, not a number"},
		{"transactions not array", `{"accounts":[],"total_transactions":0,"transactions":{}}`, "transactions: must be an array, not an object"},
		{"duplicate transaction", getPage(txJSON(nil), txJSON(nil)), "transactions[1]: same event as transactions[0] (a transaction listed twice)"},
		{"posting", getPage(txJSON(map[string]any{"pending_transaction_id": "p1"})), ""},
		{"posting empty pending id", getPage(txJSON(map[string]any{"pending_transaction_id": ""})), "transactions[0].pending_transaction_id: '' is not 1..128 characters"},
		{"description too long", getPage(txJSON(map[string]any{"name": strings.Repeat("x", 1025)})), "transactions[0].name: is 1025 characters, over the limit of 1024"},
		{"two problems", getPage(txJSON(map[string]any{"amount": json.Number("1.001")}), txJSON(map[string]any{"transaction_id": "tx2", "iso_currency_code": "EURO"})),
			"transactions[0].amount: amount '1.001' has more decimals than USD allows (2); transactions[1].iso_currency_code: 'EURO' is not an ISO 4217 code"},
		{"sync removed without account", `{"added":[],"modified":[],"removed":[{"transaction_id":"x"}],"next_cursor":"c"}`, "removed[0].account_id: required string"},
		{"sync cursor not string", `{"added":[],"next_cursor":1}`, "next_cursor: must be a string, not a number"},
		{"recurring", `{"inflow_streams":[],"outflow_streams":[]}`, "payload: not a Plaid payload this parser reads: want a /transactions/sync page (added, next_cursor), a /transactions/get page (transactions, accounts, total_transactions) or a webhook (webhook_type, webhook_code)"},
		{"webhook other type", `{"webhook_type":"AUTH","webhook_code":"AUTOMATICALLY_VERIFIED","item_id":"i"}`, "webhook_type: 'AUTH' is not a webhook type this parser reads (TRANSACTIONS, ITEM)"},
		{"webhook no connection", `{"webhook_type":"ITEM","webhook_code":"ERROR"}`, "item_id: required string"},
		{"webhook code not string", `{"webhook_type":"ITEM","webhook_code":7,"item_id":"i"}`, "webhook_code: must be a string, not a number"},
		{"webhook unknown code", `{"webhook_type":"TRANSACTIONS","webhook_code":"SOMETHING_NEW","item_id":"i"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := parse([]byte(tc.in))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse(%s): %v", tc.in, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse(%s) accepted it: %v", tc.in, events)
			}
			if err.Error() != tc.want {
				t.Errorf("Parse(%s)\n got: %v\nwant: %s", tc.in, err, tc.want)
			}
		})
	}
}

func TestPayloadErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "payload: empty, not a JSON object"},
		{"array", "[]", "payload: not a JSON object"},
		{"malformed", `{"added":[}`, "payload: malformed JSON at offset 11: invalid character '}' looking for beginning of value"},
		{"trailing", `{"added":[],"next_cursor":""} x`, "payload: malformed JSON at offset 31: invalid character 'x' after top-level value"},
		{"invalid utf-8", "{\"added\":[],\"next_cursor\":\"\xff\"}", "payload: invalid UTF-8 at offset 27"},
		{"deep", `{"added":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `,"next_cursor":""}`, "payload: nesting deeper than 16 levels at offset 24"},
		{"too large", `{"x":"` + strings.Repeat("a", MaxPayload) + `"}`, fmt.Sprintf("payload: %d bytes is over the %d-byte limit", MaxPayload+8, MaxPayload)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse([]byte(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Errorf("\n got: %v\nwant: %s", err, tc.want)
			}
		})
	}
}

func TestProblemsAreBounded(t *testing.T) {
	txs := make([]string, 200)
	for i := range txs {
		txs[i] = txJSON(map[string]any{"transaction_id": fmt.Sprint(i), "iso_currency_code": "EURO"})
	}
	_, err := parse([]byte(getPage(txs...)))
	var ve *source.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != source.MaxProblems+1 || ve.Problems[source.MaxProblems].Error() != "payload: 150 more problems not listed" {
		t.Fatalf("Parse: %v", err)
	}
}

func TestDeterministic(t *testing.T) {
	for _, fx := range fixtures(t) {
		a, errA := parse(fx.b)
		b, errB := parse(fx.b)
		if fmt.Sprint(errA) != fmt.Sprint(errB) || len(a) != len(b) {
			t.Fatalf("%s: two parses differ", fx.name)
		}
		for i := range a {
			if !proto.Equal(a[i], b[i]) {
				t.Errorf("%s: event %d differs", fx.name, i)
			}
		}
	}
}

// FuzzParse checks that Parse never panics, that a rejection is always a
// ValidationError, and that what it accepts keeps the invariants.
func FuzzParse(f *testing.F) {
	for _, fx := range fixtures(f) {
		f.Add(fx.b)
	}
	f.Add([]byte(getPage(txJSON(map[string]any{"pending_transaction_id": "p1", "location": map[string]any{"country": "us", "city": "X"}}))))
	f.Add([]byte(`{"added":[{"amount":-0.0}],"modified":null,"removed":[{}],"next_cursor":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		events, err := parse(b)
		if err != nil {
			var ve *source.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 || events != nil {
				t.Fatalf("Parse(%q) = %v, %T %v", b, events, err, err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("Parse accepted invalid JSON %q", b)
		}
		ids := map[string]bool{}
		for _, ev := range events {
			if ev.GetEventId() == "" || ev.GetAccountId() == "" || ev.GetPayload() == nil || !ev.GetOccurredAt().IsValid() || ids[ev.GetEventId()] {
				t.Fatalf("Parse(%q) = bad event %v", b, ev)
			}
			ids[ev.GetEventId()] = true
			tx := ev.GetCreated().GetTransaction()
			if tx == nil {
				tx = ev.GetUpdated().GetTransaction()
			}
			if tx != nil && (tx.GetCurrency() == "" || tx.GetStatus() == fintrav1.TransactionStatus_TRANSACTION_STATUS_UNSPECIFIED || !tx.GetOccurredAt().IsValid()) {
				t.Fatalf("Parse(%q) = incomplete transaction %v", b, tx)
			}
			if _, err := schemas.MarshalJSON(ev); err != nil {
				t.Fatal(err)
			}
			if _, err := proto.Marshal(ev); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"transactions_sync_response.example", "transactions_get_response.example", "webhooks_transactions_and_item.examples.SyncUpdatesAvailableWebhook-0"} {
		in := readFixture(b, name)
		p := New()
		pl := source.Payload{Bytes: in, Origin: origin, IngestedAt: ingestedAt}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := p.Parse(pl); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
