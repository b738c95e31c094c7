package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/internal/synth"
	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/connect"
	"github.com/fintraos/fintra/processors/core"
	"github.com/fintraos/fintra/processors/enrich"
	"github.com/fintraos/fintra/processors/guard"
	"github.com/fintraos/fintra/processors/views"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
	"github.com/fintraos/fintra/topologies"
)

// pipeline is one run of the registered topology under the harness.
type pipeline struct {
	opts    Options
	spec    RunSpec
	brokers []string
	metrics *telemetry.Metrics
	ingest  *topologies.Ingest
	gen     *synth.Generator
	track   *tracker
	queued  atomic.Int64
	// runErr carries the topology's (or the sinks') early exit.
	runErr chan error
}

// generatorEvents bounds a run's generator: far more than any phase sends
// (the generator allocates nothing per planned event).
const generatorEvents = 500_000_000

// stagesInOrder are the pipeline's processors, upstream first.
var stagesInOrder = []string{string(connect.Group), string(core.Group), string(enrich.Group), string(enrich.MerchantsGroup), string(guard.Group), string(views.Group)}

func (p *pipeline) completed() int64 {
	m := p.metrics
	var n uint64
	n += m.Stage(string(connect.Group)).DLQ.Load()
	k := m.Stage(string(core.Group))
	n += k.DLQ.Load() + k.Duplicates.Load()
	n += m.Stage(string(enrich.Group)).DLQ.Load()
	g := m.Stage(string(guard.Group))
	n += g.DLQ.Load() + g.Duplicates.Load()
	n += m.Stage(string(views.Group)).In.Load()
	return int64(n)
}

// send queues the next generated payload with its intended send time.
func (p *pipeline) send(ctx context.Context, intended time.Time, phase int) bool {
	pl, ok := p.gen.Next()
	if !ok {
		return false
	}
	p.track.sentPayload(payloadKey(pl.Key, pl.Bytes), intended, phase)
	p.queued.Add(1)
	p.ingest.Send(ctx, pl.Key, pl.Bytes, "fintra-json")
	return true
}

// drive sends payloads from start until end: at rate events/s on a fixed
// schedule (each payload's intended time is its slot, however late it
// goes out, so a stall is charged to the latency rather than hidden), or,
// at rate 0, as fast as the pipeline completes them with at most
// MaxInFlight outstanding. measuredFrom splits warm-up from window.
func (p *pipeline) drive(ctx context.Context, rate float64, start, measuredFrom, end time.Time, phase int) error {
	tag := func(at time.Time) int {
		if at.Before(measuredFrom) {
			return -1
		}
		return phase
	}
	if rate > 0 {
		interval := time.Duration(float64(time.Second) / rate)
		for i := int64(0); ; i++ {
			slot := start.Add(time.Duration(i) * interval)
			if !slot.Before(end) {
				return nil
			}
			if wait := time.Until(slot); wait > 0 {
				if err := sleep(ctx, wait); err != nil {
					return err
				}
			}
			if err := p.check(ctx); err != nil {
				return err
			}
			if !p.send(ctx, slot, tag(slot)) {
				return errors.New("benchmarks: the generator ran out of events")
			}
		}
	}
	limit := int64(p.spec.MaxInFlight)
	for i := 0; ; i++ {
		now := time.Now()
		if !now.Before(end) {
			return nil
		}
		if i%256 == 0 {
			if err := p.check(ctx); err != nil {
				return err
			}
		}
		if p.queued.Load()-p.completed() >= limit {
			if err := sleep(ctx, 200*time.Microsecond); err != nil {
				return err
			}
			continue
		}
		if !p.send(ctx, now, tag(now)) {
			return errors.New("benchmarks: the generator ran out of events")
		}
	}
}

