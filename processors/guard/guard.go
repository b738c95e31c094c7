package guard

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/ml/models"
	"github.com/fintraos/fintra/processors/guard/features"
	"github.com/fintraos/fintra/processors/guard/model"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Group is the processor's consumer group; its state is in Table.
const Group goka.Group = "guard"

// Table is guard-table: features.State per account.
var Table = goka.GroupTable(Group)

// DLQ is the processor's dead-letter topic, guard.dlq.v1.
var DLQ = schemas.DLQTopic(string(Group))

// Deps is what the processor needs from its surroundings.
type Deps struct {
	// FromCore reads core.transactions.v1 instead of
	// enrich.transactions.v1, for a pipeline without enrich. Default false.
	FromCore bool
	// Model is the model in use; a model.Watcher may swap it while the
	// processor runs. Default: the artifact embedded from ml/models/guard
	// at build time, or none (rules only) if there was none.
	Model *model.Current
	// Thresholds replace the model's meta.json thresholds. Default nil.
	Thresholds *model.Thresholds
	// Rules override the model. Default: no blocklists, impossible travel
	// above DefaultImpossibleTravelKmh.
	Rules Rules
	// Metrics receives the stage's counters. Default: a private set.
	Metrics *telemetry.Metrics
	// Clock stamps scored_at and measures latency. Default time.Now.
	Clock func() time.Time
	// Log receives dead letters. Default slog.Default().
	Log *slog.Logger
}

