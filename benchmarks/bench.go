// Package benchmarks is the whole-pipeline benchmark harness behind
// `fintra bench`: it runs the registered topology on the embedded broker
// (or a real cluster), drives it with the synthetic generator as fast as
// it goes or on a fixed schedule, and measures throughput per stage, CPU
// per event, end-to-end latency from the intended send time (so a stall
// is not hidden by coordinated omission), memory and state size, beside
// the limit of the same broker (a bare franz-go chain of as many hops, a
// single goka stage) and the harness's own overhead. Scenarios are JSON
// files in scenarios/; results are JSON with a Markdown report and SVG
// charts in results/.
package benchmarks

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/fintraos/fintra/topologies"
)

// Options are the run's surroundings, as opposed to the scenario.
type Options struct {
	// Brokers, when set, run against a real cluster: each run deletes and
	// recreates the pipeline's topics and groups there, so use a cluster
	// dedicated to benchmarks. Default: a fresh embedded broker per run.
	Brokers      []string
	KafkaVersion string
	// Sinks opens the sinks for a run of a scenario that needs them.
	Sinks func(context.Context) ([]topologies.SinkSpec, error)
	// ProfileDir receives cpu.pprof (the first max window) and
	// allocs.pprof; "" saves none.
	ProfileDir string
	// Progress receives a line per step; nil is quiet.
	Progress io.Writer
	Log      *slog.Logger
	// brokerOnDisk is the first run's BrokerOnDisk: the limits and the
	// overhead are measured on the same kind of broker.
	brokerOnDisk bool
}

