package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/fintraos/fintra/processors/enrich/catalog"
	"github.com/fintraos/fintra/processors/enrich/category"
	"github.com/fintraos/fintra/processors/enrich/clean"
	"github.com/fintraos/fintra/processors/enrich/merchant"
)

func merchantCommand() command {
	return command{
		name: "merchant", summary: "resolve statement descriptors to merchants, or evaluate the resolver",
		usage: "resolve [flags] [FILE|-] | eval --labels FILE --predictions FILE --out FILE",
		help: `resolve reads one raw descriptor per line (FILE, or standard input when FILE
is - or absent) and prints one JSON object per line, in order, with the keys
descriptor, merchant (empty when unresolved), entity_id, website,
marketplace, category, confidence and method (exact, vector, source,
descriptor or unresolved). The category is decided from the descriptor
alone, as for a purchase (no amount, no MCC).

Merchant = the platform when the descriptor shows a marketplace
("DOORDASH*ZEEKS PIZZA": DoorDash, marketplace Zeeks Pizza); the seller
when the prefix is a payment processor ("SQ *BLUE BOTTLE": the seller,
marketplace Square). A vector match needs --threshold; below it the
cleaned descriptor is returned as a low-confidence name when it reads like
a business (method descriptor), else nothing (method unresolved).

eval resolves the descriptors of a labelled CSV (--labels), prints
exact-match merchant and website accuracy beside the systems whose
predictions --predictions holds, and writes the result as JSON to --out.`,
		flags: func(fs *flag.FlagSet) func(invocation) error {
			threshold := fs.Float64("threshold", merchant.DefaultThreshold, "least calibrated confidence, in (0,1], a vector (nearest-neighbour) match needs")
			embedder := fs.String("embedder", "ngram", "embedding: ngram (in-process hashed character n-grams) or http (the ml service, see --ml-url)")
			mlURL := fs.String("ml-url", "", "base URL of the ml service for --embedder http, e.g. http://localhost:8000")
			catalogDir := fs.String("catalog", "", "directory of extra catalog *.tsv files; an entity id that exists replaces the shipped entity")
			labels := fs.String("labels", "", "eval: labelled CSV (description, country, merchant_correct, website_correct)")
			predictions := fs.String("predictions", "", "eval: CSV of the same rows with prediction_merchant_<system> and prediction_website_<system> columns")
			out := fs.String("out", "", "eval: write the JSON result to this file")
			return func(inv invocation) error {
				if len(inv.args) == 0 {
					return usageErrorf("say resolve or eval")
				}
				sub, args := inv.args[0], inv.args[1:]
				var evalFiles []string
				switch sub {
				case "resolve":
					if len(args) > 1 {
						return usageErrorf("resolve takes at most one FILE (or - for standard input)")
					}
				case "eval":
					if len(args) > 0 {
						return usageErrorf("eval takes no arguments, only --labels, --predictions and --out")
					}
					var missing []string
					for name, v := range map[string]string{"--labels": *labels, "--predictions": *predictions, "--out": *out} {
						if v == "" {
							missing = append(missing, name)
						}
					}
					if len(missing) > 0 {
						slices.Sort(missing)
						return usageErrorf("eval needs %s", strings.Join(missing, ", "))
					}
					evalFiles = []string{*labels, *predictions}
				default:
					return usageErrorf("unknown merchant command %q: say resolve or eval", sub)
				}
				if *threshold <= 0 || *threshold > 1 {
					return usageErrorf("--threshold %v: must be in (0, 1], e.g. %v", *threshold, merchant.DefaultThreshold)
				}
				r, err := buildResolver(inv, *embedder, *mlURL, *catalogDir, *threshold)
				if err != nil {
					return err
				}
				if sub == "resolve" {
					name := "-"
					if len(args) == 1 {
						name = args[0]
					}
					return resolveLines(inv, r, name)
				}
				return runEval(inv, r, evalFiles[0], evalFiles[1], *out)
			}
		},
	}
}

