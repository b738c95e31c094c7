package merchant

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// MemoryIndex is the in-process Index: exact cosine similarity over a flat
// matrix of normalized vectors, computed over a sparse query's non-zero
// entries only. Exact search over the catalog's points (tens of thousands
// at most) is fast enough to need no approximate structure; see
// BenchmarkMemoryIndexSearch. Safe for concurrent use:
// searches share a read lock, updates take the write lock.
type MemoryIndex struct {
	dim int

	mu      sync.RWMutex
	vectors []float32 // len(points) * dim, row i belongs to points[i]
	// columns is the same matrix by dimension: columns[d][i] is
	// vectors[i*dim+d]. A sparse query then streams through a few columns
	// instead of touching a scattered cache line of every row.
	columns [][]float32
	points  []indexedPoint
	byID    map[uint64]int
}

type indexedPoint struct {
	id       uint64
	entityID string
	text     string
	kind     string
	country  string
}

// NewMemoryIndex returns an empty index of dim-dimensional vectors.
func NewMemoryIndex(dim int) (*MemoryIndex, error) {
	if dim <= 0 {
		return nil, fmt.Errorf("merchant: index dimension %d: must be positive (the embedder's Dim())", dim)
	}
	return &MemoryIndex{dim: dim, byID: map[uint64]int{}, columns: make([][]float32, dim)}, nil
}

// Len is the number of points.
func (x *MemoryIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.points)
}

// Upsert adds points, replacing any with the same ID. Vectors are copied
// and normalized.
func (x *MemoryIndex) Upsert(_ context.Context, points []Point) error {
	for _, p := range points {
		if len(p.Vector) != x.dim {
			return fmt.Errorf("merchant: point %d (%s %q) has %d dimensions, the index %d: index and search with one embedder", p.ID, p.EntityID, p.Text, len(p.Vector), x.dim)
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, p := range points {
		v := append([]float32(nil), p.Vector...)
		normalize(v)
		ip := indexedPoint{id: p.ID, entityID: p.EntityID, text: p.Text, kind: p.Kind, country: p.Country}
		if i, ok := x.byID[p.ID]; ok {
			x.points[i] = ip
			copy(x.vectors[i*x.dim:(i+1)*x.dim], v)
			for d, val := range v {
				x.columns[d][i] = val
			}
			continue
		}
		x.byID[p.ID] = len(x.points)
		x.points = append(x.points, ip)
		x.vectors = append(x.vectors, v...)
		for d, val := range v {
			x.columns[d] = append(x.columns[d], val)
		}
	}
	return nil
}

// Delete removes every point of the given entities.
func (x *MemoryIndex) Delete(_ context.Context, entityIDs []string) error {
	if len(entityIDs) == 0 {
		return nil
	}
	gone := make(map[string]bool, len(entityIDs))
	for _, id := range entityIDs {
		gone[id] = true
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	kept := 0
	for i, p := range x.points {
		if gone[p.entityID] {
			delete(x.byID, p.id)
			continue
		}
		if kept != i {
			x.points[kept] = p
			copy(x.vectors[kept*x.dim:(kept+1)*x.dim], x.vectors[i*x.dim:(i+1)*x.dim])
			for d := range x.columns {
				x.columns[d][kept] = x.columns[d][i]
			}
			x.byID[p.id] = kept
		}
		kept++
	}
	clear(x.points[kept:])
	x.points = x.points[:kept]
	x.vectors = x.vectors[:kept*x.dim]
	for d := range x.columns {
		x.columns[d] = x.columns[d][:kept]
	}
	return nil
}

// Search returns, for every query vector, the k points most similar to it
// that pass the filter, best first.
func (x *MemoryIndex) Search(ctx context.Context, vectors [][]float32, k int, filter Filter) ([][]Hit, error) {
	if k <= 0 {
		return nil, fmt.Errorf("merchant: search k=%d: must be positive", k)
	}
	for i, v := range vectors {
		if len(v) != x.dim {
			return nil, fmt.Errorf("merchant: query %d has %d dimensions, the index %d: index and search with one embedder", i, len(v), x.dim)
		}
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	allowed := x.allowed(filter)
	out := make([][]Hit, len(vectors))
	q := make([]float32, x.dim)
	var nz []int32
	var scores []float32
	for qi, v := range vectors {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		copy(q, v)
		normalize(q)
		// A sparse query (the n-gram embedding of a short name has a few
		// dozen non-zero buckets out of hundreds) is multiplied over its
		// non-zero dimensions only, column by column: the same cosine.
		nz = nz[:0]
		for d, val := range q {
			if val != 0 {
				nz = append(nz, int32(d))
			}
		}
		sparse := len(nz) < x.dim/4
		if sparse {
			if cap(scores) < len(x.points) {
				scores = make([]float32, len(x.points))
			}
			scores = scores[:len(x.points)]
			clear(scores)
			for _, d := range nz {
				w := q[d]
				col := x.columns[d][:len(scores)]
				for i, c := range col {
					scores[i] += w * c
				}
			}
		}
		top := make([]Hit, 0, k+1)
		for i := range x.points {
			if allowed != nil && !allowed[i] {
				continue
			}
			var s float32
			if sparse {
				s = scores[i]
			} else {
				s = dot(q, x.vectors[i*x.dim:(i+1)*x.dim])
			}
			if len(top) == k && s <= top[k-1].Score {
				continue
			}
			pos, _ := slices.BinarySearchFunc(top, s, func(h Hit, s float32) int {
				if h.Score > s {
					return -1
				}
				return 1
			})
			top = slices.Insert(top, pos, Hit{EntityID: x.points[i].entityID, Text: x.points[i].text, Score: s})
			if len(top) > k {
				top = top[:k]
			}
		}
		out[qi] = top
	}
	return out, nil
}

// allowed marks the points that pass the filter; nil means all do.
func (x *MemoryIndex) allowed(f Filter) []bool {
	if len(f.Kinds) == 0 && len(f.Countries) == 0 {
		return nil
	}
	ok := make([]bool, len(x.points))
	for i, p := range x.points {
		ok[i] = (len(f.Kinds) == 0 || slices.Contains(f.Kinds, p.kind)) &&
			(len(f.Countries) == 0 || slices.Contains(f.Countries, p.country))
	}
	return ok
}

// Close releases nothing: the index is memory.
func (x *MemoryIndex) Close() error { return nil }

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}
