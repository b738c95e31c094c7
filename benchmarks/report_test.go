package benchmarks

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleResult() Result {
	r := Result{Scenario: "test", Machine: Machine{CPUModel: "cpu", Cores: 2, MemoryGB: 4}, GitCommit: "abc",
		ThroughputEPS: 5000, TargetRateEPS: 2500, Baseline: Baseline{PassthroughEPS: 100000, GokaStageEPS: 70000}, PipelineToPassthrough: 0.05}
	run := RunResult{Name: "1k", Accounts: 1000}
	run.Phases = append(run.Phases, PhaseResult{Name: "max", Mode: "max", ThroughputEPS: 5000, Stages: map[string]float64{"connect": 5000, "views": 5000, "sink-redis": 4000}})
	for i, rate := range []float64{1000, 2500, 4000} {
		run.Phases = append(run.Phases, PhaseResult{Name: "r", Mode: "rate", TargetRateEPS: rate,
			LatencyScoresMS: Latency{Count: 10, P50: float64(10 + i), P99: float64(50 + 10*i)}, LatencyViewsMS: Latency{Count: 10, P99: float64(60 + 10*i)},
			Samples: []Sample{{Seconds: 30, RSSBytes: 1 << 28, HeapInuseBytes: 1 << 27}, {Seconds: 60, RSSBytes: 1 << 28, HeapInuseBytes: 1 << 27}}})
	}
	r.Runs = []RunResult{run}
	return r
}

func wellFormed(t *testing.T, name, svg string) {
	t.Helper()
	if !strings.HasPrefix(svg, "<svg") {
		t.Fatalf("%s: not an SVG: %.40q", name, svg)
	}
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: malformed XML: %v", name, err)
		}
	}
}

func TestChartsAreWellFormed(t *testing.T) {
	r := sampleResult()
	wellFormed(t, "latency", LatencyChart(r))
	wellFormed(t, "stages", StagesChart(r))
	wellFormed(t, "memory", MemoryChart(r))
	if !strings.Contains(StagesChart(r), "sink-redis") {
		t.Error("the stages chart leaves out a sink stage")
	}
	if LatencyChart(Result{}) != "" {
		t.Error("a result without rate phases drew a latency chart")
	}
}

func TestWriteProducesJSONMarkdownAndCharts(t *testing.T) {
	dir := t.TempDir()
	p := PathsFor(filepath.Join(dir, "bench-test.json"))
	if err := Write(sampleResult(), p); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p.JSON)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"throughput_eps", "baseline", "latency_ms", "target_rate_eps", "git_commit", "machine", "memory", "stages_eps"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("result JSON lacks %q", k)
		}
	}
	if fields["baseline"].(map[string]any)["passthrough_eps"] != 100000.0 {
		t.Errorf("baseline.passthrough_eps = %v", fields["baseline"])
	}
	md, err := os.ReadFile(p.Markdown)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bench-test-latency.svg", "bench-test-stages.svg", "bench-test-memory.svg", "pipeline ÷ passthrough"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
