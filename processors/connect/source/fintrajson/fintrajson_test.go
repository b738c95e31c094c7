package fintrajson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
	return New().Parse(source.Payload{Bytes: b, Key: "acc_7Hq2mX9", Origin: origin, IngestedAt: ingestedAt})
}

func TestParserInterface(t *testing.T) {
	var p source.Parser = New()
	if p.Name() != "fintra-json" || p.Framing() != source.FramingLines {
		t.Errorf("Name, Framing = %q, %v", p.Name(), p.Framing())
	}
	if _, err := source.NewRegistry(p); err != nil {
		t.Fatal(err)
	}
}

// TestGolden parses testdata/valid/*.json into *.golden.jsonl (events in
// their JSON form) and testdata/invalid/*.json into *.golden.txt (the
// error). go test -update rewrites the golden files.
func TestGolden(t *testing.T) {
	for _, dir := range []string{"valid", "invalid"} {
		inputs, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(inputs) == 0 {
			t.Fatalf("no inputs in testdata/%s", dir)
		}
		for _, in := range inputs {
			name := strings.TrimSuffix(filepath.Base(in), ".json")
			t.Run(dir+"/"+name, func(t *testing.T) {
				b, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				events, perr := parse(b)
				var got []byte
				var golden string
				if dir == "valid" {
					if perr != nil {
						t.Fatalf("Parse: %v", perr)
					}
					golden = strings.TrimSuffix(in, ".json") + ".golden.jsonl"
					got = sourcetest.Events(t, events)
				} else {
					if perr == nil {
						t.Fatalf("Parse accepted an invalid payload: %v", events)
					}
					golden = strings.TrimSuffix(in, ".json") + ".golden.txt"
					got = sourcetest.Rejection(t, perr, Name)
				}
				sourcetest.Golden(t, golden, got)
			})
		}
	}
}

// base is a valid created payload that the rule tests modify.
func base() map[string]any {
	return map[string]any{
		"account_id":     "acc_7Hq2mX9",
		"transaction_id": "txn_01HZX4K8P2Q",
		"status":         "pending",
		"amount_minor":   json.RawMessage("-575"),
		"currency":       "USD",
		"occurred_at":    "2026-03-14T08:42:17-07:00",
		"description":    "SQ *BLUE BOTTLE COFFEE",
	}
}

// del marks a key to remove from base.
type del struct{}

