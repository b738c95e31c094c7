package benchmarks

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramQuantilesWithinResolution(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	h := NewHistogram()
	var exact []time.Duration
	for range 100_000 {
		// Log-uniform from 1µs to 10s, as latencies spread.
		d := time.Duration(math.Pow(10, 3+rng.Float64()*7))
		h.Record(d)
		exact = append(exact, d)
	}
	slices.Sort(exact)
	for _, q := range []float64{0.5, 0.9, 0.95, 0.99, 0.999} {
		want := exact[int(math.Ceil(q*float64(len(exact))))-1]
		got := h.Quantile(q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > 1.0/subBuckets {
			t.Errorf("q%.3f = %s, exact %s: relative error %.4f above %.4f", q, got, want, rel, 1.0/subBuckets)
		}
	}
	if h.Max() != exact[len(exact)-1] {
		t.Errorf("max %s, want %s", h.Max(), exact[len(exact)-1])
	}
	if h.Count() != uint64(len(exact)) {
		t.Errorf("count %d, want %d", h.Count(), len(exact))
	}
}

func TestHistogramBucketsAreContiguous(t *testing.T) {
	prevHi := int64(-1)
	for i := range 40 * subBuckets {
		lo, hi := bucketRange(i)
		if lo != prevHi+1 || hi < lo {
			t.Fatalf("bucket %d is [%d, %d], previous ended at %d", i, lo, hi, prevHi)
		}
		if index(lo) != i || index(hi) != i {
			t.Fatalf("bucket %d: index(%d)=%d index(%d)=%d", i, lo, index(lo), hi, index(hi))
		}
		prevHi = hi
	}
}

func TestHistogramEmptyAndNegative(t *testing.T) {
	h := NewHistogram()
	if h.Quantile(0.99) != 0 || h.Max() != 0 || h.Summary().Count != 0 {
		t.Fatalf("empty histogram: %+v", h.Summary())
	}
	h.Record(-time.Second)
	if h.Max() != 0 {
		t.Fatalf("a negative latency counts as zero, max %s", h.Max())
	}
	o := NewHistogram()
	o.Record(3 * time.Millisecond)
	h.Merge(o)
	if h.Count() != 2 || h.Max() != 3*time.Millisecond {
		t.Fatalf("merged: count %d max %s", h.Count(), h.Max())
	}
}
