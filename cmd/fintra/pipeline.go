package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/connect"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/topologies"
)

func produceCommand() command {
	return command{
		name: "produce", summary: "push payloads to connect.raw.v1", usage: "--brokers HOSTS --source FORMAT FILE|-",
		help: `Pushes the payloads of FILE (or standard input with -) to connect.raw.v1
with the fintra-source header, acknowledged by all in-sync replicas, keyed
by --key (default: each payload's account_id for fintra-json, else none).
Reports how many were sent. Payloads are not validated here: connect does
that, and dead-letters what it rejects.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			var b brokerFlags
			b.register(fs, " (required)")
			src := fs.String("source", "fintra-json", "ingest format of the payloads: "+strings.Join(connect.DefaultParsers().Names(), ", ")+", or auto to detect it")
			key := fs.String("key", "", "record key for every payload (a connection or account id)")
			return func(inv invocation) error {
				if len(inv.args) != 1 {
					return usageErrorf("give exactly one FILE, or - for standard input")
				}
				if err := b.requireBrokers(); err != nil {
					return err
				}
				r, parser, closeFn, err := openParsed(inv.args[0], *src)
				if err != nil {
					return err
				}
				defer closeFn()
				format := parser.Name()
				ingest, err := topologies.NewIngest(b.brokers)
				if err != nil {
					return err
				}
				defer ingest.Close()
				var queued int
				err = source.Split(r, parser.Framing(), func(_ source.Position, payload []byte) error {
					k := *key
					if k == "" && format == "fintra-json" {
						k = accountIDOf(payload)
					}
					// Split reuses its buffer: the producer keeps the bytes.
					ingest.Send(inv.ctx, k, append([]byte(nil), payload...), format)
					queued++
					return nil
				})
				if err != nil {
					return err
				}
				if err := ingest.Flush(inv.ctx); err != nil {
					return err
				}
				fmt.Fprintf(inv.stdout, "produced %d payloads to connect.raw.v1 (%d failed)\n", ingest.Sent(), ingest.Failed())
				if ingest.Failed() > 0 {
					return fmt.Errorf("%d payloads were not accepted by the broker: %w", ingest.Failed(), ingest.Err())
				}
				return nil
			}
		},
	}
}

// accountIDOf keys a fintra-json payload by its account_id, so that all of
// an account's raw payloads stay in order on one partition. A payload that
// is not JSON gets no key; connect dead-letters it.
func accountIDOf(payload []byte) string {
	var v struct {
		AccountID string `json:"account_id"`
	}
	if json.Unmarshal(payload, &v) != nil {
		return ""
	}
	return v.AccountID
}

func runCommand() command {
	return command{
		name: "run", summary: "run the registered processors against a broker", usage: "[--brokers HOSTS] [--processors connect,core]",
		help: `Provisions the topics (idempotently) and runs the registered processors
until SIGINT or SIGTERM, then drains, commits offsets and exits. Without
--brokers it starts the embedded broker and prints its address. Serves
Prometheus metrics, /healthz and pprof on --metrics-addr.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			var b brokerFlags
			b.register(fs, " (default: the embedded broker)")
			var procs listFlag
			fs.Var(&procs, "processors", "comma-separated processors to run (default all): "+processorNames())
			metricsAddr := fs.String("metrics-addr", "127.0.0.1:9464", "address for /metrics, /healthz and /debug/pprof; empty disables")
			stateDir := fs.String("state-dir", "", "LevelDB directory for processor state (default: memory, rebuilt from the changelog)")
			logLevel := fs.String("log-level", "info", "debug, info, warn or error")
			noProvision := fs.Bool("no-provision", false, "do not create missing topics")
			qdrantAddr := fs.String("qdrant", "", "enrich: Qdrant gRPC address (host:6334) for the merchant vector index; default the in-process index")
			qdrantCollection := fs.String("qdrant-collection", "fintra_merchants", "enrich: the Qdrant collection (created, and the catalog upserted, at start)")
			modelDir := fs.String("guard-model-dir", "", "guard: a model directory in ml/models/guard's layout (CURRENT names the version), loaded at start and watched for new models; default the model built into the binary")
			return func(inv invocation) error {
				log, err := logger(inv.stderr, *logLevel)
				if err != nil {
					return err
				}
				if _, err := topologies.Select(procs); err != nil {
					return errUsage{err.Error()}
				}
				catalog, err := b.catalog()
				if err != nil {
					return err
				}
				if len(b.brokers) == 0 {
					broker, err := topologies.StartEmbedded(topologies.EmbeddedConfig{})
					if err != nil {
						return err
					}
					defer broker.Close()
					b.brokers = broker.Brokers()
					log.Info("embedded broker started", "brokers", b.brokers)
				}
				rt := b.runtime()
				rt.StorageDir = *stateDir
				if err := rt.Validate(); err != nil {
					return errUsage{err.Error()}
				}
				deps := topologies.Deps{Log: log, GuardModelDir: *modelDir}
				if *qdrantAddr != "" {
					r, err := topologies.QdrantResolver(inv.ctx, *qdrantAddr, *qdrantCollection)
					if err != nil {
						return fmt.Errorf("--qdrant %s: %w", *qdrantAddr, err)
					}
					deps.Resolver, deps.RemoteResolver = r, true
				}
				deps.Metrics = newMetricsServer(inv, *metricsAddr, log)
				return topologies.Run(inv.ctx, topologies.RunConfig{Runtime: rt, Catalog: catalog, Processors: procs, Provision: !*noProvision}, deps)
			}
		},
	}
}

