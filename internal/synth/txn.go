package synth

import (
	"math/rand/v2"
	"strconv"
)

type txType uint8

const (
	typeCreated txType = iota
	typeUpdated
	typeRemoved
)

var typeNames = [...]string{typeCreated: "created", typeUpdated: "updated", typeRemoved: "removed"}

type status uint8

const (
	statusNone status = iota // removed transactions carry none
	statusPending
	statusPosted
)

var statusNames = [...]string{statusPending: "pending", statusPosted: "posted"}

// txn is one transaction about to be written as a payload.
type txn struct {
	acct       account
	seq        uint64 // transaction number, in transaction_id
	mark       byte   // transaction_id marker of an invalid payload, 0 otherwise
	typ        txType
	status     status
	amount     int64 // minor units, positive = into the account
	at         int64 // occurred_at, Unix seconds
	postedAt   int64 // posted_at, Unix seconds; 0 = none
	desc       []byte
	merchant   string
	mcc        string
	country    string
	city       string
	pendingSeq uint64 // pending transaction an update supersedes; 0 = none
	reason     string
	// How the payment was made, for Truth.Context in fraud mode.
	card    bool  // a card purchase or refund
	present bool  // at a terminal
	atm     bool  // a cash withdrawal
	loc     *city // where the card was
}

// fresh makes a new transaction: mostly card purchases, then transfers,
// ATM withdrawals, salaries, rent, fees, refunds and interest.
func (g *Generator) fresh(t *txn) {
	a := g.account(g.pickAccount(g.zipf))
	r := g.content
	c := a.cur
	switch u := r.IntN(1000); {
	case u < 800:
		g.purchase(t, a)
	case u < 815:
		g.refund(t, a)
	case u < 835:
		g.entry(t, a, a.ctry.salary, a.salary(), false)
	case u < 865:
		g.entry(t, a, a.ctry.transferIn, transfer(c, r, 20, 1500), false)
	case u < 905:
		g.entry(t, a, a.ctry.transferOut, -transfer(c, r, 10, 1000), false)
	case u < 915:
		g.entry(t, a, a.ctry.rent, -a.rent(), false)
	case u < 945:
		g.entry(t, a, a.ctry.atm, -c.atm[r.IntN(len(c.atm))]*pow10[c.exp], true)
	case u < 960:
		g.entry(t, a, a.ctry.fee, -c.minor(logUniform(r, 1, 35)), false)
	case u < 965:
		g.entry(t, a, a.ctry.interest, c.minor(logUniform(r, 0.01, 20)), false)
	default:
		g.purchase(t, a)
	}
}

// transfer is a transfer amount, often in round units as people send them.
func transfer(c *currency, r *rand.Rand, lo, hi float64) int64 {
	v := c.minor(logUniform(r, lo, hi))
	if r.IntN(2) == 0 {
		v = c.whole(v, 5)
	}
	return v
}

// purchase is a card purchase: posted at once, or pending first and posted
// (or expired) later.
func (g *Generator) purchase(t *txn, a account) {
	r := g.content
	l := merchantsIn[a.cc]
	mi := l.pick(r.IntN(len(l)))
	m := &merchants[mi]
	amount := price(m, a.cur, r)
	dseed := r.Uint64()
	now := g.clock()
	g.seq++
	*t = txn{acct: a, seq: g.seq, typ: typeCreated, status: statusPosted, amount: -amount, at: now, postedAt: now}
	if r.Float64() < pendingShare {
		t.status, t.postedAt = statusPending, 0
		final := amount
		if m.cat == catFuel && r.Float64() < preauthShare {
			t.amount = -preauth(a.cur)
		}
		if m.cat.tipped() {
			final += tip(&a, amount, r)
		}
		p := pending{seq: g.seq, dseed: dseed, final: -final, authAt: now, acct: int32(a.idx), merch: uint16(mi)}
		if r.Float64() < expireShare {
			p.expire = true
			p.due = g.now + 3*86400 + 4*86400*r.Float64()
		} else {
			p.due = g.now + min(6*3600+30*3600*r.ExpFloat64(), 5*86400)
		}
		g.pend.push(p)
	}
	g.describeCard(t, mi, dseed, now, a.style)
}

