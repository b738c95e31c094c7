package connect_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/connect"
	"github.com/fintraos/fintra/processors/processortest"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

func startConnect(t *testing.T) (*tester.Tester, *telemetry.Metrics) {
	t.Helper()
	tt := tester.New(t)
	metrics := telemetry.New()
	processortest.Run(t, tt, connect.Graph(connect.Deps{Metrics: metrics}))
	return tt, metrics
}

func fintraJSON() tester.EmitOption {
	return tester.WithHeaders(goka.Headers{schemas.HeaderSource: []byte("fintra-json")})
}

func TestConnectEmitsCanonicalEventKeyedByAccount(t *testing.T) {
	tt, metrics := startConnect(t)
	events := tt.NewQueueTracker(string(schemas.TopicCoreEvents))
	payload := `{"account_id":"acc-42","transaction_id":"tx-1","status":"posted","amount_minor":-1250,"currency":"EUR","occurred_at":"2026-01-05T08:13:22+01:00","description":"SQ *BLUE BOTTLE COFFEE"}`
	tt.Consume(string(schemas.TopicConnectRaw), "conn-7", []byte(payload), fintraJSON())

	key, v, ok := events.Next()
	if !ok {
		t.Fatal("no event emitted")
	}
	ev := v.(*fintrav1.Event)
	if key != "acc-42" || ev.GetAccountId() != "acc-42" {
		t.Errorf("key %q account %q, want acc-42 (the input key was the connection)", key, ev.GetAccountId())
	}
	tx := ev.GetCreated().GetTransaction()
	if tx.GetAmountMinor() != -1250 || tx.GetCurrency() != "EUR" {
		t.Errorf("money %d %s", tx.GetAmountMinor(), tx.GetCurrency())
	}
	if got := ev.GetOccurredAt().AsTime(); !got.Equal(time.Date(2026, 1, 5, 7, 13, 22, 0, time.UTC)) {
		t.Errorf("occurred_at %s", got)
	}
	if want := schemas.EventID("fintra-json", "acc-42", "tx-1", fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED); ev.GetEventId() != want {
		t.Errorf("event id %s, want %s", ev.GetEventId(), want)
	}
	if ev.GetOrigin().GetTopic() != string(schemas.TopicConnectRaw) {
		t.Errorf("origin %v", ev.GetOrigin())
	}
	if metrics.Stage("connect").Out.Load() != 1 {
		t.Error("out counter not incremented")
	}
}

func TestConnectDeadLettersWithReasonAndOriginalBytes(t *testing.T) {
	tt, metrics := startConnect(t)
	dlq := tt.NewQueueTracker(string(schemas.TopicConnectDLQ))
	events := tt.NewQueueTracker(string(schemas.TopicCoreEvents))
	cases := []struct {
		name    string
		payload string
		headers goka.Headers
		reason  string
	}{
		{"float amount", `{"account_id":"a","transaction_id":"t","status":"posted","amount_minor":12.5,"currency":"EUR","occurred_at":"2026-01-05T08:00:00Z"}`,
			goka.Headers{schemas.HeaderSource: []byte("fintra-json")}, "amount_minor"},
		{"bad currency", `{"account_id":"a","transaction_id":"t","status":"posted","amount_minor":1,"currency":"EURO","occurred_at":"2026-01-05T08:00:00Z"}`,
			goka.Headers{schemas.HeaderSource: []byte("fintra-json")}, "currency: 'EURO' is not an ISO 4217 code"},
		{"not json", `date,amount\n2026-01-05,12.50`, goka.Headers{schemas.HeaderSource: []byte("fintra-json")}, "payload"},
		{"no source header", `{}`, nil, "no fintra-source header"},
		{"unknown source", `{}`, goka.Headers{schemas.HeaderSource: []byte("mt940")}, `unknown source format "mt940"`},
		{"empty payload", ``, goka.Headers{schemas.HeaderSource: []byte("fintra-json")}, "payload"},
	}
	for _, c := range cases {
		tt.Consume(string(schemas.TopicConnectRaw), "k", []byte(c.payload), tester.WithHeaders(c.headers))
		h, key, v, ok := dlq.NextWithHeaders()
		if !ok {
			t.Fatalf("%s: not dead-lettered", c.name)
		}
		if got := string(v.([]byte)); got != c.payload || key != "k" {
			t.Errorf("%s: dead letter %q under key %q, want the original %q under k", c.name, got, key, c.payload)
		}
		if reason := string(h[schemas.HeaderError]); !strings.Contains(reason, c.reason) {
			t.Errorf("%s: reason %q does not contain %q", c.name, reason, c.reason)
		}
		if string(h[schemas.HeaderStage]) != "connect" || !strings.HasPrefix(string(h[schemas.HeaderOrigin]), "connect.raw.v1/") {
			t.Errorf("%s: stage %q origin %q", c.name, h[schemas.HeaderStage], h[schemas.HeaderOrigin])
		}
		if src, ok := c.headers[schemas.HeaderSource]; ok && string(h[schemas.HeaderSource]) != string(src) {
			t.Errorf("%s: the original fintra-source header was not kept", c.name)
		}
	}
	if _, _, ok := events.Next(); ok {
		t.Error("a rejected payload produced an event")
	}
	if n := metrics.Stage("connect").DLQ.Load(); n != uint64(len(cases)) {
		t.Errorf("dlq counter %d, want %d", n, len(cases))
	}
}
