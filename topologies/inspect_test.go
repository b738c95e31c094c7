package topologies

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

func TestFormatRecordDecodesEventsAndKeepsDeadLetters(t *testing.T) {
	at := &fintrav1.AcceptedTransaction{EventId: "e1", AccountId: "acc-1",
		Transaction:  &fintrav1.Transaction{AmountMinor: -1250, Currency: "EUR"},
		BalanceAfter: &fintrav1.Balance{Currency: "EUR", PostedMinor: -1250},
		AcceptedAt:   timestamppb.New(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))}
	b, _ := proto.Marshal(at)
	line, err := FormatRecord(&kgo.Record{Topic: string(schemas.TopicCoreTransactions), Key: []byte("acc-1"), Value: b})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Key   string
		Value struct {
			Transaction struct {
				AmountMinor json.Number `json:"amount_minor"`
			}
		}
	}
	if err := json.Unmarshal(line, &got); err != nil || got.Key != "acc-1" || got.Value.Transaction.AmountMinor != "-1250" {
		t.Fatalf("%s: %v %+v", line, err, got)
	}

	dead := &kgo.Record{Topic: string(schemas.TopicConnectDLQ), Key: []byte("k"), Value: []byte("date,amount\n1,2"),
		Headers: []kgo.RecordHeader{{Key: schemas.HeaderError, Value: []byte("fintra-json: payload: not a JSON object")}}}
	line, err = FormatRecord(dead)
	if err != nil {
		t.Fatal(err)
	}
	var dl TailLine
	if err := json.Unmarshal(line, &dl); err != nil {
		t.Fatal(err)
	}
	if dl.Headers[schemas.HeaderError] == "" || string(dl.Value) != `"date,amount\n1,2"` {
		t.Errorf("dead letter line %s", line)
	}
}

func TestReasonClassGroupsSimilarReasons(t *testing.T) {
	a := reasonClass("fintra-json: currency: 'EURO' is not an ISO 4217 code; occurred_at: required string")
	b := reasonClass("fintra-json: currency: 'US$' is not an ISO 4217 code")
	if a != "fintra-json: currency: '…' is not an ISO 4217 code; …" || b != "fintra-json: currency: '…' is not an ISO 4217 code" {
		t.Errorf("%q %q", a, b)
	}
}
