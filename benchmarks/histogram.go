package benchmarks

import (
	"math"
	"math/bits"
	"time"
)

// Histogram is a log-linear latency histogram in the manner of HDR
// Histogram: values are bucketed by their power of two, and each power of
// two is split into subBuckets linear buckets, so the relative error of
// any quantile is below 1/subBuckets (0.8%) from a microsecond to hours,
// in a fixed 60 KiB and with no allocation per observation.
type Histogram struct {
	counts [64 * subBuckets]uint64
	total  uint64
	max    int64
	min    int64
	sum    float64
}

// subBits sets the resolution: 2^7 = 128 linear buckets per power of two.
const (
	subBits    = 7
	subBuckets = 1 << subBits
)

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{min: math.MaxInt64} }

// index maps a non-negative value in nanoseconds to its bucket.
func index(v int64) int {
	if v < subBuckets {
		return int(v)
	}
	exp := 63 - bits.LeadingZeros64(uint64(v)) // v in [2^exp, 2^(exp+1))
	shift := exp - subBits
	sub := int(v>>shift) - subBuckets // in [0, subBuckets)
	return (shift+1)*subBuckets + sub
}

// lowest is the smallest value of a bucket; quantiles report the bucket's
// midpoint so the error is at most half a bucket.
func bucketRange(i int) (lo, hi int64) {
	if i < subBuckets {
		return int64(i), int64(i)
	}
	shift := i/subBuckets - 1
	sub := int64(i%subBuckets) + subBuckets
	lo = sub << shift
	return lo, lo + (int64(1) << shift) - 1
}

// Record adds one latency; negative latencies (clock steps) count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[index(v)]++
	h.total++
	h.sum += float64(v)
	h.max = max(h.max, v)
	h.min = min(h.min, v)
}

// Count is the number of recorded values.
func (h *Histogram) Count() uint64 { return h.total }

// Quantile returns the value at quantile q in [0, 1]: the midpoint of the
// bucket holding it, clamped to the exact minimum and maximum.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketRange(i)
			mid := lo + (hi-lo)/2
			return time.Duration(min(max(mid, h.min), h.max))
		}
	}
	return time.Duration(h.max)
}

// Max is the largest recorded value, exact.
func (h *Histogram) Max() time.Duration {
	if h.total == 0 {
		return 0
	}
	return time.Duration(h.max)
}

// Mean is the arithmetic mean of the recorded values.
func (h *Histogram) Mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.total))
}

// Merge adds every value of o.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.sum += o.sum
	h.max = max(h.max, o.max)
	h.min = min(h.min, o.min)
}

// Latency is a histogram's summary in milliseconds, the unit of the result.
type Latency struct {
	Count uint64  `json:"count"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
}

// Summary returns the percentiles in milliseconds.
func (h *Histogram) Summary() Latency {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	return Latency{
		Count: h.total,
		P50:   ms(h.Quantile(0.50)),
		P95:   ms(h.Quantile(0.95)),
		P99:   ms(h.Quantile(0.99)),
		P999:  ms(h.Quantile(0.999)),
		Max:   ms(h.Max()),
		Mean:  ms(h.Mean()),
	}
}