// Validate reports every problem of deps at once.
func (d Deps) Validate() error {
	var errs []error
	if d.Thresholds != nil {
		if err := d.Thresholds.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// EmbeddedModel loads the model embedded in the binary (ml/models), or
// returns nil when none was embedded. The embedded bytes never change and a
// Model is read-only once loaded, so it is parsed once per process: every
// Graph(Deps{}) — the topic catalog, the topology drawing, `fintra tail`
// looking up a topic's codec for each record — would otherwise parse the
// 250-tree model again (3.8 ms and 3.4 MB each).
func EmbeddedModel() (*model.Model, error) { return embeddedModel() }

var embeddedModel = sync.OnceValues(func() (*model.Model, error) {
	if !models.HasGuard() {
		return nil, nil
	}
	dir, err := model.Resolve(models.FS(), models.GuardRoot)
	if err != nil {
		return nil, err
	}
	return model.Load(models.FS(), dir)
})

// Input is the topic the processor reads for deps.
func (d Deps) Input() goka.Stream {
	if d.FromCore {
		return schemas.TopicCoreTransactions
	}
	return schemas.TopicEnrichTransactions
}

// Graph is the processor's goka graph. It panics on a Deps that fails
// Validate or an embedded model that fails to load: both are build or
// configuration bugs that must stop the start, not a partition.
func Graph(deps Deps) *goka.GroupGraph {
	if err := deps.Validate(); err != nil {
		panic(fmt.Sprintf("guard: %v", err))
	}
	if deps.Metrics == nil {
		deps.Metrics = telemetry.New()
	}
	if deps.Clock == nil {
		deps.Clock = time.Now
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Model == nil {
		m, err := EmbeddedModel()
		if err != nil {
			panic(fmt.Sprintf("guard: the embedded model does not load: %v", err))
		}
		if m == nil {
			deps.Log.Warn("guard: no model embedded or configured: scoring with rules only", "model_version", NoModelVersion)
		}
		deps.Model = model.NewCurrent(m)
	}
	p := &processor{deps: deps, stage: deps.Metrics.Stage(string(Group))}
	p.scorers.New = func() any {
		s, err := NewScorer(deps.Model, deps.Thresholds, deps.Rules)
		if err != nil {
			panic(err) // Validate checked the thresholds
		}
		return s
	}
	return goka.DefineGroup(Group,
		// Raw bytes in: an undecodable record must reach the DLQ, and goka
		// stops the processor on a codec error.
		goka.Input(deps.Input(), new(codec.Bytes), p.process),
		goka.Persist(features.Codec{}),
		goka.Output(schemas.TopicGuardScores, schemas.ProtoCodec[*fintrav1.ScoredTransaction]{}),
		goka.Output(schemas.TopicGuardAlerts, schemas.ProtoCodec[*fintrav1.Alert]{}),
		goka.Output(DLQ, new(codec.Bytes)),
	)
}

type processor struct {
	deps  Deps
	stage *telemetry.Stage
	// scorers hands each partition goroutine its own Scorer (its
	// contribution buffer is not shared).
	scorers sync.Pool
}

func (p *processor) decode(raw []byte) (*fintrav1.EnrichedTransaction, error) {
	if p.deps.FromCore {
		at := new(fintrav1.AcceptedTransaction)
		if err := proto.Unmarshal(raw, at); err != nil {
			return nil, fmt.Errorf("guard: undecodable AcceptedTransaction: %w", err)
		}
		return &fintrav1.EnrichedTransaction{Accepted: at}, nil
	}
	et := new(fintrav1.EnrichedTransaction)
	if err := proto.Unmarshal(raw, et); err != nil {
		return nil, fmt.Errorf("guard: undecodable EnrichedTransaction: %w", err)
	}
	return et, nil
}

func check(et *fintrav1.EnrichedTransaction, key string) error {
	at := et.GetAccepted()
	var errs []error
	switch {
	case at == nil:
		errs = append(errs, errors.New("guard: enriched transaction without its accepted transaction"))
	case at.GetAccountId() == "":
		errs = append(errs, errors.New("guard: transaction without account_id"))
	case at.GetAccountId() != key:
		errs = append(errs, fmt.Errorf("guard: transaction for account %q arrived under key %q: producers must key the topic by account_id", at.GetAccountId(), key))
	}
	if at != nil && at.GetTransaction() == nil {
		errs = append(errs, errors.New("guard: accepted transaction without its transaction"))
	}
	if at != nil && at.GetEventId() == "" {
		errs = append(errs, errors.New("guard: transaction without event_id"))
	}
	return errors.Join(errs...)
}

func (p *processor) process(ctx goka.Context, msg any) {
	p.stage.In.Add(1)
	raw, _ := msg.([]byte)
	et, err := p.decode(raw)
	if err == nil {
		err = check(et, ctx.Key())
	}
	if err != nil {
		p.deadLetter(ctx, raw, err)
		return
	}
	st, _ := ctx.Value().(*features.State)
	if st == nil {
		st = features.NewState()
	}
	at := et.GetAccepted()
	seq := at.GetSequence()
	// A redelivery (sequence at or below the last seen) is scored again
	// but not folded in twice; the sinks keep one score per event_id.
	fresh := seq == 0 || seq > st.Sequence
	if !fresh {
		p.stage.Duplicates.Add(1)
	}
	now := p.deps.Clock()
	s := p.scorers.Get().(*Scorer)
	score := s.Score(st, et, now, fresh)
	p.scorers.Put(s)
	if fresh {
		st.Sequence = max(st.Sequence, seq)
		ctx.SetValue(st)
	}
	scored := &fintrav1.ScoredTransaction{Enriched: et, Score: score}
	ctx.Emit(schemas.TopicGuardScores, ctx.Key(), scored)
	if score.GetDecision() == fintrav1.Decision_DECISION_REVIEW || score.GetDecision() == fintrav1.Decision_DECISION_DECLINE {
		ctx.Emit(schemas.TopicGuardAlerts, ctx.Key(), &fintrav1.Alert{
			AlertId: AlertID(at.GetEventId()), EventId: at.GetEventId(), AccountId: at.GetAccountId(), Score: score, Transaction: scored,
		})
	}
	p.stage.Out.Add(1)
	if ts := at.GetIngestedAt(); ts != nil {
		p.stage.ObserveLatency(now.Sub(ts.AsTime()))
	}
}

// alertNamespace is the UUIDv5 namespace of alert ids.
var alertNamespace = uuid.MustParse("3b9f6c1e-2a47-5d8e-b1c4-7e0a9d2f6c35")

// AlertID is the deterministic id of the alert of an event: a redelivery
// or replay raises the same alert, not a second one.
func AlertID(eventID string) string {
	return uuid.NewSHA1(alertNamespace, []byte(eventID)).String()
}

func (p *processor) deadLetter(ctx goka.Context, raw []byte, err error) {
	p.stage.DLQ.Add(1)
	origin := &fintrav1.Origin{Topic: string(ctx.Topic()), Partition: ctx.Partition(), Offset: ctx.Offset()}
	p.deps.Log.Warn("dead-lettered transaction", "stage", Group, "origin", schemas.FormatOrigin(origin), "key", ctx.Key(), "error", err)
	ctx.Emit(DLQ, ctx.Key(), raw, goka.WithCtxEmitHeaders(schemas.DeadLetterHeaders(ctx.Headers(), string(Group), origin, err)))
}

// ModelDirWatcher returns a watcher that keeps cur on the artifact a model
// root names (a directory with CURRENT and version directories, e.g.
// ml/models/guard, or one version directory): run its Run(ctx) beside the
// processor, with cur as Deps.Model, and a new artifact rolls out without
// a restart. It loads the artifact once before returning, so a bad
// directory fails the start rather than the first poll.
func ModelDirWatcher(dir string, cur *model.Current, interval time.Duration, log *slog.Logger) (*model.Watcher, error) {
	w := &model.Watcher{FS: os.DirFS(dir), Root: ".", Interval: interval, Into: cur, Log: log}
	if _, err := w.Poll(); err != nil {
		return nil, fmt.Errorf("guard: model directory %s: %w", dir, err)
	}
	return w, nil
}
