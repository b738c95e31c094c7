package enrich

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fintraos/fintra/processors/enrich/catalog"
	"github.com/fintraos/fintra/processors/enrich/clean"
	"github.com/fintraos/fintra/processors/enrich/merchant"
)

// SlowIndex is the real in-process index with added latency on every
// Search, standing in for a remote index (it is not a mock of a server:
// the answers are the in-process index's), and counting the searches so
// that tests can see when the resolver was called.
type SlowIndex struct {
	merchant.Index
	Delay time.Duration
	// Fail makes every Search fail, as an unreachable server would.
	Fail     atomic.Bool
	searches atomic.Int64
}

// Search counts, waits Delay, then searches the wrapped index.
func (s *SlowIndex) Search(ctx context.Context, vectors [][]float32, k int, filter merchant.Filter) ([][]merchant.Hit, error) {
	s.searches.Add(1)
	if s.Fail.Load() {
		return nil, errors.New("test index: connection refused")
	}
	if s.Delay > 0 {
		time.Sleep(s.Delay)
	}
	return s.Index.Search(ctx, vectors, k, filter)
}

// Searches is how many Search calls the index has answered.
func (s *SlowIndex) Searches() int64 { return s.searches.Load() }

// NewTestResolver builds the resolver enrich runs by default (the shipped
// catalog, the in-process embedder and index), with the index wrapped in a
// SlowIndex of the given latency.
func NewTestResolver(t testing.TB, delay time.Duration) (*merchant.Resolver, *SlowIndex) {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	emb, err := merchant.NewNgramEmbedder(0)
	if err != nil {
		t.Fatal(err)
	}
	mem, err := merchant.NewMemoryIndex(emb.Dim())
	if err != nil {
		t.Fatal(err)
	}
	idx := &SlowIndex{Index: mem, Delay: delay}
	r, err := merchant.NewResolver(cat, emb, idx, merchant.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	return r, idx
}

// CacheKey is the key enrich caches the resolution of a transaction's
// description, merchant name and country under.
func CacheKey(description, merchantName, country string) string {
	return cacheKey(clean.Descriptor(description), merchantName, country)
}