// buildResolver wires the catalog, the embedder and the in-process index.
func buildResolver(inv invocation, embedder, mlURL, catalogDir string, threshold float64) (*merchant.Resolver, error) {
	cat, err := catalog.Default()
	if err != nil {
		return nil, err
	}
	if catalogDir != "" {
		cat, err = withCatalogDir(cat, catalogDir)
		if err != nil {
			return nil, err
		}
	}
	var emb merchant.Embedder
	switch embedder {
	case "ngram":
		if mlURL != "" {
			return nil, usageErrorf("--ml-url is only used with --embedder http")
		}
		emb, err = merchant.NewNgramEmbedder(0)
	case "http":
		if mlURL == "" {
			return nil, usageErrorf("--embedder http needs --ml-url, e.g. --ml-url http://localhost:8000")
		}
		emb, err = merchant.NewHTTPEmbedder(inv.ctx, mlURL, merchant.HTTPOptions{})
	default:
		return nil, usageErrorf("--embedder %q: use ngram or http", embedder)
	}
	if err != nil {
		return nil, err
	}
	idx, err := merchant.NewMemoryIndex(emb.Dim())
	if err != nil {
		return nil, err
	}
	return merchant.NewResolver(cat, emb, idx, merchant.Options{Threshold: threshold})
}

// withCatalogDir applies the *.tsv files of dir over the shipped catalog.
func withCatalogDir(cat *catalog.Catalog, dir string) (*catalog.Catalog, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.tsv"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, usageErrorf("--catalog %s: no *.tsv files there", dir)
	}
	files := map[string][]byte{}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		files[name] = b
	}
	extra, err := catalog.Parse(files)
	if err != nil {
		return nil, fmt.Errorf("--catalog %s: %w", dir, err)
	}
	return cat.With(extra.Entities(), nil)
}

// resolveBatch is how many descriptors go to the resolver at once: one
// embedding call and one search per batch.
const resolveBatch = 256

type resolvedLine struct {
	Descriptor  string  `json:"descriptor"`
	Merchant    string  `json:"merchant"`
	EntityID    string  `json:"entity_id"`
	Website     string  `json:"website"`
	Marketplace string  `json:"marketplace"`
	Category    string  `json:"category"`
	Confidence  float64 `json:"confidence"`
	Method      string  `json:"method"`
}

func resolveLines(inv invocation, r *merchant.Resolver, name string) error {
	in, closeFn, err := openInput(name)
	if err != nil {
		return err
	}
	defer closeFn()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	w := bufio.NewWriter(inv.stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var batch []merchant.Input
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := r.Resolve(inv.ctx, batch)
		if err != nil {
			return err
		}
		for i, x := range res {
			cat := category.Decide(category.Input{
				MerchantCategory: x.Category, MerchantConfidence: x.Confidence,
				Cleaned: clean.Descriptor(batch[i].Descriptor),
			})
			if err := enc.Encode(resolvedLine{
				Descriptor: batch[i].Descriptor, Merchant: x.Name, EntityID: x.EntityID, Website: x.Website,
				Marketplace: x.Marketplace, Category: cat.GetDetailed(), Confidence: x.Confidence, Method: merchant.MethodName(x.Method),
			}); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	for sc.Scan() {
		batch = append(batch, merchant.Input{Descriptor: sc.Text()})
		if len(batch) == resolveBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return flush()
}

func runEval(inv invocation, r *merchant.Resolver, labelsFile, predictionsFile, outFile string) error {
	labels, err := os.Open(labelsFile)
	if err != nil {
		return err
	}
	defer labels.Close()
	predictions, err := os.Open(predictionsFile)
	if err != nil {
		return err
	}
	defer predictions.Close()
	ev, err := merchant.Evaluate(inv.ctx, r, labels, predictions)
	if err != nil {
		return err
	}
	ev.Commit = commitID()
	fmt.Fprintf(inv.stdout, "merchant evaluation: %d rows, threshold %.2f, catalog %s, embedder %s\n\n", ev.Rows, ev.Threshold, ev.CatalogVersion, ev.Embedder)
	fmt.Fprintf(inv.stdout, "%-22s %10s %10s\n", "system", "merchant", "website")
	for _, s := range ev.Systems {
		fmt.Fprintf(inv.stdout, "%-22s %10s %10s\n", s.Name, percent(s.MerchantAccuracy), percent(s.WebsiteAccuracy))
	}
	fmt.Fprintf(inv.stdout, "\n%.1f µs per descriptor (one batch)\ncategory: %s\n", float64(ev.NanosPerDescriptor)/1000, ev.CategoryNote)
	b, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return err
	}
	if dir := filepath.Dir(outFile); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(outFile, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(inv.stdout, "wrote %s\n", outFile)
	return nil
}

func percent(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *v*100)
}

// commitID is the build's VCS revision, else git's HEAD, else empty.
func commitID() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
