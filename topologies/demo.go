package topologies

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/internal/synth"
	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/connect"
	"github.com/fintraos/fintra/processors/core"
	"github.com/fintraos/fintra/processors/enrich"
	"github.com/fintraos/fintra/processors/guard"
	"github.com/fintraos/fintra/processors/views"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// DemoConfig configures `fintra demo`.
type DemoConfig struct {
	// Events is the number of payloads to produce. Default 20000.
	Events int
	// Rate caps payloads per second; 0 (default) produces as fast as the
	// pipeline takes them.
	Rate float64
	// Seed of the generator. Default 1.
	Seed int64
	// DuplicateRatio and InvalidRatio mix redeliveries and malformed
	// payloads in; the demo defaults are 0.02 and 0.01.
	DuplicateRatio, InvalidRatio float64
	// FraudRate is the share of valid payloads from labelled fraud patterns
	// (card testing, account takeover, impossible travel...); with it every
	// payload carries its payment context (device, IP, location), as a card
	// processor's would, for guard's features. 0 leaves both out.
	FraudRate float64
	// Brokers, when set, run the demo against a real cluster instead of
	// the embedded broker.
	Brokers      []string
	KafkaVersion string
	Catalog      CatalogConfig
	// Progress receives a line per ProgressEvery (default 1s); nil is quiet.
	Progress      io.Writer
	ProgressEvery time.Duration
	// Timeout bounds the wait for the pipeline to catch up. Default 5m.
	Timeout time.Duration
	Metrics *telemetry.Metrics
	Log     *slog.Logger
	// Sinks are run beside the processors; the demo waits until each has
	// committed everything before its summary.
	Sinks []SinkSpec
}

// Summary is what the demo did. Produced = Accepted + Duplicates + DLQ.
type Summary struct {
	Produced   int64 `json:"produced"`
	Accepted   int64 `json:"accepted"`
	Duplicates int64 `json:"duplicates"`
	DLQ        int64 `json:"dlq"`
	// Stages counts what each processor consumed and emitted.
	Stages map[string]StageCounts `json:"stages"`
	// Topics counts the records on each topic at the end (from the
	// broker's offsets, not the processors' counters).
	Topics map[string]int64 `json:"topics"`
	// DLQReasons counts dead letters by reason, reasons cut at the first
	// field so that similar payloads group.
	DLQReasons map[string]int64 `json:"dlq_reasons"`
	// Accounts is the number of accounts in the ledger table.
	Accounts int `json:"accounts"`
	// PostedMinorByCurrency sums the posted balances of every account.
	PostedMinorByCurrency map[string]int64 `json:"posted_minor_by_currency"`
	// PendingMinorByCurrency sums the pending balances of every account.
	PendingMinorByCurrency map[string]int64 `json:"pending_minor_by_currency"`
	// Sinks counts what each sink consumed, wrote and dead-lettered.
	Sinks          map[string]StageCounts `json:"sinks,omitempty"`
	ElapsedSeconds float64                `json:"elapsed_seconds"`
	ThroughputEPS  float64                `json:"throughput_eps"`
	Brokers        string                 `json:"brokers"`
}

// StageCounts are one stage's counters.
type StageCounts struct {
	In         int64 `json:"in"`
	Out        int64 `json:"out"`
	DLQ        int64 `json:"dlq"`
	Duplicates int64 `json:"duplicates"`
}

