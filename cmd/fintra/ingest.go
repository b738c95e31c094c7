package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/processors/connect"
	"github.com/fintraos/fintra/processors/connect/gateway"
	"github.com/fintraos/fintra/processors/connect/source/adyen"
	"github.com/fintraos/fintra/processors/connect/source/stripe"
)

func ingestCommand() command {
	return command{
		name: "ingest", summary: "serve the HTTP ingest gateway for webhooks and producers", usage: "--brokers HOSTS [--addr 127.0.0.1:8080]",
		help: `Serves POST /v1/ingest/{source}: the body is written untouched to
connect.raw.v1 with the fintra-source header and the gateway answers 202
only after the broker acknowledged it (all in-sync replicas). 4xx with a
JSON error for what it can reject at once (unknown source, empty or oversized
body, bad webhook signature), 503 with Retry-After when the broker does not
acknowledge in time. An optional Fintra-Key header sets the record key.
With --stripe-webhook-secret or --adyen-hmac-key (or FINTRA_STRIPE_WEBHOOK_SECRET,
FINTRA_ADYEN_HMAC_KEY) the webhooks of those sources must carry a valid
signature (401 otherwise). SIGINT/SIGTERM stop accepting, finish requests in
flight, and exit.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			var b brokerFlags
			b.register(fs, " (required)")
			addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
			maxBody := fs.Int64("max-body", 16<<20, "largest request body in bytes")
			ackTimeout := fs.Duration("ack-timeout", 10*time.Second, "how long to wait for the broker's acknowledgement before answering 503")
			logLevel := fs.String("log-level", "info", "debug, info, warn or error")
			stripeSecret := fs.String("stripe-webhook-secret", "", "Stripe endpoint secret (whsec_...); when set, /v1/ingest/stripe requires a valid Stripe-Signature")
			stripeTolerance := fs.Duration("stripe-tolerance", 5*time.Minute, "how old a Stripe-Signature timestamp may be")
			adyenKey := fs.String("adyen-hmac-key", "", "Adyen HMAC key in hex; when set, /v1/ingest/adyen requires valid HMAC signatures")
			return func(inv invocation) error {
				if err := b.requireBrokers(); err != nil {
					return err
				}
				log, err := logger(inv.stderr, *logLevel)
				if err != nil {
					return err
				}
				prod, err := kgo.NewClient(kgo.SeedBrokers(b.brokers...), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(0))
				if err != nil {
					return err
				}
				defer prod.Close()
				g, err := gateway.New(gateway.Config{Addr: *addr, Sources: connect.DefaultParsers().Names(), Verifiers: verifiers(*stripeSecret, *stripeTolerance, *adyenKey),
					MaxBody: *maxBody, AckTimeout: *ackTimeout}, prod, log)
				if err != nil {
					return errUsage{err.Error()}
				}
				ln, err := net.Listen("tcp", *addr)
				if err != nil {
					return usageErrorf("--addr %s: %v", *addr, err)
				}
				log.Info("ingest gateway listening", "url", fmt.Sprintf("http://%s/v1/ingest/{source}", ln.Addr()))
				return g.Serve(inv.ctx, ln)
			}
		},
	}
}

// verifiers returns the webhook signature checks of the sources whose
// secret is configured.
func verifiers(stripeSecret string, stripeTolerance time.Duration, adyenKey string) map[string]gateway.Verifier {
	v := map[string]gateway.Verifier{}
	if stripeSecret != "" {
		v["stripe"] = func(h http.Header, body []byte) error {
			return stripe.VerifySignature(body, h.Get("Stripe-Signature"), stripeSecret, time.Now(), stripeTolerance)
		}
	}
	if adyenKey != "" {
		v["adyen"] = func(h http.Header, body []byte) error {
			return adyen.VerifyWebhook(h.Get("HmacSignature"), body, adyenKey)
		}
	}
	return v
}
