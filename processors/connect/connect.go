package connect

import (
	"fmt"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/adyen"
	"github.com/fintraos/fintra/processors/connect/source/camt"
	"github.com/fintraos/fintra/processors/connect/source/fintrajson"
	"github.com/fintraos/fintra/processors/connect/source/ofx"
	"github.com/fintraos/fintra/processors/connect/source/plaid"
	"github.com/fintraos/fintra/processors/connect/source/stripe"
	"github.com/fintraos/fintra/processors/connect/source/up"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Group is the processor's consumer group.
const Group goka.Group = "connect"

// Deps is what the processor needs from its surroundings.
type Deps struct {
	// Parsers maps the fintra-source header to a parser. Default: DefaultParsers().
	Parsers *source.Registry
	// Metrics receives the stage's counters. Default: a private set.
	Metrics *telemetry.Metrics
	// Clock reads the time for latency measurement. Default time.Now.
	Clock func() time.Time
}

// DefaultParsers returns every ingest format the pipeline understands.
func DefaultParsers() *source.Registry {
	r, err := source.NewRegistry(fintrajson.New(), plaid.New(), camt.New(), ofx.New(), up.New(), stripe.New(), adyen.New())
	if err != nil {
		panic(err) // a name registered twice is a programming error caught by the tests
	}
	return r
}

// Graph is the processor's goka graph.
func Graph(deps Deps) *goka.GroupGraph {
	if deps.Parsers == nil {
		deps.Parsers = DefaultParsers()
	}
	if deps.Metrics == nil {
		deps.Metrics = telemetry.New()
	}
	if deps.Clock == nil {
		deps.Clock = time.Now
	}
	p := &processor{parsers: deps.Parsers, stage: deps.Metrics.Stage(string(Group)), clock: deps.Clock}
	return goka.DefineGroup(Group,
		goka.Input(schemas.TopicConnectRaw, new(codec.Bytes), p.process),
		goka.Output(schemas.TopicCoreEvents, schemas.ProtoCodec[*fintrav1.Event]{}),
		goka.Output(schemas.TopicConnectConnections, schemas.ProtoCodec[*fintrav1.Event]{}),
		goka.Output(schemas.TopicConnectDLQ, new(codec.Bytes)),
	)
}

type processor struct {
	parsers *source.Registry
	stage   *telemetry.Stage
	clock   func() time.Time
}

func (p *processor) process(ctx goka.Context, msg any) {
	p.stage.In.Add(1)
	raw, _ := msg.([]byte) // codec.Bytes yields []byte, or nil for an empty record
	headers := ctx.Headers()
	origin := &fintrav1.Origin{Topic: string(ctx.Topic()), Partition: ctx.Partition(), Offset: ctx.Offset()}

	parser, err := p.parsers.Lookup(string(headers[schemas.HeaderSource]))
	if err != nil {
		p.deadLetter(ctx, raw, headers, origin, err)
		return
	}
	events, err := parser.Parse(source.Payload{Bytes: raw, Key: ctx.Key(), Origin: origin, IngestedAt: ctx.Timestamp()})
	if err != nil {
		p.deadLetter(ctx, raw, headers, origin, fmt.Errorf("%s: %w", parser.Name(), err))
		return
	}
	for _, ev := range events {
		if c := ev.GetConnection(); c != nil {
			ctx.Emit(schemas.TopicConnectConnections, c.GetConnectionId(), ev)
			continue
		}
		ctx.Emit(schemas.TopicCoreEvents, ev.GetAccountId(), ev)
	}
	p.stage.Out.Add(uint64(len(events)))
	p.stage.ObserveLatency(p.clock().Sub(ctx.Timestamp()))
}

// deadLetter sends the original bytes and headers, untouched, to the DLQ
// with the reason, the stage and the origin, so that `fintra dlq replay` can
// send them back to the origin topic after a fix.
func (p *processor) deadLetter(ctx goka.Context, raw []byte, headers goka.Headers, origin *fintrav1.Origin, err error) {
	p.stage.DLQ.Add(1)
	ctx.Emit(schemas.TopicConnectDLQ, ctx.Key(), raw, goka.WithCtxEmitHeaders(schemas.DeadLetterHeaders(headers, string(Group), origin, err)))
}
