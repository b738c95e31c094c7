package enrich

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/processors/enrich/catalog"
	"github.com/fintraos/fintra/processors/enrich/merchant"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// CatalogFollower applies the runtime catalog updates on enrich.catalog.v1
// to a resolver. Every enrich process runs one on the resolver its enrich
// graph uses: it reads every partition from the beginning without a
// consumer group, because each process's resolver must see every update,
// not a share of them. The topic is keyed by entity id and should be
// compacted; a delete is an empty (not null) value so that compaction keeps
// it, since the entity may still be in the shipped catalog.
//
// Old transactions are not touched: an update changes the catalog version,
// and enrich re-resolves a cached descriptor only for new transactions.
type CatalogFollower struct {
	client   *kgo.Client
	resolver *merchant.Resolver
	m        *metrics
	log      *slog.Logger

	caughtUp     chan struct{}
	caughtUpOnce sync.Once
}

// NewCatalogFollower connects to the brokers. opts are extra franz-go
// options (e.g. TLS or SASL dialing). deps supplies Metrics and Log.
func NewCatalogFollower(brokers []string, resolver *merchant.Resolver, deps Deps, opts ...kgo.Opt) (*CatalogFollower, error) {
	if resolver == nil {
		return nil, errors.New("enrich: catalog follower without a resolver: pass the resolver the enrich graph uses")
	}
	deps.setDefaults()
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.ConsumeTopics(string(schemas.TopicEnrichCatalog)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.ClientID("fintra-enrich-catalog"),
	}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("enrich: catalog follower: connect to %s: %w", strings.Join(brokers, ","), err)
	}
	return &CatalogFollower{client: cl, resolver: resolver, m: newMetrics(deps.Metrics), log: deps.Log, caughtUp: make(chan struct{})}, nil
}

// CaughtUp is closed once every update that was on the topic when Run
// started has been applied.
func (f *CatalogFollower) CaughtUp() <-chan struct{} { return f.caughtUp }

// Run applies updates until ctx ends; it returns nil then. It returns an
// error only when the resolver cannot be updated with a valid catalog
// (a bug) or the dead-letter topic cannot be written.
func (f *CatalogFollower) Run(ctx context.Context) error {
	ends, err := kadm.NewClient(f.client).ListEndOffsets(ctx, string(schemas.TopicEnrichCatalog))
	if err != nil && ctx.Err() != nil {
		return nil
	}
	remaining := map[int32]int64{} // partition -> end offset not yet reached
	if err == nil {
		ends.Each(func(o kadm.ListedOffset) {
			if o.Err == nil && o.Offset > 0 {
				remaining[o.Partition] = o.Offset
			}
		})
	} else {
		f.log.Warn("catalog follower: cannot read the end offsets; not waiting for a catch-up", "topic", schemas.TopicEnrichCatalog, "error", err)
	}
	if len(remaining) == 0 {
		f.markCaughtUp()
	}
	for {
		fetches := f.client.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		fetches.EachError(func(topic string, partition int32, err error) {
			f.log.Warn("catalog follower: fetch failed; retrying", "topic", topic, "partition", partition, "error", err)
		})
		var records []*kgo.Record
		fetches.EachRecord(func(r *kgo.Record) { records = append(records, r) })
		if len(records) == 0 {
			continue
		}
		if err := f.apply(ctx, records); err != nil {
			return err
		}
		for _, r := range records {
			if end, ok := remaining[r.Partition]; ok && r.Offset+1 >= end {
				delete(remaining, r.Partition)
			}
		}
		if len(remaining) == 0 {
			f.markCaughtUp()
		}
	}
}

func (f *CatalogFollower) markCaughtUp() {
	f.caughtUpOnce.Do(func() { close(f.caughtUp) })
}

// Close closes the client.
func (f *CatalogFollower) Close() { f.client.Close() }

// catalogUpdate is one parsed record.
type catalogUpdate struct {
	record *kgo.Record
	entity catalog.Entity
	delete bool
}

