package topologies

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/schemas"
)

// codecs caches codecFor's answer per topic: the registry does not change
// while the process runs, and building every graph for each record `fintra
// tail` prints would cost more than decoding it.
var codecs sync.Map // topic -> goka.Codec (nil: none declared)

// codecFor finds the codec a registered graph declares for a topic,
// preferring one that decodes to a protobuf message over raw bytes.
func codecFor(topic string) goka.Codec {
	if c, ok := codecs.Load(topic); ok {
		c, _ := c.(goka.Codec)
		return c
	}
	c := declaredCodec(topic)
	codecs.Store(topic, c)
	return c
}

func declaredCodec(topic string) goka.Codec {
	var found goka.Codec
	for _, g := range Graphs(Deps{}) {
		for _, e := range g.AllEdges() {
			if e.Topic() != topic || e.Codec() == nil {
				continue
			}
			// A protobuf codec decodes nil to an empty message; raw bytes
			// decode to nil.
			if v, err := e.Codec().Decode(nil); err == nil {
				if _, isProto := v.(proto.Message); isProto {
					return e.Codec()
				}
			}
			if found == nil {
				found = e.Codec()
			}
		}
	}
	return found
}

// TailLine is one record as `fintra tail` prints it.
type TailLine struct {
	Topic     string            `json:"topic"`
	Partition int32             `json:"partition"`
	Offset    int64             `json:"offset"`
	Timestamp time.Time         `json:"timestamp"`
	Key       string            `json:"key"`
	Headers   map[string]string `json:"headers,omitempty"`
	// Value is the decoded event for protobuf topics, the payload itself
	// when it is JSON, and a string otherwise.
	Value json.RawMessage `json:"value"`
}

// FormatRecord renders any record of the pipeline as one JSON line.
func FormatRecord(r *kgo.Record) ([]byte, error) {
	line := TailLine{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp.UTC(), Key: string(r.Key)}
	if len(r.Headers) > 0 {
		line.Headers = map[string]string{}
		for _, h := range r.Headers {
			line.Headers[h.Key] = string(h.Value)
		}
	}
	value, err := valueJSON(r.Topic, r.Value)
	if err != nil {
		return nil, err
	}
	line.Value = value
	return json.Marshal(line)
}

func valueJSON(topic string, value []byte) (json.RawMessage, error) {
	if c := codecFor(topic); c != nil {
		if v, err := c.Decode(value); err == nil {
			if m, ok := v.(proto.Message); ok {
				return schemas.MarshalJSON(m)
			}
		}
	}
	if trimmed := bytes.TrimSpace(value); len(trimmed) > 0 && json.Valid(trimmed) {
		var compact bytes.Buffer
		if json.Compact(&compact, trimmed) == nil {
			return compact.Bytes(), nil
		}
	}
	if utf8.Valid(value) {
		return json.Marshal(string(value))
	}
	return json.Marshal(map[string][]byte{"base64": value})
}

// TailConfig selects what `fintra tail` reads.
type TailConfig struct {
	Brokers []string
	Topic   string
	// Follow keeps reading new records; otherwise tail stops at the end
	// offsets it saw when it started.
	Follow bool
	// Limit stops after this many records; 0 is no limit.
	Limit int
}

// Tail prints every record of a topic as JSON lines.
func Tail(ctx context.Context, cfg TailConfig, emit func([]byte) error) error {
	var n int
	stop := errors.New("limit reached")
	handle := func(r *kgo.Record) error {
		b, err := FormatRecord(r)
		if err != nil {
			return err
		}
		n++
		if err := emit(b); err != nil {
			return err
		}
		if cfg.Limit > 0 && n >= cfg.Limit {
			return stop
		}
		return nil
	}
	if !cfg.Follow {
		var herr error
		err := ReadAll(ctx, cfg.Brokers, func(r *kgo.Record) {
			if herr == nil {
				herr = handle(r)
			}
		}, goka.Stream(cfg.Topic))
		if errors.Is(herr, stop) {
			return nil
		}
		if herr != nil {
			return herr
		}
		return err
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.Brokers...), kgo.ConsumeTopics(cfg.Topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return err
	}
	defer cl.Close()
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var herr error
		fetches.EachRecord(func(r *kgo.Record) {
			if herr == nil {
				herr = handle(r)
			}
		})
		if errors.Is(herr, stop) {
			return nil
		}
		if herr != nil {
			return herr
		}
	}
}

// ReplayConfig selects dead letters to send back.
type ReplayConfig struct {
	Brokers []string
	// DLQ is the dead-letter topic, e.g. connect.dlq.v1.
	DLQ string
	// Contains keeps only dead letters whose reason contains this text.
	Contains string
	// DryRun lists what would be replayed without producing.
	DryRun bool
}

// ReplayResult counts what a replay did.
type ReplayResult struct {
	Replayed, Skipped int
	ByTopic           map[string]int
}

// ReplayDLQ sends every selected dead letter back to its origin topic with
// its original key, bytes and headers (minus the dead-letter ones, plus
// fintra-replay-of). Replaying twice is safe: the same payload yields the
// same event ids, and the ledger drops the second copy as a duplicate.
func ReplayDLQ(ctx context.Context, cfg ReplayConfig) (ReplayResult, error) {
	res := ReplayResult{ByTopic: map[string]int{}}
	var records []*kgo.Record
	var rerr error
	err := ReadAll(ctx, cfg.Brokers, func(r *kgo.Record) {
		var reason, origin string
		var headers []kgo.RecordHeader
		for _, h := range r.Headers {
			switch h.Key {
			case schemas.HeaderError:
				reason = string(h.Value)
			case schemas.HeaderOrigin:
				origin = string(h.Value)
			case schemas.HeaderStage:
			default:
				headers = append(headers, h)
			}
		}
		if cfg.Contains != "" && !strings.Contains(reason, cfg.Contains) {
			res.Skipped++
			return
		}
		o, err := schemas.ParseOrigin(origin)
		if err != nil {
			if rerr == nil {
				rerr = fmt.Errorf("dead letter %s/%d/%d: %w", r.Topic, r.Partition, r.Offset, err)
			}
			return
		}
		headers = append(headers, kgo.RecordHeader{Key: "fintra-replay-of", Value: []byte(fmt.Sprintf("%s/%d/%d", r.Topic, r.Partition, r.Offset))})
		records = append(records, &kgo.Record{Topic: o.GetTopic(), Key: r.Key, Value: r.Value, Headers: headers})
		res.ByTopic[o.GetTopic()]++
	}, goka.Stream(cfg.DLQ))
	if err != nil {
		return res, err
	}
	if rerr != nil {
		return res, rerr
	}
	res.Replayed = len(records)
	if cfg.DryRun || len(records) == 0 {
		return res, nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.Brokers...), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		return res, err
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		return res, fmt.Errorf("topologies: replay: %w", err)
	}
	return res, nil
}
