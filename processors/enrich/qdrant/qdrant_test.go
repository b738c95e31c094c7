package qdrant_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	qc "github.com/qdrant/go-client/qdrant"

	"github.com/fintraos/fintra/processors/enrich/merchant"
	"github.com/fintraos/fintra/processors/enrich/qdrant"
)

// The tests run the adapter against memQdrant (server_test.go): Qdrant's
// own gRPC service definitions served in-process, because no Qdrant
// server can run on the build machine.

const embedder = "test-embedder-v1"

func open(t *testing.T, addr string, cfg qdrant.Config, dim int, embedderName string) (*qdrant.Index, error) {
	t.Helper()
	cfg.Addr = addr
	idx, err := qdrant.New(context.Background(), cfg, dim, embedderName)
	if err == nil {
		t.Cleanup(func() { _ = idx.Close() })
	}
	return idx, err
}

func TestNewCreatesTheCollection(t *testing.T) {
	srv, addr := startQdrant(t)
	if _, err := open(t, addr, qdrant.Config{Collection: "merchants", APIKey: "secret"}, 4, embedder); err != nil {
		t.Fatal(err)
	}
	c := srv.collections["merchants"]
	if c == nil {
		t.Fatal("collection not created")
	}
	if c.size != 4 || c.distance != qc.Distance_Cosine {
		t.Errorf("collection has size %d distance %s, want 4 Cosine", c.size, c.distance)
	}
	if got := c.metadata[qdrant.MetadataEmbedder].GetStringValue(); got != embedder {
		t.Errorf("embedder metadata %q, want %q", got, embedder)
	}
	for _, field := range []string{"kind", "country", "entity_id"} {
		if c.indexed[field] != qc.PayloadSchemaType_Keyword {
			t.Errorf("payload field %q not indexed as keyword", field)
		}
	}
	if len(srv.apiKeys) == 0 || srv.apiKeys[0] != "secret" {
		t.Errorf("api-key header %q, want the configured key on every call", srv.apiKeys)
	}

	// A second process with the same embedder uses it as it is.
	creates := srv.callCount("/qdrant.Collections/Create")
	if _, err := open(t, addr, qdrant.Config{Collection: "merchants"}, 4, embedder); err != nil {
		t.Fatalf("reopening a matching collection: %v", err)
	}
	if got := srv.callCount("/qdrant.Collections/Create"); got != creates {
		t.Errorf("reopening created the collection again (%d creates)", got)
	}
}