// apply applies one poll's records in one resolver update: the last record
// per entity wins (what compaction keeps), malformed records go to the
// DLQ. If the update as a whole is refused (say, two entities claim one
// alias), the records are applied one at a time so that only the ones at
// fault are dead-lettered.
func (f *CatalogFollower) apply(ctx context.Context, records []*kgo.Record) error {
	var updates []catalogUpdate
	index := map[string]int{}
	for _, r := range records {
		u, err := parseUpdate(r)
		if err != nil {
			if err := f.deadLetter(ctx, r, err); err != nil {
				return err
			}
			continue
		}
		id := string(r.Key)
		if i, ok := index[id]; ok {
			updates[i] = u
			continue
		}
		index[id] = len(updates)
		updates = append(updates, u)
	}
	if len(updates) == 0 {
		return nil
	}
	if err := f.update(ctx, updates); err == nil {
		return nil
	} else if len(updates) == 1 {
		return f.deadLetter(ctx, updates[0].record, err)
	}
	for _, u := range updates {
		if err := f.update(ctx, []catalogUpdate{u}); err != nil {
			if err := f.deadLetter(ctx, u.record, err); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseUpdate(r *kgo.Record) (catalogUpdate, error) {
	id := string(r.Key)
	if id == "" {
		return catalogUpdate{}, errors.New("enrich: catalog update without a key: key enrich.catalog.v1 by entity id")
	}
	if len(r.Value) == 0 {
		return catalogUpdate{record: r, delete: true, entity: catalog.Entity{ID: id}}, nil
	}
	e, err := catalog.ParseLine(strings.TrimRight(string(r.Value), "\r\n"))
	if err != nil {
		return catalogUpdate{}, fmt.Errorf("enrich: catalog update %q: %w", id, err)
	}
	if e.ID != id {
		return catalogUpdate{}, fmt.Errorf("enrich: catalog line for entity %q arrived under key %q: key enrich.catalog.v1 by the line's entity id", e.ID, id)
	}
	return catalogUpdate{record: r, entity: e}, nil
}

func (f *CatalogFollower) update(ctx context.Context, updates []catalogUpdate) error {
	var upserts []catalog.Entity
	var deletes []string
	for _, u := range updates {
		if u.delete {
			deletes = append(deletes, u.entity.ID)
		} else {
			upserts = append(upserts, u.entity)
		}
	}
	if err := f.resolver.Update(ctx, upserts, deletes); err != nil {
		return err
	}
	f.m.catalog.WithLabelValues("applied").Add(float64(len(updates)))
	f.log.Info("catalog updated", "stage", Group, "version", f.resolver.CatalogVersion(), "upserts", len(upserts), "deletes", len(deletes))
	return nil
}

func (f *CatalogFollower) deadLetter(ctx context.Context, r *kgo.Record, cause error) error {
	f.m.catalog.WithLabelValues("dead_lettered").Inc()
	origin := &fintrav1.Origin{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset}
	f.log.Warn("dead-lettered catalog update", "stage", Group, "origin", schemas.FormatOrigin(origin), "key", string(r.Key), "error", cause)
	original := make(goka.Headers, len(r.Headers))
	for _, h := range r.Headers {
		original[h.Key] = h.Value
	}
	dl := &kgo.Record{Topic: string(DLQ), Key: r.Key, Value: r.Value}
	for k, v := range schemas.DeadLetterHeaders(original, string(Group), origin, cause) {
		dl.Headers = append(dl.Headers, kgo.RecordHeader{Key: k, Value: v})
	}
	if err := f.client.ProduceSync(ctx, dl).FirstErr(); err != nil {
		return fmt.Errorf("enrich: dead-letter catalog update %s: %w", schemas.FormatOrigin(origin), err)
	}
	return nil
}

// PublishCatalogLine publishes one catalog line (the format of the catalog
// data files: id, kind, name, website, category, mcc, country, aliases,
// prefixes, tab-separated) to enrich.catalog.v1, keyed by its entity id. The
// line is checked first; a line that passes can still be refused by the
// running catalog (say, an alias another entity holds), and then lands in
// enrich.dlq.v1 with the reason.
func PublishCatalogLine(ctx context.Context, cl *kgo.Client, line string) (entityID string, err error) {
	line = strings.TrimRight(line, "\r\n")
	e, err := catalog.ParseLine(line)
	if err != nil {
		return "", fmt.Errorf("enrich: not published: %w", err)
	}
	rec := &kgo.Record{Topic: string(schemas.TopicEnrichCatalog), Key: []byte(e.ID), Value: []byte(line)}
	if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return "", fmt.Errorf("enrich: publish catalog entity %q: %w", e.ID, err)
	}
	return e.ID, nil
}

// PublishCatalogDelete publishes the removal of an entity from the catalog:
// an empty value under its id (not a tombstone, so that compaction keeps
// the removal of an entity the shipped catalog holds).
func PublishCatalogDelete(ctx context.Context, cl *kgo.Client, entityID string) error {
	if strings.TrimSpace(entityID) == "" || strings.ContainsAny(entityID, "\t\n") {
		return fmt.Errorf("enrich: entity id %q: give the catalog id of the entity to delete", entityID)
	}
	rec := &kgo.Record{Topic: string(schemas.TopicEnrichCatalog), Key: []byte(entityID), Value: []byte{}}
	if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("enrich: publish deletion of catalog entity %q: %w", entityID, err)
	}
	return nil
}

// PublishCatalog publishes every catalog line read from r (blank lines and
// lines starting with # are skipped), keyed by entity id, in one produce
// call. Every line is checked first and nothing is sent unless all pass;
// the problems are reported with their line numbers. It returns the number
// of lines published.
func PublishCatalog(ctx context.Context, cl *kgo.Client, r io.Reader) (int, error) {
	var recs []*kgo.Record
	var problems []error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := catalog.ParseLine(line)
		if err != nil {
			problems = append(problems, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		recs = append(recs, &kgo.Record{Topic: string(schemas.TopicEnrichCatalog), Key: []byte(e.ID), Value: []byte(line)})
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("enrich: read catalog lines: %w", err)
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("enrich: nothing published: %w", errors.Join(problems...))
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return 0, fmt.Errorf("enrich: publish %d catalog lines: %w", len(recs), err)
	}
	return len(recs), nil
}