func (c *DemoConfig) setDefaults() {
	if c.Events == 0 {
		c.Events = 20000
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.ProgressEvery == 0 {
		c.ProgressEvery = time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Minute
	}
	if c.Metrics == nil {
		c.Metrics = telemetry.New()
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Validate lists every problem of the configuration.
func (c DemoConfig) Validate() error {
	var errs []error
	if c.Events < 1 {
		errs = append(errs, fmt.Errorf("events %d: must be at least 1", c.Events))
	}
	if c.Rate < 0 {
		errs = append(errs, fmt.Errorf("rate %g: must be 0 (as fast as possible) or positive", c.Rate))
	}
	return errors.Join(errs...)
}

// Demo runs the whole registered topology on the embedded broker (or
// Brokers), feeds it generated payloads, waits until every stage has caught
// up and returns what happened.
func Demo(ctx context.Context, cfg DemoConfig) (Summary, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	gen, err := synth.New(synth.Config{Events: cfg.Events, Seed: cfg.Seed, DuplicateRatio: cfg.DuplicateRatio, InvalidRatio: cfg.InvalidRatio, FraudRate: cfg.FraudRate})
	if err != nil {
		return Summary{}, err
	}
	brokers := cfg.Brokers
	if len(brokers) == 0 {
		broker, err := StartEmbedded(EmbeddedConfig{})
		if err != nil {
			return Summary{}, err
		}
		defer broker.Close()
		brokers = broker.Brokers()
	}
	deps := Deps{Metrics: cfg.Metrics, Log: cfg.Log}
	deps.setDefaults()

	cl, adm, err := Admin(brokers)
	if err != nil {
		return Summary{}, err
	}
	defer cl.Close()
	topics := Catalog(cfg.Catalog)
	if _, err := Provision(ctx, adm, topics); err != nil {
		return Summary{}, err
	}

	runCtx, stopPipeline := context.WithCancel(ctx)
	defer stopPipeline()
	runErr := make(chan error, 1)
	go func() {
		runErr <- Run(runCtx, RunConfig{Runtime: Runtime{Brokers: brokers, KafkaVersion: cfg.KafkaVersion}, Catalog: cfg.Catalog}, deps)
	}()

	sinkCtx, stopSinks := context.WithCancel(ctx)
	defer stopSinks()
	sinkErr := make(chan error, 1)
	go func() { sinkErr <- RunSinks(sinkCtx, brokers, cfg.Sinks, deps.Metrics, deps.Log) }()

	ingest, err := NewIngest(brokers)
	if err != nil {
		return Summary{}, err
	}
	defer ingest.Close()

	start := time.Now()
	progress := newProgress(cfg, deps.Metrics, start)
	produceDone := make(chan error, 1)
	go func() { produceDone <- produce(ctx, ingest, gen, cfg.Rate) }()

	deadline := time.NewTimer(cfg.Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	produced := int64(-1)
	for {
		select {
		case <-ctx.Done():
			return Summary{}, ctx.Err()
		case err := <-runErr:
			return Summary{}, fmt.Errorf("pipeline stopped: %w", err)
		case err := <-produceDone:
			if err != nil {
				return Summary{}, err
			}
			produced = ingest.Sent()
		case <-deadline.C:
			return Summary{}, fmt.Errorf("the pipeline did not catch up within %s (%s)", cfg.Timeout, progress.line(produced))
		case <-tick.C:
		}
		progress.maybePrint(ingest.Sent())
		if produced >= 0 && caughtUp(deps.Metrics, produced) {
			break
		}
	}
	// The counters say every record was processed; wait until the emitted
	// records are on the broker too, so that the topic counts agree.
	stopPipeline()
	if err := <-runErr; err != nil {
		return Summary{}, fmt.Errorf("pipeline shutdown: %w", err)
	}
	// The processors flushed their producers on the way out: the topics
	// are final, and the sinks can be waited for.
	for {
		done, err := sinksCaughtUp(ctx, brokers, cfg.Sinks)
		if err != nil {
			return Summary{}, err
		}
		if done {
			break
		}
		select {
		case <-ctx.Done():
			return Summary{}, ctx.Err()
		case err := <-sinkErr:
			return Summary{}, fmt.Errorf("sinks stopped: %w", err)
		case <-deadline.C:
			return Summary{}, fmt.Errorf("the sinks did not catch up within %s", cfg.Timeout)
		case <-tick.C:
			progress.maybePrint(ingest.Sent())
		}
	}
	elapsed := time.Since(start)
	stopSinks()
	if err := <-sinkErr; err != nil {
		return Summary{}, fmt.Errorf("sinks shutdown: %w", err)
	}
	progress.final(produced)

	s := Summary{Produced: produced, Stages: map[string]StageCounts{}, Brokers: strings.Join(brokers, ",")}
	for _, st := range deps.Metrics.Stages() {
		s.Stages[st.Name] = StageCounts{In: int64(st.In.Load()), Out: int64(st.Out.Load()), DLQ: int64(st.DLQ.Load()), Duplicates: int64(st.Duplicates.Load())}
	}
	for _, spec := range cfg.Sinks {
		name := "sink-" + spec.Sink.Name()
		if st, ok := s.Stages[name]; ok {
			if s.Sinks == nil {
				s.Sinks = map[string]StageCounts{}
			}
			s.Sinks[spec.Sink.Name()] = st
			delete(s.Stages, name)
		}
	}
	coreStage := s.Stages[string(core.Group)]
	s.Accepted = coreStage.Out
	s.Duplicates = coreStage.Duplicates
	for _, st := range s.Stages {
		s.DLQ += st.DLQ
	}
	s.ElapsedSeconds = elapsed.Seconds()
	s.ThroughputEPS = float64(produced) / elapsed.Seconds()
	if s.Topics, err = topicCounts(ctx, brokers, topics); err != nil {
		return s, err
	}
	if s.DLQReasons, err = dlqReasons(ctx, brokers, schemas.TopicConnectDLQ, schemas.TopicCoreDLQ); err != nil {
		return s, err
	}
	if err := ledgerTotals(ctx, brokers, cfg.KafkaVersion, &s); err != nil {
		return s, err
	}
	return s, nil
}

func produce(ctx context.Context, ingest *Ingest, gen *synth.Generator, rate float64) error {
	var interval time.Duration
	if rate > 0 {
		interval = time.Duration(float64(time.Second) / rate)
	}
	start := time.Now()
	for i := 0; ; i++ {
		p, ok := gen.Next()
		if !ok {
			break
		}
		if interval > 0 {
			if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(wait):
				}
			}
		}
		ingest.Send(ctx, p.Key, p.Bytes, "fintra-json")
	}
	if err := ingest.Flush(ctx); err != nil {
		return err
	}
	if n := ingest.Failed(); n > 0 {
		return fmt.Errorf("%d payloads were not accepted by the broker: %w", n, ingest.Err())
	}
	return nil
}

// caughtUp is true once connect consumed every payload, core every event
// connect emitted (and decided on each), and views every transaction core
// accepted.
func caughtUp(m *telemetry.Metrics, produced int64) bool {
	c, k := m.Stage(string(connect.Group)), m.Stage(string(core.Group))
	if int64(c.In.Load()) != produced || k.In.Load() != c.Out.Load() ||
		k.Out.Load()+k.Duplicates.Load()+k.DLQ.Load() != k.In.Load() {
		return false
	}
	// Then each transaction stage consumed what the one before it emitted
	// and decided on each record.
	prev := k
	for _, g := range []goka.Group{enrich.Group, guard.Group, views.Group} {
		st := m.Stage(string(g))
		if st.In.Load() != prev.Out.Load() || (g != views.Group && st.Out.Load()+st.Duplicates.Load()+st.DLQ.Load() != st.In.Load()) {
			return false
		}
		prev = st
	}
	return true
}

// topicCounts reads offsets with a fresh client: the provisioning client
// cached metadata from before the topics existed, and kadm would answer
// from that cache with "unknown topic".
func topicCounts(ctx context.Context, brokers []string, topics []Topic) (map[string]int64, error) {
	cl, adm, err := Admin(brokers)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	names := make([]string, 0, len(topics))
	for _, t := range topics {
		names = append(names, t.Name)
	}
	ends, err := adm.ListEndOffsets(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("topologies: end offsets: %w", err)
	}
	starts, err := adm.ListStartOffsets(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("topologies: start offsets: %w", err)
	}
	out := map[string]int64{}
	var perr error
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil && perr == nil {
			perr = fmt.Errorf("topologies: end offset of %s/%d: %w", o.Topic, o.Partition, o.Err)
		}
		out[o.Topic] += o.Offset
	})
	starts.Each(func(o kadm.ListedOffset) {
		out[o.Topic] -= o.Offset
	})
	return out, perr
}