func TestNewRefusesAnIncompatibleCollection(t *testing.T) {
	srv, addr := startQdrant(t)
	if _, err := open(t, addr, qdrant.Config{Collection: "merchants"}, 4, embedder); err != nil {
		t.Fatal(err)
	}
	srv.collections["foreign"] = &memCollection{size: 4, distance: qc.Distance_Cosine, indexed: map[string]qc.PayloadSchemaType{}, points: map[uint64]memPoint{}}
	srv.collections["dot"] = &memCollection{size: 4, distance: qc.Distance_Dot, indexed: map[string]qc.PayloadSchemaType{},
		metadata: map[string]*qc.Value{qdrant.MetadataEmbedder: qc.NewValueString(embedder)}, points: map[uint64]memPoint{}}

	for _, tc := range []struct {
		name, collection string
		dim              int
		embedder         string
		want             []string
	}{
		{"other size", "merchants", 8, embedder, []string{`"merchants"`, "4 dimensions", "makes 8"}},
		{"other embedder", "merchants", 4, "other-embedder", []string{`built with embedder "test-embedder-v1"`, `"other-embedder"`}},
		{"both", "merchants", 8, "other-embedder", []string{"4 dimensions", "other-embedder"}},
		{"not fintra's", "foreign", 4, embedder, []string{"not built by fintra"}},
		{"other distance", "dot", 4, embedder, []string{"distance is Dot"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := open(t, addr, qdrant.Config{Collection: tc.collection}, tc.dim, tc.embedder)
			if err == nil {
				t.Fatal("incompatible collection accepted")
			}
			for _, w := range append(tc.want, "name another collection") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestConfigValidateListsEveryProblem(t *testing.T) {
	err := qdrant.Config{Addr: "localhost", Collection: "a b", BatchSize: -1, Timeout: -1}.Validate()
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, w := range []string{"host:port", "collection name", "batch size", "timeout"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if _, err := qdrant.New(context.Background(), qdrant.Config{}, 0, ""); err == nil || !strings.Contains(err.Error(), "dimension") || !strings.Contains(err.Error(), "embedder name") {
		t.Errorf("New with no dim and no embedder: %v", err)
	}
}

// unit returns a vector of dim 4 pointing mostly along axis, tilted by
// tilt towards the next axis: the larger the tilt, the lower its cosine to
// the pure axis.
func unit(axis int, tilt float64) []float32 {
	v := make([]float32, 4)
	v[axis] = float32(math.Cos(tilt))
	v[(axis+1)%4] = float32(math.Sin(tilt))
	return v
}

func TestSearchFiltersAndRanksByCosine(t *testing.T) {
	_, addr := startQdrant(t)
	idx, err := open(t, addr, qdrant.Config{}, 4, embedder)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	points := []merchant.Point{
		{ID: 1, EntityID: "starbucks", Text: "starbucks", Kind: "merchant", Country: "", Vector: unit(0, 0.05)},
		{ID: 2, EntityID: "starbucks", Text: "starbucks coffee", Kind: "merchant", Country: "", Vector: unit(0, 0.20)},
		{ID: 3, EntityID: "costa", Text: "costa coffee", Kind: "merchant", Country: "GB", Vector: unit(0, 0.10)},
		{ID: 4, EntityID: "square", Text: "square", Kind: "processor", Country: "", Vector: unit(0, 0.01)},
		{ID: 5, EntityID: "tesco", Text: "tesco", Kind: "merchant", Country: "GB", Vector: unit(2, 0)},
	}
	if err := idx.Upsert(ctx, points); err != nil {
		t.Fatal(err)
	}
	query := [][]float32{unit(0, 0)}

	hits, err := idx.Search(ctx, query, 10, merchant.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := texts(hits[0]), "square,starbucks,costa coffee,starbucks coffee,tesco"; got != want {
		t.Errorf("unfiltered ranking %s, want %s", got, want)
	}
	if s := hits[0][0].Score; math.Abs(float64(s)-math.Cos(0.01)) > 1e-5 {
		t.Errorf("best score %v, want the cosine similarity %v", s, math.Cos(0.01))
	}

	hits, err = idx.Search(ctx, query, 2, merchant.Filter{Kinds: []string{"merchant"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := texts(hits[0]), "starbucks,costa coffee"; got != want {
		t.Errorf("kind-filtered top 2 %s, want %s", got, want)
	}
	if hits[0][0].EntityID != "starbucks" {
		t.Errorf("entity id %q, want starbucks", hits[0][0].EntityID)
	}

	hits, err = idx.Search(ctx, query, 10, merchant.Filter{Kinds: []string{"merchant"}, Countries: []string{"GB"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := texts(hits[0]), "costa coffee,tesco"; got != want {
		t.Errorf("kind- and country-filtered ranking %s, want %s", got, want)
	}

	if _, err := idx.Search(ctx, [][]float32{{1, 0}}, 3, merchant.Filter{}); err == nil || !strings.Contains(err.Error(), "2-dimensional") {
		t.Errorf("search with a short vector: %v", err)
	}
	if err := idx.Upsert(ctx, []merchant.Point{{ID: 9, EntityID: "x", Vector: []float32{1}}}); err == nil || !strings.Contains(err.Error(), `entity "x"`) {
		t.Errorf("upsert with a short vector: %v", err)
	}
}

func TestDeleteRemovesEveryPointOfTheEntity(t *testing.T) {
	srv, addr := startQdrant(t)
	idx, err := open(t, addr, qdrant.Config{}, 4, embedder)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := idx.Upsert(ctx, []merchant.Point{
		{ID: 1, EntityID: "starbucks", Text: "starbucks", Kind: "merchant", Vector: unit(0, 0)},
		{ID: 2, EntityID: "starbucks", Text: "sbux", Kind: "merchant", Vector: unit(0, 0.1)},
		{ID: 3, EntityID: "costa", Text: "costa", Kind: "merchant", Vector: unit(0, 0.2)},
		{ID: 4, EntityID: "tesco", Text: "tesco", Kind: "merchant", Vector: unit(1, 0)},
	}); err != nil {
		t.Fatal(err)
	}
	if err := idx.Delete(ctx, []string{"starbucks", "tesco"}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.collections["fintra_merchants"].points); n != 1 {
		t.Errorf("%d points left, want costa's one", n)
	}
	hits, err := idx.Search(ctx, [][]float32{unit(0, 0)}, 5, merchant.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(hits[0]); got != "costa" {
		t.Errorf("after delete the search finds %s, want costa", got)
	}
}

func TestBatches(t *testing.T) {
	srv, addr := startQdrant(t)
	idx, err := open(t, addr, qdrant.Config{BatchSize: 100}, 4, embedder)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const n = 250
	points := make([]merchant.Point, n)
	queries := make([][]float32, n)
	for i := range points {
		// Distinct directions in the plane of the first two axes.
		angle := float64(i) / n * math.Pi / 2
		v := []float32{float32(math.Cos(angle)), float32(math.Sin(angle)), 0, 0}
		points[i] = merchant.Point{ID: uint64(i + 1), EntityID: fmt.Sprintf("e%d", i), Text: fmt.Sprintf("t%d", i), Kind: "merchant", Vector: v}
		queries[i] = v
	}
	if err := idx.Upsert(ctx, points); err != nil {
		t.Fatal(err)
	}
	if got := srv.callCount("/qdrant.Points/Upsert"); got != 3 {
		t.Errorf("%d upsert requests for %d points in batches of 100, want 3", got, n)
	}
	hits, err := idx.Search(ctx, queries, 1, merchant.Filter{Kinds: []string{"merchant"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.callCount("/qdrant.Points/QueryBatch"); got != 3 {
		t.Errorf("%d QueryBatch requests for %d queries in batches of 100, want 3", got, n)
	}
	if len(hits) != n {
		t.Fatalf("%d result lists for %d queries", len(hits), n)
	}
	for i, h := range hits {
		if len(h) != 1 || h[0].EntityID != fmt.Sprintf("e%d", i) {
			t.Fatalf("query %d found %+v, want its own point e%d", i, h, i)
		}
	}
	if err := idx.Delete(ctx, []string{"e0", "e1"}); err != nil {
		t.Fatal(err)
	}
	if got := len(srv.collections["fintra_merchants"].points); got != n-2 {
		t.Errorf("%d points after deleting 2 of %d", got, n)
	}
}

func texts(hits []merchant.Hit) string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Text
	}
	return strings.Join(out, ",")
}
