// Package qdrant is the merchant embedding index backed by a Qdrant server,
// spoken to over gRPC with github.com/qdrant/go-client. It implements
// merchant.Index: one collection of catalog points (cosine distance, one
// unnamed dense vector per point) with keyword payload indexes on kind and
// country for filtered search and on entity_id for deletes.
//
// A collection remembers the embedder that filled it (collection metadata
// key MetadataEmbedder): vectors of two embedders are not comparable, so New
// refuses a collection built with another embedder, size or distance rather
// than silently returning nonsense neighbours.
package qdrant

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	qc "github.com/qdrant/go-client/qdrant"
	"google.golang.org/grpc"

	"github.com/fintraos/fintra/processors/enrich/merchant"
)

// MetadataEmbedder is the collection metadata key holding the name of the
// embedder whose vectors the collection holds.
const MetadataEmbedder = "fintra_embedder"

// Payload keys of every point.
const (
	payloadEntityID = "entity_id"
	payloadText     = "text"
	payloadKind     = "kind"
	payloadCountry  = "country"
)

// Config says where the collection lives. Zero fields take their defaults.
type Config struct {
	// Addr is host:port of Qdrant's gRPC endpoint (not the REST port).
	// Default "localhost:6334".
	Addr string
	// APIKey is sent as the api-key header when set. Default: none.
	APIKey string
	// Collection is the collection's name. Default "fintra_merchants".
	Collection string
	// UseTLS dials with TLS (system roots). Default false. An API key
	// without TLS travels in plain text; the client logs a warning.
	UseTLS bool
	// BatchSize is how many points go in one upsert or delete request and
	// how many queries in one batched search request. Default 256.
	BatchSize int
	// Timeout bounds each request. Default 10s.
	Timeout time.Duration
	// DialOptions are extra gRPC dial options (interceptors, a custom
	// dialer). Default none.
	DialOptions []grpc.DialOption
}

func (c *Config) setDefaults() {
	if c.Addr == "" {
		c.Addr = "localhost:6334"
	}
	if c.Collection == "" {
		c.Collection = "fintra_merchants"
	}
	if c.BatchSize == 0 {
		c.BatchSize = 256
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if c.Addr != "" {
		if _, port, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("qdrant: address %q is not host:port (e.g. localhost:6334): %w", c.Addr, err))
		} else if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
			errs = append(errs, fmt.Errorf("qdrant: address %q has no valid port: give Qdrant's gRPC port, e.g. localhost:6334", c.Addr))
		}
	}
	if strings.ContainsAny(c.Collection, "/ ") {
		errs = append(errs, fmt.Errorf("qdrant: collection name %q contains '/' or a space: use letters, digits, '-' and '_'", c.Collection))
	}
	if c.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("qdrant: batch size %d is negative: use a positive number or 0 for the default 256", c.BatchSize))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("qdrant: timeout %s is negative: use a positive duration or 0 for the default 10s", c.Timeout))
	}
	return errors.Join(errs...)
}

// Index is a merchant.Index on one Qdrant collection. It is safe for
// concurrent use.
type Index struct {
	client     *qc.Client
	collection string
	dim        int
	batchSize  int
	timeout    time.Duration
}

var _ merchant.Index = (*Index)(nil)

