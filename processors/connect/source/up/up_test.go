package up

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
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

func parseKey(b []byte, key string) ([]*fintrav1.Event, error) {
	return New().Parse(source.Payload{Bytes: b, Key: key, Origin: origin, IngestedAt: ingestedAt})
}

func parse(b []byte) ([]*fintrav1.Event, error) { return parseKey(b, "") }

// collection is the copied OpenAPI example collection: every example is
// extracted by the test, the file itself stays as upstream wrote it.
const collection = "up-openapi-transaction-and-webhook-examples.json"

// fixture is one payload extracted from the collection.
type fixture struct {
	name string // golden files are testdata/<name>.golden.jsonl or .golden.err
	b    []byte
	// supported: the primary data is of a type this parser reads, as an
	// independent reading (encoding/json into any) says.
	supported bool
}

var slugRE = regexp.MustCompile(`[^A-Za-z0-9]+`)

func fixtures(t testing.TB) []fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", collection))
	if err != nil {
		t.Fatal(err)
	}
	var coll map[string]struct {
		Request *struct {
			Payload json.RawMessage `json:"payload"`
		} `json:"request"`
		Response json.RawMessage `json:"response"`
		Payload  json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(b, &coll); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(coll))
	for k := range coll {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	base := strings.TrimSuffix(collection, ".json")
	var out []fixture
	add := func(name string, raw []byte) {
		out = append(out, fixture{name: base + "." + name, b: raw, supported: primaryType(raw)})
	}
	for _, k := range keys {
		e := coll[k]
		slug := strings.Trim(slugRE.ReplaceAllString(k, "_"), "_")
		if e.Request != nil && len(e.Request.Payload) > 0 && e.Request.Payload[0] == '{' {
			add(slug+".request", e.Request.Payload)
		}
		if len(e.Response) > 0 && e.Response[0] == '{' {
			add(slug+".response", e.Response)
			// Delivery logs embed the delivered webhook body as a string.
			var logs struct {
				Data []struct {
					Attributes struct {
						Request struct {
							Body string `json:"body"`
						} `json:"request"`
					} `json:"attributes"`
				} `json:"data"`
			}
			if json.Unmarshal(e.Response, &logs) == nil {
				for i, d := range logs.Data {
					if d.Attributes.Request.Body != "" {
						add(fmt.Sprintf("%s.delivered-body-%d", slug, i), []byte(d.Attributes.Request.Body))
					}
				}
			}
		}
		if len(e.Payload) > 0 && e.Payload[0] == '{' {
			add(slug+".payload", e.Payload)
		}
	}
	return out
}