// refund is money back from a merchant that sells returnable things.
func (g *Generator) refund(t *txn, a account) {
	r := g.content
	l := refundsIn[a.cc]
	mi := l.pick(r.IntN(len(l)))
	amount := price(&merchants[mi], a.cur, r)
	dseed := r.Uint64()
	wrap := a.ctry.refund[r.IntN(len(a.ctry.refund))]
	now := g.clock()
	g.seq++
	*t = txn{acct: a, seq: g.seq, typ: typeCreated, status: statusPosted, amount: amount, at: now, postedAt: now}
	g.describeCard(t, mi, dseed, now, wrap)
}

// settle posts a pending transaction under a new id, or expires it.
func (g *Generator) settle(t *txn, p pending) {
	a := g.account(int(p.acct))
	now := g.clock()
	if p.expire {
		*t = txn{acct: a, seq: p.seq, typ: typeRemoved, at: now, reason: "authorization expired"}
		return
	}
	g.seq++
	// occurred_at stays the authorization time; posted_at is now.
	*t = txn{acct: a, seq: g.seq, typ: typeUpdated, status: statusPosted, amount: p.final,
		at: p.authAt, postedAt: now, pendingSeq: p.seq}
	g.describeCard(t, int(p.merch), p.dseed, p.authAt, a.style)
}

// entry is a bank entry that is not a card purchase.
func (g *Generator) entry(t *txn, a account, tmpls []template, amount int64, atm bool) {
	now := g.clock()
	g.seq++
	*t = txn{acct: a, seq: g.seq, typ: typeCreated, status: statusPosted, amount: amount, at: now, postedAt: now}
	g.descSrc.Seed(g.content.Uint64(), streamDesc)
	x := descCtx{r: g.desc, a: &t.acct, loc: a.home, at: now}
	g.descBuf = g.expand(g.descBuf[:0], tmpls[g.desc.IntN(len(tmpls))], &x)
	t.desc = g.descBuf
	t.atm = atm
	if atm {
		if a.detail >= 1 {
			t.mcc = "6011"
		}
		if a.detail >= 2 {
			t.country, t.city = a.ctry.code, a.home.name
		}
	}
}

// describeCard writes the descriptor of a card transaction at merchant mi
// and the optional fields the account's producer sends. Everything random
// in it comes from dseed, so a posting repeats its pending descriptor.
func (g *Generator) describeCard(t *txn, mi int, dseed uint64, at int64, wrap template) {
	g.descSrc.Seed(dseed, streamDesc)
	r := g.desc
	a := &t.acct
	m := &merchants[mi]
	loc := a.home
	if r.Float64() < travelShare {
		loc = &a.ctry.cities[r.IntN(len(a.ctry.cities))]
	}
	// Each account mostly sees one descriptor variant of a merchant (its
	// card network, its app); sometimes another.
	ti := int(a.trait(traitTemplate+uint64(mi)<<8) % uint64(len(m.tmpls)))
	if r.IntN(5) == 0 {
		ti = r.IntN(len(m.tmpls))
	}
	t.card, t.present, t.loc = true, m.cat.present(), loc
	x := descCtx{r: r, a: a, loc: loc, merch: mi, at: at, inner: m.tmpls[ti]}
	g.descBuf = g.expand(g.descBuf[:0], wrap, &x)
	t.desc = g.descBuf
	if a.detail >= 1 {
		t.mcc = m.mcc
	}
	if a.detail >= 2 {
		t.country = a.ctry.code
		if m.cat.present() {
			t.city = loc.name
		}
	}
	if a.detail >= 3 {
		t.merchant = m.name
	}
}

// descCtx is what a template's placeholders are filled from.
type descCtx struct {
	r     *rand.Rand
	a     *account
	loc   *city
	merch int
	at    int64
	inner template // the merchant's descriptor, for {M}
}

const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

var weekdays = [...]string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