func (o Options) progress(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "[%s] %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

// Result is one scenario's measurements (the JSON file).
type Result struct {
	Scenario  string    `json:"scenario"`
	StartedAt time.Time `json:"started_at"`
	Seconds   float64   `json:"seconds"`
	GitCommit string    `json:"git_commit"`
	Machine   Machine   `json:"machine"`
	Brokers   string    `json:"brokers"`
	// LoadAverage is /proc/loadavg (1, 5, 15 min) before and after: other
	// work on the machine lowers every number here.
	LoadAverageBefore [3]float64 `json:"load_average_before"`
	LoadAverageAfter  [3]float64 `json:"load_average_after"`

	// ThroughputEPS is the first max phase's sustained end-to-end rate
	// (events through views per second over the window).
	ThroughputEPS float64 `json:"throughput_eps"`
	// TargetRateEPS and LatencyMS are the first rate phase's: the fixed
	// rate and the latency until the score is on guard.scores.v1;
	// ViewLatencyMS until the view is on the views-table changelog.
	TargetRateEPS float64 `json:"target_rate_eps"`
	LatencyMS     Latency `json:"latency_ms"`
	ViewLatencyMS Latency `json:"view_latency_ms"`
	// CPUPerEventUS is the first max phase's process CPU time per event
	// (harness and embedded broker included; see Overhead).
	CPUPerEventUS float64 `json:"cpu_per_event_us"`
	// StagesEPS are the first max phase's records consumed per second by
	// each stage.
	StagesEPS map[string]float64 `json:"stages_eps"`
	// PipelineToPassthrough is ThroughputEPS / Baseline.PassthroughEPS.
	PipelineToPassthrough float64     `json:"pipeline_to_passthrough"`
	Baseline              Baseline    `json:"baseline"`
	Overhead              *Overhead   `json:"harness_overhead,omitempty"`
	Memory                Memory      `json:"memory"`
	Runs                  []RunResult `json:"runs"`
	// Profiles are the saved pprof files, relative to the result.
	Profiles []string `json:"profiles,omitempty"`
	// Notes say what limits the numbers.
	Notes []string `json:"notes"`
}

// Memory is the process's memory over the whole scenario.
type Memory struct {
	PeakRSSBytes   int64 `json:"peak_rss_bytes"`
	HeapInuseBytes int64 `json:"heap_inuse_bytes"`
}

// RunResult is one pipeline run.
type RunResult struct {
	Name           string        `json:"name"`
	Accounts       int           `json:"accounts"`
	StartupSeconds float64       `json:"startup_seconds"`
	EventsSent     int64         `json:"events_sent"`
	Phases         []PhaseResult `json:"phases"`
	// UnmatchedScores are scores the reader could not pair with a
	// payload it sent; 0 unless the topics held earlier data.
	UnmatchedScores int64        `json:"unmatched_scores"`
	RecordBytes     []RecordSize `json:"record_sizes"`
	State           []TableState `json:"state"`
	PeakRSSBytes    int64        `json:"peak_rss_bytes"`
	HeapInuseBytes  int64        `json:"heap_inuse_bytes"`
}

// PhaseResult is one phase's window.
type PhaseResult struct {
	Name          string  `json:"name"`
	Mode          string  `json:"mode"`
	TargetRateEPS float64 `json:"target_rate_eps"`
	WindowSeconds float64 `json:"window_seconds"`
	// OfferedEPS is what the harness sent; ThroughputEPS what views
	// consumed, per second of the window.
	OfferedEPS    float64            `json:"offered_eps"`
	ThroughputEPS float64            `json:"throughput_eps"`
	Stages        map[string]float64 `json:"stages_eps"`
	CPUCores      float64            `json:"cpu_cores"`
	CPUPerEventUS float64            `json:"cpu_per_event_us"`
	// OtherProcessesCores is the CPU other processes on the machine used
	// during the window (/proc/stat): what the pipeline could not have.
	OtherProcessesCores float64 `json:"other_processes_cores"`
	// Saturated says the pipeline fell behind the schedule: less went
	// through than was offered, the backlog and the latency grew during
	// the window, and the latency is not a steady state.
	Saturated bool `json:"saturated"`
	// Latencies from each payload's intended send time (in max mode: its
	// send time, so they include the in-flight queue).
	LatencyScoresMS Latency  `json:"latency_scores_ms"`
	LatencyViewsMS  Latency  `json:"latency_views_ms"`
	HeapInuseBytes  int64    `json:"heap_inuse_bytes"`
	RSSBytes        int64    `json:"rss_bytes"`
	Samples         []Sample `json:"samples,omitempty"`
}

// Sample is one point of a phase's window.
type Sample struct {
	Seconds        float64 `json:"seconds"`
	ThroughputEPS  float64 `json:"throughput_eps"`
	RSSBytes       int64   `json:"rss_bytes"`
	HeapInuseBytes int64   `json:"heap_inuse_bytes"`
}

func (p PhaseResult) line() string {
	return fmt.Sprintf("%s: offered %.0f/s, through %.0f/s, %.2f cores (others %.2f), %.1f µs CPU/event, score p50 %.1f p99 %.1f max %.1f ms, view p99 %.1f ms (%d matched)",
		p.Name, p.OfferedEPS, p.ThroughputEPS, p.CPUCores, p.OtherProcessesCores, p.CPUPerEventUS, p.LatencyScoresMS.P50, p.LatencyScoresMS.P99, p.LatencyScoresMS.Max, p.LatencyViewsMS.P99, p.LatencyScoresMS.Count)
}

// Run runs a scenario.
func Run(ctx context.Context, sc Scenario, opts Options) (Result, error) {
	if err := sc.Validate(); err != nil {
		return Result{}, err
	}
	if sc.Sinks && opts.Sinks == nil {
		return Result{}, fmt.Errorf("benchmarks: scenario %s needs the sinks: set --pg-url, --redis-url and --s3-url (or eval \"$(deploy/local/services.sh env)\" for FINTRA_PG_URL ...)", sc.Name)
	}
	if !sc.Sinks {
		opts.Sinks = nil
	}
	res := Result{
		Scenario: sc.Name, StartedAt: time.Now().UTC().Truncate(time.Second), GitCommit: GitCommit(), Machine: ThisMachine(),
		LoadAverageBefore: LoadAverage(), Brokers: "embedded (kfake, in process)",
	}
	if len(opts.Brokers) > 0 {
		res.Brokers = strings.Join(opts.Brokers, ",")
	}
	opts.brokerOnDisk = sc.Runs[0].BrokerOnDisk
	start := time.Now()
	var maxSoFar float64
	profiled := false
	for _, spec := range sc.Runs {
		rr, err := runPipeline(ctx, opts, spec, &maxSoFar, &profiled)
		if err != nil {
			return res, fmt.Errorf("benchmarks: run %s: %w", spec.Name, err)
		}
		res.Runs = append(res.Runs, rr)
	}
	res.summarize()

	if sc.Baseline.Records > 0 {
		first := res.Runs[0]
		stateValue := 0
		for _, t := range first.State {
			if t.Topic == "views-table" && t.Keys > 0 {
				stateValue = int(t.LiveBytes / t.Keys)
			}
		}
		b, err := runBaseline(ctx, opts, sc.Baseline.Records, first.RecordBytes, stateValue)
		if err != nil {
			return res, err
		}
		res.Baseline = b
		if b.PassthroughEPS > 0 {
			res.PipelineToPassthrough = roundTo(res.ThroughputEPS/b.PassthroughEPS, 3)
		}
	}
	if sc.Overhead.Measure.D() > 0 && res.TargetRateEPS > 0 {
		opts.progress("harness overhead: producer and latency reader alone at %.0f events/s for %s", res.TargetRateEPS, sc.Overhead.Measure.D())
		o, err := measureOverhead(ctx, opts, res.TargetRateEPS, sc.Overhead.Measure.D(), sc.Runs[0].Accounts)
		if err != nil {
			return res, err
		}
		if p := res.firstRatePhase(); p != nil && p.CPUPerEventUS > 0 {
			o.ShareOfPipelineCPU = roundTo(o.CPUPerEventUS/p.CPUPerEventUS, 3)
		}
		res.Overhead = &o
		opts.progress("  %.2f cores, %.1f µs CPU/event (%.0f%% of the pipeline run's), producer→reader p50 %.2f p99 %.2f ms",
			o.CPUCores, o.CPUPerEventUS, 100*o.ShareOfPipelineCPU, o.ProducerToReaderMS.P50, o.ProducerToReaderMS.P99)
	}
	if opts.ProfileDir != "" && profiled {
		if err := writeAllocs(opts.ProfileDir); err != nil {
			return res, err
		}
		res.Profiles = []string{"cpu.pprof", "allocs.pprof"}
	}
	res.Memory.PeakRSSBytes = PeakRSS()
	for _, r := range res.Runs {
		res.Memory.HeapInuseBytes = max(res.Memory.HeapInuseBytes, r.HeapInuseBytes)
	}
	res.LoadAverageAfter = LoadAverage()
	res.Seconds = roundTo(time.Since(start).Seconds(), 1)
	res.Notes = res.limits()
	return res, nil
}

func (r *Result) firstRatePhase() *PhaseResult {
	for i := range r.Runs {
		for j := range r.Runs[i].Phases {
			if r.Runs[i].Phases[j].Mode == "rate" {
				return &r.Runs[i].Phases[j]
			}
		}
	}
	return nil
}

func (r *Result) firstMaxPhase() *PhaseResult {
	for i := range r.Runs {
		for j := range r.Runs[i].Phases {
			if r.Runs[i].Phases[j].Mode == "max" {
				return &r.Runs[i].Phases[j]
			}
		}
	}
	return nil
}

func (r *Result) summarize() {
	if p := r.firstMaxPhase(); p != nil {
		r.ThroughputEPS = p.ThroughputEPS
		r.CPUPerEventUS = p.CPUPerEventUS
		r.StagesEPS = p.Stages
	}
	if p := r.firstRatePhase(); p != nil {
		r.TargetRateEPS = p.TargetRateEPS
		r.LatencyMS = p.LatencyScoresMS
		r.ViewLatencyMS = p.LatencyViewsMS
	}
}

// limits writes down what bounds the numbers, from the numbers.
func (r *Result) limits() []string {
	var notes []string
	if r.Machine.Cores > 0 {
		if p := r.firstMaxPhase(); p != nil {
			notes = append(notes, fmt.Sprintf("At the maximum the process (pipeline, embedded broker, harness) used %.2f cores and other processes %.2f of the machine's %d: %s", p.CPUCores, p.OtherProcessesCores, r.Machine.Cores, cpuVerdict(p.CPUCores+p.OtherProcessesCores, r.Machine.Cores)))
		}
	}
	if l := r.LoadAverageBefore[0]; l > 1.5 {
		notes = append(notes, fmt.Sprintf("The 1-minute load average was %.2f before the run: other work competed for the cores, and the numbers are lower than on an idle machine.", l))
	}
	if r.Overhead != nil {
		notes = append(notes, fmt.Sprintf("The harness (producer, latency reader and the broker's work for them) costs %.1f µs CPU per event, %.0f%% of the pipeline run's CPU per event at the same rate.", r.Overhead.CPUPerEventUS, 100*r.Overhead.ShareOfPipelineCPU))
	}
	if r.Baseline.PassthroughEPS > 0 {
		notes = append(notes, fmt.Sprintf("The bare five-hop franz-go chain moves %.0f records/s on the same broker; the pipeline reaches %.1f%% of it. One goka stage alone does %.0f records/s.", r.Baseline.PassthroughEPS, 100*r.PipelineToPassthrough, r.Baseline.GokaStageEPS))
	}
	for _, run := range r.Runs {
		for _, p := range run.Phases {
			if p.Saturated {
				notes = append(notes, fmt.Sprintf("Run %s, phase %s: %.0f events/s went through of %.0f offered; the pipeline fell behind, so its latency is a growing backlog, not a steady state.", run.Name, p.Name, p.ThroughputEPS, p.OfferedEPS))
			}
		}
	}
	notes = append(notes, "Latency in max phases is measured from the send time and includes the bounded in-flight queue (max_in_flight); rate phases measure from the schedule, so coordinated omission is avoided there.")
	return notes
}

func cpuVerdict(busy float64, cores int) string {
	if busy >= 0.9*float64(cores) {
		return "the machine's CPU was saturated, so the maximum is CPU-bound, and lower than on an idle machine by about the other processes' share."
	}
	return "CPU was left over, so something other than CPU (a serial step, the in-flight bound, the broker) bounds the maximum."
}
