// Package serve is the read API of the account views: what an app calls to
// show an account. It answers from a Store, which holds each account's view
// as the JSON form processors/views wrote (views.Codec):
//
//   - GET /v1/accounts/{id}: the view's JSON, byte for byte as stored.
//   - GET /v1/accounts/{id}/transactions: {"account_id", "version",
//     "transactions"}, the view's latest views.MaxTransactions transactions.
//   - GET /healthz: "ok" once the store answers (503 with a JSON error
//     while a goka view is still loading).
//
// Every view answer carries ETag "v<version>" (strong; the view's version
// rises with every change) and Cache-Control: no-cache, and a matching
// If-None-Match gets 304 without a body. An id outside [A-Za-z0-9._:@-]{1,128}
// is a 400, an unknown account a 404, a store that does not answer a 503 with
// Retry-After; every error has a JSON body {"error": "..."}.
//
// Two stores: RedisStore reads the keys sinks/redis writes, GokaStore reads
// views-table through a goka view held in memory.
package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fintraos/fintra/internal/httpserve"
	"github.com/fintraos/fintra/processors/views"
)

// Store reads an account's view.
type Store interface {
	// View returns the account's view as stored (views.View as JSON), or an
	// error wrapping ErrNotFound when the account has none.
	View(ctx context.Context, accountID string) ([]byte, error)
}

// Readier is implemented by a store that can say whether it can answer;
// GET /healthz reports it.
type Readier interface {
	Ready(ctx context.Context) error
}

var (
	// ErrNotFound is returned (wrapped) by a Store for an unknown account.
	ErrNotFound = errors.New("serve: account not found")
	// ErrNotReady is returned (wrapped) by a Store that cannot answer yet,
	// e.g. a goka view still loading its table.
	ErrNotReady = errors.New("serve: view store not ready")
)

// validID is what an account id may look like.
var validID = regexp.MustCompile(`^[A-Za-z0-9._:@-]{1,128}$`)

// ValidAccountID reports whether id is an account id the API accepts.
func ValidAccountID(id string) bool { return validID.MatchString(id) }

// Config configures the server.
type Config struct {
	// Addr to listen on. Default 127.0.0.1:8081. Serve takes its listener
	// from the caller; Addr is for the caller to listen on.
	Addr string
	// ReadTimeout bounds reading a request. Default 10s.
	ReadTimeout time.Duration
	// WriteTimeout bounds answering a request, and the wait for requests
	// in flight at shutdown. Default 10s.
	WriteTimeout time.Duration
	// LookupTimeout bounds one Store.View call; past it the answer is 503.
	// Default 2s.
	LookupTimeout time.Duration
}

func (c *Config) setDefaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8081"
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 10 * time.Second
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.LookupTimeout == 0 {
		c.LookupTimeout = 2 * time.Second
	}
}

// Validate lists every problem of the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("serve: addr %q: %v; write it as host:port, e.g. 127.0.0.1:8081", c.Addr, err))
		}
	}
	if c.ReadTimeout < 0 || c.WriteTimeout < 0 || c.LookupTimeout < 0 {
		errs = append(errs, errors.New("serve: timeouts must not be negative"))
	}
	return errors.Join(errs...)
}

// Server is the HTTP read API.
type Server struct {
	cfg   Config
	store Store
	log   *slog.Logger
}

// New returns a server answering from store.
func New(cfg Config, store Store, log *slog.Logger) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("serve: no store")
	}
	if log == nil {
		log = slog.Default()
	}
	return &Server{cfg: cfg, store: store, log: log}, nil
}

// Handler routes the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/accounts/{id}", s.account)
	mux.HandleFunc("GET /v1/accounts/{id}/transactions", s.transactions)
	mux.HandleFunc("GET /healthz", s.healthz)
	for _, p := range []string{"/v1/accounts/{id}", "/v1/accounts/{id}/transactions", "/healthz"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", "GET, HEAD")
			httpserve.WriteError(w, http.StatusMethodNotAllowed, "method %s not allowed: use GET", r.Method)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpserve.WriteError(w, http.StatusNotFound, "no such endpoint %s; try GET /v1/accounts/{id} or /v1/accounts/{id}/transactions", r.URL.Path)
	})
	return mux
}

