// Package gateway is the HTTP ingest edge for webhook senders and producers
// that do not speak Kafka: POST /v1/ingest/{source} writes the body,
// untouched, to connect.raw.v1 and answers 202 only once the broker has
// acknowledged the write (acks from all in-sync replicas). Parsing happens
// downstream in the connect processor; what fails there is dead-lettered.
//
// A request the gateway can reject at once gets a 4xx with a JSON error
// naming the problem: an unknown source (404), an empty body (400), a body
// over the limit (413), a bad webhook signature (401). When the broker does
// not acknowledge in time the answer is 503 with Retry-After, so the sender
// retries and nothing is lost.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/internal/httpserve"
	"github.com/fintraos/fintra/schemas"
)

// Verifier checks a webhook's signature over the raw body. It returns an
// error that says what is wrong (missing header, bad signature, stale
// timestamp); the gateway answers 401 with it.
type Verifier func(header http.Header, body []byte) error

// Config configures the gateway.
type Config struct {
	// Addr to listen on. Default 127.0.0.1:8080.
	Addr string
	// Sources are the formats accepted in the path. Required.
	Sources []string
	// Verifiers check signatures per source; a source without one is
	// accepted unsigned (protect it at the network edge).
	Verifiers map[string]Verifier
	// MaxBody is the largest body accepted. Default 16 MiB (a bank
	// statement file); webhooks are far smaller.
	MaxBody int64
	// AckTimeout bounds the wait for the broker's acknowledgement before
	// answering 503. Default 10s.
	AckTimeout time.Duration
	// ReadTimeout bounds reading a request. Default 30s.
	ReadTimeout time.Duration
}

func (c *Config) setDefaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.MaxBody == 0 {
		c.MaxBody = 16 << 20
	}
	if c.AckTimeout == 0 {
		c.AckTimeout = 10 * time.Second
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 30 * time.Second
	}
}

// Validate lists every problem of the configuration.
func (c Config) Validate() error {
	var errs []error
	if len(c.Sources) == 0 {
		errs = append(errs, errors.New("gateway: no sources accepted"))
	}
	for name := range c.Verifiers {
		if !contains(c.Sources, name) {
			errs = append(errs, fmt.Errorf("gateway: a signature verifier for %q, which is not an accepted source", name))
		}
	}
	if c.MaxBody < 0 || c.AckTimeout < 0 || c.ReadTimeout < 0 {
		errs = append(errs, errors.New("gateway: limits and timeouts must not be negative"))
	}
	return errors.Join(errs...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Gateway is the HTTP ingest server.
type Gateway struct {
	cfg      Config
	producer *kgo.Client
	log      *slog.Logger
	clock    func() time.Time
}

// New returns a gateway that writes through producer, which should be
// configured with acks from all in-sync replicas (kgo's default).
func New(cfg Config, producer *kgo.Client, log *slog.Logger) (*Gateway, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	return &Gateway{cfg: cfg, producer: producer, log: log, clock: time.Now}, nil
}

// Handler routes POST /v1/ingest/{source} and GET /healthz.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/ingest/{source}", g.ingest)
	mux.HandleFunc("/v1/ingest/{source}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", http.MethodPost)
		httpserve.WriteError(w, http.StatusMethodNotAllowed, "method %s not allowed: POST the payload", r.Method)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	return mux
}

// Accepted is the body of a 202.
type Accepted struct {
	Status    string `json:"status"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

func (g *Gateway) ingest(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("source")
	if !contains(g.cfg.Sources, name) {
		httpserve.WriteError(w, http.StatusNotFound, "unknown source %q; accepted sources: %s", name, strings.Join(g.cfg.Sources, ", "))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.cfg.MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		httpserve.WriteError(w, http.StatusRequestEntityTooLarge, "body over %d bytes", g.cfg.MaxBody)
		return
	case err != nil:
		httpserve.WriteError(w, http.StatusBadRequest, "reading the body: %v", err)
		return
	case len(body) == 0:
		httpserve.WriteError(w, http.StatusBadRequest, "empty body: POST the %s payload", name)
		return
	}
	if verify, ok := g.cfg.Verifiers[name]; ok {
		if err := verify(r.Header, body); err != nil {
			g.log.Warn("rejected webhook signature", "source", name, "remote", r.RemoteAddr, "error", err)
			httpserve.WriteError(w, http.StatusUnauthorized, "signature: %v", err)
			return
		}
	}
	rec := &kgo.Record{
		Topic: string(schemas.TopicConnectRaw),
		Value: body,
		Headers: []kgo.RecordHeader{
			{Key: schemas.HeaderSource, Value: []byte(name)},
			{Key: schemas.HeaderProducedAt, Value: strconv.AppendInt(nil, g.clock().UnixNano(), 10)},
		},
	}
	if key := r.Header.Get("Fintra-Key"); key != "" {
		rec.Key = []byte(key)
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.AckTimeout)
	defer cancel()
	if err := g.producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
		g.log.Error("broker did not acknowledge", "source", name, "error", err)
		w.Header().Set("Retry-After", "5")
		httpserve.WriteError(w, http.StatusServiceUnavailable, "the broker did not acknowledge the write (%v): retry later, nothing was stored", err)
		return
	}
	httpserve.WriteJSON(w, http.StatusAccepted, Accepted{Status: "accepted", Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset})
}

// ErrorBody is the body of every error answer.
type ErrorBody = httpserve.ErrorBody

// Serve serves on ln until ctx ends, then stops accepting, lets requests in
// flight finish (up to AckTimeout) and returns.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           g.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       g.cfg.ReadTimeout,
		WriteTimeout:      g.cfg.ReadTimeout + g.cfg.AckTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	return httpserve.Serve(ctx, srv, ln, g.cfg.AckTimeout+time.Second)
}