// primaryType reports whether the document's primary data is of type
// transactions or webhook-events (every resource, when it is a list).
func primaryType(b []byte) bool {
	var doc struct {
		Data any `json:"data"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return false
	}
	ok := func(r any) bool {
		m, _ := r.(map[string]any)
		return m["type"] == "transactions" || m["type"] == "webhook-events"
	}
	switch d := doc.Data.(type) {
	case []any:
		return len(d) > 0 && !slices.ContainsFunc(d, func(r any) bool { return !ok(r) })
	default:
		return ok(d)
	}
}

func TestParserInterface(t *testing.T) {
	var p source.Parser = New()
	if p.Name() != "up" || p.Framing() != source.FramingDocument {
		t.Errorf("Name, Framing = %q, %v", p.Name(), p.Framing())
	}
	if _, ok := p.(source.Detector); !ok {
		t.Error("Parser is not a source.Detector")
	}
}

// TestGolden renders each extracted example's events (or its error) and
// compares them with testdata/<name>.golden.jsonl (or .golden.err).
// go test -update rewrites them.
func TestGolden(t *testing.T) {
	fxs := fixtures(t)
	if n := len(fxs); n < 10 {
		t.Fatalf("only %d examples extracted", n)
	}
	for _, fx := range fxs {
		t.Run(fx.name, func(t *testing.T) {
			events, perr := parse(fx.b)
			var got []byte
			golden := filepath.Join("testdata", fx.name)
			if fx.supported {
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

// TestSums checks, for each supported example, that the events' amounts
// per currency equal Up's own amounts (amount.value read with math/big,
// independently of the parser) and that ids are unique.
func TestSums(t *testing.T) {
	minor := map[string]int64{"AUD": 100}
	for _, fx := range fixtures(t) {
		if !fx.supported {
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
			var doc struct {
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(fx.b, &doc); err != nil {
				t.Fatal(err)
			}
			var list []map[string]any
			if doc.Data[0] == '[' {
				_ = json.Unmarshal(doc.Data, &list)
			} else {
				var one map[string]any
				_ = json.Unmarshal(doc.Data, &one)
				list = append(list, one)
			}
			want := map[string]int64{}
			for _, r := range list {
				if r["type"] != "transactions" {
					continue
				}
				amt := r["attributes"].(map[string]any)["amount"].(map[string]any)
				cur := amt["currencyCode"].(string)
				v, ok := new(big.Rat).SetString(amt["value"].(string))
				if !ok {
					t.Fatalf("value %v", amt["value"])
				}
				v.Mul(v, big.NewRat(minor[cur], 1))
				want[cur] += v.Num().Int64()
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("sums %v, want %v", got, want)
			}
		})
	}
}

// TestDetect: Detect claims exactly the examples Parse accepts, never a
// fintra-json payload, and none of the other formats' fixtures.
func TestDetect(t *testing.T) {
	p := New()
	for _, fx := range fixtures(t) {
		if got := p.Detect(fx.b); got != fx.supported {
			t.Errorf("Detect(%s) = %v", fx.name, got)
		}
	}
	fintraJSON := `{"account_id":"acc_7Hq2mX9","transaction_id":"txn_1","status":"posted","amount_minor":-575,"currency":"USD","occurred_at":"2026-03-14T08:42:17-07:00"}`
	for _, s := range []string{fintraJSON, "", "{", "[]", `{"data":[]}`, `{"data":{"type":"webhooks"}}`, `{"type":"transactions"}`, `{"data":{"attributes":{"type":"transactions"}}}`} {
		if p.Detect([]byte(s)) {
			t.Errorf("Detect(%q) = true", s)
		}
	}

	sourcetest.EachOtherFixture(t, "up-bank", func(path string, b []byte) {
		if p.Detect(b) {
			t.Errorf("Detect claims %s", path)
		}
	})
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	for _, fx := range fixtures(t) {
		if fx.name == collection[:len(collection)-5]+"."+name {
			return fx.b
		}
	}
	t.Fatalf("no fixture %s", name)
	return nil
}

// TestMapping checks the fields the golden files show only as opaque values.
func TestMapping(t *testing.T) {
	events, err := parse(readFixture(t, "GET_transactions_id_200.response"))
	if err != nil || len(events) != 1 {
		t.Fatalf("%v, %d events", err, len(events))
	}
	up := events[0].GetUpdated()
	tx := up.GetTransaction()
	const id, acct = "20f1a541-356b-4363-aeba-18e21661b8e5", "20388753-0ba8-46ab-92f8-d186a9b3e2a8"
	if tx.GetAmountMinor() != -10792 || tx.GetCurrency() != "AUD" || tx.GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED ||
		tx.GetDescription() != "WARUNG BEBEK, UBUD INDONES" || tx.GetMerchantName() != "Warung Bebek Bengil" || tx.GetAccountId() != "up:"+acct {
		t.Errorf("settled card purchase: %v", tx)
	}
	if got, want := tx.GetOccurredAt().AsTime(), time.Date(2024, 8, 2, 18, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("occurred_at %v, want %v (createdAt in UTC)", got, want)
	}
	if events[0].GetEventId() != schemas.EventID(Name, acct, id+"/settled", fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED) {
		t.Errorf("event id %s", events[0].GetEventId())
	}

	// A transfer has no rawText: description is the descriptor, no merchant.
	transfer, err := parse(readFixture(t, "GET_transactions_200.response"))
	if err != nil {
		t.Fatal(err)
	}
	if tx := transfer[0].GetUpdated().GetTransaction(); tx.GetDescription() != "David Taylor" || tx.GetMerchantName() != "" {
		t.Errorf("transfer: %v", tx)
	}

	hook, err := parse(readFixture(t, "CALLBACK_webhook_event_delivered_to_webhookURL.payload"))
	if err != nil || len(hook) != 1 {
		t.Fatalf("%v %v", hook, err)
	}
	c := hook[0].GetConnection()
	if c.GetConnectionId() != "135017b5-2585-4564-ac7d-040043d51667" || c.GetKind() != "webhook/TRANSACTION_CREATED" ||
		c.GetDetail()["transaction_id"] != "516f5342-2d25-47b1-a46c-40466ddae069" ||
		hook[0].GetEventId() != schemas.EventID(Name, "135017b5-2585-4564-ac7d-040043d51667", "32e730bd-752d-4ae8-a8e2-bab115c72b6d", fintrav1.EventType_EVENT_TYPE_CONNECTION) {
		t.Errorf("webhook: %v", hook[0])
	}
}

// TestHeldThenSettled checks the ids that make a HELD then SETTLED pair net
// correctly in the core ledger (processors/core, planCreated/planUpdated):
//   - HELD is created pending under Up's id X: the ledger adds it to pending.
//   - SETTLED is a posting under X/settled that supersedes X: the ledger
//     does not hold X/settled (not a duplicate), finds X pending, removes
//     its amount from pending and adds the settled amount to posted.
//   - SETTLED alone: X/settled is posted and X is remembered as superseded,
//     so a late HELD X counts nothing.
//   - The two events have distinct event ids, and each is stable.
func TestHeldThenSettled(t *testing.T) {
	held := readFixture(t, "GET_accounts_accountId_transactions_200.response")
	settled := strings.NewReplacer(`"status": "HELD"`, `"status": "SETTLED"`,
		`"settledAt": null`, `"settledAt": "2024-08-04T10:00:00+10:00"`,
		`"value": "-11.95",
              "valueInBaseUnits": -1195
            },
            "foreignAmount"`, `"value": "-12.95",
              "valueInBaseUnits": -1295
            },
            "foreignAmount"`).Replace(string(held))
	if settled == string(held) || !strings.Contains(settled, "-1295") {
		t.Fatal("could not derive the SETTLED version of the example")
	}
	h, err := parse(held)
	if err != nil {
		t.Fatal(err)
	}
	s, err := parse([]byte(settled))
	if err != nil {
		t.Fatal(err)
	}
	const id, acct = "08e78dd1-539c-40cc-a124-2af02e078d20", "bccfbe8a-8d06-415d-b6fb-9f4e4507a3c2"
	hc := h[0].GetCreated().GetTransaction()
	if h[0].GetType() != fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED || hc.GetSourceTransactionId() != id ||
		hc.GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING || hc.GetAmountMinor() != -1195 || hc.GetPostedAt() != nil ||
		h[0].GetEventId() != schemas.EventID(Name, acct, id, fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED) {
		t.Errorf("HELD: %v", h[0])
	}
	su := s[0].GetUpdated()
	if s[0].GetType() != fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED || su.GetReason() != fintrav1.UpdateReason_UPDATE_REASON_POSTED ||
		su.GetSupersedesSourceTransactionId() != id || su.GetTransaction().GetSourceTransactionId() != id+SettledSuffix ||
		su.GetTransaction().GetPendingTransactionId() != id || su.GetTransaction().GetAmountMinor() != -1295 ||
		su.GetTransaction().GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED ||
		s[0].GetEventId() != schemas.EventID(Name, acct, id+SettledSuffix, fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED) {
		t.Errorf("SETTLED: %v", s[0])
	}
	if h[0].GetEventId() == s[0].GetEventId() || h[0].GetAccountId() != s[0].GetAccountId() {
		t.Error("HELD and SETTLED must share the account and differ in event id")
	}

	// A deletion of the hold (a TRANSACTION_DELETED webhook keyed by the
	// account) removes X, the pending transaction.
	del := `{"data":{"type":"webhook-events","id":"e1","attributes":{"eventType":"TRANSACTION_DELETED","createdAt":"2024-08-05T10:00:00+10:00"},"relationships":{"webhook":{"data":{"type":"webhooks","id":"w1"}},"transaction":{"data":{"type":"transactions","id":"` + id + `"}}}}}`
	d, err := parseKey([]byte(del), acct)
	if err != nil {
		t.Fatal(err)
	}
	rm := d[0].GetRemoved()
	if rm.GetSourceTransactionId() != id || rm.GetAccountId() != h[0].GetAccountId() ||
		d[0].GetEventId() != schemas.EventID(Name, acct, id, fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED) {
		t.Errorf("DELETED: %v", d[0])
	}
	if _, err := parse([]byte(del)); err == nil || !strings.Contains(err.Error(), "record key must be the Up account id") {
		t.Errorf("DELETED without a key: %v", err)
	}
}

// resJSON is a valid single-transaction document that the rule tests modify.
func resJSON(attrMods map[string]any) string {
	attrs := map[string]any{
		"status": "SETTLED", "rawText": "SHOP 1", "description": "Shop",
		"amount":    map[string]any{"currencyCode": "AUD", "value": "-1.50", "valueInBaseUnits": json.Number("-150")},
		"settledAt": "2024-08-05T05:16:50+10:00", "createdAt": "2024-08-05T05:16:50+10:00",
	}
	for k, v := range attrMods {
		if v == "<del>" {
			delete(attrs, k)
			continue
		}
		attrs[k] = v
	}
	doc := map[string]any{"data": map[string]any{
		"type": "transactions", "id": "t1", "attributes": attrs,
		"relationships": map[string]any{"account": map[string]any{"data": map[string]any{"type": "accounts", "id": "a1"}}},
	}}
	b, _ := json.Marshal(doc)
	return string(b)
}

func amt(cur, value, base string) map[string]any {
	return map[string]any{"currencyCode": cur, "value": value, "valueInBaseUnits": json.Number(base)}
}

func TestRules(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"base", resJSON(nil), ""},
		{"held", resJSON(map[string]any{"status": "HELD", "settledAt": nil}), ""},
		{"empty list", `{"data":[],"links":{"prev":null,"next":null}}`, ""},
		{"held with settledAt", resJSON(map[string]any{"status": "HELD"}), "data.attributes.settledAt: must be null while status is HELD"},
		{"status bad", resJSON(map[string]any{"status": "PENDING"}), "data.attributes.status: 'PENDING' is not one of HELD, SETTLED"},
		{"disagreement", resJSON(map[string]any{"amount": amt("AUD", "-1.50", "-151")}), "data.attributes.amount: value '-1.50' is -150 minor units of AUD but valueInBaseUnits is -151"},
		{"too many decimals", resJSON(map[string]any{"amount": amt("AUD", "-1.505", "-150")}), "data.attributes.amount.value: amount '-1.505' has more decimals than AUD allows (2)"},
		{"base not integer", resJSON(map[string]any{"amount": amt("AUD", "-1.50", "-150.0")}), "data.attributes.amount.valueInBaseUnits: '-150.0' is not an integer that fits in 64 bits"},
		{"base string", resJSON(map[string]any{"amount": map[string]any{"currencyCode": "AUD", "value": "-1.50", "valueInBaseUnits": "-150"}}), "data.attributes.amount.valueInBaseUnits: must be an integer, not a string"},
		{"currency bad", resJSON(map[string]any{"amount": amt("AUS", "-1.50", "-150")}), "data.attributes.amount.currencyCode: 'AUS' is not an ISO 4217 code"},
		{"amount missing", resJSON(map[string]any{"amount": "<del>"}), "data.attributes.amount: required object"},
		{"createdAt bad", resJSON(map[string]any{"createdAt": "yesterday"}), "data.attributes.createdAt: 'yesterday' is not an RFC 3339 date-time"},
		{"createdAt year 0", resJSON(map[string]any{"createdAt": "0000-12-31T23:00:00Z"}), "data.attributes.createdAt: '0000-12-31T23:00:00Z' is outside the years 0001..9999 (UTC)"},
		{"no account", `{"data":{"type":"transactions","id":"t1","attributes":` + attrsOf(resJSON(nil)) + `,"relationships":{"account":{"data":null}}}}`, "data.relationships.account.data: required object"},
		{"other type", `{"data":{"type":"accounts","id":"a1"}}`, "data.type: 'accounts' is not a resource this parser reads (transactions, webhook-events)"},
		{"no data", `{"errors":[{"status":"401"}]}`, "data: required: a transactions or webhook-events resource, or a list of them"},
		{"duplicate in list", `{"data":[` + dataOf(resJSON(nil)) + `,` + dataOf(resJSON(nil)) + `]}`, "data[1]: same event as data[0] (a resource listed twice)"},
		{"webhook no createdAt", `{"data":{"type":"webhook-events","id":"e","attributes":{"eventType":"PING"},"relationships":{"webhook":{"data":{"type":"webhooks","id":"w"}}}}}`, "data.attributes.createdAt: required string"},
		{"webhook bad eventType", `{"data":{"type":"webhook-events","id":"e","attributes":{"eventType":"ping","createdAt":"2024-08-06T12:19:06+10:00"},"relationships":{"webhook":{"data":{"type":"webhooks","id":"w"}}}}}`, "data.attributes.eventType: 'ping' is not 1..128 characters of [A-Z_]"},
		{"webhook created without transaction", `{"data":{"type":"webhook-events","id":"e","attributes":{"eventType":"TRANSACTION_SETTLED","createdAt":"2024-08-06T12:19:06+10:00"},"relationships":{"webhook":{"data":{"type":"webhooks","id":"w"}}}}}`, "data.relationships.transaction: required object"},
		{"webhook nothing to notify", `{"data":{"type":"webhook-events","id":"e","attributes":{"eventType":"PING","createdAt":"2024-08-06T12:19:06+10:00"}}}`, "data.relationships: names neither a webhook nor a transaction: no connection to notify"},
		{"webhook future type", `{"data":{"type":"webhook-events","id":"e","attributes":{"eventType":"SOMETHING_NEW","createdAt":"2024-08-06T12:19:06+10:00"},"relationships":{"webhook":{"data":{"type":"webhooks","id":"w"}}}}}`, ""},
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

func dataOf(doc string) string {
	var m map[string]json.RawMessage
	_ = json.Unmarshal([]byte(doc), &m)
	return string(m["data"])
}

func attrsOf(doc string) string {
	var m map[string]json.RawMessage
	_ = json.Unmarshal([]byte(dataOf(doc)), &m)
	return string(m["attributes"])
}

func TestPayloadErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", " ", "payload: empty, not a JSON object"},
		{"array", "[]", "payload: not a JSON object"},
		{"malformed", `{"data":{]}`, "payload: malformed JSON at offset 10: invalid character ']' looking for beginning of object key string"},
		{"invalid utf-8", "{\"data\":\"\xc3\"}", "payload: invalid UTF-8 at offset 9"},
		{"deep", `{"data":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`, "payload: nesting deeper than 16 levels at offset 23"},
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
		f.Add(fx.b, "")
	}
	f.Add([]byte(`{"data":{"type":"webhook-events","id":"e1","attributes":{"eventType":"TRANSACTION_DELETED","createdAt":"2024-08-05T10:00:00+10:00"},"relationships":{"transaction":{"data":{"type":"transactions","id":"t"}}}}}`), "acct")
	f.Add([]byte(resJSON(map[string]any{"amount": amt("JPY", "-1", "-1")})), "")
	f.Fuzz(func(t *testing.T, b []byte, key string) {
		events, err := parseKey(b, key)
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
	for _, name := range []string{"GET_transactions_id_200.response", "GET_accounts_accountId_transactions_200.response", "CALLBACK_webhook_event_delivered_to_webhookURL.payload"} {
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
