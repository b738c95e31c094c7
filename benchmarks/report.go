package benchmarks

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Paths are where one result's files go: the JSON given by --out and,
// beside it, the Markdown report, the charts and the profile directory.
type Paths struct {
	JSON, Markdown, LatencySVG, StagesSVG, MemorySVG, ProfileDir string
}

// PathsFor derives the files beside out (benchmarks/results/bench-smoke.json
// → bench-smoke.md, bench-smoke-latency.svg, bench-smoke/cpu.pprof ...).
func PathsFor(out string) Paths {
	base := strings.TrimSuffix(out, filepath.Ext(out))
	return Paths{
		JSON: out, Markdown: base + ".md",
		LatencySVG: base + "-latency.svg", StagesSVG: base + "-stages.svg", MemorySVG: base + "-memory.svg",
		ProfileDir: base,
	}
}

// ReadResult reads a result JSON written by Write.
func ReadResult(path string) (Result, error) {
	var r Result
	data, err := os.ReadFile(path)
	if err != nil {
		return r, fmt.Errorf("benchmarks: %w", err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("benchmarks: %s is not a result of fintra bench: %w", path, err)
	}
	return r, nil
}

// Write writes the JSON, the Markdown report and the charts.
func Write(r Result, p Paths) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(p.JSON, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("benchmarks: %w", err)
	}
	charts := map[string]string{}
	if svg := LatencyChart(r); svg != "" {
		if err := os.WriteFile(p.LatencySVG, []byte(svg), 0o644); err != nil {
			return fmt.Errorf("benchmarks: %w", err)
		}
		charts["latency"] = filepath.Base(p.LatencySVG)
	}
	if svg := StagesChart(r); svg != "" {
		if err := os.WriteFile(p.StagesSVG, []byte(svg), 0o644); err != nil {
			return fmt.Errorf("benchmarks: %w", err)
		}
		charts["stages"] = filepath.Base(p.StagesSVG)
	}
	if svg := MemoryChart(r); svg != "" {
		if err := os.WriteFile(p.MemorySVG, []byte(svg), 0o644); err != nil {
			return fmt.Errorf("benchmarks: %w", err)
		}
		charts["memory"] = filepath.Base(p.MemorySVG)
	}
	f, err := os.Create(p.Markdown)
	if err != nil {
		return fmt.Errorf("benchmarks: %w", err)
	}
	defer f.Close()
	Markdown(f, r, charts, filepath.Base(p.JSON), filepath.Base(p.ProfileDir))
	return f.Close()
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// Markdown renders the report for people.
func Markdown(w io.Writer, r Result, charts map[string]string, jsonName, profileDir string) {
	fmt.Fprintf(w, "# Benchmark: %s\n\n", r.Scenario)
	fmt.Fprintf(w, "Measured %s in %.0f s on %s (%d cores, %.1f GB), %s, commit `%s`, broker: %s. Load average before %.2f %.2f %.2f, after %.2f %.2f %.2f. Raw numbers: [%s](%s).\n\n",
		r.StartedAt.Format("2006-01-02 15:04 UTC"), r.Seconds, r.Machine.CPUModel, r.Machine.Cores, r.Machine.MemoryGB, r.Machine.Go, r.GitCommit, r.Brokers,
		r.LoadAverageBefore[0], r.LoadAverageBefore[1], r.LoadAverageBefore[2], r.LoadAverageAfter[0], r.LoadAverageAfter[1], r.LoadAverageAfter[2], jsonName, jsonName)
	fmt.Fprintf(w, "## Summary\n\n| | |\n|---|---|\n")
	fmt.Fprintf(w, "| sustained throughput, end to end | **%.0f events/s** |\n", r.ThroughputEPS)
	if r.Baseline.PassthroughEPS > 0 {
		fmt.Fprintf(w, "| bare franz-go, 5 hops, same broker (`baseline.passthrough_eps`) | %.0f records/s |\n", r.Baseline.PassthroughEPS)
		fmt.Fprintf(w, "| pipeline ÷ passthrough | **%.1f%%** |\n", 100*r.PipelineToPassthrough)
		fmt.Fprintf(w, "| one goka stage, memory storage | %.0f records/s |\n", r.Baseline.GokaStageEPS)
	}
	fmt.Fprintf(w, "| CPU per event at the maximum (process: pipeline + broker + harness) | %.1f µs |\n", r.CPUPerEventUS)
	if r.TargetRateEPS > 0 {
		l := r.LatencyMS
		fmt.Fprintf(w, "| latency to guard.scores.v1 at %.0f events/s (p50 / p95 / p99 / max) | %.1f / %.1f / %.1f / %.1f ms |\n", r.TargetRateEPS, l.P50, l.P95, l.P99, l.Max)
		v := r.ViewLatencyMS
		fmt.Fprintf(w, "| latency to the views-table changelog (p50 / p95 / p99 / max) | %.1f / %.1f / %.1f / %.1f ms |\n", v.P50, v.P95, v.P99, v.Max)
	}
	fmt.Fprintf(w, "| peak RSS / Go heap in use | %s / %s |\n", mib(r.Memory.PeakRSSBytes), mib(r.Memory.HeapInuseBytes))
	if o := r.Overhead; o != nil {
		fmt.Fprintf(w, "| harness overhead at %.0f events/s | %.2f cores, %.1f µs/event (%.0f%% of the pipeline run's CPU per event) |\n", o.RateEPS, o.CPUCores, o.CPUPerEventUS, 100*o.ShareOfPipelineCPU)
		fmt.Fprintf(w, "| producer → reader with no processing (p50 / p99) | %.2f / %.2f ms |\n", o.ProducerToReaderMS.P50, o.ProducerToReaderMS.P99)
	}
	fmt.Fprintln(w)
	if len(r.Notes) > 0 {
		fmt.Fprintf(w, "## What limits it\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
		fmt.Fprintln(w)
	}
	if c := charts["stages"]; c != "" {
		fmt.Fprintf(w, "## Throughput per stage\n\n![records consumed per second by each stage](%s)\n\n", c)
	}
	if c := charts["latency"]; c != "" {
		fmt.Fprintf(w, "## Latency vs rate\n\n![end-to-end latency percentiles against the offered rate](%s)\n\n", c)
	}
	if c := charts["memory"]; c != "" {
		fmt.Fprintf(w, "## Memory during the soak\n\n![RSS and Go heap over the soak](%s)\n\n", c)
	}
	for _, run := range r.Runs {
		fmt.Fprintf(w, "## Run %s: %d accounts\n\n", run.Name, run.Accounts)
		fmt.Fprintf(w, "Start-up and prefill %.1f s, %d events sent, process peak RSS so far %s, heap in use at the end %s", run.StartupSeconds, run.EventsSent, mib(run.PeakRSSBytes), mib(run.HeapInuseBytes))
		if run.UnmatchedScores > 0 {
			fmt.Fprintf(w, ", %d scores not matched to a payload", run.UnmatchedScores)
		}
		fmt.Fprintf(w, ".\n\n")
		stages := stageNames(run)
		fmt.Fprintf(w, "| phase | target/s | offered/s | through/s | cores (others) | µs CPU/event | score p50 | p95 | p99 | max | view p50 | p99 | matched |")
		for _, s := range stages {
			fmt.Fprintf(w, " %s/s |", s)
		}
		fmt.Fprintf(w, "\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|%s\n", strings.Repeat("---:|", len(stages)))
		for _, p := range run.Phases {
			target := "max"
			if p.Mode == "rate" {
				target = fmt.Sprintf("%.0f", p.TargetRateEPS)
			}
			name := p.Name
			if p.Saturated {
				name += " (fell behind)"
			}
			fmt.Fprintf(w, "| %s | %s | %.0f | %.0f | %.2f (%.2f) | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %d |", name, target, p.OfferedEPS, p.ThroughputEPS, p.CPUCores, p.OtherProcessesCores, p.CPUPerEventUS,
				p.LatencyScoresMS.P50, p.LatencyScoresMS.P95, p.LatencyScoresMS.P99, p.LatencyScoresMS.Max, p.LatencyViewsMS.P50, p.LatencyViewsMS.P99, p.LatencyScoresMS.Count)
			for _, s := range stages {
				fmt.Fprintf(w, " %.0f |", p.Stages[s])
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "\nLatencies in ms. State (goka tables; the embedded broker does not compact, so records counts every write):\n\n| table | keys | live bytes | bytes/key | changelog records | changelog bytes |\n|---|---:|---:|---:|---:|---:|\n")
		for _, t := range run.State {
			per := int64(0)
			if t.Keys > 0 {
				per = t.LiveBytes / t.Keys
			}
			fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d |\n", t.Topic, t.Keys, t.LiveBytes, per, t.Records, t.LogBytes)
		}
		fmt.Fprintf(w, "\nMean record sizes on the hop topics (sampled):\n\n| topic | key bytes | value bytes |\n|---|---:|---:|\n")
		for _, s := range run.RecordBytes {
			fmt.Fprintf(w, "| %s | %.1f | %.1f |\n", s.Topic, s.KeyBytes, s.ValueBytes)
		}
		for _, p := range run.Phases {
			if len(p.Samples) == 0 {
				continue
			}
			fmt.Fprintf(w, "\nSamples of %s:\n\n| s | through/s | RSS | heap in use |\n|---:|---:|---:|---:|\n", p.Name)
			for _, s := range p.Samples {
				fmt.Fprintf(w, "| %.0f | %.0f | %s | %s |\n", s.Seconds, s.ThroughputEPS, mib(s.RSSBytes), mib(s.HeapInuseBytes))
			}
		}
		fmt.Fprintln(w)
	}
	if len(r.Profiles) > 0 {
		fmt.Fprintf(w, "## Profiles\n\nCPU over the first max window and allocations over the whole run: ")
		for i, p := range r.Profiles {
			if i > 0 {
				fmt.Fprint(w, ", ")
			}
			fmt.Fprintf(w, "[%s](%s/%s)", p, profileDir, p)
		}
		fmt.Fprintf(w, ". Read them with `go tool pprof -top %s/cpu.pprof`.\n", profileDir)
	}
}

// stageNames are the stages measured in a run, upstream first, sinks last.
func stageNames(run RunResult) []string {
	seen := map[string]bool{}
	for _, p := range run.Phases {
		for s := range p.Stages {
			seen[s] = true
		}
	}
	var out []string
	for _, s := range stagesInOrder {
		if seen[s] {
			out = append(out, s)
			delete(seen, s)
		}
	}
	var rest []string
	for s := range seen {
		rest = append(rest, s)
	}
	slices.Sort(rest)
	return append(out, rest...)
}