var (
	quotedValue = regexp.MustCompile(`'[^']*'`)
	byteOffset  = regexp.MustCompile(`offset \d+`)
)

// reasonClass groups similar reasons: the first problem only, with quoted
// values and offsets blanked ("currency: '…' is not an ISO 4217 code").
func reasonClass(reason string) string {
	if i := strings.Index(reason, "; "); i > 0 {
		reason = reason[:i] + "; …"
	}
	reason = quotedValue.ReplaceAllString(reason, "'…'")
	return byteOffset.ReplaceAllString(reason, "offset N")
}

// dlqReasons reads the dead-letter topics from the start and counts
// reasons by class.
func dlqReasons(ctx context.Context, brokers []string, topics ...goka.Stream) (map[string]int64, error) {
	reasons := map[string]int64{}
	err := ReadAll(ctx, brokers, func(r *kgo.Record) {
		reason := "(no reason)"
		for _, h := range r.Headers {
			if h.Key == schemas.HeaderError {
				reason = string(h.Value)
			}
		}
		reasons[reasonClass(reason)]++
	}, topics...)
	return reasons, err
}

// ledgerTotals reads the ledger table through a goka view and sums the
// balances of every account.
func ledgerTotals(ctx context.Context, brokers []string, kafkaVersion string, s *Summary) error {
	opts, err := Runtime{Brokers: brokers, KafkaVersion: kafkaVersion}.ViewOptions()
	if err != nil {
		return err
	}
	view, err := goka.NewView(brokers, core.Table, schemas.ProtoCodec[*fintrav1.LedgerState]{}, opts...)
	if err != nil {
		return fmt.Errorf("topologies: ledger view: %w", err)
	}
	stop, err := RunView(ctx, view)
	if err != nil {
		return fmt.Errorf("topologies: ledger view: %w", err)
	}
	defer func() { _ = stop() }() // the totals are read by then; a stop error changes nothing
	it, err := view.Iterator()
	if err != nil {
		return err
	}
	defer it.Release()
	s.PostedMinorByCurrency = map[string]int64{}
	s.PendingMinorByCurrency = map[string]int64{}
	for it.Next() {
		v, err := it.Value()
		if err != nil {
			return err
		}
		st := v.(*fintrav1.LedgerState)
		s.Accounts++
		for _, b := range st.GetBalances() {
			s.PostedMinorByCurrency[b.GetCurrency()] += b.GetPostedMinor()
			s.PendingMinorByCurrency[b.GetCurrency()] += b.GetPendingMinor()
		}
	}
	return nil
}