func payload(t testing.TB, mods map[string]any) []byte {
	m := base()
	for k, v := range mods {
		if _, ok := v.(del); ok {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func lit(s string) json.RawMessage { return json.RawMessage(s) }

func TestRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) }
	for _, tc := range []struct {
		name string
		mods map[string]any
		want string // the error, or "" for a valid payload
	}{
		{"base", nil, ""},
		{"account_id missing", map[string]any{"account_id": del{}}, "account_id: required string"},
		{"account_id empty", map[string]any{"account_id": ""}, "account_id: '' is not 1..128 characters of [A-Za-z0-9._:@-]"},
		{"account_id space", map[string]any{"account_id": "acc 1"}, "account_id: 'acc 1' is not 1..128 characters of [A-Za-z0-9._:@-]"},
		{"account_id all chars", map[string]any{"account_id": "a.b_c:d@e-F09"}, ""},
		{"account_id 128", map[string]any{"account_id": strings.Repeat("a", 128)}, ""},
		{"account_id 129", map[string]any{"account_id": strings.Repeat("a", 129)}, "account_id: '" + strings.Repeat("a", 64) + "…' is not 1..128 characters of [A-Za-z0-9._:@-]"},
		{"account_id number", map[string]any{"account_id": 7}, "account_id: must be a string, not a number"},
		{"transaction_id missing", map[string]any{"transaction_id": del{}}, "transaction_id: required string"},
		{"transaction_id empty", map[string]any{"transaction_id": ""}, "transaction_id: must not be empty"},
		{"transaction_id 128 runes", map[string]any{"transaction_id": long(128)}, ""},
		{"transaction_id 129 runes", map[string]any{"transaction_id": long(129)}, "transaction_id: is 129 characters, over the limit of 128"},
		{"type created", map[string]any{"type": "created"}, ""},
		{"type bad", map[string]any{"type": "Created"}, "type: 'Created' is not one of created, updated, removed"},
		{"type null", map[string]any{"type": nil}, "type: must be a string, not null"},
		{"status missing", map[string]any{"status": del{}}, "status: required string"},
		{"status bad", map[string]any{"status": "booked"}, "status: 'booked' is not one of pending, posted"},
		{"status removed", map[string]any{"status": "removed"}, "status: 'removed' is not one of pending, posted"},
		{"amount missing", map[string]any{"amount_minor": del{}}, "amount_minor: required integer"},
		{"amount zero", map[string]any{"amount_minor": lit("0")}, ""},
		{"amount negative zero", map[string]any{"amount_minor": lit("-0")}, ""},
		{"amount max", map[string]any{"amount_minor": lit("9223372036854775807")}, ""},
		{"amount min", map[string]any{"amount_minor": lit("-9223372036854775808")}, ""},
		{"amount over", map[string]any{"amount_minor": lit("9223372036854775808")}, "amount_minor: '9223372036854775808' does not fit in a signed 64-bit integer"},
		{"amount under", map[string]any{"amount_minor": lit("-9223372036854775809")}, "amount_minor: '-9223372036854775809' does not fit in a signed 64-bit integer"},
		{"amount float", map[string]any{"amount_minor": lit("12.5")}, "amount_minor: '12.5' is not an integer"},
		{"amount 1.0", map[string]any{"amount_minor": lit("1.0")}, "amount_minor: '1.0' is not an integer"},
		{"amount exponent", map[string]any{"amount_minor": lit("1e3")}, "amount_minor: '1e3' is not an integer (exponent notation)"},
		{"amount exponent E", map[string]any{"amount_minor": lit("1E+3")}, "amount_minor: '1E+3' is not an integer (exponent notation)"},
		{"amount string", map[string]any{"amount_minor": "-575"}, "amount_minor: must be an integer, not a string"},
		{"amount bool", map[string]any{"amount_minor": true}, "amount_minor: must be an integer, not a boolean"},
		{"amount null", map[string]any{"amount_minor": nil}, "amount_minor: must be an integer, not null"},
		{"amount object", map[string]any{"amount_minor": map[string]any{"value": 1}}, "amount_minor: must be an integer, not an object"},
		{"currency missing", map[string]any{"currency": del{}}, "currency: required string"},
		{"currency EURO", map[string]any{"currency": "EURO"}, "currency: 'EURO' is not an ISO 4217 code"},
		{"currency lower", map[string]any{"currency": "eur"}, "currency: 'eur' is not an ISO 4217 code (codes are upper case)"},
		{"currency withdrawn", map[string]any{"currency": "HRK"}, "currency: 'HRK' is not an ISO 4217 code"},
		{"currency XAU", map[string]any{"currency": "XAU"}, "currency: 'XAU' has no minor unit, so amount_minor cannot be expressed in it"},
		{"currency JPY", map[string]any{"currency": "JPY"}, ""},
		{"occurred_at missing", map[string]any{"occurred_at": del{}}, "occurred_at: required string"},
		{"occurred_at month 13", map[string]any{"occurred_at": "2026-13-01"}, "occurred_at: '2026-13-01' is not an RFC 3339 timestamp"},
		{"occurred_at no offset", map[string]any{"occurred_at": "2026-03-14T08:42:17"}, "occurred_at: '2026-03-14T08:42:17' is not an RFC 3339 timestamp"},
		{"occurred_at space", map[string]any{"occurred_at": "2026-03-14 08:42:17Z"}, "occurred_at: '2026-03-14 08:42:17Z' is not an RFC 3339 timestamp"},
		{"occurred_at fraction", map[string]any{"occurred_at": "2026-03-14T08:42:17.123456789+05:30"}, ""},
		{"occurred_at epoch", map[string]any{"occurred_at": lit("1773503000")}, "occurred_at: must be a string, not a number"},
		{"posted_at on posted", map[string]any{"status": "posted", "posted_at": "2026-03-15T00:00:00Z"}, ""},
		{"posted_at on pending", map[string]any{"posted_at": "2026-03-15T00:00:00Z"}, "posted_at: only allowed with status posted"},
		{"posted_at bad", map[string]any{"status": "posted", "posted_at": "2026-03-15"}, "posted_at: '2026-03-15' is not an RFC 3339 timestamp"},
		{"description 1024", map[string]any{"description": long(1024)}, ""},
		{"description 1025", map[string]any{"description": long(1025)}, "description: is 1025 characters, over the limit of 1024"},
		{"description empty", map[string]any{"description": ""}, ""},
		{"merchant_name 257", map[string]any{"merchant_name": long(257)}, "merchant_name: is 257 characters, over the limit of 256"},
		{"mcc ok", map[string]any{"mcc": "0742"}, ""},
		{"mcc short", map[string]any{"mcc": "581"}, "mcc: '581' is not 4 digits"},
		{"mcc letters", map[string]any{"mcc": "58a4"}, "mcc: '58a4' is not 4 digits"},
		{"mcc number", map[string]any{"mcc": lit("5814")}, "mcc: must be a string, not a number"},
		{"country lower", map[string]any{"country": "us"}, "country: 'us' is not an ISO 3166-1 alpha-2 code (2 letters A-Z)"},
		{"country alpha-3", map[string]any{"country": "USA"}, "country: 'USA' is not an ISO 3166-1 alpha-2 code (2 letters A-Z)"},
		{"city 129", map[string]any{"city": long(129)}, "city: is 129 characters, over the limit of 128"},
		{"source_account_id ok", map[string]any{"source_account_id": "DE89370400440532013000"}, ""},
		{"source_account_id bad", map[string]any{"source_account_id": "DE89 3704"}, "source_account_id: 'DE89 3704' is not 1..128 characters of [A-Za-z0-9._:@-]"},
		{"pending_transaction_id on created", map[string]any{"pending_transaction_id": "txn_0"}, "pending_transaction_id: only allowed with type updated"},
		{"revision on created", map[string]any{"revision": lit("1")}, "revision: only allowed with type updated"},
		{"reason on created", map[string]any{"reason": "duplicate"}, "reason: only allowed with type removed"},
		{"posting", map[string]any{"type": "updated", "status": "posted", "pending_transaction_id": "txn_0"}, ""},
		{"posting pending", map[string]any{"type": "updated", "pending_transaction_id": "txn_0"}, "status: must be posted with pending_transaction_id (a posting)"},
		{"posting empty id", map[string]any{"type": "updated", "status": "posted", "pending_transaction_id": ""}, "pending_transaction_id: must not be empty"},
		{"correction", map[string]any{"type": "updated", "revision": lit("2")}, ""},
		{"correction pending status", map[string]any{"type": "updated", "revision": lit("1"), "status": "pending"}, ""},
		{"correction zero", map[string]any{"type": "updated", "revision": lit("0")}, "revision: must be at least 1, got 0"},
		{"correction negative", map[string]any{"type": "updated", "revision": lit("-1")}, "revision: must be at least 1, got -1"},
		{"correction float", map[string]any{"type": "updated", "revision": lit("1.5")}, "revision: '1.5' is not an integer"},
		{"correction string", map[string]any{"type": "updated", "revision": "1"}, "revision: must be an integer, not a string"},
		{"updated neither", map[string]any{"type": "updated"}, "type: updated needs exactly one of pending_transaction_id (a posting) and revision (a correction)"},
		{"updated both", map[string]any{"type": "updated", "status": "posted", "pending_transaction_id": "txn_0", "revision": lit("1")},
			"type: updated needs exactly one of pending_transaction_id (a posting) and revision (a correction), got both"},
		{"updated needs amount", map[string]any{"type": "updated", "revision": lit("1"), "amount_minor": del{}, "currency": del{}},
			"amount_minor: required integer; currency: required string"},
		{"removed minimal", map[string]any{"type": "removed", "status": del{}, "amount_minor": del{}, "currency": del{}, "occurred_at": del{}, "description": del{}}, ""},
		{"removed full", map[string]any{"type": "removed", "reason": "authorization expired"}, ""},
		{"removed validates what it gets", map[string]any{"type": "removed", "currency": "EURO", "status": del{}}, "currency: 'EURO' is not an ISO 4217 code"},
		{"removed posted_at needs status posted", map[string]any{"type": "removed", "status": del{}, "posted_at": "2026-03-15T00:00:00Z"}, "posted_at: only allowed with status posted"},
		{"removed revision", map[string]any{"type": "removed", "revision": lit("1")}, "revision: only allowed with type updated"},
		{"removed reason 257", map[string]any{"type": "removed", "reason": long(257)}, "reason: is 257 characters, over the limit of 256"},
		{"removed needs ids", map[string]any{"type": "removed", "account_id": del{}, "transaction_id": del{}}, "account_id: required string; transaction_id: required string"},
		{"unknown type skips type rules", map[string]any{"type": "refund", "status": del{}, "revision": lit("1")}, "type: 'refund' is not one of created, updated, removed"},
		{"unknown field", map[string]any{"amout": lit("-575")}, "amout: unknown field"},
		{"unknown field, wrong case", map[string]any{"Currency": "USD"}, "Currency: unknown field"},
		{"unknown field, empty key", map[string]any{"": 1}, `"": unknown field`},
		{"unknown field, control char", map[string]any{"a\nb": 1}, `a\nb: unknown field`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := payload(t, tc.mods)
			events, err := parse(b)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse(%s): %v", b, err)
				}
				if len(events) != 1 {
					t.Fatalf("Parse(%s) = %d events", b, len(events))
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse(%s) accepted it", b)
			}
			if err.Error() != tc.want {
				t.Errorf("Parse(%s)\n got: %v\nwant: %s", b, err, tc.want)
			}
		})
	}
}