func (p *pipeline) check(ctx context.Context) error {
	select {
	case err := <-p.runErr:
		return fmt.Errorf("benchmarks: the pipeline stopped: %w", err)
	default:
		return ctx.Err()
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// drain waits until every queued payload has gone through the pipeline
// and the latency reader has read every score and view emitted.
func (p *pipeline) drain(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if err := p.check(ctx); err != nil {
			return err
		}
		g, v := p.metrics.Stage(string(guard.Group)), p.metrics.Stage(string(views.Group))
		scores, viewsRead := p.track.reads()
		if p.completed() >= p.queued.Load() && scores >= int64(g.Out.Load()) && viewsRead >= int64(v.Out.Load()) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("benchmarks: the pipeline did not drain within %s: queued %d, completed %d, scores read %d of %d, views read %d of %d",
				timeout, p.queued.Load(), p.completed(), scores, g.Out.Load(), viewsRead, v.Out.Load())
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
}

// readLatency consumes guard.scores.v1 and the views-table changelog
// until ctx ends, matching each record to its payload.
func (p *pipeline) readLatency(ctx context.Context, ready chan<- struct{}) error {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(p.brokers...),
		kgo.ConsumeTopics(string(schemas.TopicGuardScores), string(views.Table)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(50*time.Millisecond),
		kgo.ClientID("fintra-bench-latency"),
	)
	if err != nil {
		return fmt.Errorf("benchmarks: latency reader: %w", err)
	}
	defer cl.Close()
	close(ready)
	scoresTopic, viewsTopic := string(schemas.TopicGuardScores), string(views.Table)
	var st fintrav1.ScoredTransaction
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		now := time.Now()
		var ferr error
		fs.EachError(func(t string, part int32, err error) {
			if ferr == nil && !errors.Is(err, context.Canceled) {
				ferr = fmt.Errorf("benchmarks: latency reader: %s/%d: %w", t, part, err)
			}
		})
		if ferr != nil {
			return ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			switch r.Topic {
			case scoresTopic:
				st.Reset()
				if proto.Unmarshal(r.Value, &st) != nil {
					return
				}
				at := st.GetEnriched().GetAccepted()
				acct := at.GetAccountId()
				p.track.score(acct+"/"+at.GetTransaction().GetSourceTransactionId(), acct, at.GetSequence(), now)
			case viewsTopic:
				if seq, ok := viewSequence(r.Value); ok {
					p.track.view(string(r.Key), seq, now)
				}
			}
		})
	}
}

// counters is a snapshot of the stage counters, CPU time and memory.
type counters struct {
	at     time.Time
	queued int64
	stages map[string]uint64
	cpu    time.Duration
	// machineCPU is every process's CPU time, this one included.
	machineCPU time.Duration
}

func (p *pipeline) snapshot() counters {
	c := counters{at: time.Now(), queued: p.queued.Load(), stages: map[string]uint64{}, cpu: CPUTime(), machineCPU: MachineCPUTime()}
	for _, s := range p.metrics.Stages() {
		c.stages[s.Name] = s.In.Load()
	}
	return c
}