// newMetricsServer serves the process's metrics on addr in the background.
func newMetricsServer(inv invocation, addr string, log *slog.Logger) *telemetry.Metrics {
	metrics := telemetry.New()
	go func() {
		if err := metrics.Serve(inv.ctx, addr, log); err != nil {
			log.Error("metrics server", "error", err)
		}
	}()
	return metrics
}

func processorNames() string {
	var names []string
	for _, p := range topologies.Processors() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

func demoCommand() command {
	return command{
		name: "demo", summary: "run the whole pipeline on the embedded broker and show what it did", usage: "[--events N] [--rate R] [--seed S] [--summary-json]",
		help: `Starts the embedded broker, provisions the topics, runs every registered
processor, feeds it generated payloads (with a few duplicates and invalid
ones), shows live progress, waits until every stage has caught up and prints
a summary. With --summary-json the last line of stdout is one JSON object
with produced, accepted, duplicates, dlq (accepted + duplicates + dlq =
produced) and per-stage counts.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			events := fs.Int("events", 20000, "payloads to produce")
			rate := fs.Float64("rate", 0, "payloads per second; 0 = as fast as the pipeline takes them")
			seed := fs.Int64("seed", 1, "generator seed")
			dup := fs.Float64("duplicate-ratio", 0.02, "share of redelivered payloads")
			invalid := fs.Float64("invalid-ratio", 0.01, "share of malformed payloads")
			fraud := fs.Float64("fraud-rate", 0.01, "share of valid payloads from labelled fraud patterns; payloads then carry their payment context (device, IP, location) for guard; 0 = neither")
			summaryJSON := fs.Bool("summary-json", false, "print the summary as one JSON object on the last line of stdout")
			metricsAddr := fs.String("metrics-addr", "", "address for /metrics while the demo runs, e.g. 127.0.0.1:9464; empty disables")
			timeout := fs.Duration("timeout", 5*time.Minute, "give up if the pipeline has not caught up by then")
			var b brokerFlags
			b.register(fs, " (default: the embedded broker)")
			var sf sinkFlags
			sf.register(fs)
			logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
			return func(inv invocation) error {
				log, err := logger(inv.stderr, *logLevel)
				if err != nil {
					return err
				}
				catalog, err := b.catalog()
				if err != nil {
					return err
				}
				cfg := topologies.DemoConfig{Events: *events, Rate: *rate, Seed: *seed, DuplicateRatio: *dup, InvalidRatio: *invalid, FraudRate: *fraud,
					Brokers: b.brokers, KafkaVersion: b.kafkaVersion, Catalog: catalog, Progress: inv.stderr, Timeout: *timeout, Log: log, Metrics: telemetry.New()}
				if err := cfg.Validate(); err != nil {
					return errUsage{err.Error()}
				}
				specs, err := sf.open(inv.ctx, log)
				if err != nil {
					return err
				}
				defer topologies.CloseSinks(specs)
				cfg.Sinks = specs
				go func() {
					if err := cfg.Metrics.Serve(inv.ctx, *metricsAddr, log); err != nil {
						log.Error("metrics server", "error", err)
					}
				}()
				fmt.Fprintf(inv.stderr, "demo: %d payloads (seed %d, %.0f%% duplicates, %.0f%% invalid, %.1f%% fraud) through %s\n", *events, *seed, *dup*100, *invalid*100, *fraud*100, processorNames())
				s, err := topologies.Demo(inv.ctx, cfg)
				if err != nil {
					return err
				}
				s.Report(inv.stdout)
				if *summaryJSON {
					line, err := json.Marshal(s)
					if err != nil {
						return err
					}
					fmt.Fprintf(inv.stdout, "%s\n", line)
				}
				if s.Accepted+s.Duplicates+s.DLQ != s.Produced {
					return errors.New("counts do not add up: accepted + duplicates + dlq != produced")
				}
				return nil
			}
		},
	}
}
