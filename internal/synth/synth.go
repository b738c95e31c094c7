package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Kind says what a payload is meant to be.
type Kind int

const (
	// KindValid is a well-formed fintra-json payload.
	KindValid Kind = iota
	// KindDuplicate is a byte-for-byte copy of an earlier valid payload, as a
	// producer's retry or a replay delivers it.
	KindDuplicate
	// KindInvalid is a payload a strict fintra-json validator rejects.
	KindInvalid
)

func (k Kind) String() string {
	switch k {
	case KindValid:
		return "valid"
	case KindDuplicate:
		return "duplicate"
	case KindInvalid:
		return "invalid"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Payload is one generated ingest record.
type Payload struct {
	// Bytes is one fintra-json payload without a newline. It belongs to the
	// caller: the generator never touches it again. An empty payload (one
	// of the invalid ones) is empty but not nil, so that a Kafka client
	// sends an empty value and not a tombstone.
	Bytes []byte
	// Key is the Kafka record key: the account_id (for invalid payloads:
	// the account id it was meant for, or "" if none).
	Key  string
	Kind Kind
	// Truth is the label and payment context of a valid payload, beside
	// the payload rather than in it; nil unless Config.FraudRate > 0.
	Truth *Truth
}

// Config says what to generate. Zero Accounts and Start take their
// defaults; zero ratios mean no duplicates and no invalid payloads.
type Config struct {
	// Events is the number of payloads, duplicates and invalid ones
	// included; > 0.
	Events int
	// Seed makes the stream: the same Config always yields the same bytes.
	Seed int64
	// DuplicateRatio is the share of payloads that are exact byte copies of
	// an earlier valid payload (a redelivery); in [0, 1). Default 0.
	DuplicateRatio float64
	// InvalidRatio is the share of payloads that are malformed; in [0, 1).
	// Default 0.
	InvalidRatio float64
	// Accounts is the number of accounts. Default max(10, Events/50),
	// capped at 1,000,000.
	Accounts int
	// Start is the event time of the first transaction, truncated to the
	// second. Default 2026-01-05T00:00:00Z.
	Start time.Time
	// FraudRate is the share of valid payloads that belong to a labelled
	// fraud pattern (fraud.go), in [0, 0.5). With a rate above 0 every
	// valid payload carries its label and payment context in
	// Payload.Truth. Default 0: no fraud, no Truth, and the stream is
	// byte for byte what it was without the option.
	FraudRate float64
}

// MaxAccounts bounds Config.Accounts: account ids have six digits.
const MaxAccounts = 1_000_000

// DefaultStart is the default Config.Start.
var DefaultStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Validate reports every problem of the config at once, each naming the
// field (by its command-line flag) and the fix.
func (c Config) Validate() error {
	var errs []error
	if c.Events <= 0 {
		errs = append(errs, fmt.Errorf("events %d: must be > 0", c.Events))
	}
	dupOK := c.DuplicateRatio >= 0 && c.DuplicateRatio < 1 // false for NaN
	if !dupOK {
		errs = append(errs, fmt.Errorf("duplicate-ratio %v: must be in [0, 1)", c.DuplicateRatio))
	}
	invOK := c.InvalidRatio >= 0 && c.InvalidRatio < 1
	if !invOK {
		errs = append(errs, fmt.Errorf("invalid-ratio %v: must be in [0, 1)", c.InvalidRatio))
	}
	if dupOK && invOK && c.DuplicateRatio+c.InvalidRatio >= 1 {
		errs = append(errs, fmt.Errorf("duplicate-ratio %v + invalid-ratio %v = %v: must be < 1 so that some payloads are valid; lower one of them",
			c.DuplicateRatio, c.InvalidRatio, c.DuplicateRatio+c.InvalidRatio))
	}
	if c.Accounts < 0 {
		errs = append(errs, fmt.Errorf("accounts %d: must be > 0, or 0 for the default max(10, events/50)", c.Accounts))
	}
	if c.Accounts > MaxAccounts {
		errs = append(errs, fmt.Errorf("accounts %d: must be at most %d", c.Accounts, MaxAccounts))
	}
	if !(c.FraudRate >= 0 && c.FraudRate < 0.5) {
		errs = append(errs, fmt.Errorf("fraud-rate %v: must be in [0, 0.5)", c.FraudRate))
	}
	if !c.Start.IsZero() {
		if y := c.Start.UTC().Year(); y < 1970 || y > 9000 {
			errs = append(errs, fmt.Errorf("start %s: year must be in [1970, 9000]", c.Start.UTC().Format(time.RFC3339)))
		}
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Accounts == 0 {
		c.Accounts = min(max(10, c.Events/50), MaxAccounts)
	}
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	return c
}

// plan returns how many payloads of each kind cfg yields: round(Events ×
// ratio) duplicates and invalid ones, the rest valid. A duplicate needs an
// earlier valid payload, so when rounding would leave none (only possible
// for a handful of events) the duplicates give way.
func plan(cfg Config) (valid, dups, invalid int) {
	n := cfg.Events
	dups = int(math.Round(float64(n) * cfg.DuplicateRatio))
	invalid = int(math.Round(float64(n) * cfg.InvalidRatio))
	if dups > 0 && n-dups-invalid < 1 {
		dups = max(0, n-invalid-1)
	}
	return n - dups - invalid, dups, invalid
}

// Stats counts the payloads generated so far.
type Stats struct {
	Valid, Duplicates, Invalid int
}

// Tuning. These shape the stream; changing one changes every stream.
const (
	ringSize      = 1024    // valid payloads a duplicate may copy
	pendingCap    = 1 << 16 // open authorizations; past it the next due one settles early
	keyCacheSize  = 4096    // account id strings kept for the hottest accounts
	txPerDay      = 3.0     // transactions per account per day: sets how fast the clock runs
	zipfS         = 1.1     // account activity: P(rank k) ∝ (v+k)^-s
	pendingShare  = 0.30    // card purchases that first arrive pending
	expireShare   = 0.03    // pending ones that expire instead of posting
	preauthShare  = 0.5     // fuel purchases authorized for a round amount
	travelShare   = 0.1     // card purchases away from the home city
	streamSched   = 0x5c4ed // PCG stream constants: one generator per concern,
	streamContent = 0xc047e // so that the valid payloads of a seed are the same
	streamNoise   = 0x4015e // whatever the ratios
	streamDesc    = 0xde5c
	streamSalt    = 0x5a17
)

// hourly is the relative intensity of transactions by hour of the day (few
// at night, peaks at lunch and in the evening), normalized to a mean of 1.
// The hour is UTC for every account, a simplification: an account in
// Sydney has its lunch peak in the middle of its night.
var hourly = func() [24]float64 {
	h := [24]float64{0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 0.8, 1.2, 1.2, 1.2, 1.5,
		2.1, 1.9, 1.3, 1.2, 1.3, 1.6, 1.9, 1.9, 1.6, 1.2, 0.8, 0.45}
	sum := 0.0
	for _, v := range h {
		sum += v
	}
	for i := range h {
		h[i] *= 24 / sum
	}
	return h
}()

// Generator yields the payloads of one Config, one at a time. It is not
// safe for concurrent use.
type Generator struct {
	cfg                      Config
	left                     int // payloads still to yield
	remValid, remDup, remInv int
	stats                    Stats

	sched   *rand.Rand // which kind comes next
	content *rand.Rand // valid payloads and the clock
	noise   *rand.Rand // duplicates and invalid payloads
	desc    *rand.Rand // one descriptor, reseeded from a stored seed
	descSrc *rand.PCG
	zipf    *rand.Zipf // account of a valid payload
	zipfBad *rand.Zipf // account of an invalid payload

	salt     uint64 // account profiles
	accounts uint64
	permAdd  uint64 // Zipf rank -> account index

	start   int64   // Unix seconds of Start
	now     float64 // stream clock, seconds since Start
	meanGap float64 // seconds between transactions at mean intensity
	seq     uint64  // last transaction number
	flawSeq uint64  // last transaction number of an invalid payload
	pend    pendingHeap

	ring     [][]byte // recent valid payloads, for duplicates
	ringKeys []string
	ringLen  int
	ringPos  int

	keys    [keyCacheSize]keyEntry
	buf     []byte
	descBuf []byte
	cal     calendar

	fraud *fraudState // nil unless Config.FraudRate > 0
}

type keyEntry struct {
	idx1 int // account index + 1; 0 = empty
	key  string
}

// New returns a generator for cfg after applying the defaults; it fails
// with every problem Validate finds.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	cfg = cfg.withDefaults()
	seed := uint64(cfg.Seed)
	g := &Generator{
		cfg:      cfg,
		left:     cfg.Events,
		sched:    rand.New(rand.NewPCG(seed, streamSched)),
		content:  rand.New(rand.NewPCG(seed, streamContent)),
		noise:    rand.New(rand.NewPCG(seed, streamNoise)),
		descSrc:  rand.NewPCG(seed, streamDesc),
		salt:     mix(seed ^ streamSalt),
		accounts: uint64(cfg.Accounts),
		start:    cfg.Start.Unix(),
		meanGap:  86400 / (txPerDay * float64(cfg.Accounts)),
		buf:      make([]byte, 0, 1024),
		descBuf:  make([]byte, 0, 256),
	}
	g.desc = rand.New(g.descSrc)
	g.remValid, g.remDup, g.remInv = plan(cfg)
	// v flattens the head: the busiest account does not get a fifth of
	// the traffic, yet the top 10% of accounts do about 60% of it.
	v := max(2, float64(cfg.Accounts)/100)
	g.zipf = rand.NewZipf(g.content, zipfS, v, g.accounts-1)
	g.zipfBad = rand.NewZipf(g.noise, zipfS, v, g.accounts-1)
	g.permAdd = g.salt % g.accounts
	if cfg.FraudRate > 0 {
		g.fraud = newFraudState(cfg, g.accounts)
	}
	if g.remDup > 0 {
		g.ring = make([][]byte, ringSize)
		g.ringKeys = make([]string, ringSize)
	}
	return g, nil
}

// Next returns the next payload, and false after exactly Config.Events
// payloads.
func (g *Generator) Next() (Payload, bool) {
	if g.left == 0 {
		return Payload{}, false
	}
	g.left--
	var p Payload
	switch g.nextKind() {
	case KindDuplicate:
		p = g.duplicate()
		g.stats.Duplicates++
	case KindInvalid:
		p = g.invalid()
		g.stats.Invalid++
	default:
		p = g.valid()
		g.stats.Valid++
	}
	return p, true
}

// Stats returns the counts so far.
func (g *Generator) Stats() Stats { return g.stats }

// nextKind draws the kind of the next payload without replacement from
// what remains, so the counts are exact and spread evenly through the
// stream. A duplicate drawn before any valid payload exists is postponed.
func (g *Generator) nextKind() Kind {
	u := g.sched.IntN(g.remValid + g.remDup + g.remInv)
	switch {
	case u < g.remDup && g.ringLen > 0:
		g.remDup--
		return KindDuplicate
	case u < g.remDup:
		// Nothing to redeliver yet; plan guarantees a valid payload is left.
		g.remValid--
		return KindValid
	case u < g.remDup+g.remInv:
		g.remInv--
		return KindInvalid
	default:
		g.remValid--
		return KindValid
	}
}

func (g *Generator) valid() Payload {
	g.tick()
	if g.fraud != nil {
		if p, ok := g.validTruth(); ok {
			g.remember(p)
			return p
		}
	}
	var t txn
	if len(g.pend) > 0 && (g.pend[0].due <= g.now || len(g.pend) >= pendingCap) {
		g.settle(&t, g.pend.pop())
	} else {
		g.fresh(&t)
	}
	g.buf = g.appendTxn(g.buf[:0], &t, flawNone)
	p := Payload{Bytes: clone(g.buf), Key: g.key(t.acct.idx), Kind: KindValid}
	if g.fraud != nil {
		p.Truth = &Truth{Context: g.legitContext(&t)}
		p.Bytes = withContext(p.Bytes, p.Truth.Context)
	}
	g.remember(p)
	return p
}

// remember keeps a valid payload for later duplicates.
func (g *Generator) remember(p Payload) {
	if g.ring != nil {
		g.ring[g.ringPos] = append(g.ring[g.ringPos][:0], p.Bytes...)
		g.ringKeys[g.ringPos] = p.Key
		g.ringPos = (g.ringPos + 1) % ringSize
		g.ringLen = min(g.ringLen+1, ringSize)
	}
}

// duplicate redelivers a recent valid payload; recent ones more often, as
// with a producer's retries.
func (g *Generator) duplicate() Payload {
	back := g.noise.IntN(g.noise.IntN(g.ringLen) + 1)
	slot := (g.ringPos - 1 - back + ringSize) % ringSize
	return Payload{Bytes: clone(g.ring[slot]), Key: g.ringKeys[slot], Kind: KindDuplicate}
}

func clone(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}

// tick advances the stream clock by one transaction: an exponential gap,
// shorter when the hour is busy.
func (g *Generator) tick() {
	sec := g.start + int64(g.now)
	hour := (sec - floorDiv(sec, 86400)*86400) / 3600
	g.now += g.meanGap * g.content.ExpFloat64() / hourly[hour]
}

// clock is the stream clock in Unix seconds.
func (g *Generator) clock() int64 { return g.start + int64(g.now) }

// pickAccount draws an account by Zipf rank, scattered over the indices so
// that acc-000000 is not always the busiest.
func (g *Generator) pickAccount(z *rand.Zipf) int {
	const spread = 1_000_003 // prime above MaxAccounts: coprime with any account count
	return int((z.Uint64()*spread + g.permAdd) % g.accounts)
}

// key returns the account id as a string, cached for the busy accounts.
func (g *Generator) key(idx int) string {
	e := &g.keys[idx%keyCacheSize]
	if e.idx1 != idx+1 {
		var b [16]byte
		e.idx1, e.key = idx+1, string(appendAccountID(b[:0], idx))
	}
	return e.key
}

// mix is SplitMix64's finalizer: account profiles are pure functions of
// the seed and the account index, so no per-account state is kept.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
