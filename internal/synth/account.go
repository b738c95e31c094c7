package synth

import (
	"math"
	"math/rand/v2"
)

// account is an account's profile, derived from the seed and its index on
// every use: a million accounts cost no memory.
type account struct {
	idx   int
	h     uint64
	cc    int // index into countries
	ctry  *country
	cur   *currency
	home  *city
	style template // how its bank wraps card descriptors
	// omitType: its producer leaves out "type" on new transactions
	// (the default, "created").
	omitType bool
	// detail is which optional fields its producer sends: 0 only the
	// descriptor, 1 + mcc, 2 + country and city, 3 + merchant_name.
	detail int
}

func (g *Generator) account(idx int) account {
	h := mix(g.salt ^ (uint64(idx)+1)*0x9e3779b97f4a7c15)
	cc := int(countryLottery[h%100])
	ctry := &countries[cc]
	return account{
		idx:      idx,
		h:        h,
		cc:       cc,
		ctry:     ctry,
		cur:      &currencies[ctry.cur],
		home:     &ctry.cities[(h>>8)%uint64(len(ctry.cities))],
		style:    ctry.styles[(h>>16)%uint64(len(ctry.styles))],
		omitType: (h>>24)%3 == 0,
		detail:   int(h>>28) % 4,
	}
}

// trait is a stable pseudo-random number for one trait of the account.
func (a *account) trait(k uint64) uint64 { return mix(a.h ^ k*0x9e3779b97f4a7c15) }

// unit is a stable number in [0, 1) for one trait.
func (a *account) unit(k uint64) float64 { return float64(a.trait(k)>>11) / (1 << 53) }

const (
	traitEmployer = iota + 1
	traitHolder
	traitProp
	traitBank
	traitCard
	traitSalary
	traitRent
	traitStore
	traitTemplate
	traitContact
)

// salary is the account's pay cheque: the same amount every time.
func (a *account) salary() int64 {
	return a.cur.minor(900 + 4600*a.unit(traitSalary)*a.unit(traitSalary+100))
}

// rent is the account's monthly rent, in whole tens.
func (a *account) rent() int64 {
	return a.cur.whole(a.cur.minor(700+2800*a.unit(traitRent)), 10)
}

// logUniform draws from [lo, hi] with a log-uniform, centre-heavy shape:
// most coffees cost about the same, a few cost much more.
func logUniform(r *rand.Rand, lo, hi float64) float64 {
	u := (r.Float64() + r.Float64()) / 2
	return lo * math.Pow(hi/lo, u)
}

// charm turns a price into a price tag: 15.49 -> 14.99, ¥2,318 -> ¥2,290,
// 11.84 CHF -> 11.95.
func (c *currency) charm(v int64) int64 {
	unit, step := pow10[c.exp], c.tick
	if c.exp != 2 {
		unit, step = 100, 10
	}
	w := (v + unit/2) / unit * unit
	if w <= step {
		return v
	}
	return w - step
}

// price is what one purchase at m costs in c, in minor units (positive).
func price(m *merchant, c *currency, r *rand.Rand) int64 {
	if m.lo == m.hi {
		v := c.minor(m.lo)
		if c.perUSD != 1 {
			v = c.charm(v)
		}
		return v
	}
	v := c.minor(logUniform(r, m.lo, m.hi))
	if r.IntN(4) == 0 {
		v = c.charm(v)
	}
	return v
}

// preauth is the round amount a fuel pump authorizes before it knows the
// real one: about 100 US dollars, rounded to one significant digit.
func preauth(c *currency) int64 {
	v := c.minor(100)
	p := int64(1)
	for v/p >= 10 {
		p *= 10
	}
	return (v + p/2) / p * p
}

var usTips = [...]float64{0.15, 0.18, 0.20, 0.22}

// tip is the tip added to a restaurant bill between authorization and
// posting, or 0: common and large in North America, rarer elsewhere.
func tip(a *account, amount int64, r *rand.Rand) int64 {
	var rate float64
	switch a.cc {
	case cUS, cCA:
		if r.IntN(10) >= 7 {
			return 0
		}
		rate = usTips[r.IntN(len(usTips))]
	default:
		if r.IntN(100) >= 15 {
			return 0
		}
		rate = 0.05 + 0.05*r.Float64()
	}
	t := int64(math.Round(float64(amount)*rate/float64(a.cur.tick))) * a.cur.tick
	return max(t, a.cur.tick)
}
