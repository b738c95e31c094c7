package views

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Group is the processor's consumer group; its state is in Table.
const Group goka.Group = "views"

// Table is the view table (View per account, JSON). Its changelog topic,
// views-table, is what sinks/redis consumes.
var Table = goka.GroupTable(Group)

// DLQ is the processor's dead-letter topic, views.dlq.v1.
var DLQ = schemas.DLQTopic(string(Group))

// Deps is what the processor needs from its surroundings.
type Deps struct {
	// Metrics receives the stage's counters. Default: a private set.
	Metrics *telemetry.Metrics
	// Clock stamps updated_at and measures latency. Default time.Now.
	Clock func() time.Time
	// Log receives dead letters and sequence gaps. Default slog.Default().
	Log *slog.Logger
	// Input is the transaction stage the views follow: guard.scores.v1
	// (the default: merchant, category and risk decision included), or an
	// earlier stage (enrich.transactions.v1, core.transactions.v1) in a
	// topology without the later processors.
	Input goka.Stream
}

// Graph is the processor's goka graph.
func Graph(deps Deps) *goka.GroupGraph {
	if deps.Metrics == nil {
		deps.Metrics = telemetry.New()
	}
	if deps.Clock == nil {
		deps.Clock = time.Now
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Input == "" {
		deps.Input = schemas.TopicGuardScores
	}
	p := &processor{stage: deps.Metrics.Stage(string(Group)), clock: deps.Clock, log: deps.Log}
	return goka.DefineGroup(Group,
		// Input as raw bytes: an undecodable transaction must reach the
		// DLQ, and goka stops the processor on a codec error.
		goka.Input(deps.Input, new(codec.Bytes), p.process),
		goka.Persist(Codec{}),
		goka.Output(DLQ, new(codec.Bytes)),
	)
}

type processor struct {
	stage *telemetry.Stage
	clock func() time.Time
	log   *slog.Logger
}

func (p *processor) process(ctx goka.Context, msg any) {
	p.stage.In.Add(1)
	raw, _ := msg.([]byte)
	st, err := schemas.DecodeScored(string(ctx.Topic()), raw)
	if err != nil {
		p.deadLetter(ctx, raw, fmt.Errorf("views: undecodable transaction: %w", err))
		return
	}
	at := st.GetEnriched().GetAccepted()
	if err := check(at, ctx.Key()); err != nil {
		p.deadLetter(ctx, raw, err)
		return
	}
	v, _ := ctx.Value().(*View)
	if v == nil {
		v = &View{}
	}
	if at.GetSequence() <= v.Sequence {
		// A redelivery: the ledger's sequence is gap-free and ordered per
		// account, so the view already holds this transaction.
		p.stage.Duplicates.Add(1)
		return
	}
	if v.Sequence > 0 && at.GetSequence() != v.Sequence+1 {
		p.log.Warn("sequence gap", "stage", Group, "key", ctx.Key(), "after", v.Sequence, "got", at.GetSequence())
	}
	now := p.clock()
	apply(v, st, now)
	ctx.SetValue(v)
	p.stage.Out.Add(1)
	if ts := at.GetIngestedAt(); ts != nil {
		p.stage.ObserveLatency(now.Sub(ts.AsTime()))
	}
}

// check rejects what the view cannot hold: the ledger never emits these, so
// they come from a misbehaving producer.
func check(at *fintrav1.AcceptedTransaction, key string) error {
	if at == nil {
		return errors.New("views: record without its accepted transaction")
	}
	var errs []error
	switch {
	case at.GetAccountId() == "":
		errs = append(errs, errors.New("views: transaction without account_id"))
	case at.GetAccountId() != key:
		errs = append(errs, fmt.Errorf("views: transaction for account %q arrived under key %q: producers must key every transaction topic by account_id", at.GetAccountId(), key))
	}
	if at.GetSequence() == 0 {
		errs = append(errs, errors.New("views: transaction without sequence"))
	}
	if at.GetTransaction() == nil {
		errs = append(errs, errors.New("views: accepted transaction without its transaction"))
	}
	return errors.Join(errs...)
}

func (p *processor) deadLetter(ctx goka.Context, raw []byte, err error) {
	p.stage.DLQ.Add(1)
	origin := &fintrav1.Origin{Topic: string(ctx.Topic()), Partition: ctx.Partition(), Offset: ctx.Offset()}
	p.log.Warn("dead-lettered transaction", "stage", Group, "origin", schemas.FormatOrigin(origin), "key", ctx.Key(), "error", err)
	ctx.Emit(DLQ, ctx.Key(), raw, goka.WithCtxEmitHeaders(schemas.DeadLetterHeaders(ctx.Headers(), string(Group), origin, err)))
}