// runPipeline starts a broker (or cleans the given cluster), the
// topology, the sinks and the latency reader, runs the phases and
// measures the state.
func runPipeline(ctx context.Context, opts Options, spec RunSpec, maxSoFar *float64, profiled *bool) (RunResult, error) {
	res := RunResult{Name: spec.Name, Accounts: spec.Accounts}
	brokers := opts.Brokers
	if len(brokers) == 0 {
		b, stop, err := startBroker(spec.BrokerOnDisk)
		if err != nil {
			return res, err
		}
		defer stop()
		brokers = b
	} else if err := resetCluster(ctx, brokers); err != nil {
		return res, err
	}
	gen, err := synth.New(synth.Config{Events: generatorEvents, Seed: spec.Seed, Accounts: spec.Accounts, FraudRate: spec.FraudRate})
	if err != nil {
		return res, fmt.Errorf("benchmarks: run %s: %w", spec.Name, err)
	}
	cl, adm, err := topologies.Admin(brokers)
	if err != nil {
		return res, err
	}
	defer cl.Close()
	if _, err := topologies.Provision(ctx, adm, topologies.Catalog(topologies.CatalogConfig{})); err != nil {
		return res, err
	}
	p := &pipeline{opts: opts, spec: spec, brokers: brokers, metrics: telemetry.New(), gen: gen, track: newTracker(), runErr: make(chan error, 2)}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		err := topologies.Run(runCtx, topologies.RunConfig{Runtime: topologies.Runtime{Brokers: brokers, KafkaVersion: opts.KafkaVersion}}, topologies.Deps{Metrics: p.metrics, Log: log})
		if runCtx.Err() == nil {
			p.runErr <- fmt.Errorf("topology: %w", errors.Join(err, errors.New("stopped early")))
		}
	}()
	defer func() { stopRun(); <-runDone }()
	if opts.Sinks != nil {
		specs, err := opts.Sinks(ctx)
		if err != nil {
			return res, err
		}
		defer func() { _ = topologies.CloseSinks(specs) }()
		sinkDone := make(chan struct{})
		go func() {
			defer close(sinkDone)
			err := topologies.RunSinks(runCtx, brokers, specs, p.metrics, log)
			if runCtx.Err() == nil {
				p.runErr <- fmt.Errorf("sinks: %w", errors.Join(err, errors.New("stopped early")))
			}
		}()
		defer func() { stopRun(); <-sinkDone }()
	}
	readerCtx, stopReader := context.WithCancel(ctx)
	readerDone := make(chan error, 1)
	ready := make(chan struct{})
	go func() { readerDone <- p.readLatency(readerCtx, ready) }()
	defer func() { stopReader(); <-readerDone }()
	<-ready

	if p.ingest, err = topologies.NewIngest(brokers); err != nil {
		return res, err
	}
	defer p.ingest.Close()

	// Start-up: the processors join their groups and load the resolver;
	// a first small batch (or the prefill) goes through before anything
	// is measured.
	started := time.Now()
	prefill := max(spec.Prefill, 200)
	opts.progress("run %s: %d accounts; starting the topology and sending %d events first", spec.Name, spec.Accounts, prefill)
	for range prefill {
		p.send(ctx, time.Now(), -1)
		if p.queued.Load()-p.completed() >= int64(spec.MaxInFlight) {
			for p.queued.Load()-p.completed() >= int64(spec.MaxInFlight)/2 {
				if err := p.check(ctx); err != nil {
					return res, err
				}
				if err := sleep(ctx, time.Millisecond); err != nil {
					return res, err
				}
			}
		}
	}
	if err := p.drain(ctx, 10*time.Minute); err != nil {
		return res, err
	}
	res.StartupSeconds = roundTo(time.Since(started).Seconds(), 2)

	for _, ph := range spec.Phases {
		rate := ph.Rate
		if ph.Mode == "rate" && ph.RateFraction > 0 {
			rate = roundTo(*maxSoFar*ph.RateFraction, 0)
		}
		if ph.Mode == "max" {
			rate = 0
		}
		idx := p.track.addPhase()
		start := time.Now()
		measuredFrom := start.Add(ph.Warmup.D())
		end := measuredFrom.Add(ph.Measure.D())
		what := "as fast as it goes"
		if rate > 0 {
			what = fmt.Sprintf("at %.0f events/s", rate)
		}
		opts.progress("run %s phase %s: %s, warm-up %s, window %s", spec.Name, ph.Name, what, ph.Warmup.D(), ph.Measure.D())
		profile := opts.ProfileDir != "" && ph.Mode == "max" && !*profiled
		window := make(chan phaseWindow, 1)
		go p.watchWindow(ctx, measuredFrom, end, ph.SampleEvery.D(), profile, opts, window)
		if err := p.drive(ctx, rate, start, measuredFrom, end, idx); err != nil {
			return res, err
		}
		w := <-window
		if w.err != nil {
			return res, w.err
		}
		if profile {
			*profiled = true
		}
		if err := p.drain(ctx, 10*time.Minute); err != nil {
			return res, err
		}
		pr := p.phaseResult(ph, rate, w, idx)
		if ph.Mode == "max" {
			*maxSoFar = pr.ThroughputEPS
		}
		opts.progress("  %s", pr.line())
		res.Phases = append(res.Phases, pr)
	}

	if err := p.ingest.Flush(ctx); err != nil {
		return res, err
	}
	if n := p.ingest.Failed(); n > 0 {
		return res, fmt.Errorf("benchmarks: %d payloads were not accepted by the broker: %w", n, p.ingest.Err())
	}
	p.track.mu.Lock()
	res.UnmatchedScores = p.track.unmatched
	p.track.mu.Unlock()
	res.EventsSent = p.queued.Load()
	res.PeakRSSBytes = PeakRSS()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.HeapInuseBytes = int64(ms.HeapInuse)
	if res.RecordBytes, err = recordSizes(ctx, brokers, 2000); err != nil {
		return res, err
	}
	if res.State, err = stateSize(ctx, brokers); err != nil {
		return res, err
	}
	return res, nil
}

// phaseWindow is what watchWindow measured over a phase's window.
type phaseWindow struct {
	from, to counters
	samples  []Sample
	heap     int64
	err      error
}

// watchWindow snapshots the counters at the window's edges, samples in
// between, and profiles the CPU over the window when asked.
func (p *pipeline) watchWindow(ctx context.Context, from, to time.Time, every time.Duration, profile bool, opts Options, out chan<- phaseWindow) {
	var w phaseWindow
	defer func() { out <- w }()
	if w.err = sleep(ctx, time.Until(from)); w.err != nil {
		return
	}
	if profile {
		f, err := os.Create(filepath.Join(opts.ProfileDir, "cpu.pprof"))
		if err != nil {
			w.err = fmt.Errorf("benchmarks: CPU profile: %w", err)
			return
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			w.err = fmt.Errorf("benchmarks: CPU profile: %w", err)
			return
		}
		defer pprof.StopCPUProfile()
	}
	w.from = p.snapshot()
	prev := w.from
	if every > 0 {
		for next := from.Add(every); next.Before(to); next = next.Add(every) {
			if w.err = sleep(ctx, time.Until(next)); w.err != nil {
				return
			}
			cur := p.snapshot()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			views := string(views.Group)
			w.samples = append(w.samples, Sample{
				Seconds:        roundTo(cur.at.Sub(from).Seconds(), 1),
				ThroughputEPS:  roundTo(float64(cur.stages[views]-prev.stages[views])/cur.at.Sub(prev.at).Seconds(), 0),
				RSSBytes:       RSS(),
				HeapInuseBytes: int64(ms.HeapInuse),
			})
			prev = cur
		}
	}
	if w.err = sleep(ctx, time.Until(to)); w.err != nil {
		return
	}
	w.to = p.snapshot()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w.heap = int64(ms.HeapInuse)
}

