package adyen

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/sourcetest"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

var (
	ingestedAt = time.Date(2026, 3, 16, 9, 26, 53, 0, time.UTC)
	origin     = &fintrav1.Origin{Topic: string(schemas.TopicConnectRaw), Partition: 2, Offset: 11}
)

func parse(b []byte) ([]*fintrav1.Event, error) {
	return New().Parse(source.Payload{Bytes: b, Origin: origin, IngestedAt: ingestedAt})
}

func TestParserInterface(t *testing.T) {
	var p source.Parser = New()
	if p.Name() != "adyen" || p.Framing() != source.FramingDocument {
		t.Errorf("Name, Framing = %q, %v", p.Name(), p.Framing())
	}
	var _ source.Detector = New()
}

// fixtures are the copied upstream notification files (not the examples
// collections), unchanged.
func fixtures(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	return files
}

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func read(t testing.TB, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b)
}

// firstItem is the NotificationRequestItem of a one-item fixture.
func firstItem(t testing.TB, name string) map[string]any {
	m := read(t, filepath.Join("testdata", name))
	return m["notificationItems"].([]any)[0].(map[string]any)["NotificationRequestItem"].(map[string]any)
}

func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func notification(t testing.TB, items ...map[string]any) []byte {
	var list []any
	for _, it := range items {
		list = append(list, map[string]any{"NotificationRequestItem": it})
	}
	b, err := json.MarshalIndent(map[string]any{"live": "false", "notificationItems": list}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func amt(cur string, v int64) map[string]any {
	return map[string]any{"currency": cur, "value": json.Number(strconv.FormatInt(v, 10))}
}

type testCase struct {
	name    string
	payload []byte
}

// examples reads an OpenAPI examples collection: each example's payload,
// by name, sorted.
func examples(t testing.TB, file string) []testCase {
	b, err := os.ReadFile(filepath.Join("testdata", "openapi-examples", file))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var out []testCase
	for k, v := range m {
		out = append(out, testCase{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// cases are notifications built from the fixtures' items, one per rule.
func cases(t testing.TB) []testCase {
	auth := firstItem(t, "authorisation-true.json")
	capture := firstItem(t, "capture-true.json")
	refund := firstItem(t, "refund-true.json")
	chargeback := firstItem(t, "chargeback.json")
	bp := read(t, "testdata/balancePlatform-transaction-created.json")
	bpData := bp["data"].(map[string]any)
	enc := func(m map[string]any) []byte {
		b, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ex := map[string][]byte{}
	for _, e := range examples(t, "Webhooks-v1.examples.json") {
		ex[e.name] = e.payload
	}
	exItem := func(name string) map[string]any {
		m := decode(t, ex[name])
		return m["notificationItems"].([]any)[0].(map[string]any)["NotificationRequestItem"].(map[string]any)
	}
	// One payment's lifecycle, batched: authorised, captured, partly
	// refunded, charged back.
	payment := func(code, psp, orig string, v int64) map[string]any {
		return with(auth, "eventCode", code, "pspReference", psp, "originalReference", orig, "amount", amt("EUR", v), "operations", nil)
	}
	return []testCase{
		{"batch.lifecycle", notification(t,
			payment("AUTHORISATION", "8815000000000001", "", 10100),
			payment("CAPTURE", "8815000000000002", "8815000000000001", 10100),
			payment("REFUND", "8815000000000003", "8815000000000001", 2500),
			payment("CHARGEBACK", "8815000000000004", "8815000000000001", 7600),
		)},
		{"batch.two.merchants", notification(t, auth, with(auth, "merchantAccountCode", "OtherMerchant"))},
		{"authorisation.false", notification(t, with(auth, "success", "false"))},
		{"success.boolean", notification(t, with(capture, "success", true))},
		{"cancel_or_refund.cancel", notification(t, exItem("post-CANCEL_OR_REFUND-cancel_or_refund"))},
		{"cancel_or_refund.refund", notification(t, with(exItem("post-CANCEL_OR_REFUND-cancel_or_refund"), "additionalData", map[string]any{"modification.action": "refund"}))},
		{"refund_failed", notification(t, exItem("post-REFUND_FAILED-refund_failed"))},
		{"capture_failed", notification(t, exItem("post-CAPTURE_FAILED-capture_failed"))},
		{"chargeback_reversed", notification(t, exItem("post-CHARGEBACK_REVERSED-chargeback_reversed"))},
		{"expire", notification(t, exItem("post-EXPIRE-expire"))},
		{"additional.mcc.shopper", notification(t, with(auth, "additionalData", map[string]any{"mcc": "5812", "shopperName": " Jenny Rosen ", "hmacSignature": "x"}))},
		{"currency.isk", notification(t, with(auth, "amount", amt("ISK", 279000)))},
		{"currency.clp", notification(t, with(auth, "amount", amt("CLP", 1500000)))},
		{"currency.idr", notification(t, with(auth, "amount", amt("IDR", 15000)))},
		{"currency.cve", notification(t, with(auth, "amount", amt("CVE", 500)))},
		{"currency.jpy", notification(t, with(refund, "amount", amt("JPY", 1200)))},
		{"currency.kwd", notification(t, with(refund, "amount", amt("KWD", 5125)))},
		{"balancePlatform.transaction.created.pending", enc(with(bp, "data", with(bpData, "status", "pending")))},
		{"balancePlatform.transaction.updated.booked", enc(with(bp, "type", "balancePlatform.transaction.updated"))},
		// Rejections.
		{"reject.currency.isk.fractional", notification(t, with(auth, "amount", amt("ISK", 279050)))},
		{"reject.currency.lower", notification(t, with(auth, "amount", amt("eur", 100)))},
		{"reject.eventcode.unsupported", ex["post-REPORT_AVAILABLE-report_available"]},
		{"reject.one.bad.item", notification(t, auth, with(chargeback, "eventCode", "SOMETHING_NEW"), with(capture, "originalReference", nil, "eventDate", "25/01/2017"))},
		{"reject.success.bad", notification(t, with(auth, "success", "yes"))},
		{"reject.amount.float", notification(t, with(refund, "amount", map[string]any{"currency": "EUR", "value": json.Number("15.00")}))},
		{"reject.amount.missing", notification(t, with(refund, "amount", nil))},
		{"reject.duplicate.item", notification(t, auth, auth)},
		{"reject.cancel_or_refund.unknown.action", notification(t, with(exItem("post-CANCEL_OR_REFUND-cancel_or_refund"), "additionalData", map[string]any{}))},
		{"reject.empty.items", []byte(`{"live":"false","notificationItems":[]}`)},
		{"reject.balancePlatform.transfer", examples(t, "BalancePlatformTransferNotification-v4.examples.json")[0].payload},
		{"reject.balancePlatform.status", enc(with(bp, "data", with(bpData, "status", "received")))},
		{"reject.balancePlatform.no.account", enc(with(bp, "data", with(bpData, "balanceAccount", nil)))},
	}
}

func render(t *testing.T, events []*fintrav1.Event, perr error) []byte {
	t.Helper()
	if perr != nil {
		return sourcetest.Rejection(t, perr, Name)
	}
	return sourcetest.Events(t, events)
}

func suffix(err error) string {
	if err != nil {
		return ".golden.err"
	}
	return ".golden.jsonl"
}

// TestGolden: every fixture file, every case, and every OpenAPI example
// against its golden.
func TestGolden(t *testing.T) {
	for _, in := range fixtures(t) {
		t.Run(in, func(t *testing.T) {
			b, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			events, perr := parse(b)
			sourcetest.Golden(t, strings.TrimSuffix(in, ".json")+suffix(perr), render(t, events, perr))
		})
	}
	if err := os.MkdirAll(filepath.Join("testdata", "cases"), 0o755); err != nil && sourcetest.Update() {
		t.Fatal(err)
	}
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			events, perr := parse(c.payload)
			if strings.HasPrefix(c.name, "reject.") != (perr != nil) {
				t.Errorf("Parse: %v", perr)
			}
			sourcetest.Golden(t, filepath.Join("testdata", "cases", c.name+suffix(perr)), render(t, events, perr))
		})
	}
	// An examples collection's golden lists each example by name, then its
	// events or its error.
	files, _ := filepath.Glob(filepath.Join("testdata", "openapi-examples", "*.examples.json"))
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			var got []byte
			for _, e := range examples(t, filepath.Base(f)) {
				events, perr := parse(e.payload)
				got = append(got, "## "+e.name+"\n"...)
				got = append(got, render(t, events, perr)...)
			}
			sourcetest.Golden(t, strings.TrimSuffix(f, ".json")+".golden.txt", got)
		})
	}
}

// adyenScale is the test's own table of the currencies whose Adyen minor
// unit differs from ISO 4217, for the cases.
func adyenScale(cur string, v int64) int64 {
	switch cur {
	case "ISK", "CLP":
		return v / 100
	case "IDR", "CVE":
		return v * 100
	}
	return v
}

// independent computes, from the payload alone, what each currency's
// events must sum to in the merchant's (or balance account's) view.
func independent(t testing.TB, b []byte) map[string]int64 {
	m := decode(t, b)
	sums := map[string]int64{}
	add := func(a map[string]any, sign int64) {
		c := a["currency"].(string)
		v, _ := strconv.ParseInt(string(a["value"].(json.Number)), 10, 64)
		sums[c] += sign * adyenScale(c, v)
	}
	if typ, _ := m["type"].(string); strings.HasPrefix(typ, "balancePlatform.") {
		add(m["data"].(map[string]any)["amount"].(map[string]any), 1)
	}
	items, _ := m["notificationItems"].([]any)
	for _, w := range items {
		it := w.(map[string]any)["NotificationRequestItem"].(map[string]any)
		if it["success"] != "true" && it["success"] != true {
			continue
		}
		code := it["eventCode"].(string)
		if code == "CANCEL_OR_REFUND" {
			if ad, _ := it["additionalData"].(map[string]any); ad["modification.action"] == "refund" {
				code = "REFUND"
			}
		}
		switch code {
		case "AUTHORISATION", "CAPTURE", "REFUND_FAILED", "REFUNDED_REVERSED", "CHARGEBACK_REVERSED":
			add(it["amount"].(map[string]any), 1)
		case "REFUND", "CHARGEBACK", "CAPTURE_FAILED", "SECOND_CHARGEBACK":
			add(it["amount"].(map[string]any), -1)
		}
	}
	for c, s := range sums {
		if s == 0 {
			delete(sums, c)
		}
	}
	return sums
}

func allPayloads(t testing.TB) []testCase {
	var out []testCase
	for _, in := range fixtures(t) {
		b, _ := os.ReadFile(in)
		out = append(out, testCase{in, b})
	}
	out = append(out, cases(t)...)
	files, _ := filepath.Glob(filepath.Join("testdata", "openapi-examples", "*.examples.json"))
	for _, f := range files {
		out = append(out, examples(t, filepath.Base(f))...)
	}
	return out
}

// TestSums checks every accepted payload: the events' amounts per currency
// sum to what the payload says independently, and event ids are unique.
func TestSums(t *testing.T) {
	checked := 0
	for _, c := range allPayloads(t) {
		events, err := parse(c.payload)
		if err != nil {
			continue
		}
		checked++
		got := map[string]int64{}
		ids := map[string]bool{}
		for _, ev := range events {
			if ids[ev.GetEventId()] {
				t.Errorf("%s: event id %s twice", c.name, ev.GetEventId())
			}
			ids[ev.GetEventId()] = true
			tx := ev.GetCreated().GetTransaction()
			if tx == nil {
				tx = ev.GetUpdated().GetTransaction()
			}
			got[tx.GetCurrency()] += tx.GetAmountMinor()
		}
		for c, s := range got {
			if s == 0 {
				delete(got, c)
			}
		}
		want := independent(t, c.payload)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: sums %v, want %v", c.name, got, want)
		}
	}
	if checked < 30 {
		t.Errorf("only %d payloads accepted", checked)
	}
}

