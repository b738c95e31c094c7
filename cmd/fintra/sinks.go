package main

import (
	"context"
	"flag"
	"log/slog"

	"github.com/fintraos/fintra/processors/views"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/sinks/lake"
	"github.com/fintraos/fintra/sinks/postgres"
	"github.com/fintraos/fintra/sinks/redis"
	"github.com/fintraos/fintra/topologies"
)

// sinkFlags select the sinks by their endpoints; a sink runs when its
// endpoint is set (by flag or FINTRA_* variable).
type sinkFlags struct {
	pgURL       string
	pgSchema    string
	redisURL    string
	s3URL       string
	s3Endpoint  string
	s3PathStyle bool
}

func (f *sinkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.pgURL, "pg-url", "", "PostgreSQL/TimescaleDB URL for the events, transactions and accounts tables, e.g. postgres://fintra:fintra@127.0.0.1:55432/fintra (FINTRA_PG_URL); empty: no PostgreSQL sink")
	fs.StringVar(&f.pgSchema, "pg-schema", "", "PostgreSQL schema for the sink's tables (default: the connection's)")
	fs.StringVar(&f.s3URL, "s3-url", "", "the Parquet lake: s3://bucket[/prefix] or file:///dir (FINTRA_S3_URL); credentials and region from the AWS environment; empty: no lake sink")
	fs.StringVar(&f.s3Endpoint, "s3-endpoint", "", "S3 endpoint for an S3-compatible store, e.g. http://127.0.0.1:57070 (FINTRA_S3_ENDPOINT)")
	fs.BoolVar(&f.s3PathStyle, "s3-path-style", false, "path-style S3 addressing, as most S3-compatible stores need (FINTRA_S3_PATH_STYLE)")
	fs.StringVar(&f.redisURL, "redis-url", "", "Redis URL for the account views at fintra:view:account:<id>, e.g. redis://127.0.0.1:56379/0 (FINTRA_REDIS_URL); empty: no Redis sink")
}

func (f *sinkFlags) any() bool { return f.pgURL != "" || f.redisURL != "" || f.s3URL != "" }

// open connects every configured sink; on error the ones opened are closed.
func (f *sinkFlags) open(ctx context.Context, log *slog.Logger) ([]topologies.SinkSpec, error) {
	var specs []topologies.SinkSpec
	if f.pgURL != "" {
		// The transactions table takes the last stage, guard.scores.v1:
		// merchant, category and score included.
		pg, err := postgres.Open(ctx, f.pgURL, log, postgres.Options{Schema: f.pgSchema, TransactionsTopic: string(schemas.TopicGuardScores)})
		if err != nil {
			return nil, usageErrorf("--pg-url: %v", err)
		}
		specs = append(specs, topologies.SinkSpec{Sink: pg, Topics: []string{string(schemas.TopicCoreEvents), string(schemas.TopicGuardScores)}})
	}
	if f.s3URL != "" {
		lk, err := lake.Open(ctx, f.s3URL, lake.Options{Topic: string(schemas.TopicGuardScores), Endpoint: f.s3Endpoint, PathStyle: f.s3PathStyle}, log)
		if err != nil {
			_ = topologies.CloseSinks(specs)
			return nil, usageErrorf("--s3-url: %v", err)
		}
		specs = append(specs, topologies.SinkSpec{Sink: lk, Topics: []string{string(schemas.TopicGuardScores)}})
	}
	if f.redisURL != "" {
		rd, err := redis.Open(ctx, f.redisURL, log, redis.Options{})
		if err != nil {
			_ = topologies.CloseSinks(specs)
			return nil, usageErrorf("--redis-url: %v", err)
		}
		specs = append(specs, topologies.SinkSpec{Sink: rd, Topics: []string{string(views.Table)}})
	}
	return specs, nil
}

func sinkCommand() command {
	return command{
		name: "sink", summary: "run the sinks whose endpoints are configured", usage: "--brokers HOSTS [--pg-url URL] [--redis-url URL] [--s3-url URL]",
		help: `Runs one sink runner per configured store until SIGINT or SIGTERM: each
consumes its topics in its own consumer group (sink-<name>), batches, writes
idempotently, and commits offsets only after the write is durable; records
it can never write go to sink-<name>.dlq.v1. On shutdown it writes and
commits what it holds. Metrics on --metrics-addr.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			var b brokerFlags
			b.register(fs, " (required)")
			var sf sinkFlags
			sf.register(fs)
			metricsAddr := fs.String("metrics-addr", "127.0.0.1:9465", "address for /metrics, /healthz and /debug/pprof; empty disables")
			logLevel := fs.String("log-level", "info", "debug, info, warn or error")
			return func(inv invocation) error {
				if err := b.requireBrokers(); err != nil {
					return err
				}
				if !sf.any() {
					return usageErrorf("no sink configured: give --pg-url, --redis-url or --s3-url (or FINTRA_PG_URL, FINTRA_REDIS_URL, FINTRA_S3_URL)")
				}
				log, err := logger(inv.stderr, *logLevel)
				if err != nil {
					return err
				}
				specs, err := sf.open(inv.ctx, log)
				if err != nil {
					return err
				}
				defer topologies.CloseSinks(specs)
				metrics := newMetricsServer(inv, *metricsAddr, log)
				return topologies.RunSinks(inv.ctx, b.brokers, specs, metrics, log)
			}
		},
	}
}