func (p *pipeline) phaseResult(ph Phase, rate float64, w phaseWindow, idx int) PhaseResult {
	secs := w.to.at.Sub(w.from.at).Seconds()
	v := string(views.Group)
	done := float64(w.to.stages[v] - w.from.stages[v])
	pr := PhaseResult{
		Name: ph.Name, Mode: ph.Mode, TargetRateEPS: rate,
		WindowSeconds:  roundTo(secs, 2),
		OfferedEPS:     roundTo(float64(w.to.queued-w.from.queued)/secs, 0),
		ThroughputEPS:  roundTo(done/secs, 0),
		Stages:         map[string]float64{},
		CPUCores:       roundTo((w.to.cpu-w.from.cpu).Seconds()/secs, 3),
		HeapInuseBytes: w.heap,
		RSSBytes:       RSS(),
		Samples:        w.samples,
	}
	if w.to.machineCPU > 0 {
		others := (w.to.machineCPU - w.from.machineCPU) - (w.to.cpu - w.from.cpu)
		pr.OtherProcessesCores = roundTo(max(others.Seconds(), 0)/secs, 2)
	}
	if done > 0 {
		pr.CPUPerEventUS = roundTo(float64((w.to.cpu-w.from.cpu).Microseconds())/done, 1)
	}
	// One per cent of slack: views' count trails the producer's by the
	// events in flight at the window's two edges.
	pr.Saturated = ph.Mode == "rate" && pr.ThroughputEPS < 0.99*pr.OfferedEPS
	for name, in := range w.to.stages {
		pr.Stages[name] = roundTo(float64(in-w.from.stages[name])/secs, 0)
	}
	pr.LatencyScoresMS, pr.LatencyViewsMS = p.track.latencies(idx)
	return pr
}

func writeAllocs(dir string) error {
	f, err := os.Create(filepath.Join(dir, "allocs.pprof"))
	if err != nil {
		return fmt.Errorf("benchmarks: allocation profile: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		return fmt.Errorf("benchmarks: allocation profile: %w", err)
	}
	return nil
}

// resetCluster deletes the pipeline's topics and consumer groups on a real
// cluster, so that a run starts empty: the generator's event ids repeat
// from run to run, and core would drop a second run as duplicates.
func resetCluster(ctx context.Context, brokers []string) error {
	cl, adm, err := topologies.Admin(brokers)
	if err != nil {
		return err
	}
	defer cl.Close()
	var names []string
	for _, t := range topologies.Catalog(topologies.CatalogConfig{}) {
		names = append(names, t.Name)
	}
	if _, err := adm.DeleteTopics(ctx, names...); err != nil {
		return fmt.Errorf("benchmarks: delete the pipeline's topics on %s: %w", strings.Join(brokers, ","), err)
	}
	groups := append([]string{}, stagesInOrder...)
	if _, err := adm.DeleteGroups(ctx, groups...); err != nil {
		return fmt.Errorf("benchmarks: delete the pipeline's groups on %s: %w", strings.Join(brokers, ","), err)
	}
	// Deletion is asynchronous on Kafka; provisioning retries until the
	// names are free.
	return sleep(ctx, 3*time.Second)
}

// startBroker starts an embedded broker, its log in memory or in a
// temporary directory removed by stop.
func startBroker(onDisk bool) (brokers []string, stop func(), err error) {
	cfg := topologies.EmbeddedConfig{}
	dir := ""
	if onDisk {
		if dir, err = os.MkdirTemp("", "fintra-bench-broker-"); err != nil {
			return nil, nil, fmt.Errorf("benchmarks: broker directory: %w", err)
		}
		cfg.DataDir = dir
	}
	b, err := topologies.StartEmbedded(cfg)
	if err != nil {
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
		return nil, nil, err
	}
	return b.Brokers(), func() {
		b.Close()
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
	}, nil
}
