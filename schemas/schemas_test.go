package schemas

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

func sampleEvent() *fintrav1.Event {
	at := timestamppb.New(time.Date(2026, 1, 5, 8, 13, 22, 0, time.UTC))
	typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
	return &fintrav1.Event{
		EventId: EventID("fintra-json", "acc-1", "tx-1", typ), AccountId: "acc-1", Type: typ,
		OccurredAt: at, IngestedAt: at,
		Origin: &fintrav1.Origin{Topic: string(TopicConnectRaw), Partition: 3, Offset: 42},
		Payload: &fintrav1.Event_Created{Created: &fintrav1.TransactionCreated{Transaction: &fintrav1.Transaction{
			AccountId: "acc-1", Source: "fintra-json", SourceAccountId: "acc-1", SourceTransactionId: "tx-1",
			AmountMinor: -9007199254740993, Currency: "EUR", Status: fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED,
			OccurredAt: at, Description: "SQ *BLUE BOTTLE COFFEE", Mcc: "5814",
		}}},
	}
}

func TestEventIDIsDeterministicAndDistinct(t *testing.T) {
	created := fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
	a := EventID("plaid", "acc", "tx", created)
	if a != EventID("plaid", "acc", "tx", created) {
		t.Fatal("same tuple, different ids")
	}
	if a[14] != '5' {
		t.Errorf("%s is not a version 5 UUID", a)
	}
	others := []string{
		EventID("plaid", "acc", "tx", fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED),
		EventID("ofx", "acc", "tx", created),
		EventID("plaid", "ac", "ctx", created), // joined naively these would collide
		EventID("plaid", "acc", "tx2", created),
	}
	for _, o := range others {
		if o == a {
			t.Errorf("different tuples share id %s", a)
		}
	}
}

func TestProtoCodecRoundTrip(t *testing.T) {
	c := ProtoCodec[*fintrav1.Event]{}
	b, err := c.Encode(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(v.(*fintrav1.Event), sampleEvent()) {
		t.Error("round trip changed the event")
	}
	if _, err := c.Encode("not an event"); err == nil || !strings.Contains(err.Error(), "cannot encode string") {
		t.Errorf("encoding a wrong type: %v", err)
	}
	if _, err := c.Decode([]byte{0xff, 0xff}); err == nil {
		t.Error("decoding garbage must fail")
	}
}

func TestMarshalJSONForm(t *testing.T) {
	b, err := MarshalJSON(sampleEvent())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	tx := m["created"].(map[string]any)["transaction"].(map[string]any)
	amount, ok := tx["amount_minor"].(json.Number)
	if !ok || amount.String() != "-9007199254740993" {
		t.Errorf("amount_minor %#v: must be a JSON integer, exact beyond 2^53", tx["amount_minor"])
	}
	if tx["status"] != "posted" || m["type"] != "transaction_created" {
		t.Errorf("enums: status %v type %v", tx["status"], m["type"])
	}
	if m["occurred_at"] != "2026-01-05T08:13:22Z" {
		t.Errorf("occurred_at %v", m["occurred_at"])
	}
	if _, ok := tx["merchant_name"]; ok {
		t.Error("empty strings are left out")
	}
	if _, ok := tx["revision"]; !ok {
		t.Error("numbers are always present")
	}
	for k := range m {
		if strings.ToLower(k) != k || strings.Contains(k, "-") {
			t.Errorf("field %q is not snake_case", k)
		}
	}
}

func TestOriginRoundTrip(t *testing.T) {
	o := &fintrav1.Origin{Topic: "connect.raw.v1", Partition: 11, Offset: 123456789}
	back, err := ParseOrigin(FormatOrigin(o))
	if err != nil || !proto.Equal(o, back) {
		t.Fatalf("%v %v", back, err)
	}
	for _, bad := range []string{"", "topic", "topic/1", "topic/x/1", "/1/2"} {
		if _, err := ParseOrigin(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func BenchmarkCodecEncode(b *testing.B) {
	c, ev := ProtoCodec[*fintrav1.Event]{}, sampleEvent()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCodecDecode(b *testing.B) {
	c := ProtoCodec[*fintrav1.Event]{}
	data, _ := c.Encode(sampleEvent())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalJSON(b *testing.B) {
	ev := sampleEvent()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MarshalJSON(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDecodeScoredReadsEveryStage(t *testing.T) {
	at := &fintrav1.AcceptedTransaction{EventId: "e1", AccountId: "a1", Sequence: 3}
	et := &fintrav1.EnrichedTransaction{Accepted: at, Merchant: &fintrav1.Merchant{Name: "Lidl"}}
	st := &fintrav1.ScoredTransaction{Enriched: et, Score: &fintrav1.Score{Score: 0.25, Decision: fintrav1.Decision_DECISION_APPROVE}}
	for _, c := range []struct {
		topic   string
		msg     proto.Message
		wantMer string
		wantSc  bool
	}{
		{string(TopicCoreTransactions), at, "", false},
		{string(TopicEnrichTransactions), et, "Lidl", false},
		{string(TopicGuardScores), st, "Lidl", true},
	} {
		b, err := proto.Marshal(c.msg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeScored(c.topic, b)
		if err != nil {
			t.Fatalf("%s: %v", c.topic, err)
		}
		if got.GetEnriched().GetAccepted().GetSequence() != 3 || got.GetEnriched().GetMerchant().GetName() != c.wantMer || (got.GetScore() != nil) != c.wantSc {
			t.Fatalf("%s: decoded %v", c.topic, got)
		}
	}
	if _, err := DecodeScored(string(TopicCoreEvents), nil); err == nil || !strings.Contains(err.Error(), "carries no transactions") {
		t.Fatalf("core.events.v1: %v, want a refusal naming the topics", err)
	}
	if _, err := DecodeScored(string(TopicGuardScores), []byte{0xff, 0xff}); err == nil {
		t.Fatal("garbage decoded")
	}
}