// TestLifecycle checks the links between one payment's events.
func TestLifecycle(t *testing.T) {
	var batch []byte
	for _, c := range cases(t) {
		if c.name == "batch.lifecycle" {
			batch = c.payload
		}
	}
	evs, err := parse(batch)
	if err != nil || len(evs) != 4 {
		t.Fatalf("%v, %d events", err, len(evs))
	}
	auth := evs[0].GetCreated().GetTransaction()
	capture := evs[1].GetUpdated()
	refund := evs[2].GetCreated().GetTransaction()
	cb := evs[3].GetCreated().GetTransaction()
	if auth.GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING || auth.GetAmountMinor() != 10100 ||
		capture.GetSupersedesSourceTransactionId() != auth.GetSourceTransactionId() ||
		capture.GetTransaction().GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED ||
		refund.GetLinkedSourceTransactionId() != auth.GetSourceTransactionId() || refund.GetAmountMinor() != -2500 ||
		cb.GetLinkedSourceTransactionId() != auth.GetSourceTransactionId() || cb.GetAmountMinor() != -7600 {
		t.Errorf("lifecycle:\n%v\n%v\n%v\n%v", auth, capture, refund, cb)
	}
	for _, ev := range evs {
		if ev.GetAccountId() != "adyen:MagentoMerchantTest2" {
			t.Errorf("account %s", ev.GetAccountId())
		}
	}
	if want := schemas.EventID(Name, "MagentoMerchantTest2", "8815000000000002", fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED); evs[1].GetEventId() != want {
		t.Errorf("capture event id %s, want %s", evs[1].GetEventId(), want)
	}
	b, _ := os.ReadFile("testdata/cancellation-true.json")
	evs, err = parse(b)
	if err != nil || evs[0].GetRemoved().GetSourceTransactionId() != "8313547924770610" {
		t.Errorf("cancellation removes the authorisation: %v %v", evs, err)
	}
}