// TransactionsBody is the body of GET /v1/accounts/{id}/transactions.
type TransactionsBody struct {
	AccountID    string            `json:"account_id"`
	Version      uint64            `json:"version"`
	Transactions []json.RawMessage `json:"transactions"`
}

// stored is the part of a stored view the server reads.
type stored struct {
	AccountID    string            `json:"account_id"`
	Version      uint64            `json:"version"`
	Transactions []json.RawMessage `json:"transactions"`
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	raw, _, ok := s.lookup(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(raw)
}

func (s *Server) transactions(w http.ResponseWriter, r *http.Request) {
	_, v, ok := s.lookup(w, r)
	if !ok {
		return
	}
	txs := v.Transactions
	if txs == nil {
		txs = []json.RawMessage{}
	}
	if len(txs) > views.MaxTransactions {
		txs = txs[:views.MaxTransactions]
	}
	httpserve.WriteJSON(w, http.StatusOK, TransactionsBody{AccountID: v.AccountID, Version: v.Version, Transactions: txs})
}

// lookup validates the id, reads the view and answers every case but a
// 200: errors, and 304 when If-None-Match matches. ok means the caller
// writes the 200; the ETag and Cache-Control headers are already set.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (raw []byte, v stored, ok bool) {
	w.Header().Set("Cache-Control", "no-cache")
	id := r.PathValue("id")
	if !ValidAccountID(id) {
		httpserve.WriteError(w, http.StatusBadRequest, "invalid account id %q: 1 to 128 characters of A-Z a-z 0-9 . _ : @ -", truncate(id, 140))
		return nil, v, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.LookupTimeout)
	defer cancel()
	raw, err := s.store.View(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		httpserve.WriteError(w, http.StatusNotFound, "account %q not found", id)
		return nil, v, false
	case errors.Is(err, ErrNotReady):
		w.Header().Set("Retry-After", "1")
		httpserve.WriteError(w, http.StatusServiceUnavailable, "the views are still loading: retry shortly")
		return nil, v, false
	case err != nil:
		if r.Context().Err() != nil {
			return nil, v, false // the client went away
		}
		s.log.Error("view store did not answer", "account", id, "error", err)
		w.Header().Set("Retry-After", "1")
		httpserve.WriteError(w, http.StatusServiceUnavailable, "the view store did not answer: retry later")
		return nil, v, false
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.Version == 0 || v.AccountID != id {
		if err == nil {
			err = fmt.Errorf("version %d, account_id %q", v.Version, v.AccountID)
		}
		s.log.Error("stored view is not a view of the account", "account", id, "error", err)
		httpserve.WriteError(w, http.StatusInternalServerError, "the stored view of account %q is damaged", id)
		return nil, v, false
	}
	etag := `"v` + strconv.FormatUint(v.Version, 10) + `"`
	w.Header().Set("ETag", etag)
	if noneMatch(r.Header.Values("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil, v, false
	}
	return raw, v, true
}

// noneMatch reports whether an If-None-Match header matches etag; the
// comparison is weak (RFC 9110 §13.1.2), so W/"v3" matches "v3".
func noneMatch(headers []string, etag string) bool {
	for _, h := range headers {
		for _, tag := range strings.Split(h, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
				return true
			}
		}
	}
	return false
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if rd, ok := s.store.(Readier); ok {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.LookupTimeout)
		defer cancel()
		if err := rd.Ready(ctx); err != nil {
			w.Header().Set("Retry-After", "1")
			httpserve.WriteError(w, http.StatusServiceUnavailable, "not ready: %v", err)
			return
		}
	}
	_, _ = w.Write([]byte("ok\n"))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ErrorBody is the body of every error answer.
type ErrorBody = httpserve.ErrorBody

// Serve serves on ln until ctx ends, then stops accepting, lets requests in
// flight finish (up to WriteTimeout) and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: min(s.cfg.ReadTimeout, 10*time.Second),
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return httpserve.Serve(ctx, srv, ln, s.cfg.WriteTimeout+time.Second)
}
