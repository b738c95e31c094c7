package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fintraos/fintra/processors/guard/replay"
)

func guardCommand() command {
	return command{
		name: "guard", summary: "fraud features and scores offline: training data and replays", usage: "features|score [flags] [FILE]",
		help: `guard features writes the model's training data: it replays a history in
event-time order through the guard processor's own feature code and writes
a CSV (id, account_id, event_time, label, then the features in model
order; label 1, 0 or empty). Sources: synth (the synthetic generator with
labelled fraud patterns: --accounts, --days, --seed, --fraud-rate),
aws-fraud-csv (the AWS Fraud Detector sample CSV, --in), fintra-json
(payloads, --in; unlabelled), parquet (the lake's transactions table: a
.parquet file or a directory of them, --in; unlabelled, no payment context).

guard score replays FILE the same way through the features and the model
and prints one JSON object per line: id, score, decision, reasons.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			src := fs.String("source", "synth", "features: history to replay: synth, aws-fraud-csv, fintra-json or parquet")
			in := fs.String("in", "", "features: input for --source aws-fraud-csv or fintra-json (a file, - for standard input) or parquet (a file or a directory)")
			out := fs.String("out", "-", "features: CSV file to write (- for standard output)")
			accounts := fs.Int("accounts", 1000, "features, synth: number of accounts")
			days := fs.Int("days", 30, "features, synth: days of history (about 3 transactions per account per day)")
			seed := fs.Int64("seed", 1, "features, synth: random seed; the same seed writes the same CSV")
			fraudRate := fs.Float64("fraud-rate", 0.01, "features, synth: share of transactions in a fraud pattern, in (0, 0.5)")
			sc := registerScoreFlags(fs)
			return func(inv invocation) error {
				if len(inv.args) == 0 {
					return usageErrorf("give a subcommand: features or score")
				}
				switch inv.args[0] {
				case "features":
					if len(inv.args) > 1 {
						return usageErrorf("guard features takes no arguments (got %q): the input is --in", inv.args[1])
					}
					return guardFeatures(inv, *src, *in, *out, replay.SynthConfig{Accounts: *accounts, Days: *days, Seed: *seed, FraudRate: *fraudRate})
				case "score":
					if len(inv.args) != 2 {
						return usageErrorf("guard score takes exactly one FILE (or - for standard input)")
					}
					return sc.run(inv, inv.args[1])
				}
				return usageErrorf("unknown subcommand %q: use features or score", inv.args[0])
			}
		},
	}
}

func guardFeatures(inv invocation, src, in, out string, cfg replay.SynthConfig) error {
	var records []replay.Record
	var err error
	switch src {
	case "synth":
		if in != "" {
			return usageErrorf("--in is for aws-fraud-csv, fintra-json and parquet; synth generates its history")
		}
		if err := cfg.Validate(); err != nil {
			return errUsage{err.Error()}
		}
		records, err = replay.Synth(cfg)
	case "aws-fraud-csv", "fintra-json":
		if in == "" {
			return usageErrorf("--source %s needs --in FILE", src)
		}
		records, err = readHistory(inv, src, in)
	case "parquet":
		if in == "" || in == "-" {
			return usageErrorf("--source parquet needs --in FILE or DIRECTORY (the lake's transactions table)")
		}
		records, err = replay.LakeParquet(in)
	default:
		return usageErrorf("--source %q: use synth, aws-fraud-csv, fintra-json or parquet", src)
	}
	if err != nil {
		return err
	}
	w := inv.stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	rows, err := replay.WriteFeaturesCSV(bw, records)
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && out != "-" {
		if err := f.Close(); err != nil {
			return err
		}
	}
	labelled, fraud := 0, 0
	for _, r := range records {
		if r.Folded() && r.Label != "" {
			labelled++
			if r.Label == "1" {
				fraud++
			}
		}
	}
	fmt.Fprintf(inv.stderr, "guard features: %d rows (%d labelled, %d fraud) to %s\n", rows, labelled, fraud, out)
	return nil
}

// readHistory reads a file of one of the replay formats.
func readHistory(inv invocation, format, path string) ([]replay.Record, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	switch format {
	case "aws-fraud-csv":
		return replay.AWSFraudCSV(r)
	case "fintra-json":
		return replay.FintraJSON(r)
	}
	return nil, usageErrorf("format %q: use fintra-json or aws-fraud-csv", format)
}
