package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fintraos/fintra/processors/views"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// viewOf is version v of an account's view with n transactions, in the
// views codec's JSON form (what every store holds).
func viewOf(t testing.TB, account string, version uint64, n int) []byte {
	t.Helper()
	at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	v := &views.View{AccountID: account, Version: version, Sequence: version,
		Balances:    []views.Balance{{Currency: "EUR", AmountMinor: -100 * int64(n)}},
		MonthToDate: views.MonthToDate{Month: "2026-02", SpendMinor: map[string]map[string]int64{"EUR": {views.Uncategorized: 100 * int64(n)}}},
		UpdatedAt:   at.Add(time.Hour)}
	for i := range n {
		v.Transactions = append(v.Transactions, views.Transaction{EventID: fmt.Sprintf("ev-%s-%d", account, n-i),
			Source: "fintra-json", SourceTransactionID: fmt.Sprintf("tx-%d", n-i), OccurredAt: at.Add(-time.Duration(i) * time.Minute),
			AmountMinor: -100, Currency: "EUR", Status: "posted", Description: "LIDL 1234", MerchantName: "Lidl", MCC: "5411"})
	}
	b, err := views.Codec{}.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seeded is what the handler suite expects the store to hold.
type seeded struct {
	account string
	version uint64
	txs     int
	raw     []byte
}

func fixtures(t testing.TB) []seeded {
	return []seeded{
		{account: "acc-alice", version: 7, txs: 3},
		{account: "user@example.com:main.1_x", version: 42, txs: views.MaxTransactions},
		{account: "acc-empty", version: 1, txs: 0},
	}
}

func withRaw(t testing.TB, fx []seeded) []seeded {
	for i := range fx {
		fx[i].raw = viewOf(t, fx[i].account, fx[i].version, fx[i].txs)
	}
	return fx
}

// startServer serves store over real HTTP until the test ends.
func startServer(t *testing.T, store Store) string {
	t.Helper()
	s, err := New(Config{}, store, quiet())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, url string, header ...string) answer {
	t.Helper()
	return do(t, http.MethodGet, url, header...)
}

func do(t *testing.T, method, url string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}
}

func wantStatus(t *testing.T, what string, a answer, status int) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, a.status, status, a.body)
	}
}

// wantError checks a JSON error answer.
func wantError(t *testing.T, what string, a answer, status int, contains string) {
	t.Helper()
	wantStatus(t, what, a, status)
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: Content-Type %q, want application/json", what, ct)
	}
	var e ErrorBody
	if err := json.Unmarshal(a.body, &e); err != nil || !strings.Contains(e.Error, contains) {
		t.Fatalf("%s: body %s, want a JSON error containing %q (%v)", what, a.body, contains, err)
	}
}