func TestPayloadErrors(t *testing.T) {
	valid := `{"account_id":"a","transaction_id":"t","status":"posted","amount_minor":1,"currency":"EUR","occurred_at":"2026-01-01T00:00:00Z"}`
	for _, tc := range []struct {
		name, in, want string
	}{
		{"surrounding whitespace", " \t\r\n" + valid + " \r\n", ""},
		{"empty", "", "payload: empty, not a JSON object"},
		{"blank", " \n ", "payload: empty, not a JSON object"},
		{"array", "[" + valid + "]", "payload: not a JSON object"},
		{"null", "null", "payload: not a JSON object"},
		{"number", "42", "payload: not a JSON object"},
		{"trailing", valid + "x", fmt.Sprintf("payload: trailing data after the JSON object at offset %d", len(valid))},
		{"trailing after space", valid + "  {}", fmt.Sprintf("payload: trailing data after the JSON object at offset %d", len(valid)+2)},
		{"second object", valid + valid, fmt.Sprintf("payload: trailing data after the JSON object at offset %d", len(valid))},
		{"truncated", valid[:40], "payload: malformed JSON: unexpected end at offset 40"},
		{"unclosed", `{"account_id":"a"`, "payload: malformed JSON: unexpected end at offset 17"},
		{"trailing comma", `{"account_id":"a",}`, "payload: malformed JSON at offset 18: invalid character '}' looking for beginning of object key string"},
		{"missing colon", `{"account_id" "a"}`, "payload: malformed JSON at offset 14: invalid character '\"' after object key"},
		{"bad escape", `{"account_id":"a\q"}`, "payload: malformed JSON at offset 14: invalid character 'q' in string escape code"},
		{"raw newline in string", "{\"account_id\":\"a\nb\"}", "payload: malformed JSON at offset 14: invalid character '\\n' in string literal"},
		{"NaN", `{"amount_minor":NaN}`, "payload: malformed JSON at offset 16: invalid character 'N' looking for beginning of value"},
		{"leading zero", `{"amount_minor":0123}`, "payload: malformed JSON at offset 17: invalid character '1' after object key:value pair"},
		{"plus sign", `{"amount_minor":+1}`, "payload: malformed JSON at offset 16: invalid character '+' looking for beginning of value"},
		{"invalid utf-8", "{\"description\":\"caf\xe9\"}", "payload: invalid UTF-8 at offset 19"},
		{"bom", "\xef\xbb\xbf" + valid, "payload: malformed JSON at offset 0: invalid character 'ï' looking for beginning of value"},
		{"too large", `{"description":"` + strings.Repeat("x", MaxPayload) + `"}`, fmt.Sprintf("payload: %d bytes is over the 65536-byte limit", MaxPayload+18)},
		{"duplicate key", `{"account_id":"a","account_id":"b"}`, "account_id: duplicate key; transaction_id: required string; status: required string; amount_minor: required integer; currency: required string; occurred_at: required string"},
		{"duplicate unknown key", `{"x":1,"x":2,"account_id":"a","transaction_id":"t","type":"removed"}`, "x: unknown field; x: duplicate key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := parse([]byte(tc.in))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse accepted it: %v", events)
			}
			if err.Error() != tc.want {
				t.Errorf("\n got: %v\nwant: %s", err, tc.want)
			}
		})
	}
}

func TestProblemsAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"account_id":"a","transaction_id":"t","type":"removed"`)
	for i := range 1000 {
		fmt.Fprintf(&b, `,"k%d":1`, i)
	}
	b.WriteString("}")
	_, err := parse([]byte(b.String()))
	var ve *source.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Parse: %v", err)
	}
	if len(ve.Problems) != source.MaxProblems+1 {
		t.Fatalf("%d problems listed, want %d", len(ve.Problems), source.MaxProblems+1)
	}
	if got, want := ve.Problems[source.MaxProblems].Error(), "payload: 950 more problems not listed"; got != want {
		t.Errorf("last problem %q, want %q", got, want)
	}
}

// TestMapping checks the event fields that the golden files show only as
// opaque values: the event ids and the pointers that must not be shared.
func TestMapping(t *testing.T) {
	read := func(name string) *fintrav1.Event {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "valid", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		events, err := parse(b)
		if err != nil || len(events) != 1 {
			t.Fatalf("%s: %v, %d events", name, err, len(events))
		}
		return events[0]
	}

	created := read("card_purchase_pending")
	if want := schemas.EventID(Name, "acc_7Hq2mX9", "txn_01HZX4K8P2Q", fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED); created.GetEventId() != want {
		t.Errorf("created event id %s, want %s", created.GetEventId(), want)
	}
	if created.GetOrigin() == origin || !proto.Equal(created.GetOrigin(), origin) {
		t.Errorf("origin %v must be an equal copy of %v", created.GetOrigin(), origin)
	}
	if got := created.GetOccurredAt().AsTime(); !got.Equal(time.Date(2026, 3, 14, 15, 42, 17, 0, time.UTC)) {
		t.Errorf("occurred_at %v, want 15:42:17 UTC", got)
	}

	posting := read("card_purchase_posted_with_tip")
	up := posting.GetUpdated()
	if up.GetReason() != fintrav1.UpdateReason_UPDATE_REASON_POSTED || up.GetSupersedesSourceTransactionId() != "txn_01HZX4K8P2Q" ||
		up.GetTransaction().GetPendingTransactionId() != "txn_01HZX4K8P2Q" {
		t.Errorf("posting: %v", up)
	}
	if want := schemas.EventID(Name, "acc_7Hq2mX9", "txn_01HZX9T3V7R", fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED); posting.GetEventId() != want {
		t.Errorf("posting event id %s, want %s", posting.GetEventId(), want)
	}

	correction := read("correction")
	if want := schemas.EventID(Name, "acc_de_44021", "2026030900161230#r1", fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED); correction.GetEventId() != want {
		t.Errorf("correction event id %s, want %s", correction.GetEventId(), want)
	}
	if c := correction.GetUpdated(); c.GetReason() != fintrav1.UpdateReason_UPDATE_REASON_CORRECTION ||
		c.GetSupersedesSourceTransactionId() != "2026030900161230" || c.GetTransaction().GetRevision() != 1 ||
		c.GetTransaction().GetSourceTransactionId() != "2026030900161230" {
		t.Errorf("correction: %v", c)
	}

	removed := read("removed_expired_pending")
	if want := schemas.EventID(Name, "acc_7Hq2mX9", "txn_01HZW2B6N1C", fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED); removed.GetEventId() != want {
		t.Errorf("removed event id %s, want %s", removed.GetEventId(), want)
	}
	if !removed.GetOccurredAt().AsTime().Equal(ingestedAt) {
		t.Errorf("removed occurred_at %v, want the ingestion time", removed.GetOccurredAt().AsTime())
	}

	salary := read("salary_source_account")
	tx := salary.GetCreated().GetTransaction()
	if tx.GetAccountId() != "acc_fr_9001" || tx.GetSourceAccountId() != "FR7630006000011234567890189" {
		t.Errorf("salary account ids %q, %q", tx.GetAccountId(), tx.GetSourceAccountId())
	}
	if want := schemas.EventID(Name, "FR7630006000011234567890189", "VIR-2026-02-28-0001", fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED); salary.GetEventId() != want {
		t.Errorf("salary event id keys on source_account_id: %s, want %s", salary.GetEventId(), want)
	}
	if tx.GetAmountMinor() != 352017 {
		t.Errorf("amount %d", tx.GetAmountMinor())
	}
}

// TestDeterministic: the same payload yields the same events at any time.
func TestDeterministic(t *testing.T) {
	b := payload(t, nil)
	a, err := parse(b)
	if err != nil {
		t.Fatal(err)
	}
	c, err := parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(a[0], c[0]) {
		t.Errorf("two parses differ:\n%v\n%v", a[0], c[0])
	}
}

// FuzzParse checks that Parse never panics, that it accepts only valid JSON
// objects, that a rejection is always a ValidationError, and that what it
// accepts keeps the contract's invariants.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		inputs, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		for _, in := range inputs {
			b, err := os.ReadFile(in)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"a":[{"b":[[]]}],"account_id":"a","transaction_id":"t","type":"removed"}`))
	f.Add([]byte(`{"account_id":"a","transaction_id":"\ud83d\ude00","type":"removed"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		events, err := parse(b)
		if err != nil {
			var ve *source.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 || events != nil {
				t.Fatalf("Parse(%q) = %v, %T %v", b, events, err, err)
			}
			// A problem with a field other than payload means the JSON was read.
			if ve.Problems[0].Field != "payload" && !json.Valid(b) {
				t.Fatalf("Parse(%q) read invalid JSON: %v", b, err)
			}
			return
		}
		if !json.Valid(b) || !utf8Object(b) {
			t.Fatalf("Parse accepted %q", b)
		}
		if len(events) != 1 {
			t.Fatalf("Parse(%q) = %d events", b, len(events))
		}
		ev := events[0]
		if ev.GetEventId() == "" || ev.GetAccountId() == "" || ev.GetPayload() == nil || ev.GetOccurredAt() == nil {
			t.Fatalf("Parse(%q) = incomplete event %v", b, ev)
		}
		if tx := ev.GetCreated().GetTransaction(); tx != nil {
			if tx.GetCurrency() == "" || tx.GetStatus() == fintrav1.TransactionStatus_TRANSACTION_STATUS_UNSPECIFIED || !tx.GetOccurredAt().IsValid() {
				t.Fatalf("Parse(%q) = created without currency, status or time: %v", b, tx)
			}
		}
		if _, err := schemas.MarshalJSON(ev); err != nil {
			t.Fatal(err)
		}
		if _, err := proto.Marshal(ev); err != nil {
			t.Fatal(err)
		}
	})
}

// utf8Object reports whether b is one JSON object whose keys are all unique,
// as decoded by encoding/json into a map (a second, independent reading).
func utf8Object(b []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil || m == nil {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return false
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return false
		}
		keys = append(keys, k.(string))
	}
	slices.Sort(keys)
	return len(slices.Compact(keys)) == len(m)
}

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"card_purchase_pending", "card_purchase_posted_with_tip", "removed_expired_pending"} {
		in, err := os.ReadFile(filepath.Join("testdata", "valid", name+".json"))
		if err != nil {
			b.Fatal(err)
		}
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
	b.Run("invalid_many_problems", func(b *testing.B) {
		in, err := os.ReadFile(filepath.Join("testdata", "invalid", "many_problems.json"))
		if err != nil {
			b.Fatal(err)
		}
		p := New()
		pl := source.Payload{Bytes: in, IngestedAt: ingestedAt}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Parse(pl); err == nil {
				b.Fatal("accepted")
			}
		}
	})
}

// FuzzWalk checks that the fast split of a valid payload reads exactly
// what the token walk reads, and that neither panics on anything.
func FuzzWalk(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		inputs, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
		for _, in := range inputs {
			b, err := os.ReadFile(in)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"description":"caf\u00e9 \"quoted\" \\ \/","mcc":"5814","revision":-0,"city":null,"country":[{"}":"]"}],"reason":{"a":"\"}"}}`))
	f.Add([]byte(` { "account_id" : "a" , "amount_minor" : 1.5e-3 } `))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast raw
		ok := splitValid(b, &fast) // must not panic even on invalid input
		if !ok || !json.Valid(b) || !utf8.Valid(b) {
			return // walk rejects invalid UTF-8 before either reading
		}
		var slow raw
		probs := source.Problems{Source: Name, Field: "payload"}
		if err := tokenWalk(b, &slow, &probs); err != nil || probs.Len() > 0 {
			t.Fatalf("split accepted %q, the token walk says %v %v", b, err, probs.Err())
		}
		if fast != slow {
			t.Fatalf("readings of %q differ:\nsplit: %+v\ntoken: %+v", b, fast, slow)
		}
	})
}

