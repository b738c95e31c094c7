package topologies

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/internal/synth"
	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
	"github.com/fintraos/fintra/sinks"
)

// The fault tests (TestFault*) run the pipeline against the real broker of
// deploy/local/kafka.sh, break something while payloads flow, and check
// that the end state is still exact: every accepted transaction once in
// core.transactions.v1 and in every store, the ledger equal to the
// embedded broker's run of the same payloads, every dead letter kept. What
// happened on the way (lag, redeliveries, time to recover) goes to t.Log.

// fintraBinary is `fintra`, built once per test process for the tests that
// run `fintra run` as child processes.
var fintraBinary struct {
	once      sync.Once
	dir, path string
	err       error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fintraBinary.dir != "" {
		os.RemoveAll(fintraBinary.dir)
	}
	os.Exit(code)
}

func buildFintra(t *testing.T) string {
	t.Helper()
	fintraBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "fintra-faults-")
		if err != nil {
			fintraBinary.err = err
			return
		}
		fintraBinary.dir = dir
		fintraBinary.path = filepath.Join(dir, "fintra")
		start := time.Now()
		out, err := exec.Command("go", "build", "-o", fintraBinary.path, "github.com/fintraos/fintra/cmd/fintra").CombinedOutput()
		if err != nil {
			fintraBinary.err = fmt.Errorf("go build ./cmd/fintra: %v\n%s", err, out)
			return
		}
		t.Logf("built fintra in %s", time.Since(start).Round(time.Millisecond))
	})
	if fintraBinary.err != nil {
		t.Fatal(fintraBinary.err)
	}
	return fintraBinary.path
}

// fintraRun is one `fintra run` child process running every registered
// processor against the broker, with its own /metrics.
type fintraRun struct {
	name    string
	addr    string
	logPath string
	cmd     *exec.Cmd
	started time.Time
	done    chan struct{}
	exitErr error
	ended   time.Time

	mu   sync.Mutex
	last map[string]float64 // the last scrape: records in per stage
	// firstIn is when, after its start, the process consumed its first
	// record (joined the group, got partitions, recovered their state).
	firstIn time.Duration
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startRun(t *testing.T, brokers []string, name string) *fintraRun {
	t.Helper()
	bin := buildFintra(t)
	p := &fintraRun{name: name, addr: freeAddr(t), logPath: filepath.Join(t.TempDir(), name+".log"), done: make(chan struct{}), last: map[string]float64{}}
	logFile, err := os.Create(p.logPath)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, "run", "--brokers", strings.Join(brokers, ","), "--kafka-version", kafkaTestVersion,
		"--metrics-addr", p.addr, "--no-provision", "--log-level", "info")
	// Only what the command needs: a FINTRA_* variable of the test's
	// environment would set one of its flags.
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.started = time.Now()
	go func() {
		p.exitErr = p.cmd.Wait()
		p.ended = time.Now()
		logFile.Close()
		close(p.done)
	}()
	go p.scrapeLoop()
	t.Cleanup(func() {
		// SIGTERM: the process leaves its groups, so that the next test
		// does not wait for its session to time out.
		p.signal(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("%s log (%s):\n%s", p.name, p.logPath, tail(p.logPath, 30))
		}
	})
	return p
}

