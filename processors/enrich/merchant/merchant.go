package merchant

import (
	"context"

	fintrav1 "github.com/fintraos/fintra/schemas/fintrav1"
)

// Embedder turns texts into vectors of Dim() dimensions. Name() identifies
// the embedding (model and dimension) so that an index is never searched
// with another embedding than the one it was built with.
type Embedder interface {
	Name() string
	Dim() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Point is one indexed text of a catalog entity: its name or one alias.
type Point struct {
	// ID is stable across runs and processes: a hash of EntityID and Text,
	// so that re-indexing an alias overwrites its old point.
	ID       uint64
	EntityID string
	Text     string
	Kind     string
	Country  string
	Vector   []float32
}

// Filter narrows a search; an empty list matches anything.
type Filter struct {
	Kinds     []string
	Countries []string
}

// Hit is one search result.
type Hit struct {
	EntityID string
	Text     string
	// Score is the cosine similarity: higher is closer, 1 is identical.
	Score float32
}

// Index stores points and answers nearest-neighbour queries. Search is
// batched: one result list per query vector, best first.
type Index interface {
	Upsert(ctx context.Context, points []Point) error
	Delete(ctx context.Context, entityIDs []string) error
	Search(ctx context.Context, vectors [][]float32, k int, filter Filter) ([][]Hit, error)
	Close() error
}

// Input is one transaction to resolve.
type Input struct {
	// Descriptor is the raw statement text.
	Descriptor string
	// MerchantName is the source's own merchant name when it gave one
	// (Plaid's merchant_name, a card network's cleaned name); may be empty.
	MerchantName string
	// MCC is the ISO 18245 merchant category code when the source gave one.
	MCC string
	// Country is the ISO 3166-1 alpha-2 country of the account or merchant.
	Country string
}

// Resolution is the merchant of one Input.
type Resolution struct {
	// EntityID is the catalog entity; empty when no entity was found.
	EntityID string
	// Name is the canonical name, the title-cased descriptor (method
	// DESCRIPTOR) or empty (method UNRESOLVED).
	Name    string
	Website string
	// Marketplace is the other party of a two-party descriptor: the
	// processor when the merchant is the seller, the seller when the
	// merchant is the platform (see the package doc).
	Marketplace         string
	MarketplaceEntityID string
	// Category is the entity's default detailed category, if any.
	Category string
	// MCC is the entity's MCC from the catalog, or the input's.
	MCC string
	// Confidence is in [0, 1]; only an exact catalog match comes close to 1.
	Confidence float64
	Method     fintrav1.MerchantMethod
	// Cleaned is the cleaned descriptor: the cache key.
	Cleaned        string
	CatalogVersion string
}
