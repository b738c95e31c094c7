package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/processors/enrich"
)

func catalogCommand() command {
	return command{
		name: "catalog", summary: "publish merchant catalog updates to the running enrich processors",
		usage: "publish --brokers HOSTS [FILE|-] | delete --brokers HOSTS ID...",
		help: `publish sends catalog lines (the format of the catalog's data/*.tsv files:
id, kind, name, website, category, mcc, country, aliases, prefixes,
tab-separated; blank lines and # comments skipped) from FILE, or standard
input when FILE is - or absent, to enrich.catalog.v1, keyed by entity id.
Every line is checked first; nothing is sent unless all pass. delete sends
the removal of the given entity ids. Every enrich process applies the
updates at once, for new transactions only; an update the running catalog
refuses (say, an alias another entity holds) lands in enrich.dlq.v1 with
the reason. docs/enrich-processor.md says how to re-enrich old
transactions.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			var b brokerFlags
			b.register(fs, " (required)")
			return func(inv invocation) error {
				if len(inv.args) == 0 {
					return usageErrorf("say publish or delete")
				}
				sub, args := inv.args[0], inv.args[1:]
				switch sub {
				case "publish":
					if len(args) > 1 {
						return usageErrorf("publish takes at most one FILE (or - for standard input)")
					}
				case "delete":
					if len(args) == 0 {
						return usageErrorf("delete needs the ids of the entities to delete")
					}
				default:
					return usageErrorf("unknown catalog command %q: say publish or delete", sub)
				}
				if err := b.requireBrokers(); err != nil {
					return err
				}
				cl, err := kgo.NewClient(kgo.SeedBrokers(b.brokers...), kgo.RequiredAcks(kgo.AllISRAcks()))
				if err != nil {
					return fmt.Errorf("connect to %v: %w", b.brokers, err)
				}
				defer cl.Close()
				if sub == "delete" {
					for _, id := range args {
						if err := enrich.PublishCatalogDelete(inv.ctx, cl, id); err != nil {
							return err
						}
					}
					fmt.Fprintf(inv.stdout, "published the deletion of %d entities to enrich.catalog.v1\n", len(args))
					return nil
				}
				var in io.Reader = os.Stdin
				if len(args) == 1 && args[0] != "-" {
					f, err := os.Open(args[0])
					if err != nil {
						return usageErrorf("%v", err)
					}
					defer f.Close()
					in = f
				}
				n, err := enrich.PublishCatalog(inv.ctx, cl, in)
				if err != nil {
					return err
				}
				fmt.Fprintf(inv.stdout, "published %d catalog lines to enrich.catalog.v1\n", n)
				return nil
			}
		},
	}
}
