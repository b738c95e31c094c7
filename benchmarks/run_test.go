package benchmarks

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRunMeasuresEveryPart runs a scenario of a few seconds through the
// whole registered topology on the embedded broker and checks that every
// part of the result was measured (not how fast: that is the harness's
// output, not a test's assertion).
func TestRunMeasuresEveryPart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole topology for about 20s; skipped with -short")
	}
	sc, err := ParseScenario([]byte(`{"name":"test","runs":[{"name":"200","accounts":200,"fraud_rate":0.02,"broker_on_disk":true,"max_in_flight":2000,"phases":[
		{"name":"max","mode":"max","warmup":"1s","measure":"2s"},
		{"name":"half","mode":"rate","rate_fraction":0.5,"warmup":"1s","measure":"2s","sample_every":"1s"}]}],
		"baseline":{"records":2000},"overhead":{"measure":"1s"},"profile":true}`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Run(ctx, sc, Options{ProfileDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.ThroughputEPS <= 0 || res.TargetRateEPS <= 0 || res.CPUPerEventUS <= 0 {
		t.Errorf("throughput %v, target rate %v, CPU/event %v: not measured", res.ThroughputEPS, res.TargetRateEPS, res.CPUPerEventUS)
	}
	if res.LatencyMS.Count == 0 || res.ViewLatencyMS.Count == 0 {
		t.Errorf("latency matched %d scores and %d views", res.LatencyMS.Count, res.ViewLatencyMS.Count)
	}
	run := res.Runs[0]
	if run.UnmatchedScores != 0 {
		t.Errorf("%d scores did not match a payload the harness sent", run.UnmatchedScores)
	}
	for _, stage := range stagesInOrder {
		if stage == "enrich-merchants" {
			continue // it only sees descriptors new to the cache
		}
		if res.StagesEPS[stage] <= 0 {
			t.Errorf("stage %s: %v records/s", stage, res.StagesEPS[stage])
		}
	}
	tables := map[string]TableState{}
	for _, ts := range run.State {
		tables[ts.Topic] = ts
	}
	if v := tables["views-table"]; v.Keys == 0 || v.Keys > 200 || v.LiveBytes == 0 {
		t.Errorf("views-table state: %+v (200 accounts)", v)
	}
	if len(run.RecordBytes) != len(hopTopics) {
		t.Errorf("record sizes of %d topics, want %d", len(run.RecordBytes), len(hopTopics))
	}
	if res.Baseline.PassthroughEPS <= 0 || res.Baseline.GokaStageEPS <= 0 || res.PipelineToPassthrough <= 0 {
		t.Errorf("baseline %+v, ratio %v", res.Baseline, res.PipelineToPassthrough)
	}
	if res.Overhead == nil || res.Overhead.CPUPerEventUS <= 0 {
		t.Errorf("harness overhead: %+v", res.Overhead)
	}
	if len(run.Phases[1].Samples) == 0 {
		t.Error("the half phase asked for samples and has none")
	}
	for _, f := range []string{"cpu.pprof", "allocs.pprof"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("profile %s: %v", f, err)
		}
	}
	if res.Memory.PeakRSSBytes == 0 || res.GitCommit == "" || res.Machine.Cores == 0 {
		t.Errorf("memory %+v, commit %q, machine %+v", res.Memory, res.GitCommit, res.Machine)
	}
}
