package benchmarks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/processors/views"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/topologies"
)

// hopTopics are the topics a transaction crosses, in order: the bare
// baseline chain copies their record sizes.
var hopTopics = []string{
	string(schemas.TopicConnectRaw), string(schemas.TopicCoreEvents), string(schemas.TopicCoreTransactions),
	string(schemas.TopicEnrichTransactions), string(schemas.TopicGuardScores), string(views.Table),
}

// RecordSize is the mean size of a topic's records, from a sample.
type RecordSize struct {
	Topic      string  `json:"topic"`
	KeyBytes   float64 `json:"key_bytes"`
	ValueBytes float64 `json:"value_bytes"`
	Sampled    int     `json:"sampled"`
}

// recordSizes samples about n records from the end of each hop topic: the
// state-carrying records (the views changelog above all) grow as accounts
// gather history, so the latest are the ones the pipeline now moves.
func recordSizes(ctx context.Context, brokers []string, n int) ([]RecordSize, error) {
	var out []RecordSize
	for _, topic := range hopTopics {
		rs, err := sampleTopic(ctx, brokers, topic, n)
		if err != nil {
			return nil, err
		}
		out = append(out, rs)
	}
	return out, nil
}

func sampleTopic(ctx context.Context, brokers []string, topic string, n int) (RecordSize, error) {
	rs := RecordSize{Topic: topic}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd().Relative(-int64(n/12+1))), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		return rs, fmt.Errorf("benchmarks: sample %s: %w", topic, err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var keys, values int
	for rs.Sampled < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			break
		}
		fs.EachRecord(func(r *kgo.Record) {
			if rs.Sampled < n {
				rs.Sampled++
				keys += len(r.Key)
				values += len(r.Value)
			}
		})
	}
	if rs.Sampled == 0 {
		return rs, fmt.Errorf("benchmarks: sample %s: no records within 10s", topic)
	}
	rs.KeyBytes = roundTo(float64(keys)/float64(rs.Sampled), 1)
	rs.ValueBytes = roundTo(float64(values)/float64(rs.Sampled), 1)
	return rs, nil
}

// TableState is the size of one goka state table (its changelog topic).
type TableState struct {
	Topic string `json:"topic"`
	// Records is every write to the changelog (the embedded broker does
	// not compact); Keys the distinct keys, i.e. the live state entries.
	Records int64 `json:"records"`
	Keys    int64 `json:"keys"`
	// LiveBytes sums key and value of each key's last record: the size of
	// the state goka holds in memory, before its per-entry overhead.
	LiveBytes int64 `json:"live_bytes"`
	// LogBytes is the changelog's size on the broker (DescribeLogDirs).
	LogBytes int64 `json:"log_bytes"`
}

// stateSize reads every -table topic to the end.
func stateSize(ctx context.Context, brokers []string) ([]TableState, error) {
	var tables []string
	for _, t := range topologies.Catalog(topologies.CatalogConfig{}) {
		if strings.HasSuffix(t.Name, "-table") {
			tables = append(tables, t.Name)
		}
	}
	slices.Sort(tables)
	cl, adm, err := topologies.Admin(brokers)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	logBytes := map[string]int64{}
	if dirs, err := adm.DescribeAllLogDirs(ctx, nil); err == nil {
		dirs.Each(func(d kadm.DescribedLogDir) {
			d.Topics.Each(func(p kadm.DescribedLogDirPartition) { logBytes[p.Topic] += p.Size })
		})
	}
	var out []TableState
	for _, table := range tables {
		ts := TableState{Topic: table, LogBytes: logBytes[table]}
		last := map[string]int{}
		err := topologies.ReadAll(ctx, brokers, func(r *kgo.Record) {
			ts.Records++
			if len(r.Value) == 0 {
				delete(last, string(r.Key))
				return
			}
			last[string(r.Key)] = len(r.Key) + len(r.Value)
		}, goka.Stream(table))
		if err != nil {
			return nil, fmt.Errorf("benchmarks: read %s: %w", table, err)
		}
		ts.Keys = int64(len(last))
		for _, n := range last {
			ts.LiveBytes += int64(n)
		}
		out = append(out, ts)
	}
	return out, nil
}