// TestContext: the optional "context" object reaches the canonical
// transaction, and each of its rules names the key.
func TestContext(t *testing.T) {
	full := lit(`{"channel":"card_not_present","device_id":"d-81f2","ip_address":"2001:db8::7","email_domain":"example.co.uk",
		"user_agent":"Mozilla/5.0","billing_country":"GB","billing_postal_code":"SW1A 1AA","latitude":51.5,"longitude":-0.12,"declined":true}`)
	events, err := parse(payload(t, map[string]any{"context": full}))
	if err != nil {
		t.Fatal(err)
	}
	got := events[0].GetCreated().GetTransaction().GetContext()
	want := &fintrav1.PaymentContext{Channel: fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT, DeviceId: "d-81f2", IpAddress: "2001:db8::7",
		EmailDomain: "example.co.uk", UserAgent: "Mozilla/5.0", BillingCountry: "GB", BillingPostalCode: "SW1A 1AA",
		HasLocation: true, Latitude: 51.5, Longitude: -0.12, Declined: true}
	if !proto.Equal(got, want) {
		t.Fatalf("context %v, want %v", got, want)
	}
	// 0,0 is a place: given, it is a location.
	events, err = parse(payload(t, map[string]any{"context": lit(`{"latitude":0,"longitude":0}`)}))
	if err != nil || !events[0].GetCreated().GetTransaction().GetContext().GetHasLocation() {
		t.Fatalf("0,0: %v %v", events, err)
	}
	if events, err := parse(payload(t, nil)); err != nil || events[0].GetCreated().GetTransaction().GetContext() != nil {
		t.Fatalf("no context: %v %v", events, err)
	}

	for _, tc := range []struct{ ctx, want string }{
		{`"card"`, "context: must be an object, not a string"},
		{`[]`, "context: must be an object, not an array"},
		{`{"channel":"online"}`, "context.channel: 'online' is not one of card_present, card_not_present, transfer, atm"},
		{`{"ip_address":"999.1.1.1"}`, "context.ip_address: '999.1.1.1' is not an IPv4 or IPv6 address"},
		{`{"email_domain":"someone@example.com"}`, "context.email_domain: 'someone@example.com' is not a lower-case domain name such as example.com (the part after @, without it)"},
		{`{"billing_country":"gb"}`, "context.billing_country: 'gb' is not an ISO 3166-1 alpha-2 code (2 letters A-Z)"},
		{`{"latitude":12.5}`, "context.latitude: latitude and longitude go together: give both or neither"},
		{`{"latitude":91,"longitude":181}`, "context.latitude: 91 is outside -90..90 degrees; context.longitude: 181 is outside -180..180 degrees"},
		{`{"latitude":"12.5","longitude":1}`, "context: latitude: must be a number, not a JSON string"},
		{`{"declined":"yes"}`, "context: declined: must be a boolean, not a JSON string"},
		{`{"device":"x"}`, `context: unknown field "device" (known: channel, device_id, ip_address, email_domain, user_agent, billing_country, billing_postal_code, latitude, longitude, declined)`},
		{`{"device_id":"` + strings.Repeat("x", 129) + `"}`, "context.device_id: is 129 characters, over the limit of 128"},
	} {
		_, err := parse(payload(t, map[string]any{"context": lit(tc.ctx)}))
		if err == nil || err.Error() != tc.want {
			t.Errorf("context %s:\n got: %v\nwant: %s", tc.ctx, err, tc.want)
		}
	}
	// The slow token walk (taken for unknown keys) reads the context too.
	_, err = parse(payload(t, map[string]any{"amout": 1, "context": lit(`{ "channel" : "x" }`)}))
	if err == nil || err.Error() != "amout: unknown field; context.channel: 'x' is not one of card_present, card_not_present, transfer, atm" {
		t.Fatalf("token walk: %v", err)
	}
	// Problems of the context are listed with the others.
	_, err = parse(payload(t, map[string]any{"currency": "EURO", "context": lit(`{"channel":"x"}`)}))
	if err == nil || err.Error() != "currency: 'EURO' is not an ISO 4217 code; context.channel: 'x' is not one of card_present, card_not_present, transfer, atm" {
		t.Fatalf("combined problems: %v", err)
	}
}
