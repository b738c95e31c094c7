package features

// window is one sliding window as a fixed ring of time buckets: a bucket
// is reused when its slot comes round again, so an account's state never
// grows, however long it lives. A window of n buckets of width w covers the
// bucket the event falls in and the n-1 before it: between (n-1)·w and n·w
// of history, the price of a fixed size.
type window struct {
	width   int64 // bucket width in seconds
	buckets []bucket
}

type bucket struct {
	idx      int64  // bucket number: Unix seconds / width; 0 = unused
	count    uint32 // transactions
	declined uint16
	reversed uint16
	sum      uint64 // Σ |amount| in minor units
}

// The windows, in the order of State.windows.
const (
	w10m = iota
	w1h
	w24h
	w7d
	numWindows
)

// windowShapes are (bucket width in seconds, buckets) of each window.
var windowShapes = [numWindows][2]int64{
	w10m: {60, 10},       // 10 × 1 min
	w1h:  {300, 12},      // 12 × 5 min
	w24h: {3600, 24},     // 24 × 1 h
	w7d:  {6 * 3600, 28}, // 28 × 6 h
}

// windowTotals is what a window holds at one moment.
type windowTotals struct {
	count, declined, reversed uint64
	sum                       uint64
}

// totals sums the buckets in the window ending in the bucket of unix.
// Buckets after it (a late event) are not counted.
func (w *window) totals(unix int64) windowTotals {
	cur := floorDiv(unix, w.width)
	n := int64(len(w.buckets))
	var t windowTotals
	for i := range w.buckets {
		b := &w.buckets[i]
		if b.count == 0 || b.idx > cur || b.idx <= cur-n {
			continue
		}
		t.count += uint64(b.count)
		t.declined += uint64(b.declined)
		t.reversed += uint64(b.reversed)
		t.sum += b.sum
	}
	return t
}

// add folds one transaction into its bucket. An event older than the
// bucket its slot now holds is too late for this window and is dropped
// from it.
func (w *window) add(unix int64, abs uint64, declined, reversed bool) {
	idx := floorDiv(unix, w.width)
	n := int64(len(w.buckets))
	b := &w.buckets[((idx%n)+n)%n]
	switch {
	case b.idx == idx:
	case b.idx < idx:
		*b = bucket{idx: idx}
	default:
		return
	}
	b.count = satAdd32(b.count, 1)
	if declined {
		b.declined = satAdd16(b.declined, 1)
	}
	if reversed {
		b.reversed = satAdd16(b.reversed, 1)
	}
	b.sum = satAdd64(b.sum, abs)
}

// seenSet remembers the last len(keys) distinct values (as 64-bit hashes)
// of one attribute, oldest replaced first.
type seenSet struct {
	keys []uint64
	next int // slot the next new key goes into
	n    int // slots in use
}

func (s *seenSet) has(k uint64) bool {
	for _, v := range s.keys[:s.n] {
		if v == k {
			return true
		}
	}
	return false
}

func (s *seenSet) add(k uint64) {
	if s.has(k) {
		return
	}
	s.keys[s.next] = k
	s.next = (s.next + 1) % len(s.keys)
	s.n = min(s.n+1, len(s.keys))
}

// The remembered attributes, in the order of State.seen, and how many
// distinct values of each are kept.
const (
	seenMerchant = iota
	seenCountry
	seenDevice
	seenIP
	seenEmailDomain
	numSeen
)

var seenSizes = [numSeen]int{
	seenMerchant:    256,
	seenCountry:     32,
	seenDevice:      16,
	seenIP:          32,
	seenEmailDomain: 16,
}

// State is one account's feature state: everything the features of its
// next transaction need, in bounded memory (about 5 KiB at most, and
// encoded only the buckets and keys in use).
type State struct {
	// First and Last are the Unix seconds of the earliest and latest event
	// time folded in; First is 0 before the first transaction.
	First, Last int64
	// Sequence is the ledger sequence of the last transaction the guard
	// processor saw for the account: one at or below it is a redelivery.
	Sequence uint64
	// Welford's running mean and sum of squared deviations of |amount|
	// (minor units) over every folded transaction.
	N    uint64
	Mean float64
	M2   float64
	// Circular statistics of the hour of day: Σ cos and Σ sin of the hour
	// as an angle.
	HourCos, HourSin float64
	// The last card-present location: Unix seconds and degrees.
	LocAt          int64
	LocLat, LocLon float64
	HasLoc         bool

	windows [numWindows]window
	seen    [numSeen]seenSet
}

// NewState returns the state of an account with no history.
func NewState() *State {
	s := &State{}
	s.init()
	return s
}

func (s *State) init() {
	for i, shape := range windowShapes {
		s.windows[i] = window{width: shape[0], buckets: make([]bucket, shape[1])}
	}
	for i, n := range seenSizes {
		s.seen[i] = seenSet{keys: make([]uint64, n)}
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func satAdd16(a, b uint16) uint16 {
	if a > ^uint16(0)-b {
		return ^uint16(0)
	}
	return a + b
}

func satAdd32(a, b uint32) uint32 {
	if a > ^uint32(0)-b {
		return ^uint32(0)
	}
	return a + b
}

func satAdd64(a, b uint64) uint64 {
	if a > ^uint64(0)-b {
		return ^uint64(0)
	}
	return a + b
}