func tail(path string, lines int) string {
	b, _ := os.ReadFile(path)
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

func (p *fintraRun) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig and waits for the process to end (SIGKILL after 30 s).
func (p *fintraRun) signal(sig syscall.Signal) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// scrapeLoop keeps the last /metrics reading until the process ends, so
// that what a killed process did is still known.
func (p *fintraRun) scrapeLoop() {
	client := &http.Client{Timeout: time.Second}
	for !p.exited() {
		if in, err := scrapeRecordsIn(client, p.addr); err == nil {
			p.mu.Lock()
			p.last = in
			if p.firstIn == 0 && in["connect"]+in["core"] > 0 {
				p.firstIn = time.Since(p.started)
			}
			p.mu.Unlock()
		}
		select {
		case <-p.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// scrapeRecordsIn reads fintra_records_in_total per stage.
func scrapeRecordsIn(client *http.Client, addr string) (map[string]float64, error) {
	resp, err := client.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	const prefix = `fintra_records_in_total{stage="`
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		rest := line[len(prefix):]
		stage, value, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		out[stage] = v
	}
	return out, sc.Err()
}

// recordsIn is the last reading of what the process consumed, by stage.
func (p *fintraRun) recordsIn() map[string]float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.last)
}

// report is one line on the process: its lifetime, records per stage and
// its throughput (records consumed by all its stages per second alive).
func (p *fintraRun) report() string {
	end := time.Now()
	if p.exited() {
		end = p.ended
	}
	alive := end.Sub(p.started)
	in := p.recordsIn()
	var total float64
	var parts []string
	for _, stage := range slices.Sorted(maps.Keys(in)) {
		total += in[stage]
		parts = append(parts, fmt.Sprintf("%s %.0f", stage, in[stage]))
	}
	p.mu.Lock()
	first := p.firstIn
	p.mu.Unlock()
	return fmt.Sprintf("%s: alive %.1fs, first record %.1fs after its start, records in %.0f (%s), %.0f records/s", p.name, alive.Seconds(), first.Seconds(), total, strings.Join(parts, ", "), total/alive.Seconds())
}

// feeder produces the generator's payloads to connect.raw.v1 at a rate,
// the way Demo does, and any extra records (poison) it is handed.
type feeder struct {
	sent  atomic.Int64
	total int
	done  chan error
}

func feed(t *testing.T, brokers []string, events int, seed int64, rate float64, extra func(i int) []*kgo.Record) *feeder {
	t.Helper()
	gen, err := synth.New(synth.Config{Events: events, Seed: seed, DuplicateRatio: 0.02, InvalidRatio: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	ingest, err := NewIngest(brokers)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	f := &feeder{total: events, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		ingest.Close()
		raw.Close()
	})
	go func() {
		interval := time.Duration(float64(time.Second) / rate)
		start := time.Now()
		for i := 0; ; i++ {
			p, ok := gen.Next()
			if !ok {
				break
			}
			if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
				select {
				case <-ctx.Done():
					f.done <- ctx.Err()
					return
				case <-time.After(wait):
				}
			}
			ingest.Send(ctx, p.Key, p.Bytes, "fintra-json")
			f.sent.Add(1)
			if extra != nil {
				for _, r := range extra(i) {
					if err := raw.ProduceSync(ctx, r).FirstErr(); err != nil {
						f.done <- fmt.Errorf("poison record: %w", err)
						return
					}
				}
			}
		}
		if err := ingest.Flush(ctx); err != nil {
			f.done <- err
			return
		}
		if n := ingest.Failed(); n > 0 {
			f.done <- fmt.Errorf("%d payloads were not accepted by the broker: %w", n, ingest.Err())
			return
		}
		f.done <- nil
	}()
	return f
}

// waitSent waits until the feeder has queued n payloads.
func (f *feeder) waitSent(t *testing.T, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d payloads to be produced", n), time.Minute, func() bool { return f.sent.Load() >= int64(n) })
}

// consumerInputs maps every consumer group of the pipeline (one per
// registered processor, whatever is registered) and of the sinks to the
// topics it consumes.
func consumerInputs(specs []SinkSpec) map[string][]string {
	deps := Deps{}
	deps.setDefaults()
	inputs := map[string][]string{}
	for _, p := range Processors() {
		for _, e := range p.Graph(deps).InputStreams() {
			inputs[p.Name] = append(inputs[p.Name], e.Topic())
		}
	}
	for _, s := range specs {
		inputs[s.group()] = s.Topics
	}
	return inputs
}

// backlog returns, per group, the records on its input topics that it has
// not committed yet (the topics are fresh: a partition without a commit
// owes everything from offset 0).
func backlog(ctx context.Context, adm *kadm.Client, inputs map[string][]string) (map[string]int64, error) {
	var topics []string
	for _, ts := range inputs {
		topics = append(topics, ts...)
	}
	slices.Sort(topics)
	ends, err := adm.ListEndOffsets(ctx, slices.Compact(topics)...)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for group, ts := range inputs {
		// A group that does not exist yet answers with no offsets; an
		// error (the coordinator loading, a rebalance) says nothing about
		// the backlog, so the poll is void.
		committed, err := adm.FetchOffsets(ctx, group)
		if err != nil {
			return nil, fmt.Errorf("offsets of %s: %w", group, err)
		}
		for _, topic := range ts {
			for _, o := range ends[topic] {
				if o.Err != nil {
					return nil, o.Err
				}
				at := int64(0)
				if c, ok := committed.Lookup(topic, o.Partition); ok && c.Err == nil && c.At >= 0 {
					at = c.At
				}
				out[group] += o.Offset - at
			}
		}
	}
	return out, nil
}

// settleWatch polls the backlog of every group until the feeder is done
// and nothing is owed twice in a row; it tracks the peak and calls tick on
// every poll (for the tests' own fault schedule).
type settleWatch struct {
	peak     int64
	peakAt   time.Duration
	settled  time.Time
	timeline []string
}

func awaitSettled(t *testing.T, brokers []string, inputs map[string][]string, f *feeder, timeout time.Duration, tick func(total int64)) *settleWatch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	w := &settleWatch{}
	start := time.Now()
	fed := false
	zeroes := 0
	lastLine := time.Time{}
	for {
		select {
		case err := <-f.done:
			if err != nil {
				t.Fatalf("producing: %v", err)
			}
			fed = true
		default:
		}
		lag, err := backlog(ctx, adm, inputs)
		var total int64
		for _, l := range lag {
			total += l
		}
		if err == nil {
			if total > w.peak {
				w.peak, w.peakAt = total, time.Since(start)
			}
			if time.Since(lastLine) >= 2*time.Second {
				lastLine = time.Now()
				var owed []string
				for _, g := range slices.Sorted(maps.Keys(lag)) {
					if lag[g] > 0 {
						owed = append(owed, fmt.Sprintf("%s %d", g, lag[g]))
					}
				}
				w.timeline = append(w.timeline, fmt.Sprintf("%.0fs %d (%s)", time.Since(start).Seconds(), total, strings.Join(owed, ", ")))
			}
		}
		if tick != nil {
			tick(total)
		}
		if err == nil && fed && total == 0 {
			if zeroes++; zeroes == 2 {
				w.settled = time.Now()
				return w
			}
		} else {
			zeroes = 0
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the pipeline did not catch up within %s: backlog %v (%v); produced %d", timeout, lag, err, f.sent.Load())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// sinkRunner runs the sinks in this process until the test ends, and
// starts them again when they stop with an error (as a supervisor would),
// counting the restarts.
type sinkRunner struct {
	restarts atomic.Int64
	mu       sync.Mutex
	errs     []string
}

func startSinks(t *testing.T, brokers []string, specs []SinkSpec, metrics *telemetry.Metrics) *sinkRunner {
	t.Helper()
	sr := &sinkRunner{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			err := RunSinks(ctx, brokers, specs, metrics, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if ctx.Err() != nil {
				return
			}
			sr.mu.Lock()
			sr.errs = append(sr.errs, fmt.Sprint(err))
			sr.mu.Unlock()
			sr.restarts.Add(1)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return sr
}

func (sr *sinkRunner) report() string {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	if len(sr.errs) == 0 {
		return "the sinks ran through without a restart"
	}
	counts := map[string]int{}
	for _, e := range sr.errs {
		counts[e]++
	}
	var parts []string
	for _, e := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d× %s", counts[e], e))
	}
	return fmt.Sprintf("the sinks stopped %d times and were restarted: %s", len(sr.errs), strings.Join(parts, "; "))
}

// outcome is what the broker holds after a fault run.
type outcome struct {
	topics map[string]int64
	// transactions and distinct count core.transactions.v1's records and
	// their distinct event ids.
	transactions, distinct int64
	// copies lists where each event accepted more than once sits
	// ("partition/offset" per copy).
	copies map[string][]string
	// deadLetters counts distinct origins on the processors' DLQs.
	deadLetters int64
	ledger      Summary
}

func readOutcome(t *testing.T, brokers []string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	topics, err := topicCounts(ctx, brokers, Catalog(CatalogConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	o := outcome{topics: topics}
	at := map[string][]string{}
	for _, r := range readTopic(t, brokers, string(schemas.TopicCoreTransactions)) {
		var tx fintrav1.AcceptedTransaction
		if err := proto.Unmarshal(r.Value, &tx); err != nil {
			t.Fatalf("core.transactions.v1 %d/%d: %v", r.Partition, r.Offset, err)
		}
		o.transactions++
		at[tx.GetEventId()] = append(at[tx.GetEventId()], fmt.Sprintf("%d/%d", r.Partition, r.Offset))
	}
	o.distinct = int64(len(at))
	o.copies = map[string][]string{}
	for id, where := range at {
		if len(where) > 1 {
			o.copies[id] = where
		}
	}
	origins := map[string]bool{}
	for _, topic := range []string{string(schemas.TopicConnectDLQ), string(schemas.TopicCoreDLQ)} {
		for _, r := range readTopic(t, brokers, topic) {
			for _, h := range r.Headers {
				if h.Key == schemas.HeaderOrigin {
					origins[string(h.Value)] = true
				}
			}
		}
	}
	o.deadLetters = int64(len(origins))
	if err := ledgerTotals(ctx, brokers, kafkaTestVersion, &o.ledger); err != nil {
		t.Fatal(err)
	}
	return o
}

// checkOutcome compares the broker's end state with the embedded
// reference run (plus extraDeadLetters poison records) and the stores with
// the ledger; it returns what was redelivered, for the log.
func checkOutcome(t *testing.T, brokers []string, ref Summary, extraDeadLetters int64, st *kafkaStores) string {
	t.Helper()
	o := readOutcome(t, brokers)
	if o.distinct != ref.Accepted {
		t.Errorf("core.transactions.v1: %d distinct accepted events (%d records); the embedded run accepted %d", o.distinct, o.transactions, ref.Accepted)
	}
	if o.transactions != o.distinct {
		t.Errorf("core.transactions.v1 holds %d records for %d distinct events: the same acceptance twice, at (partition/offset) %v", o.transactions, o.distinct, o.copies)
	}
	if o.deadLetters != ref.DLQ+extraDeadLetters {
		t.Errorf("%d distinct dead letters; want %d (%d of the embedded run + %d poison)", o.deadLetters, ref.DLQ+extraDeadLetters, ref.DLQ, extraDeadLetters)
	}
	if o.ledger.Accounts != ref.Accounts || !maps.Equal(o.ledger.PostedMinorByCurrency, ref.PostedMinorByCurrency) || !maps.Equal(o.ledger.PendingMinorByCurrency, ref.PendingMinorByCurrency) {
		t.Errorf("ledger: %d accounts, posted %v, pending %v; the embedded run: %d, %v, %v", o.ledger.Accounts, o.ledger.PostedMinorByCurrency, o.ledger.PendingMinorByCurrency, ref.Accounts, ref.PostedMinorByCurrency, ref.PendingMinorByCurrency)
	}
	stored := ""
	if st != nil {
		stored = st.verify(t, Summary{Accepted: ref.Accepted, Accounts: ref.Accounts, PostedMinorByCurrency: ref.PostedMinorByCurrency, PendingMinorByCurrency: ref.PendingMinorByCurrency})
	}
	var extra []string
	for _, topic := range slices.Sorted(maps.Keys(o.topics)) {
		if d := o.topics[topic] - ref.Topics[topic]; d != 0 && topic != string(schemas.TopicConnectRaw) {
			extra = append(extra, fmt.Sprintf("%s %+d", topic, d))
		}
	}
	redelivered := "none"
	if len(extra) > 0 {
		redelivered = strings.Join(extra, ", ")
	}
	return fmt.Sprintf("end state exact: %d accepted once, %d dead letters, %d accounts, ledger %v; records beyond the embedded run's per topic (at-least-once redeliveries, deduplicated downstream): %s; stores: %s",
		o.distinct, o.deadLetters, o.ledger.Accounts, o.ledger.PostedMinorByCurrency, redelivered, stored)
}

// TestFaultProcessorKilledAndRestarted SIGKILLs the only `fintra run`
// process while payloads flow and starts a new one with empty (in-memory)
// state: it rebuilds the ledger from the core-table changelog, and the
// end state is exact.
func TestFaultProcessorKilledAndRestarted(t *testing.T) {
	brokers := kafkaBrokers(t)
	const events, seed, rate = 8000, 31, 1000
	ref := embeddedReference(t, events, seed)
	buildFintra(t)
	resetKafka(t, brokers, CatalogConfig{})
	st := openKafkaStores(t, fmt.Sprintf("fault_kill_%d", time.Now().UnixNano()), false)
	inputs := consumerInputs(st.specs)
	startSinks(t, brokers, st.specs, telemetry.New())

	first := startRun(t, brokers, "run-1")
	f := feed(t, brokers, events, seed, rate, nil)
	f.waitSent(t, events*2/5)
	before := first.recordsIn()
	killedAt := time.Now()
	first.signal(syscall.SIGKILL)
	t.Logf("SIGKILL run-1 after %d of %d payloads; it had consumed %v", f.sent.Load(), events, before)
	time.Sleep(time.Second)
	second := startRun(t, brokers, "run-2")
	w := awaitSettled(t, brokers, inputs, f, 90*time.Second, nil)
	second.mu.Lock()
	resumed := second.firstIn
	second.mu.Unlock()
	t.Logf("run-2 started 1s after the kill with empty (in-memory) state; first record consumed %.1fs after its start (the dead member's session has to expire first); backlog peaked at %d records %.1fs into the run; caught up %.1fs after the kill; backlog over time %v",
		resumed.Seconds(), w.peak, w.peakAt.Seconds(), w.settled.Sub(killedAt).Seconds(), w.timeline)
	t.Log(first.report())
	t.Log(second.report())
	t.Log(checkOutcome(t, brokers, ref, 0, st))
}

// kafkaScript is deploy/local/kafka.sh, when the test's broker is the one
// it manages (stopping someone else's broker is not this test's business).
func kafkaScript(t *testing.T, brokers []string) string {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("..", "deploy", "local", "kafka.sh"))
	if err != nil {
		t.Fatal(err)
	}
	env, err := exec.Command(script, "env").Output()
	managed := err == nil && strings.Contains(string(env), "'"+strings.Join(brokers, ",")+"'") && exec.Command(script, "status").Run() == nil
	if !managed {
		msg := fmt.Sprintf("the broker %s is not the one %s runs: this test stops and starts it", strings.Join(brokers, ","), script)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return script
}

func runScript(t *testing.T, script, cmd string) time.Duration {
	t.Helper()
	start := time.Now()
	out, err := exec.Command(script, cmd).CombinedOutput()
	if err != nil {
		t.Fatalf("kafka.sh %s: %v\n%s", cmd, err, out)
	}
	return time.Since(start)
}

// TestFaultBrokerRestarted stops the broker (a controlled shutdown, the
// data kept) while payloads flow and starts it again on the same data.
// The producer, the sinks and the `fintra run` process are left to cope;
// a process that exits is started again, as a supervisor would.
func TestFaultBrokerRestarted(t *testing.T) {
	brokers := kafkaBrokers(t)
	script := kafkaScript(t, brokers)
	const events, seed, rate = 8000, 37, 800
	ref := embeddedReference(t, events, seed)
	buildFintra(t)
	resetKafka(t, brokers, CatalogConfig{})
	st := openKafkaStores(t, fmt.Sprintf("fault_broker_%d", time.Now().UnixNano()), false)
	inputs := consumerInputs(st.specs)
	sr := startSinks(t, brokers, st.specs, telemetry.New())
	runs := []*fintraRun{startRun(t, brokers, "run-1")}
	f := feed(t, brokers, events, seed, rate, nil)
	f.waitSent(t, events*3/10)
	// Make sure the broker comes back even if the test fails in between.
	t.Cleanup(func() { _ = exec.Command(script, "up").Run() })
	stoppedAt := time.Now()
	down := runScript(t, script, "down")
	time.Sleep(3 * time.Second)
	up := runScript(t, script, "up")
	outage := time.Since(stoppedAt)
	t.Logf("broker down in %.1fs (controlled shutdown), up again in %.1fs; %.1fs without a broker; %d of %d payloads produced when it stopped, %d when it was back",
		down.Seconds(), up.Seconds(), outage.Seconds(), events*3/10, events, f.sent.Load())
	w := awaitSettled(t, brokers, inputs, f, 120*time.Second, func(int64) {
		last := runs[len(runs)-1]
		if last.exited() {
			t.Logf("%s exited %.1fs after the broker stopped (%v): starting run-%d; its last log lines:\n%s",
				last.name, last.ended.Sub(stoppedAt).Seconds(), last.exitErr, len(runs)+1, tail(last.logPath, 5))
			runs = append(runs, startRun(t, brokers, fmt.Sprintf("run-%d", len(runs)+1)))
		}
	})
	if len(runs) == 1 {
		t.Logf("run-1 survived the broker restart (sarama reconnected)")
	}
	t.Logf("caught up %.1fs after the broker was back; backlog peaked at %d; backlog over time %v; %s", w.settled.Sub(stoppedAt.Add(outage)).Seconds(), w.peak, w.timeline, sr.report())
	for _, r := range runs {
		t.Log(r.report())
	}
	t.Log(checkOutcome(t, brokers, ref, 0, st))
}

// TestFaultStoresUnavailable cuts PostgreSQL, Redis and S3 away from their
// sinks (sinktest.Proxy) for 5 s while the pipeline runs on the real
// broker: the sinks retry, their lag grows, and once the stores are back
// they catch up with every row once.
func TestFaultStoresUnavailable(t *testing.T) {
	brokers := kafkaBrokers(t)
	const events, seed, rate = 6000, 41, 1500
	ref := embeddedReference(t, events, seed)
	resetKafka(t, brokers, CatalogConfig{})
	st := openKafkaStores(t, fmt.Sprintf("fault_stores_%d", time.Now().UnixNano()), true)
	if len(st.proxies) == 0 {
		t.Skip("no networked store configured (FINTRA_PG_URL, FINTRA_REDIS_URL, FINTRA_S3_ENDPOINT): nothing to cut")
	}
	m := telemetry.New()
	type result struct {
		s   Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := Demo(context.Background(), DemoConfig{Events: events, Seed: seed, DuplicateRatio: 0.02, InvalidRatio: 0.01, Rate: rate,
			Brokers: brokers, KafkaVersion: kafkaTestVersion, Sinks: st.specs, Metrics: m, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		done <- result{s, err}
	}()
	waitFor(t, "a third of the payloads to be processed", time.Minute, func() bool { return m.Stage("connect").In.Load() >= events/3 })
	names := slices.Sorted(maps.Keys(st.proxies))
	cutAt := time.Now()
	for _, n := range names {
		st.proxies[n].Cut()
	}
	peak := map[string]int64{}
	watch := func() {
		for _, n := range names {
			if lag, ok := m.Lag("sink-" + n); ok && lag > peak[n] {
				peak[n] = lag
			}
		}
	}
	for time.Since(cutAt) < 5*time.Second {
		watch()
		time.Sleep(100 * time.Millisecond)
	}
	restoredAt := time.Now()
	for _, n := range names {
		st.proxies[n].Restore()
	}
	caughtUp := map[string]time.Duration{}
	var res result
	for res.s.Produced == 0 && res.err == nil {
		select {
		case res = <-done:
		case <-time.After(100 * time.Millisecond):
			watch()
			for _, n := range names {
				if lag, ok := m.Lag("sink-" + n); ok && lag == 0 && caughtUp[n] == 0 {
					caughtUp[n] = time.Since(restoredAt)
				}
			}
		}
	}
	if res.err != nil {
		t.Fatal(res.err)
	}
	end := time.Since(restoredAt)
	for _, n := range names {
		sc := m.Stage("sink-" + n)
		if caughtUp[n] == 0 {
			caughtUp[n] = end
		}
		t.Logf("%s cut for %.1fs: %d failed writes retried, lag peaked at %d records, caught up within %.1fs of the restore (lag sampled once a second); %d written",
			n, restoredAt.Sub(cutAt).Seconds(), sc.Errors.Load(), peak[n], caughtUp[n].Seconds(), sc.Out.Load())
	}
	sameOutcome(t, "stores cut", ref, res.s)
	t.Logf("the demo finished %.1fs after the restore; stores: %s", end.Seconds(), st.verify(t, res.s))
}

// poison is one kind of bad record a broken producer might send.
type poison struct {
	name  string
	topic string
	// source is the fintra-source header ("" sends none).
	source string
	value  []byte
}

func poisons() []poison {
	garbage := []byte{0xff, 0x00, 0xfe, 0x01, 0x80, 0x7f, 0xc3, 0x28}
	return []poison{
		{"empty payload", string(schemas.TopicConnectRaw), "fintra-json", nil},
		{"binary garbage", string(schemas.TopicConnectRaw), "fintra-json", garbage},
		{"truncated JSON", string(schemas.TopicConnectRaw), "fintra-json", []byte(`{"account_id":"acc-poison","amount_minor":`)},
		{"amount beyond int64", string(schemas.TopicConnectRaw), "fintra-json", []byte(`{"account_id":"acc-poison","transaction_id":"txn-poison","status":"posted","amount_minor":99999999999999999999999,"currency":"EUR","occurred_at":"2026-01-02T03:04:05Z"}`)},
		{"currency not ISO 4217", string(schemas.TopicConnectRaw), "fintra-json", []byte(`{"account_id":"acc-poison","transaction_id":"txn-poison","status":"posted","amount_minor":-100,"currency":"EURO","occurred_at":"2026-01-02T03:04:05Z"}`)},
		{"no fintra-source header", string(schemas.TopicConnectRaw), "", []byte(`{"account_id":"acc-poison"}`)},
		{"unknown format", string(schemas.TopicConnectRaw), "fintra-xml", []byte(`<txn/>`)},
		{"garbage on core.events.v1", string(schemas.TopicCoreEvents), "", garbage},
	}
}

// TestFaultPoisonPayloads mixes records no parser accepts into the flow
// (ten of each kind, a few per second): each ends in its stage's
// dead-letter topic with the reason, its bytes untouched, and processing
// goes on; the counts and the ledger are exactly the clean run's.
func TestFaultPoisonPayloads(t *testing.T) {
	brokers := kafkaBrokers(t)
	const events, seed, rate, each = 5000, 43, 2000, 10
	ref := embeddedReference(t, events, seed)
	resetKafka(t, brokers, CatalogConfig{})
	st := openKafkaStores(t, fmt.Sprintf("fault_poison_%d", time.Now().UnixNano()), false)
	inputs := consumerInputs(st.specs)
	sinkMetrics := telemetry.New()
	startSinks(t, brokers, st.specs, sinkMetrics)
	m := startPipeline(t, brokers)

	kinds := poisons()
	sent := map[string]int{}
	every := events / (each*len(kinds) + 1)
	f := feed(t, brokers, events, seed, rate, func(i int) []*kgo.Record {
		if i == 0 || i%every != 0 || i/every > each*len(kinds) {
			return nil
		}
		p := kinds[(i/every-1)%len(kinds)]
		sent[p.name]++
		r := &kgo.Record{Topic: p.topic, Key: []byte(fmt.Sprintf("acc-poison-%d", i)), Value: p.value}
		if p.source != "" {
			r.Headers = []kgo.RecordHeader{{Key: schemas.HeaderSource, Value: []byte(p.source)}}
		}
		return []*kgo.Record{r}
	})
	w := awaitSettled(t, brokers, inputs, f, 90*time.Second, nil)
	total := 0
	for _, p := range kinds {
		if sent[p.name] != each {
			t.Fatalf("sent %d %q records, want %d", sent[p.name], p.name, each)
		}
		total += each
	}
	t.Logf("%d payloads and %d poison records (%d kinds) caught up with backlog peak %d; stages: %s", events, total, len(kinds), w.peak, stageLine(m))

	// Every poison record is in its stage's DLQ, bytes untouched, with a
	// reason; group the reasons per kind for the log.
	byValue := map[string]poison{}
	for _, p := range kinds {
		byValue[p.topic+"\x00"+string(p.value)] = p
	}
	found := map[string]int{}
	reasons := map[string]map[string]bool{}
	for _, dlq := range []struct{ topic, from string }{{string(schemas.TopicConnectDLQ), string(schemas.TopicConnectRaw)}, {string(schemas.TopicCoreDLQ), string(schemas.TopicCoreEvents)}} {
		for _, r := range readTopic(t, brokers, dlq.topic) {
			if !strings.HasPrefix(string(r.Key), "acc-poison-") {
				continue
			}
			h := map[string]string{}
			for _, x := range r.Headers {
				h[x.Key] = string(x.Value)
			}
			p, ok := byValue[dlq.from+"\x00"+string(r.Value)]
			if !ok {
				t.Errorf("%s holds a poison record whose bytes changed: %q", dlq.topic, r.Value)
				continue
			}
			if h[schemas.HeaderError] == "" || h[schemas.HeaderStage] == "" || !strings.HasPrefix(h[schemas.HeaderOrigin], dlq.from+"/") {
				t.Errorf("%s: dead letter of %q without reason, stage or origin: %v", dlq.topic, p.name, h)
			}
			found[p.name]++
			if reasons[p.name] == nil {
				reasons[p.name] = map[string]bool{}
			}
			reasons[p.name][h[schemas.HeaderStage]+": "+reasonClass(h[schemas.HeaderError])] = true
		}
	}
	for _, p := range kinds {
		if found[p.name] != each {
			t.Errorf("%q: %d dead letters, want %d", p.name, found[p.name], each)
		}
		t.Logf("poison %q ×%d → %d dead letters; reason %s", p.name, each, found[p.name], strings.Join(slices.Sorted(maps.Keys(reasons[p.name])), " | "))
	}
	if st.pg != nil {
		n := recordCount(t, brokers, sinks.DLQTopic("postgres"))
		if n != each {
			t.Errorf("%s holds %d records; want the %d garbage events the PostgreSQL sink cannot decode", sinks.DLQTopic("postgres"), n, each)
		}
		t.Logf("the PostgreSQL sink dead-lettered the %d garbage events of core.events.v1 to %s", n, sinks.DLQTopic("postgres"))
	}
	t.Log(checkOutcome(t, brokers, ref, int64(total), st))
}

// startPipeline runs every registered processor in this process until
// the test ends.
func startPipeline(t *testing.T, brokers []string) *telemetry.Metrics {
	t.Helper()
	m := telemetry.New()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, RunConfig{Runtime: Runtime{Brokers: brokers, KafkaVersion: kafkaTestVersion}},
			Deps{Metrics: m, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("pipeline: %v", err)
		}
	})
	return m
}

func stageLine(m *telemetry.Metrics) string {
	var parts []string
	for _, st := range m.Stages() {
		parts = append(parts, fmt.Sprintf("%s in %d out %d dlq %d dup %d", st.Name, st.In.Load(), st.Out.Load(), st.DLQ.Load(), st.Duplicates.Load()))
	}
	return strings.Join(parts, "; ")
}

// TestFaultScaleOutAndIn starts with one `fintra run` process, adds a
// second and a third while payloads flow (the partitions rebalance and the
// new members rebuild their share of the state from the changelogs), then
// stops those two (SIGTERM: they drain and leave the group) and finishes
// with the first. Each process's /metrics says what it did.
func TestFaultScaleOutAndIn(t *testing.T) {
	brokers := kafkaBrokers(t)
	const events, seed, rate = 12000, 47, 600
	ref := embeddedReference(t, events, seed)
	buildFintra(t)
	resetKafka(t, brokers, CatalogConfig{})
	st := openKafkaStores(t, fmt.Sprintf("fault_scale_%d", time.Now().UnixNano()), false)
	inputs := consumerInputs(st.specs)
	startSinks(t, brokers, st.specs, telemetry.New())
	start := time.Now()
	runs := []*fintraRun{startRun(t, brokers, "run-1")}
	f := feed(t, brokers, events, seed, rate, nil)
	var timeline []string
	mark := func(what string) {
		timeline = append(timeline, fmt.Sprintf("%.1fs %s", time.Since(start).Seconds(), what))
	}
	// The schedule runs on the backlog poll, so that the backlog is
	// sampled through all of it.
	step := 0
	w := awaitSettled(t, brokers, inputs, f, 90*time.Second, func(int64) {
		sent := int(f.sent.Load())
		switch {
		case step == 0 && sent >= events/4:
			runs = append(runs, startRun(t, brokers, "run-2"))
			mark("run-2 started")
			step++
		case step == 1 && sent >= events*9/20:
			runs = append(runs, startRun(t, brokers, "run-3"))
			mark("run-3 started")
			step++
		case step == 2 && sent >= events*7/10:
			for _, p := range runs[1:] {
				p.signal(syscall.SIGTERM)
				mark(fmt.Sprintf("%s stopped by SIGTERM (exit: %v)", p.name, p.exitErr))
			}
			step++
		}
	})
	if step != 3 {
		t.Fatalf("the pipeline caught up before the scaling schedule ran (step %d)", step)
	}
	mark("caught up")
	var total float64
	for _, p := range runs {
		t.Log(p.report())
		for _, v := range p.recordsIn() {
			total += v
		}
	}
	elapsed := w.settled.Sub(start).Seconds()
	t.Logf("timeline: %s; backlog peak %d, over time %v", strings.Join(timeline, "; "), w.peak, w.timeline)
	t.Logf("total: %.0f records consumed by all stages of all processes in %.1fs (%.0f records/s); the embedded run of the same payloads consumed %d (the stopped processes' counts are their last scrape, up to 100 ms before they drained and exited)", total, elapsed, total/elapsed, stagesIn(ref))
	t.Log(checkOutcome(t, brokers, ref, 0, st))
}

func stagesIn(s Summary) int64 {
	var n int64
	for _, st := range s.Stages {
		n += st.In
	}
	return n
}
