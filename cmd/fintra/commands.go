package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/fintraos/fintra/internal/synth"
	"github.com/fintraos/fintra/processors/connect"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/topologies"
)

// brokerFlags are the connection flags shared by the commands that talk to
// a broker.
type brokerFlags struct {
	brokers      listFlag
	kafkaVersion string
	partitions   int
	replication  int
}

func (b *brokerFlags) register(fs *flag.FlagSet, embeddedNote string) {
	fs.Var(&b.brokers, "brokers", "comma-separated Kafka or Redpanda seed brokers, host:port"+embeddedNote)
	fs.StringVar(&b.kafkaVersion, "kafka-version", topologies.DefaultKafkaVersion, "Kafka protocol version goka's sarama client speaks (2.3.0 is the newest the embedded broker answers correctly; real clusters take newer, e.g. 3.6.0)")
	fs.IntVar(&b.partitions, "partitions", 12, "partitions of every topic when provisioning")
	fs.IntVar(&b.replication, "replication", 1, "replication factor when provisioning (3 in production)")
}

func (b *brokerFlags) runtime() topologies.Runtime {
	return topologies.Runtime{Brokers: b.brokers, KafkaVersion: b.kafkaVersion, Replication: b.replication}
}

func (b *brokerFlags) catalog() (topologies.CatalogConfig, error) {
	var errs []error
	if b.partitions < 1 || b.partitions > 10000 {
		errs = append(errs, fmt.Errorf("--partitions %d: must be between 1 and 10000", b.partitions))
	}
	if b.replication < 1 || b.replication > 32767 {
		errs = append(errs, fmt.Errorf("--replication %d: must be at least 1", b.replication))
	}
	if len(errs) > 0 {
		return topologies.CatalogConfig{}, errUsage{errors.Join(errs...).Error()}
	}
	return topologies.CatalogConfig{Partitions: int32(b.partitions), Replication: int16(b.replication)}, nil
}

// requireBrokers is for commands that have no embedded default.
func (b *brokerFlags) requireBrokers() error {
	if len(b.brokers) == 0 {
		return usageErrorf("--brokers is required (or FINTRA_BROKERS): this command talks to a running broker, e.g. --brokers localhost:9092")
	}
	return nil
}

func generateCommand() command {
	return command{
		name: "generate", summary: "print synthetic fintra-json payloads, one per line", usage: "[flags]",
		help: `Prints N fintra-json payloads, one per line: accounts with Zipf-distributed
activity, real-world-looking card descriptors, amounts by category, several
currencies, pending→posted pairs. The same --seed prints the same bytes.
--duplicate-ratio repeats earlier payloads byte for byte (redeliveries);
--invalid-ratio mixes in malformed payloads (both 0 unless given).
--fraud-rate mixes in labelled fraud patterns (card testing, account
takeover, impossible travel, a spike at a new high-risk merchant, a slow
drain) and gives every payload its payment context (device, IP, location).`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			events := fs.Int("events", 1000, "number of payloads, duplicates and invalid ones included")
			seed := fs.Int64("seed", 1, "random seed")
			dup := fs.Float64("duplicate-ratio", 0, "share of payloads that repeat an earlier one, in [0,1)")
			invalid := fs.Float64("invalid-ratio", 0, "share of malformed payloads, in [0,1)")
			fraud := fs.Float64("fraud-rate", 0, "share of valid payloads from labelled fraud patterns, in [0,0.5); payloads then carry their payment context")
			accounts := fs.Int("accounts", 0, "number of accounts (default events/50, at least 10)")
			return func(inv invocation) error {
				if len(inv.args) > 0 {
					return usageErrorf("unexpected argument %q", inv.args[0])
				}
				g, err := synth.New(synth.Config{Events: *events, Seed: *seed, DuplicateRatio: *dup, InvalidRatio: *invalid, Accounts: *accounts, FraudRate: *fraud})
				if err != nil {
					return errUsage{err.Error()}
				}
				w := bufio.NewWriterSize(inv.stdout, 1<<16)
				for {
					p, ok := g.Next()
					if !ok {
						break
					}
					w.Write(p.Bytes)
					w.WriteByte('\n')
				}
				return w.Flush()
			}
		},
	}
}

func normalizeCommand() command {
	return command{
		name: "normalize", summary: "turn payloads into canonical events offline (no broker)", usage: "--source FORMAT FILE|-",
		help: `Parses FILE (or standard input with -) as payloads of --source and prints
the canonical events as JSON lines on stdout. Every rejected payload goes
to stderr with its line number and reason. Exit status 1 if anything was
rejected, 0 otherwise.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			src := fs.String("source", "fintra-json", "ingest format of the input: "+strings.Join(connect.DefaultParsers().Names(), ", ")+", or auto to detect it")
			return func(inv invocation) error {
				if len(inv.args) != 1 {
					return usageErrorf("give exactly one FILE, or - for standard input")
				}
				r, parser, closeFn, err := openParsed(inv.args[0], *src)
				if err != nil {
					return err
				}
				defer closeFn()
				out := bufio.NewWriter(inv.stdout)
				defer out.Flush()
				var rejected, events int
				now := time.Now().UTC()
				err = source.Split(r, parser.Framing(), func(pos source.Position, payload []byte) error {
					evs, perr := parser.Parse(source.Payload{Bytes: payload, IngestedAt: now})
					if perr != nil {
						rejected++
						fmt.Fprintf(inv.stderr, "%s:%s: rejected: %v\n", inv.args[0], pos, perr)
						return nil
					}
					for _, ev := range evs {
						b, err := schemas.MarshalJSON(ev)
						if err != nil {
							return err
						}
						out.Write(b)
						out.WriteByte('\n')
						events++
					}
					return nil
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(inv.stderr, "normalize: %d events, %d rejected payloads\n", events, rejected)
				if rejected > 0 {
					out.Flush()
					return exitError{1}
				}
				return nil
			}
		},
	}
}

// openParsed opens the input and finds its parser; with --source auto the
// whole input is read and the format detected from its content, so that a
// JSON-lines file is still cut into lines.
func openParsed(name, format string) (io.Reader, source.Parser, func(), error) {
	registry := connect.DefaultParsers()
	parser, err := registry.Lookup(format)
	if err != nil {
		return nil, nil, nil, errUsage{"--source: " + err.Error()}
	}
	r, closeFn, err := openInput(name)
	if err != nil {
		return nil, nil, nil, err
	}
	if format != source.AutoName {
		return r, parser, closeFn, nil
	}
	defer closeFn()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, nil, err
	}
	parser, err = registry.Detect(data)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return bytes.NewReader(data), parser, func() {}, nil
}

func openInput(name string) (io.Reader, func(), error) {
	if name == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}