// progress prints a line per interval: records per stage and their rates.
type progress struct {
	cfg   DemoConfig
	m     *telemetry.Metrics
	start time.Time
	last  time.Time
	prev  map[string]uint64
	noLag bool
}

func newProgress(cfg DemoConfig, m *telemetry.Metrics, start time.Time) *progress {
	return &progress{cfg: cfg, m: m, start: start, last: start, prev: map[string]uint64{}}
}

func (p *progress) maybePrint(sent int64) {
	if p.cfg.Progress == nil || time.Since(p.last) < p.cfg.ProgressEvery {
		return
	}
	fmt.Fprintln(p.cfg.Progress, p.line(sent))
}

func (p *progress) final(sent int64) {
	if p.cfg.Progress != nil {
		// Lag is measured from committed offsets once a second, so it
		// trails the counters: the final line leaves it out.
		p.noLag = true
		fmt.Fprintln(p.cfg.Progress, p.line(sent)+"  caught up")
	}
}

func (p *progress) line(sent int64) string {
	now := time.Now()
	dt := now.Sub(p.last).Seconds()
	p.last = now
	var b strings.Builder
	fmt.Fprintf(&b, "[%6.1fs] produced %d", now.Sub(p.start).Seconds(), max(sent, 0))
	for _, st := range p.m.Stages() {
		in := st.In.Load()
		rate := float64(in-p.prev[st.Name]) / max(dt, 1e-9)
		p.prev[st.Name] = in
		fmt.Fprintf(&b, " | %s in %d out %d", st.Name, in, st.Out.Load())
		if d := st.DLQ.Load(); d > 0 {
			fmt.Fprintf(&b, " dlq %d", d)
		}
		if d := st.Duplicates.Load(); d > 0 {
			fmt.Fprintf(&b, " dup %d", d)
		}
		fmt.Fprintf(&b, " (%.0f/s)", rate)
		if lag, ok := p.m.Lag(st.Name); ok && !p.noLag {
			fmt.Fprintf(&b, " lag %d", lag)
		}
	}
	return b.String()
}

