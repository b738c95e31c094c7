package topologies

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/fintraos/fintra/schemas"
)

// TopicKind says what a topic is for.
type TopicKind string

const (
	KindStream     TopicKind = "stream"
	KindDeadLetter TopicKind = "dlq"
	KindTable      TopicKind = "table"
)

// Topic is one entry of the topic catalog.
type Topic struct {
	Name       string    `json:"name"`
	Kind       TopicKind `json:"kind"`
	Partitions int32     `json:"partitions"`
	// Replication is the replication factor.
	Replication int16 `json:"replication"`
	// Cleanup is the cleanup.policy: "delete" or "compact".
	Cleanup string `json:"cleanup_policy"`
	// Retention is retention.ms; 0 means the broker's default (compacted
	// tables keep every key's last value regardless).
	Retention time.Duration `json:"-"`
	// RetentionMS is Retention in the broker's unit, for the JSON form.
	RetentionMS int64 `json:"retention_ms,omitempty"`
}

// CatalogConfig sizes the topics.
type CatalogConfig struct {
	// Partitions of every topic. Default 12. All topics share it so that
	// every per-account topic is co-partitioned.
	Partitions int32
	// Replication factor. Default 1 (3 in production).
	Replication int16
}

func (c *CatalogConfig) setDefaults() {
	if c.Partitions == 0 {
		c.Partitions = 12
	}
	if c.Replication == 0 {
		c.Replication = 1
	}
}

const day = 24 * time.Hour

// retention per topic (DESIGN.md §3): raw payloads a week, dead letters a
// month so that someone can fix and replay them, the canonical event log a
// year (the PostgreSQL event store keeps it for good).
var retentions = map[string]time.Duration{
	string(schemas.TopicConnectRaw):       7 * day,
	string(schemas.TopicCoreEvents):       365 * day,
	string(schemas.TopicCoreTransactions): 7 * day,
}

// Catalog derives every topic from the registered graphs: inputs, outputs,
// lookups, joins and group tables.
func Catalog(cfg CatalogConfig) []Topic {
	cfg.setDefaults()
	seen := map[string]Topic{}
	add := func(name string) {
		if _, ok := seen[name]; ok {
			return
		}
		t := Topic{Name: name, Kind: KindStream, Partitions: cfg.Partitions, Replication: cfg.Replication, Cleanup: "delete", Retention: 7 * day}
		switch {
		case strings.HasSuffix(name, "-table"):
			t.Kind, t.Cleanup, t.Retention = KindTable, "compact", 0
		case strings.HasSuffix(name, ".dlq.v1"):
			t.Kind, t.Retention = KindDeadLetter, 30*day
		default:
			if r, ok := retentions[name]; ok {
				t.Retention = r
			}
		}
		t.RetentionMS = t.Retention.Milliseconds()
		seen[name] = t
	}
	for _, g := range Graphs(Deps{}) {
		for _, e := range edgesOf(g) {
			add(e.Topic())
		}
	}
	// Read outside any goka graph (every enrich process follows all of it),
	// so not derived: merchant catalog updates, compacted by entity id.
	add(string(schemas.TopicEnrichCatalog))
	catalogTopic := seen[string(schemas.TopicEnrichCatalog)]
	catalogTopic.Kind, catalogTopic.Cleanup, catalogTopic.Retention, catalogTopic.RetentionMS = KindTable, "compact", 0, 0
	seen[string(schemas.TopicEnrichCatalog)] = catalogTopic
	out := make([]Topic, 0, len(seen))
	for _, t := range seen {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Topic) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func edgesOf(g *goka.GroupGraph) []goka.Edge { return g.AllEdges() }

// Provision creates every missing topic of the catalog; it is idempotent.
// A topic that exists with a different partition count is reported (its
// keys would not be co-partitioned), not changed. It returns once every
// partition of the topics it created answers (waitAnswering).
func Provision(ctx context.Context, adm *kadm.Client, topics []Topic) ([]string, error) {
	names := make([]string, len(topics))
	for i, t := range topics {
		names[i] = t.Name
	}
	existing, err := adm.ListTopics(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("topologies: list topics: %w", err)
	}
	var created []string
	var errs []error
	for _, t := range topics {
		if d, ok := existing[t.Name]; ok && d.Err == nil {
			if got := int32(len(d.Partitions)); got != t.Partitions {
				errs = append(errs, fmt.Errorf("topologies: topic %s has %d partitions, the catalog wants %d: per-account topics must be co-partitioned; recreate it or run with --partitions %d", t.Name, got, t.Partitions, got))
			}
			continue
		}
		configs := map[string]*string{"cleanup.policy": ptr(t.Cleanup)}
		if t.Retention > 0 {
			configs["retention.ms"] = ptr(strconv.FormatInt(t.Retention.Milliseconds(), 10))
		}
		resp, err := adm.CreateTopic(ctx, t.Partitions, t.Replication, configs, t.Name)
		switch {
		case err == nil && resp.Err == nil:
			created = append(created, t.Name)
		case errors.Is(err, kerr.TopicAlreadyExists) || errors.Is(resp.Err, kerr.TopicAlreadyExists):
			// Created concurrently by another process: fine.
		case err != nil:
			errs = append(errs, fmt.Errorf("topologies: create %s: %w", t.Name, err))
		default:
			errs = append(errs, fmt.Errorf("topologies: create %s: %w", t.Name, resp.Err))
		}
	}
	if len(created) > 0 {
		if err := waitAnswering(ctx, adm, created); err != nil {
			errs = append(errs, err)
		}
	}
	return created, errors.Join(errs...)
}

// provisionWait bounds waitAnswering.
const provisionWait = 30 * time.Second

// waitAnswering waits until the leader of every partition of the topics
// answers for it. Apache Kafka creates topics asynchronously: CreateTopics
// returns before the brokers know the topic, and a broker named leader may
// still answer NOT_LEADER_OR_FOLLOWER for a moment. goka fails a processor
// at once on either ("Error fetching partitions for topic ...: requested
// topic was not found", "Tried to send a message to a replica that is not
// the leader"): `fintra run` on a fresh cluster failed two starts in three
// without this wait (docs/kafka.md). kfake creates topics synchronously.
func waitAnswering(ctx context.Context, adm *kadm.Client, topics []string) error {
	ctx, cancel := context.WithTimeout(ctx, provisionWait)
	defer cancel()
	for {
		ends, err := adm.ListEndOffsets(ctx, topics...)
		missing := 0
		if err == nil {
			for _, name := range topics {
				if len(ends[name]) == 0 {
					missing++
				}
			}
			ends.Each(func(o kadm.ListedOffset) {
				if o.Err != nil {
					missing++
				}
			})
			if missing == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topologies: the created topics %s did not answer within %s (%d partitions without a leader, %v): check the brokers' logs", strings.Join(topics, ", "), provisionWait, missing, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func ptr(s string) *string { return &s }