func TestToMinor(t *testing.T) {
	for _, tc := range []struct {
		cur      string
		in, want int64
		err      string
	}{
		{"EUR", 10100, 10100, ""},
		{"JPY", 1200, 1200, ""},
		{"KWD", 5125, 5125, ""},
		{"ISK", 279000, 2790, ""},
		{"CLP", -1500000, -15000, ""},
		{"IDR", 15000, 1500000, ""},
		{"CVE", 500, 50000, ""},
		{"ISK", 279050, 0, "x: 279050 is not a whole number of ISK minor units: Adyen states ISK with 2 decimals, ISO 4217 with 0"},
		{"IDR", 1 << 62, 0, "x: 4611686018427387904 IDR overflows int64 minor units"},
	} {
		p := source.Problems{Source: Name, Field: "payload"}
		got, ok := toMinor(&p, "x", tc.in, tc.cur)
		if tc.err != "" {
			if ok || p.Err() == nil || p.Err().Error() != tc.err {
				t.Errorf("%d %s: %d %v, want %q", tc.in, tc.cur, got, p.Err(), tc.err)
			}
			continue
		}
		if !ok || got != tc.want {
			t.Errorf("%d %s = %d %v, want %d", tc.in, tc.cur, got, p.Err(), tc.want)
		}
	}
}

func TestPayloadErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", " ", "payload: empty, not a JSON object"},
		{"array", `[]`, "payload: not a JSON object"},
		{"malformed", `{"notificationItems":[`, "payload: malformed JSON at offset 22: unexpected end of JSON input"},
		{"neither", `{"live":"false"}`, "payload: neither a standard notification (notificationItems) nor a Balance Platform notification (type)"},
		{"items not array", `{"notificationItems":{}}`, "notificationItems: must be an array, not an object"},
		{"item not object", `{"notificationItems":[{"NotificationRequestItem":"x"}]}`, "notificationItems[0].NotificationRequestItem: required object"},
		{"item field type", `{"notificationItems":[{"NotificationRequestItem":{"eventCode":7}}]}`, "notificationItems[0].NotificationRequestItem.eventCode: must be a string, not a JSON number"},
		{"missing everything", `{"notificationItems":[{"NotificationRequestItem":{"eventCode":"REFUND","success":"true"}}]}`,
			"notificationItems[0].NotificationRequestItem.pspReference: required string; notificationItems[0].NotificationRequestItem.merchantAccountCode: required string; notificationItems[0].NotificationRequestItem.eventDate: '' is not an RFC 3339 timestamp; notificationItems[0].NotificationRequestItem.originalReference: required string for REFUND; notificationItems[0].NotificationRequestItem.amount: required object"},
		{"deep", strings.Repeat("[", 50) + strings.Repeat("]", 50), "payload: JSON nested 50 levels deep, over the limit of 32"},
		{"type number", `{"type":5}`, "type: must be a string, not a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("accepted: %v", events)
			}
			if err.Error() != tc.want {
				t.Errorf("\n got: %v\nwant: %s", err, tc.want)
			}
		})
	}
	var b strings.Builder
	b.WriteString(`{"notificationItems":[`)
	for i := range maxItems + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"NotificationRequestItem":{"eventCode":"OFFER_CLOSED","success":"true"}}`)
	}
	b.WriteString("]}")
	if _, err := parse([]byte(b.String())); err == nil || err.Error() != "notificationItems: 1001 items is over the limit of 1000" {
		t.Errorf("too many items: %v", err)
	}
}

// TestDetect: Detect claims every Adyen fixture and example, and nothing
// of the other formats.
func TestDetect(t *testing.T) {
	p := New()
	// Not notifications of the two supported families: a response body, and
	// the direct-debit notices ({"type": "ach.notificationOfChange"}).
	notOurs := map[string]bool{
		"WebhookAck": true,
		"post-ACH_NOTIFICATION_OF_CHANGE-ach_notification_of_change":           true,
		"post-DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION-ach_notice_of_change": true,
		"post-DIRECT_DEBIT_NOTICE_OF_CHANGE_NOTIFICATION-eft_notice_of_change": true,
	}
	for _, c := range allPayloads(t) {
		if p.Detect(c.payload) == notOurs[c.name] {
			t.Errorf("Detect(%s) = %v", c.name, notOurs[c.name])
		}
	}
	for _, s := range []string{
		`{"account_id":"acc_1","transaction_id":"t1","status":"posted","amount_minor":-575,"currency":"USD","occurred_at":"2026-03-14T08:42:17Z"}`,
		`{"type":"charge.succeeded","object":"event","id":"evt_1"}`, `{"notificationItems":"x"}`, `[]`, ``,
	} {
		if p.Detect([]byte(s)) {
			t.Errorf("Detect(%s) = true", s)
		}
	}
	root := "/work/shared/data"
	if _, err := os.Stat(root); err != nil {
		t.Skip("/work/shared/data is absent: the other formats' fixtures are not checked")
	}
	n := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "/adyen-webhooks/") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		if p.Detect(b) {
			t.Errorf("Detect(%s) = true", path)
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Errorf("walk: %v, %d files", err, n)
	}
}

func TestDeterministic(t *testing.T) {
	for _, c := range allPayloads(t) {
		a, errA := parse(c.payload)
		b, errB := parse(c.payload)
		if (errA == nil) != (errB == nil) || len(a) != len(b) {
			t.Fatalf("%s: two parses differ", c.name)
		}
		for i := range a {
			if !proto.Equal(a[i], b[i]) {
				t.Errorf("%s: event %d differs", c.name, i)
			}
		}
	}
}

// hmacB64 is the test's own HMAC: base64(HMAC-SHA256(hex-decoded key, data)).
func hmacB64(t *testing.T, hexKey, data string) string {
	key, err := hex.DecodeString(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestVerifyHMAC(t *testing.T) {
	// Published vectors of Adyen's own libraries (MIT): the Ruby library's
	// spec/utils/hmac_validator_spec.rb and the PHP library's
	// tests/Adyen/Util/HmacSignatureTest.php sign the same item with two keys.
	item := func(sig string) []byte {
		return []byte(`{"additionalData":{"hmacSignature":"` + sig + `"},"amount":{"value":1130,"currency":"EUR"},` +
			`"pspReference":"7914073381342284","eventCode":"AUTHORISATION","merchantAccountCode":"TestMerchant",` +
			`"merchantReference":"TestPayment-1407325143704","paymentMethod":"visa","success":"true"}`)
	}
	const rubyKey, rubySig = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056", "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="
	const phpKey, phpSig = "DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00", "Ny9gS2veKo5E4w8/OL6xz1/wvT/hYkAXy1xNc/QvO4I="
	if err := VerifyHMAC(item(rubySig), rubyKey); err != nil {
		t.Errorf("Ruby library vector: %v", err)
	}
	if err := VerifyHMAC(item(phpSig), phpKey); err != nil {
		t.Errorf("PHP library vector: %v", err)
	}
	if got := hmacB64(t, rubyKey, "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"); got != rubySig {
		t.Errorf("the test's own HMAC of the published signing string = %s, want %s", got, rubySig)
	}
	if err := VerifyHMAC(item(phpSig), rubyKey); !errors.Is(err, ErrHMACMismatch) {
		t.Errorf("wrong key: %v", err)
	}
	wrapped := []byte(`{"NotificationRequestItem":` + string(item(rubySig)) + `}`)
	if err := VerifyHMAC(wrapped, strings.ToLower(rubyKey)); err != nil {
		t.Errorf("wrapped item, lower-case key: %v", err)
	}
	tampered := bytes.Replace(item(rubySig), []byte("1130"), []byte("1131"), 1)
	if err := VerifyHMAC(tampered, rubyKey); !errors.Is(err, ErrHMACMismatch) {
		t.Errorf("tampered amount: %v", err)
	}

	// Every fixture item, re-signed with a key of our own: the signing
	// string includes originalReference and "false" successes.
	const key = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
	for _, in := range fixtures(t) {
		m := read(t, in)
		items, _ := m["notificationItems"].([]any)
		for _, w := range items {
			it := w.(map[string]any)["NotificationRequestItem"].(map[string]any)
			s := func(k string) string { v, _ := it[k].(string); return v }
			amt := it["amount"].(map[string]any)
			data := strings.Join([]string{s("pspReference"), s("originalReference"), s("merchantAccountCode"), s("merchantReference"),
				string(amt["value"].(json.Number)), amt["currency"].(string), s("eventCode"), s("success")}, ":")
			ad, _ := it["additionalData"].(map[string]any)
			orig, hadSig := ad["hmacSignature"]
			signed := with(it, "additionalData", with(ad, "hmacSignature", hmacB64(t, key, data)))
			b, _ := json.Marshal(signed)
			if err := VerifyHMAC(b, key); err != nil {
				t.Errorf("%s re-signed: %v", in, err)
			}
			// The upstream signatures were made with a key nobody published:
			// they must fail with a mismatch, not an error of form.
			if hadSig {
				b, _ := json.Marshal(with(it, "additionalData", with(ad, "hmacSignature", orig)))
				if err := VerifyHMAC(b, key); !errors.Is(err, ErrHMACMismatch) {
					t.Errorf("%s upstream signature: %v", in, err)
				}
			} else if err := VerifyHMAC(mustJSON(t, it), key); !errors.Is(err, ErrNoHMACSignature) {
				t.Errorf("%s unsigned: %v", in, err)
			}
		}
	}
	if err := VerifyHMAC(item(rubySig), "not hex"); !errors.Is(err, ErrHMACKey) {
		t.Errorf("bad key: %v", err)
	}
	if err := VerifyHMAC([]byte(`[1]`), rubyKey); !errors.Is(err, ErrHMACItem) {
		t.Errorf("bad item: %v", err)
	}
	if err := VerifyHMAC(item("%%%"), rubyKey); !errors.Is(err, ErrHMACMismatch) {
		t.Errorf("non-base64 signature: %v", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzParse checks that Parse never panics, that a rejection is a
// ValidationError, and that accepted events are complete and unique.
func FuzzParse(f *testing.F) {
	for _, c := range allPayloads(f) {
		f.Add(c.payload)
	}
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
				t.Fatalf("Parse(%q) = incomplete or repeated event %v", b, ev)
			}
			ids[ev.GetEventId()] = true
			if _, err := schemas.MarshalJSON(ev); err != nil {
				t.Fatal(err)
			}
			if _, err := proto.Marshal(ev); err != nil {
				t.Fatal(err)
			}
		}
		_ = VerifyHMAC(b, "00")
	})
}

func BenchmarkParse(b *testing.B) {
	inputs := map[string][]byte{}
	for _, name := range []string{"authorisation-true.json", "chargeback.json", "balancePlatform-transaction-created.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		inputs[strings.TrimSuffix(name, ".json")] = raw
	}
	for _, c := range cases(b) {
		if c.name == "batch.lifecycle" {
			inputs[c.name] = c.payload
		}
	}
	names := make([]string, 0, len(inputs))
	for n := range inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	p := New()
	for _, n := range names {
		pl := source.Payload{Bytes: inputs[n], Origin: origin, IngestedAt: ingestedAt}
		b.Run(n, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(pl.Bytes)))
			for b.Loop() {
				if _, err := p.Parse(pl); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