// checkAPI is the handler suite, run against every store: the store holds
// the fixtures and nothing under the account "acc-unknown".
func checkAPI(t *testing.T, base string, fx []seeded) {
	for _, f := range fx {
		t.Run(f.account, func(t *testing.T) {
			url := base + "/v1/accounts/" + f.account
			etag := fmt.Sprintf(`"v%d"`, f.version)

			a := get(t, url)
			wantStatus(t, "view", a, http.StatusOK)
			if string(a.body) != string(f.raw) {
				t.Fatalf("view body\n%s\nwant the stored view\n%s", a.body, f.raw)
			}
			for h, want := range map[string]string{"ETag": etag, "Cache-Control": "no-cache", "Content-Type": "application/json"} {
				if got := a.header.Get(h); got != want {
					t.Fatalf("view: %s %q, want %q", h, got, want)
				}
			}

			for _, inm := range []string{etag, "W/" + etag, `"v0", ` + etag, "*"} {
				a = get(t, url, "If-None-Match", inm)
				wantStatus(t, "view If-None-Match "+inm, a, http.StatusNotModified)
				if len(a.body) != 0 || a.header.Get("ETag") != etag || a.header.Get("Cache-Control") != "no-cache" {
					t.Fatalf("304: body %q ETag %q Cache-Control %q", a.body, a.header.Get("ETag"), a.header.Get("Cache-Control"))
				}
			}
			a = get(t, url, "If-None-Match", fmt.Sprintf(`"v%d"`, f.version-1))
			wantStatus(t, "view with a stale ETag", a, http.StatusOK)

			a = get(t, url+"/transactions")
			wantStatus(t, "transactions", a, http.StatusOK)
			if a.header.Get("ETag") != etag || a.header.Get("Cache-Control") != "no-cache" {
				t.Fatalf("transactions: ETag %q Cache-Control %q", a.header.Get("ETag"), a.header.Get("Cache-Control"))
			}
			var body struct {
				AccountID    string              `json:"account_id"`
				Version      uint64              `json:"version"`
				Transactions []views.Transaction `json:"transactions"`
			}
			if err := json.Unmarshal(a.body, &body); err != nil {
				t.Fatal(err)
			}
			if body.AccountID != f.account || body.Version != f.version || len(body.Transactions) != f.txs || body.Transactions == nil {
				t.Fatalf("transactions: %s, want account %s version %d and %d transactions", a.body, f.account, f.version, f.txs)
			}
			if f.txs > 0 && body.Transactions[0].EventID != fmt.Sprintf("ev-%s-%d", f.account, f.txs) {
				t.Fatalf("transactions: first %s, want the newest", body.Transactions[0].EventID)
			}
			wantStatus(t, "transactions If-None-Match", get(t, url+"/transactions", "If-None-Match", etag), http.StatusNotModified)
		})
	}
	t.Run("errors", func(t *testing.T) {
		wantError(t, "unknown account", get(t, base+"/v1/accounts/acc-unknown"), http.StatusNotFound, `"acc-unknown" not found`)
		wantError(t, "unknown account transactions", get(t, base+"/v1/accounts/acc-unknown/transactions"), http.StatusNotFound, "not found")
		for _, id := range []string{"bad%20id", "a%2Fb", "acc%21", "%C3%A9t%C3%A9", strings.Repeat("a", 129)} {
			wantError(t, "invalid id "+id, get(t, base+"/v1/accounts/"+id), http.StatusBadRequest, "invalid account id")
			wantError(t, "invalid id transactions "+id, get(t, base+"/v1/accounts/"+id+"/transactions"), http.StatusBadRequest, "invalid account id")
		}
		wantError(t, "longest id", get(t, base+"/v1/accounts/"+strings.Repeat("a", 128)), http.StatusNotFound, "not found")
		wantError(t, "POST", do(t, http.MethodPost, base+"/v1/accounts/acc-alice"), http.StatusMethodNotAllowed, "not allowed")
		wantError(t, "no endpoint", get(t, base+"/v1/nothing"), http.StatusNotFound, "no such endpoint")
	})
	t.Run("healthz", func(t *testing.T) {
		a := get(t, base+"/healthz")
		if a.status != http.StatusOK || string(a.body) != "ok\n" {
			t.Fatalf("healthz: %d %q", a.status, a.body)
		}
	})
}

// memStore is a Store in memory, for the tests that need no server.
type memStore struct {
	mu    sync.Mutex
	views map[string][]byte
	err   error
}

func (m *memStore) View(_ context.Context, id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return nil, m.err
	}
	b, ok := m.views[id]
	if !ok {
		return nil, ErrNotFound
	}
	return b, nil
}

func TestHandlerMemory(t *testing.T) {
	fx := withRaw(t, fixtures(t))
	m := &memStore{views: map[string][]byte{}}
	for _, f := range fx {
		m.views[f.account] = f.raw
	}
	checkAPI(t, startServer(t, m), fx)
}

func TestHandlerStoreErrors(t *testing.T) {
	m := &memStore{views: map[string][]byte{
		"acc-damaged":   []byte(`{"account_id":"acc-damaged","version":`),
		"acc-noversion": []byte(`{"account_id":"acc-noversion","balances":[]}`),
		"acc-other":     viewOf(t, "acc-someone-else", 3, 1),
	}}
	base := startServer(t, m)
	for _, id := range []string{"acc-damaged", "acc-noversion", "acc-other"} {
		wantError(t, id, get(t, base+"/v1/accounts/"+id), http.StatusInternalServerError, "damaged")
	}
	m.mu.Lock()
	m.err = fmt.Errorf("loading: %w", ErrNotReady)
	m.mu.Unlock()
	a := get(t, base+"/v1/accounts/acc-damaged")
	wantError(t, "not ready", a, http.StatusServiceUnavailable, "still loading")
	if a.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	m.mu.Lock()
	m.err = &net.OpError{Op: "dial", Err: fmt.Errorf("connection refused")}
	m.mu.Unlock()
	wantError(t, "store down", get(t, base+"/v1/accounts/acc-damaged"), http.StatusServiceUnavailable, "did not answer")
}

func TestConfigValidate(t *testing.T) {
	if _, err := New(Config{Addr: "nohostport", ReadTimeout: -1}, &memStore{}, nil); err == nil ||
		!strings.Contains(err.Error(), "host:port") || !strings.Contains(err.Error(), "negative") {
		t.Fatalf("New with a bad config: %v, want both problems named", err)
	}
	if _, err := New(Config{}, nil, nil); err == nil {
		t.Fatal("New without a store succeeded")
	}
}

// TestServeShutsDown: Serve answers until its context ends, then returns nil.
func TestServeShutsDown(t *testing.T) {
	s, err := New(Config{}, &memStore{}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	wantError(t, "unknown", get(t, "http://"+ln.Addr().String()+"/v1/accounts/acc-x"), http.StatusNotFound, "not found")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}
