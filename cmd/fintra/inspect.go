package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"slices"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/topologies"
)

func topologyCommand() command {
	return command{
		name: "topology", summary: "draw the processor graph (mermaid, dot or json)", usage: "[--format mermaid|dot|json]",
		help: `Draws the registered topology from the goka graph definitions: processors,
their input and output streams, dead-letter topics and state tables. The
README shows the Mermaid form; a test keeps the two equal.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			format := fs.String("format", "mermaid", "mermaid, dot or json")
			partitions := fs.Int("partitions", 12, "partitions shown for each topic in the json form")
			return func(inv invocation) error {
				out, err := topologies.Render(topologies.Model(topologies.CatalogConfig{Partitions: int32(*partitions)}), *format)
				if err != nil {
					return usageErrorf("--format %q: use mermaid, dot or json", *format)
				}
				_, err = fmt.Fprint(inv.stdout, out)
				return err
			}
		},
	}
}

func topicsCommand() command {
	return command{
		name: "topics", summary: "create or list the pipeline's topics", usage: "create|list --brokers HOSTS",
		help: `create provisions every topic of the catalog that is missing (partitions,
replication, cleanup.policy, retention per the design); it is idempotent.
list shows the catalog and, for each topic, whether it exists and how many
records it holds.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			var b brokerFlags
			b.register(fs, " (required)")
			return func(inv invocation) error {
				if len(inv.args) != 1 || (inv.args[0] != "create" && inv.args[0] != "list") {
					return usageErrorf("say create or list")
				}
				if err := b.requireBrokers(); err != nil {
					return err
				}
				catalog, err := b.catalog()
				if err != nil {
					return err
				}
				cl, adm, err := topologies.Admin(b.brokers)
				if err != nil {
					return err
				}
				defer cl.Close()
				topics := topologies.Catalog(catalog)
				if inv.args[0] == "create" {
					created, err := topologies.Provision(inv.ctx, adm, topics)
					if err != nil {
						return err
					}
					fmt.Fprintf(inv.stdout, "created %d topics %v; %d already existed\n", len(created), created, len(topics)-len(created))
					return nil
				}
				existing, err := adm.ListTopics(inv.ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(inv.stdout, "%-24s %-6s %10s %8s %-8s %s\n", "topic", "kind", "partitions", "exists", "cleanup", "retention")
				for _, t := range topics {
					_, ok := existing[t.Name]
					ret := "-"
					if t.Retention > 0 {
						ret = t.Retention.String()
					}
					fmt.Fprintf(inv.stdout, "%-24s %-6s %10d %8v %-8s %s\n", t.Name, t.Kind, t.Partitions, ok, t.Cleanup, ret)
				}
				return nil
			}
		},
	}
}

func tailCommand() command {
	return command{
		name: "tail", summary: "print any topic as JSON lines", usage: "--brokers HOSTS TOPIC",
		help: `Prints every record of TOPIC from the start as one JSON object per line:
topic, partition, offset, timestamp, key, headers and the value (protobuf
events decoded to their JSON form; dead letters with their reason headers).
Stops at the end unless --follow.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			var b brokerFlags
			b.register(fs, " (required)")
			follow := fs.Bool("follow", false, "keep printing new records until interrupted")
			limit := fs.Int("n", 0, "stop after n records (0: no limit)")
			return func(inv invocation) error {
				if len(inv.args) != 1 {
					return usageErrorf("give exactly one TOPIC, e.g. core.transactions.v1")
				}
				if err := b.requireBrokers(); err != nil {
					return err
				}
				return tail(inv.ctx, inv, topologies.TailConfig{Brokers: b.brokers, Topic: inv.args[0], Follow: *follow, Limit: *limit})
			}
		},
	}
}

func tail(ctx context.Context, inv invocation, cfg topologies.TailConfig) error {
	w := bufio.NewWriter(inv.stdout)
	defer w.Flush()
	return topologies.Tail(ctx, cfg, func(b []byte) error {
		w.Write(b)
		return w.WriteByte('\n')
	})
}

func dlqCommand() command {
	return command{
		name: "dlq", summary: "list or replay dead letters", usage: "list|replay --brokers HOSTS [--topic connect.dlq.v1]",
		help: `list prints the dead letters of --topic with their reason (fintra-error),
stage and origin. replay sends them back to their origin topic with their
original bytes and headers, after the producer or the parser was fixed;
--contains selects by reason, --dry-run shows what would be sent. Replaying
twice is safe: the ledger drops the second copy by event_id.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			var b brokerFlags
			b.register(fs, " (required)")
			topic := fs.String("topic", string(schemas.TopicConnectDLQ), "dead-letter topic: "+string(schemas.TopicConnectDLQ)+" or "+string(schemas.TopicCoreDLQ))
			contains := fs.String("contains", "", "replay only dead letters whose reason contains this text")
			dryRun := fs.Bool("dry-run", false, "show what replay would send without sending")
			return func(inv invocation) error {
				if len(inv.args) != 1 || !slices.Contains([]string{"list", "replay"}, inv.args[0]) {
					return usageErrorf("say list or replay")
				}
				if err := b.requireBrokers(); err != nil {
					return err
				}
				if inv.args[0] == "list" {
					return tail(inv.ctx, inv, topologies.TailConfig{Brokers: b.brokers, Topic: *topic})
				}
				res, err := topologies.ReplayDLQ(inv.ctx, topologies.ReplayConfig{Brokers: b.brokers, DLQ: *topic, Contains: *contains, DryRun: *dryRun})
				if err != nil {
					return err
				}
				verb := "replayed"
				if *dryRun {
					verb = "would replay"
				}
				fmt.Fprintf(inv.stdout, "%s %d dead letters %v; skipped %d\n", verb, res.Replayed, res.ByTopic, res.Skipped)
				return nil
			}
		},
	}
}