func (g *Generator) expand(b []byte, t template, x *descCtx) []byte {
	for _, p := range t {
		switch p.ph {
		case phLit:
			b = append(b, p.lit...)
		case phCity:
			b = append(b, x.loc.upper...)
		case phST:
			if x.loc.state != "" {
				b = append(b, x.loc.state...)
			} else {
				b = append(b, x.a.ctry.code...)
			}
		case phCC:
			b = append(b, x.a.ctry.code...)
		case phStore:
			// An account shops at one or two branches of a chain.
			k := uint64(0)
			if u := x.r.IntN(10); u >= 9 {
				k = 2
			} else if u >= 7 {
				k = 1
			}
			n := x.a.trait(traitStore+uint64(x.merch)<<8+k<<32) % uint64(pow10u(p.n))
			b = appendPadded(b, n, p.n)
		case phRef:
			v := x.r.Uint64()
			for i := range p.n {
				if i > 0 && i%12 == 0 {
					v = x.r.Uint64()
				}
				b = append(b, alnum[v%36])
				v /= 36
			}
		case phDigits:
			v := x.r.Uint64()
			for i := range p.n {
				if i > 0 && i%19 == 0 {
					v = x.r.Uint64()
				}
				b = append(b, byte('0'+v%10))
				v /= 10
			}
		case phDate, phMMDD, phDDMM, phDMY, phDMYYYY, phMonth, phYear, phDOW, phH12:
			b = g.appendDate(b, p.ph, x.at)
		case phRest:
			// DoorDash squeezes the restaurant into nine characters.
			name, n := restaurants[x.r.IntN(len(restaurants))], 0
			for i := 0; i < len(name) && n < 9; i++ {
				if c := name[i]; c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
					b = append(b, c)
					n++
				}
			}
		case phRestN:
			name := restaurants[x.r.IntN(len(restaurants))]
			if len(name) > 14 {
				name = name[:14]
			}
			b = append(b, name...)
		case phName:
			// Transfers go to and come from a handful of regular contacts.
			k := uint64(x.r.IntN(5))
			names := x.a.ctry.names
			b = append(b, names[x.a.trait(traitContact+k<<8)%uint64(len(names))]...)
		case phHolder:
			b = append(b, x.a.ctry.names[x.a.trait(traitHolder)%uint64(len(x.a.ctry.names))]...)
		case phEmp:
			b = append(b, employers[x.a.trait(traitEmployer)%uint64(len(employers))]...)
		case phProp:
			b = append(b, x.a.ctry.props[x.a.trait(traitProp)%uint64(len(x.a.ctry.props))]...)
		case phBank:
			b = append(b, x.a.ctry.banks[x.a.trait(traitBank)%uint64(len(x.a.ctry.banks))]...)
		case phCard:
			b = appendPadded(b, x.a.trait(traitCard)%10000, 4)
		case phShop:
			b = append(b, shops[x.r.IntN(len(shops))]...)
		case phM:
			b = g.expand(b, x.inner, x)
		}
	}
	return b
}

