package gateway_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/processors/connect/gateway"
	"github.com/fintraos/fintra/schemas"
)

const secret = "whsec_test"

// signed is a stand-in webhook scheme for the test: hex HMAC-SHA256 of the
// body in a header. The real Stripe and Adyen schemes are tested in their
// packages and wired in by the CLI.
func signed(h http.Header, body []byte) error {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	want := hex.EncodeToString(mac.Sum(nil))
	if got := h.Get("Test-Signature"); got == "" {
		return errors.New("no Test-Signature header")
	} else if !hmac.Equal([]byte(got), []byte(want)) {
		return errors.New("Test-Signature does not match the body")
	}
	return nil
}

type fixture struct {
	cluster *kfake.Cluster
	url     string
	brokers []string
}

func start(t *testing.T) *fixture {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, string(schemas.TopicConnectRaw)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordRetries(3), kgo.RequestTimeoutOverhead(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prod.Close)
	g, err := gateway.New(gateway.Config{
		Sources:    []string{"fintra-json", "stripe"},
		Verifiers:  map[string]gateway.Verifier{"stripe": signed},
		MaxBody:    1 << 10,
		AckTimeout: 2 * time.Second,
	}, prod, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return &fixture{cluster: c, url: "http://" + ln.Addr().String(), brokers: c.ListenAddrs()}
}

func (f *fixture) post(t *testing.T, path string, body []byte, header http.Header) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%d: body is not JSON: %v", resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

func (f *fixture) raw(t *testing.T) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.brokers...), kgo.ConsumeTopics(string(schemas.TopicConnectRaw)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var out []*kgo.Record
	for ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}

func TestGoodPayloadIsOnTheTopicAfter202(t *testing.T) {
	f := start(t)
	body := []byte(`{"account_id":"acc-1","transaction_id":"t1","status":"posted","amount_minor":-1250,"currency":"EUR","occurred_at":"2026-01-05T08:00:00Z"}`)
	status, resp := f.post(t, "/v1/ingest/fintra-json", body, http.Header{"Fintra-Key": {"acc-1"}})
	if status != http.StatusAccepted || resp["topic"] != "connect.raw.v1" {
		t.Fatalf("%d %v", status, resp)
	}
	recs := f.raw(t)
	if len(recs) != 1 || !bytes.Equal(recs[0].Value, body) || string(recs[0].Key) != "acc-1" {
		t.Fatalf("records on connect.raw.v1: %v", recs)
	}
	var src string
	for _, h := range recs[0].Headers {
		if h.Key == schemas.HeaderSource {
			src = string(h.Value)
		}
	}
	if src != "fintra-json" || int64(resp["offset"].(float64)) != recs[0].Offset {
		t.Errorf("header %q, answered offset %v, record offset %d", src, resp["offset"], recs[0].Offset)
	}
}

func TestSignedSourceNeedsAValidSignature(t *testing.T) {
	f := start(t)
	body := []byte(`{"id":"evt_1","object":"event"}`)
	status, resp := f.post(t, "/v1/ingest/stripe", body, http.Header{"Test-Signature": {"00ff"}})
	if status != http.StatusUnauthorized || resp["error"] != "signature: Test-Signature does not match the body" {
		t.Fatalf("%d %v", status, resp)
	}
	if recs := f.raw(t); len(recs) != 0 {
		t.Fatalf("a rejected webhook was written: %v", recs)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	status, _ = f.post(t, "/v1/ingest/stripe", body, http.Header{"Test-Signature": {hex.EncodeToString(mac.Sum(nil))}})
	if status != http.StatusAccepted {
		t.Fatalf("correctly signed: %d", status)
	}
}

func TestRequestsRejectedAtOnceSayWhy(t *testing.T) {
	f := start(t)
	cases := []struct {
		path   string
		body   []byte
		status int
		want   string
	}{
		{"/v1/ingest/mt940", []byte("x"), 404, `unknown source "mt940"; accepted sources: fintra-json, stripe`},
		{"/v1/ingest/fintra-json", nil, 400, "empty body: POST the fintra-json payload"},
		{"/v1/ingest/fintra-json", bytes.Repeat([]byte("x"), 2<<10), 413, "body over 1024 bytes"},
	}
	for _, c := range cases {
		status, resp := f.post(t, c.path, c.body, nil)
		if status != c.status || resp["error"] != c.want {
			t.Errorf("%s: %d %v, want %d %q", c.path, status, resp, c.status, c.want)
		}
	}
	if recs := f.raw(t); len(recs) != 0 {
		t.Fatalf("rejected requests were written: %v", recs)
	}
}

func TestBrokerDownAnswers503(t *testing.T) {
	f := start(t)
	f.cluster.Close()
	req, _ := http.NewRequest(http.MethodPost, f.url+"/v1/ingest/fintra-json", bytes.NewReader([]byte(`{"a":1}`)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("%d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
