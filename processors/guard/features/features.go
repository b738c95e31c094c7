package features

import (
	"math"
	"strings"
	"time"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Input is what the features read from one transaction, taken out of the
// EnrichedTransaction once (FromEnriched).
type Input struct {
	// At is the event time (occurred_at).
	At time.Time
	// AmountMinor is the signed amount in minor units (positive = in).
	AmountMinor int64
	Currency    string
	// MerchantKey identifies the merchant: the catalog entity id, else the
	// resolved or cleaned name, else the source's merchant name, else the
	// descriptor. Empty when nothing names one.
	MerchantKey         string
	MCC                 string
	CategoryPrimary     string
	CategoryDetailed    string
	Country             string
	Channel             fintrav1.Channel
	DeviceID            string
	IPAddress           string
	EmailDomain         string
	HasLocation         bool
	Latitude, Longitude float64
	Declined            bool
	Reversal            bool
}

// FromEnriched takes the features' input out of a transaction; now is used
// only when the transaction carries no time at all.
func FromEnriched(et *fintrav1.EnrichedTransaction, now time.Time) Input {
	at := et.GetAccepted()
	tx := at.GetTransaction()
	in := Input{
		AmountMinor:      tx.GetAmountMinor(),
		Currency:         tx.GetCurrency(),
		MCC:              tx.GetMcc(),
		CategoryPrimary:  et.GetCategory().GetPrimary(),
		CategoryDetailed: et.GetCategory().GetDetailed(),
		Country:          tx.GetCountry(),
		Reversal:         tx.GetReversal(),
	}
	switch {
	case tx.GetOccurredAt() != nil:
		in.At = tx.GetOccurredAt().AsTime()
	case at.GetOccurredAt() != nil:
		in.At = at.GetOccurredAt().AsTime()
	case at.GetIngestedAt() != nil:
		in.At = at.GetIngestedAt().AsTime()
	default:
		in.At = now
	}
	m := et.GetMerchant()
	switch {
	case m.GetEntityId() != "":
		in.MerchantKey = "id:" + m.GetEntityId()
	case m.GetName() != "":
		in.MerchantKey = "name:" + strings.ToUpper(m.GetName())
	case tx.GetMerchantName() != "":
		in.MerchantKey = "name:" + strings.ToUpper(tx.GetMerchantName())
	case tx.GetCounterparty() != "":
		in.MerchantKey = "name:" + strings.ToUpper(tx.GetCounterparty())
	case tx.GetDescription() != "":
		in.MerchantKey = "desc:" + descriptorKey(tx.GetDescription())
	}
	if c := tx.GetContext(); c != nil {
		in.Channel = c.GetChannel()
		in.DeviceID = c.GetDeviceId()
		in.IPAddress = c.GetIpAddress()
		in.EmailDomain = strings.ToLower(c.GetEmailDomain())
		in.HasLocation = c.GetHasLocation()
		in.Latitude, in.Longitude = c.GetLatitude(), c.GetLongitude()
		in.Declined = c.GetDeclined()
		if in.Country == "" && in.Channel == fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT {
			in.Country = c.GetBillingCountry()
		}
	}
	return in
}

// descriptorKey drops digits from a raw descriptor so that store numbers,
// dates and reference numbers do not make every purchase at one merchant a
// new merchant.
func descriptorKey(desc string) string {
	var b strings.Builder
	b.Grow(len(desc))
	space := false
	for _, r := range strings.ToUpper(desc) {
		switch {
		case r >= '0' && r <= '9', r == '#' || r == '*':
			continue
		case r == ' ':
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// cardPresentLocation says the transaction's location is where the card
// was: a terminal or cash machine, not a billing address.
func (in *Input) cardPresentLocation() bool {
	return in.HasLocation && (in.Channel == fintrav1.Channel_CHANNEL_CARD_PRESENT || in.Channel == fintrav1.Channel_CHANNEL_ATM)
}

func (in *Input) abs() uint64 {
	if in.AmountMinor < 0 {
		return uint64(-(in.AmountMinor + 1)) + 1 // no overflow at MinInt64
	}
	return uint64(in.AmountMinor)
}

// Vector is the features of one transaction, in Table order.
type Vector [NumFeatures]float64

// Update computes the features of in from the state before it, then folds
// in into the state.
func Update(s *State, in Input) Vector {
	v := Compute(s, in)
	Fold(s, in)
	return v
}

// Compute returns the features of in given the state before it, without
// changing the state.
func Compute(s *State, in Input) Vector {
	c := calc{s: s, in: &in, unix: in.At.Unix()}
	for i := range c.totals {
		c.totals[i] = s.windows[i].totals(c.unix)
	}
	var v Vector
	for i := range Table {
		v[i] = Table[i].Func(&c)
	}
	return v
}

// Fold adds in to the state.
func Fold(s *State, in Input) {
	unix := in.At.Unix()
	abs := in.abs()
	if s.N == 0 || unix < s.First {
		s.First = unix
	}
	s.Last = max(s.Last, unix)
	if s.N == 0 {
		s.Last = unix
	}
	// Welford's update, numerically stable for long histories.
	x := float64(abs)
	s.N++
	d := x - s.Mean
	s.Mean += d / float64(s.N)
	s.M2 += d * (x - s.Mean)
	h := hourAngle(in.At)
	s.HourCos += math.Cos(h)
	s.HourSin += math.Sin(h)
	if in.cardPresentLocation() && unix >= s.LocAt {
		s.LocAt, s.LocLat, s.LocLon, s.HasLoc = unix, in.Latitude, in.Longitude, true
	}
	for i := range s.windows {
		s.windows[i].add(unix, abs, in.Declined, in.Reversal)
	}
	for i, k := range inputKeys(&in) {
		if k != 0 {
			s.seen[i].add(k)
		}
	}
}

// inputKeys are the hashes of the remembered attributes of in, 0 if absent.
func inputKeys(in *Input) [numSeen]uint64 {
	return [numSeen]uint64{
		seenMerchant:    hashKey(in.MerchantKey),
		seenCountry:     hashKey(strings.ToUpper(in.Country)),
		seenDevice:      hashKey(in.DeviceID),
		seenIP:          hashKey(in.IPAddress),
		seenEmailDomain: hashKey(in.EmailDomain),
	}
}

// hashKey is FNV-1a 64: stable across processes and versions, as the
// hashes are stored in the table. 0 means absent.
func hashKey(s string) uint64 {
	if s == "" {
		return 0
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	if h == 0 {
		h = 1
	}
	return h
}

func hourAngle(t time.Time) float64 {
	t = t.UTC()
	hours := float64(t.Hour()) + float64(t.Minute())/60 + float64(t.Second())/3600
	return hours / 24 * 2 * math.Pi
}

// haversineKm is the great-circle distance between two points in degrees.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const earthRadiusKm = 6371.0088
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// calc is what a feature function sees: the state before the transaction,
// the transaction, and the window totals at its time.
type calc struct {
	s      *State
	in     *Input
	unix   int64
	totals [numWindows]windowTotals
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c *calc) isNew(which int, k uint64) float64 {
	if k == 0 {
		return 0
	}
	return b2f(!c.s.seen[which].has(k))
}

// travel is the distance and implied speed from the last card-present
// location to this one; zero unless both are card-present locations. A
// gap under a minute counts as a minute, so two places a few km apart in
// the same second are fast, not infinite.
func (c *calc) travel() (km, kmh float64) {
	if !c.s.HasLoc || !c.in.cardPresentLocation() {
		return 0, 0
	}
	km = haversineKm(c.s.LocLat, c.s.LocLon, c.in.Latitude, c.in.Longitude)
	hours := math.Max(float64(c.unix-c.s.LocAt), 60) / 3600
	return km, km / hours
}

func (c *calc) zscore() float64 {
	if c.s.N < 2 {
		return 0
	}
	sd := math.Sqrt(c.s.M2 / float64(c.s.N-1))
	if sd == 0 {
		return 0
	}
	return (float64(c.in.abs()) - c.s.Mean) / sd
}

// hourDeviation is the circular distance in hours between this hour and
// the account's mean hour, weighted by how concentrated its hours are (the
// mean resultant length R): an account that buys at all hours has no
// habit to deviate from.
func (c *calc) hourDeviation() float64 {
	if c.s.N == 0 {
		return 0
	}
	n := float64(c.s.N)
	mc, ms := c.s.HourCos/n, c.s.HourSin/n
	r := math.Hypot(mc, ms)
	if r < 1e-9 {
		return 0
	}
	d := math.Mod(math.Abs(hourAngle(c.in.At)-math.Atan2(ms, mc)), 2*math.Pi)
	if d > math.Pi {
		d = 2*math.Pi - d
	}
	return d / (2 * math.Pi) * 24 * r
}