func pow10u(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

func (g *Generator) appendDate(b []byte, ph placeholder, at int64) []byte {
	d := g.cal.date(at)
	switch ph {
	case phDate: // 01/05
		b = appendPadded(b, uint64(d.month), 2)
		b = append(b, '/')
		b = appendPadded(b, uint64(d.day), 2)
	case phMMDD: // 0105
		b = appendPadded(b, uint64(d.month), 2)
		b = appendPadded(b, uint64(d.day), 2)
	case phDDMM: // 05/01
		b = appendPadded(b, uint64(d.day), 2)
		b = append(b, '/')
		b = appendPadded(b, uint64(d.month), 2)
	case phDMY: // 05.01.26
		b = appendPadded(b, uint64(d.day), 2)
		b = append(b, '.')
		b = appendPadded(b, uint64(d.month), 2)
		b = append(b, '.')
		b = appendPadded(b, uint64(d.year%100), 2)
	case phDMYYYY: // 05/01/2026
		b = appendPadded(b, uint64(d.day), 2)
		b = append(b, '/')
		b = appendPadded(b, uint64(d.month), 2)
		b = append(b, '/')
		b = appendPadded(b, uint64(d.year), 4)
	case phMonth:
		b = appendPadded(b, uint64(d.month), 2)
	case phYear:
		b = appendPadded(b, uint64(d.year), 4)
	case phDOW:
		b = append(b, weekdays[d.weekday]...)
	case phH12: // 8PM
		h := (at - d.days*86400) / 3600
		b = strconv.AppendInt(b, (h+11)%12+1, 10)
		if h < 12 {
			b = append(b, "AM"...)
		} else {
			b = append(b, "PM"...)
		}
	}
	return b
}

// appendTxn writes t as a fintra-json object, with flaw f (flawNone for a
// valid payload) applied to the fields it concerns.
func (g *Generator) appendTxn(b []byte, t *txn, f flaw) []byte {
	b = append(b, '{')
	start := len(b)
	if f != flawNoAccount {
		b = appendAccountID(append(b, `"account_id":"`...), t.acct.idx)
		b = append(b, '"')
	}
	b = appendTxID(append(key(b, start, "transaction_id"), '"'), t.acct.idx, t.seq, t.mark)
	b = append(b, '"')
	if t.typ != typeCreated || !t.acct.omitType {
		b = append(key(b, start, "type"), '"')
		b = append(append(b, typeNames[t.typ]...), '"')
	}
	if t.status != statusNone {
		b = append(key(b, start, "status"), '"')
		b = append(append(b, statusNames[t.status]...), '"')
	}
	if t.typ != typeRemoved {
		cur := t.acct.cur
		switch f {
		case flawFloatAmount: // major units as a float: -12.5
			b = appendFloatAmount(key(b, start, "amount_minor"), t.amount, cur.exp)
		case flawStringAmount: // major units as a string: "-12.50"
			b = append(appendMajor(append(key(b, start, "amount_minor"), '"'), t.amount, cur.exp), '"')
		case flawUnknownField:
			b = strconv.AppendInt(key(b, start, "amout"), t.amount, 10)
		default:
			b = strconv.AppendInt(key(b, start, "amount_minor"), t.amount, 10)
		}
		b = key(b, start, "currency")
		switch f {
		case flawCurrencyName:
			b = appendQuoted(b, cur.name)
		case flawCurrencyLower:
			b = append(b, '"', cur.code[0]|0x20, cur.code[1]|0x20, cur.code[2]|0x20, '"')
		default:
			b = append(append(append(b, '"'), cur.code...), '"')
		}
	}
	switch f {
	case flawNoTime:
	case flawBadTime:
		b = g.appendBadTime(key(b, start, "occurred_at"), t.at, t.seq)
	default:
		b = append(g.cal.appendTime(append(key(b, start, "occurred_at"), '"'), t.at), '"')
	}
	if t.postedAt != 0 {
		b = append(g.cal.appendTime(append(key(b, start, "posted_at"), '"'), t.postedAt), '"')
	}
	if len(t.desc) > 0 {
		b = appendQuoted(key(b, start, "description"), t.desc)
	}
	if t.merchant != "" {
		b = appendQuoted(key(b, start, "merchant_name"), t.merchant)
	}
	if t.mcc != "" {
		b = appendQuoted(key(b, start, "mcc"), t.mcc)
	}
	if t.country != "" {
		b = appendQuoted(key(b, start, "country"), t.country)
	}
	if t.city != "" {
		b = appendQuoted(key(b, start, "city"), t.city)
	}
	if t.pendingSeq != 0 {
		b = appendTxID(append(key(b, start, "pending_transaction_id"), '"'), t.acct.idx, t.pendingSeq, 0)
		b = append(b, '"')
	}
	if t.reason != "" {
		b = appendQuoted(key(b, start, "reason"), t.reason)
	}
	return append(b, '}')
}

// key appends an object key, after a comma unless it is the first.
func key(b []byte, start int, k string) []byte {
	if len(b) > start {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, k...)
	return append(b, '"', ':')
}
