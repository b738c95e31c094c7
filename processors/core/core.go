package core

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Group is the processor's consumer group; its state is in Table.
const Group goka.Group = "core"

// Table is the ledger state table (LedgerState per account).
var Table = goka.GroupTable(Group)

// Deps is what the processor needs from its surroundings.
type Deps struct {
	// Limits bound the per-account state. Zero fields take their defaults.
	Limits Limits
	// Metrics receives the stage's counters. Default: a private set.
	Metrics *telemetry.Metrics
	// Clock stamps accepted_at and measures latency. Default time.Now.
	Clock func() time.Time
	// Log receives lifecycle violations. Default slog.Default().
	Log *slog.Logger
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
	deps.Limits.setDefaults()
	p := &processor{limits: deps.Limits, stage: deps.Metrics.Stage(string(Group)), clock: deps.Clock, log: deps.Log}
	return goka.DefineGroup(Group,
		// Input as raw bytes: an undecodable event must reach the DLQ, and
		// goka stops the processor on a codec error.
		goka.Input(schemas.TopicCoreEvents, new(codec.Bytes), p.process),
		goka.Persist(schemas.ProtoCodec[*fintrav1.LedgerState]{}),
		goka.Output(schemas.TopicCoreTransactions, schemas.ProtoCodec[*fintrav1.AcceptedTransaction]{}),
		goka.Output(schemas.TopicCoreDLQ, new(codec.Bytes)),
	)
}

type processor struct {
	limits Limits
	stage  *telemetry.Stage
	clock  func() time.Time
	log    *slog.Logger
}

func (p *processor) process(ctx goka.Context, msg any) {
	p.stage.In.Add(1)
	raw, _ := msg.([]byte)
	ev := new(fintrav1.Event)
	if err := proto.Unmarshal(raw, ev); err != nil {
		p.deadLetter(ctx, raw, fmt.Errorf("core: undecodable event: %w", err))
		return
	}
	if len(raw) == 0 || ev.GetAccountId() == "" {
		p.deadLetter(ctx, raw, fmt.Errorf("core: event without account_id"))
		return
	}
	if ev.GetAccountId() != ctx.Key() {
		p.deadLetter(ctx, raw, fmt.Errorf("core: event for account %q arrived under key %q: producers must key core.events.v1 by account_id", ev.GetAccountId(), ctx.Key()))
		return
	}

	state, _ := ctx.Value().(*fintrav1.LedgerState)
	if state == nil {
		state = &fintrav1.LedgerState{AccountId: ev.GetAccountId()}
	}
	now := p.clock()
	accepted, outcome, err := apply(state, ev, p.limits)
	switch outcome {
	case Duplicate:
		p.stage.Duplicates.Add(1)
		ctx.SetValue(state)
	case Rejected:
		ctx.SetValue(state)
		p.deadLetter(ctx, raw, err)
	case Accepted:
		accepted.AcceptedAt = timestamppb.New(now)
		ctx.SetValue(state)
		ctx.Emit(schemas.TopicCoreTransactions, ev.GetAccountId(), accepted)
		p.stage.Out.Add(1)
	}
	if ts := ev.GetIngestedAt(); ts != nil {
		p.stage.ObserveLatency(now.Sub(ts.AsTime()))
	}
}

func (p *processor) deadLetter(ctx goka.Context, raw []byte, err error) {
	p.stage.DLQ.Add(1)
	origin := &fintrav1.Origin{Topic: string(ctx.Topic()), Partition: ctx.Partition(), Offset: ctx.Offset()}
	p.log.Warn("dead-lettered event", "stage", Group, "origin", schemas.FormatOrigin(origin), "key", ctx.Key(), "error", err)
	ctx.Emit(schemas.TopicCoreDLQ, ctx.Key(), raw, goka.WithCtxEmitHeaders(schemas.DeadLetterHeaders(ctx.Headers(), string(Group), origin, err)))
}
