package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/fintraos/fintra/benchmarks"
	"github.com/fintraos/fintra/topologies"
)

func benchCommand() command {
	return command{
		name: "bench", summary: "benchmark the whole pipeline: throughput, latency, memory, against the broker's limit", usage: "--scenario NAME|FILE --out FILE [--brokers HOSTS] [--soak DURATION] | --report --out FILE",
		help: `Runs a benchmark scenario (` + strings.Join(benchmarks.ScenarioNames(), ", ") + `, or a scenario .json file; see
benchmarks/scenarios) against the registered topology on a fresh embedded
broker per run: the maximum sustained throughput, latency on a fixed
schedule from each payload's intended send time until its score is on
guard.scores.v1 and its view on the views-table changelog, CPU per event,
memory and state size, beside a bare franz-go chain of as many hops and a
single goka stage on the same broker, and the harness's own overhead.
Writes FILE (JSON) and, beside it, a Markdown report, SVG charts and, for
scenarios with "profile", FILE's name without .json as a directory with
cpu.pprof and allocs.pprof. With --brokers every run deletes and recreates
the pipeline's topics and groups there: use a cluster kept for benchmarks.
The sinks scenario needs --pg-url, --redis-url and --s3-url.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			scenario := fs.String("scenario", "", "scenario name ("+strings.Join(benchmarks.ScenarioNames(), ", ")+") or path of a scenario .json file (required)")
			out := fs.String("out", "", "result JSON file, e.g. benchmarks/results/bench-smoke.json; the report, charts and profiles go beside it (required)")
			soak := fs.Duration("soak", 0, "override the window of the scenario's soak phases, e.g. 5m (default: the file's)")
			report := fs.Bool("report", false, "only rewrite the Markdown report and charts of an existing --out result")
			logLevel := fs.String("log-level", "error", "debug, info, warn or error (the pipeline's log)")
			var b brokerFlags
			b.register(fs, " (default: a fresh embedded broker per run)")
			var sf sinkFlags
			sf.register(fs)
			return func(inv invocation) error {
				if *report {
					if *out == "" {
						return usageErrorf("--report rewrites the report of --out FILE: give --out")
					}
					res, err := benchmarks.ReadResult(*out)
					if err != nil {
						return err
					}
					if err := benchmarks.Write(res, benchmarks.PathsFor(*out)); err != nil {
						return err
					}
					fmt.Fprintf(inv.stdout, "rewrote %s\n", benchmarks.PathsFor(*out).Markdown)
					return nil
				}
				if *scenario == "" || *out == "" {
					return usageErrorf("give --scenario (%s, or a .json file) and --out FILE", strings.Join(benchmarks.ScenarioNames(), ", "))
				}
				if *soak < 0 {
					return usageErrorf("--soak %s: must be a positive duration such as 5m", *soak)
				}
				log, err := logger(inv.stderr, *logLevel)
				if err != nil {
					return err
				}
				sc, err := benchmarks.LoadScenario(*scenario)
				if err != nil {
					return errUsage{err.Error()}
				}
				if *soak > 0 {
					sc.OverrideSoak(*soak)
				}
				paths := benchmarks.PathsFor(*out)
				opts := benchmarks.Options{Brokers: b.brokers, KafkaVersion: b.kafkaVersion, Progress: inv.stderr, Log: log}
				if sc.Profile {
					if err := os.MkdirAll(paths.ProfileDir, 0o755); err != nil {
						return err
					}
					opts.ProfileDir = paths.ProfileDir
				}
				if sc.Sinks {
					if sf.pgURL == "" || sf.redisURL == "" || sf.s3URL == "" {
						return usageErrorf("scenario %s runs the PostgreSQL, Redis and S3 sinks: set --pg-url, --redis-url and --s3-url (eval \"$(deploy/local/services.sh env)\" sets FINTRA_PG_URL, FINTRA_REDIS_URL, FINTRA_S3_URL)", sc.Name)
					}
					opts.Sinks = func(ctx context.Context) ([]topologies.SinkSpec, error) { return sf.open(ctx, log) }
				}
				fmt.Fprintf(inv.stderr, "bench: scenario %s (%s), load average %v\n", sc.Name, sc.Description, benchmarks.LoadAverage())
				start := time.Now()
				res, err := benchmarks.Run(inv.ctx, sc, opts)
				if err != nil {
					return err
				}
				if err := benchmarks.Write(res, paths); err != nil {
					return err
				}
				fmt.Fprintf(inv.stdout, "%s: %.0f events/s end to end", sc.Name, res.ThroughputEPS)
				if res.Baseline.PassthroughEPS > 0 {
					fmt.Fprintf(inv.stdout, " (%.1f%% of the bare franz-go passthrough, %.0f/s)", 100*res.PipelineToPassthrough, res.Baseline.PassthroughEPS)
				}
				if res.TargetRateEPS > 0 {
					fmt.Fprintf(inv.stdout, "; at %.0f events/s latency p50 %.1f ms, p99 %.1f ms", res.TargetRateEPS, res.LatencyMS.P50, res.LatencyMS.P99)
				}
				fmt.Fprintf(inv.stdout, "; %.1f µs CPU/event; peak RSS %.0f MiB; in %s\nwrote %s and %s\n",
					res.CPUPerEventUS, float64(res.Memory.PeakRSSBytes)/(1<<20), time.Since(start).Round(time.Second), paths.JSON, paths.Markdown)
				return nil
			}
		},
	}
}