// Report renders a summary for people.
func (s Summary) Report(w io.Writer) {
	fmt.Fprintf(w, "\nFintraOS Stream demo — %d payloads through the pipeline in %.2fs (%.0f payloads/s) on %s\n\n", s.Produced, s.ElapsedSeconds, s.ThroughputEPS, s.Brokers)
	fmt.Fprintf(w, "  produced    %8d\n  accepted    %8d  (core.transactions.v1)\n  duplicates  %8d  (same event_id seen before, dropped by core)\n  dead-letter %8d  (with reason and original bytes)\n", s.Produced, s.Accepted, s.Duplicates, s.DLQ)
	check := "ok"
	if s.Accepted+s.Duplicates+s.DLQ != s.Produced {
		check = "MISMATCH"
	}
	fmt.Fprintf(w, "  accepted + duplicates + dead-letter = %d: %s\n\n", s.Accepted+s.Duplicates+s.DLQ, check)
	fmt.Fprintf(w, "  %-10s %8s %8s %8s %8s\n", "stage", "in", "out", "dup", "dlq")
	names := make([]string, 0, len(s.Stages))
	for n := range s.Stages {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		st := s.Stages[n]
		fmt.Fprintf(w, "  %-10s %8d %8d %8d %8d\n", n, st.In, st.Out, st.Duplicates, st.DLQ)
	}
	if len(s.Sinks) > 0 {
		fmt.Fprintf(w, "\n  %-10s %8s %8s %8s\n", "sink", "in", "written", "dlq")
		sinkNames := make([]string, 0, len(s.Sinks))
		for n := range s.Sinks {
			sinkNames = append(sinkNames, n)
		}
		slices.Sort(sinkNames)
		for _, n := range sinkNames {
			st := s.Sinks[n]
			fmt.Fprintf(w, "  %-10s %8d %8d %8d\n", n, st.In, st.Out, st.DLQ)
		}
	}
	fmt.Fprintf(w, "\n  records per topic:\n")
	topics := make([]string, 0, len(s.Topics))
	for t := range s.Topics {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	for _, t := range topics {
		fmt.Fprintf(w, "    %-24s %8d\n", t, s.Topics[t])
	}
	if len(s.DLQReasons) > 0 {
		fmt.Fprintf(w, "\n  dead-letter reasons (see them with: fintra dlq list):\n")
		type kv struct {
			k string
			v int64
		}
		var rs []kv
		for k, v := range s.DLQReasons {
			rs = append(rs, kv{k, v})
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].v > rs[j].v || (rs[i].v == rs[j].v && rs[i].k < rs[j].k) })
		for _, r := range rs {
			fmt.Fprintf(w, "    %5d  %s\n", r.v, r.k)
		}
	}
	fmt.Fprintf(w, "\n  ledger: %d accounts; balances summed over accounts, in minor units:\n", s.Accounts)
	curs := make([]string, 0, len(s.PostedMinorByCurrency))
	for c := range s.PostedMinorByCurrency {
		curs = append(curs, c)
	}
	slices.Sort(curs)
	for _, c := range curs {
		fmt.Fprintf(w, "    %s posted %14d  pending %12d\n", c, s.PostedMinorByCurrency[c], s.PendingMinorByCurrency[c])
	}
	fmt.Fprintln(w)
}