// New connects to Qdrant and makes sure cfg.Collection holds dim-dimensional
// cosine vectors of the embedder named embedderName: it creates the
// collection (with its payload indexes) when it is missing and refuses one
// that was built otherwise.
func New(ctx context.Context, cfg Config, dim int, embedderName string) (*Index, error) {
	var errs []error
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if dim <= 0 {
		errs = append(errs, fmt.Errorf("qdrant: vector size %d: the embedder must report a positive dimension", dim))
	}
	if embedderName == "" {
		errs = append(errs, errors.New("qdrant: empty embedder name: the collection records which embedder filled it, so the embedder must have a name"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	host, portText, _ := net.SplitHostPort(cfg.Addr)
	port, _ := strconv.Atoi(portText)
	client, err := qc.NewClient(&qc.Config{
		Host:        host,
		Port:        port,
		APIKey:      cfg.APIKey,
		UseTLS:      cfg.UseTLS,
		GrpcOptions: cfg.DialOptions,
		// One connection: the enrich batcher already sends few, large
		// requests, and the pool's extra connections only cost sockets.
		PoolSize: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("qdrant: connect to %s: %w", cfg.Addr, err)
	}
	idx := &Index{client: client, collection: cfg.Collection, dim: dim, batchSize: cfg.BatchSize, timeout: cfg.Timeout}
	if err := idx.ensureCollection(ctx, embedderName); err != nil {
		_ = client.Close()
		return nil, err
	}
	return idx, nil
}

// ensureCollection creates the collection when it is missing, checks it,
// and adds any payload index it lacks (a creation interrupted before its
// indexes is completed by the next start).
func (x *Index) ensureCollection(ctx context.Context, embedderName string) error {
	rctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	exists, err := x.client.CollectionExists(rctx, x.collection)
	if err != nil {
		return fmt.Errorf("qdrant: check collection %q: %w", x.collection, err)
	}
	if !exists {
		err = x.client.CreateCollection(rctx, &qc.CreateCollection{
			CollectionName: x.collection,
			VectorsConfig:  qc.NewVectorsConfig(&qc.VectorParams{Size: uint64(x.dim), Distance: qc.Distance_Cosine}),
			Metadata:       map[string]*qc.Value{MetadataEmbedder: qc.NewValueString(embedderName)},
		})
		if err != nil {
			// Another enrich process may have created it between our
			// check and create (Qdrant's "already exists" error has no
			// stable gRPC code): then theirs is checked below.
			if again, checkErr := x.client.CollectionExists(rctx, x.collection); checkErr != nil || !again {
				return fmt.Errorf("qdrant: create collection %q: %w", x.collection, err)
			}
		}
	}
	info, err := x.client.GetCollectionInfo(rctx, x.collection)
	if err != nil {
		return fmt.Errorf("qdrant: read collection %q: %w", x.collection, err)
	}
	if err := x.checkCollection(info, embedderName); err != nil {
		return err
	}
	wait := true
	for _, field := range []string{payloadKind, payloadCountry, payloadEntityID} {
		if _, ok := info.GetPayloadSchema()[field]; ok {
			continue
		}
		_, err := x.client.CreateFieldIndex(rctx, &qc.CreateFieldIndexCollection{
			CollectionName: x.collection,
			Wait:           &wait,
			FieldName:      field,
			FieldType:      qc.FieldType_FieldTypeKeyword.Enum(),
		})
		if err != nil {
			return fmt.Errorf("qdrant: index payload field %q of collection %q: %w", field, x.collection, err)
		}
	}
	return nil
}

// checkCollection refuses a collection whose vectors this process cannot
// compare with its own.
func (x *Index) checkCollection(info *qc.CollectionInfo, embedderName string) error {
	cfg := info.GetConfig()
	params := cfg.GetParams().GetVectorsConfig().GetParams()
	var problems []string
	if params == nil {
		problems = append(problems, "it has named vectors, not one unnamed vector")
	} else {
		if params.GetSize() != uint64(x.dim) {
			problems = append(problems, fmt.Sprintf("its vectors have %d dimensions, the embedder makes %d", params.GetSize(), x.dim))
		}
		if params.GetDistance() != qc.Distance_Cosine {
			problems = append(problems, fmt.Sprintf("its distance is %s, not Cosine", params.GetDistance()))
		}
	}
	if got := cfg.GetMetadata()[MetadataEmbedder].GetStringValue(); got != embedderName {
		if got == "" {
			problems = append(problems, fmt.Sprintf("it has no %q metadata, so it was not built by fintra", MetadataEmbedder))
		} else {
			problems = append(problems, fmt.Sprintf("it was built with embedder %q, this process embeds with %q", got, embedderName))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("qdrant: collection %q cannot be used: %s; name another collection or delete this one (enrich refills it from the catalog)", x.collection, strings.Join(problems, "; "))
	}
	return nil
}

// Upsert writes points in batches and returns once Qdrant has applied them
// (wait=true), so a search right after sees them.
func (x *Index) Upsert(ctx context.Context, points []merchant.Point) error {
	for i, p := range points {
		if len(p.Vector) != x.dim {
			return fmt.Errorf("qdrant: point %d (entity %q) has a %d-dimensional vector, the collection %q holds %d", i, p.EntityID, len(p.Vector), x.collection, x.dim)
		}
	}
	wait := true
	for start := 0; start < len(points); start += x.batchSize {
		batch := points[start:min(start+x.batchSize, len(points))]
		structs := make([]*qc.PointStruct, len(batch))
		for i, p := range batch {
			structs[i] = &qc.PointStruct{
				Id:      qc.NewIDNum(p.ID),
				Vectors: qc.NewVectorsDense(p.Vector),
				Payload: map[string]*qc.Value{
					payloadEntityID: qc.NewValueString(p.EntityID),
					payloadText:     qc.NewValueString(p.Text),
					payloadKind:     qc.NewValueString(p.Kind),
					payloadCountry:  qc.NewValueString(p.Country),
				},
			}
		}
		rctx, cancel := context.WithTimeout(ctx, x.timeout)
		_, err := x.client.Upsert(rctx, &qc.UpsertPoints{CollectionName: x.collection, Wait: &wait, Points: structs})
		cancel()
		if err != nil {
			return fmt.Errorf("qdrant: upsert points %d..%d of %d into %q: %w", start, start+len(batch)-1, len(points), x.collection, err)
		}
	}
	return nil
}

// Delete removes every point of the given entities (an entity has one point
// per alias), selected by a filter on the entity_id payload.
func (x *Index) Delete(ctx context.Context, entityIDs []string) error {
	wait := true
	for start := 0; start < len(entityIDs); start += x.batchSize {
		batch := entityIDs[start:min(start+x.batchSize, len(entityIDs))]
		filter := &qc.Filter{Must: []*qc.Condition{qc.NewMatchKeywords(payloadEntityID, batch...)}}
		rctx, cancel := context.WithTimeout(ctx, x.timeout)
		_, err := x.client.Delete(rctx, &qc.DeletePoints{
			CollectionName: x.collection,
			Wait:           &wait,
			Points:         qc.NewPointsSelectorFilter(filter),
		})
		cancel()
		if err != nil {
			return fmt.Errorf("qdrant: delete entities %q from %q: %w", batch, x.collection, err)
		}
	}
	return nil
}

// Search returns, for every vector, its k nearest points that pass the
// filter, best first; scores are cosine similarities. The queries go in
// batched requests (QueryBatch), BatchSize queries each.
func (x *Index) Search(ctx context.Context, vectors [][]float32, k int, filter merchant.Filter) ([][]merchant.Hit, error) {
	if k <= 0 {
		return nil, fmt.Errorf("qdrant: search for %d neighbours: k must be positive", k)
	}
	for i, v := range vectors {
		if len(v) != x.dim {
			return nil, fmt.Errorf("qdrant: query %d has a %d-dimensional vector, the collection %q holds %d", i, len(v), x.collection, x.dim)
		}
	}
	qfilter := searchFilter(filter)
	limit := uint64(k)
	out := make([][]merchant.Hit, 0, len(vectors))
	for start := 0; start < len(vectors); start += x.batchSize {
		batch := vectors[start:min(start+x.batchSize, len(vectors))]
		queries := make([]*qc.QueryPoints, len(batch))
		for i, v := range batch {
			queries[i] = &qc.QueryPoints{
				CollectionName: x.collection,
				Query:          qc.NewQueryDense(v),
				Filter:         qfilter,
				Limit:          &limit,
				WithPayload:    qc.NewWithPayloadInclude(payloadEntityID, payloadText),
			}
		}
		rctx, cancel := context.WithTimeout(ctx, x.timeout)
		results, err := x.client.QueryBatch(rctx, &qc.QueryBatchPoints{CollectionName: x.collection, QueryPoints: queries})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("qdrant: search %d vectors in %q: %w", len(batch), x.collection, err)
		}
		if len(results) != len(batch) {
			return nil, fmt.Errorf("qdrant: search of %d vectors in %q returned %d result lists", len(batch), x.collection, len(results))
		}
		for _, r := range results {
			hits := make([]merchant.Hit, 0, len(r.GetResult()))
			for _, sp := range r.GetResult() {
				hits = append(hits, merchant.Hit{
					EntityID: sp.GetPayload()[payloadEntityID].GetStringValue(),
					Text:     sp.GetPayload()[payloadText].GetStringValue(),
					Score:    sp.GetScore(),
				})
			}
			out = append(out, hits)
		}
	}
	return out, nil
}

// searchFilter maps a merchant.Filter to Qdrant must-conditions: a point
// passes when its kind is one of Kinds and its country one of Countries;
// an empty list admits any value.
func searchFilter(f merchant.Filter) *qc.Filter {
	var must []*qc.Condition
	if len(f.Kinds) > 0 {
		must = append(must, qc.NewMatchKeywords(payloadKind, f.Kinds...))
	}
	if len(f.Countries) > 0 {
		must = append(must, qc.NewMatchKeywords(payloadCountry, f.Countries...))
	}
	if len(must) == 0 {
		return nil
	}
	return &qc.Filter{Must: must}
}

// Close closes the connection.
func (x *Index) Close() error {
	return x.client.Close()
}
