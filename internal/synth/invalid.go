package synth

import (
	"strconv"
	"time"
)

// flaw is a mistake real producers make; each one breaks a rule a strict
// fintra-json validator enforces.
type flaw uint8

const (
	flawNone          flaw = iota
	flawTruncated          // the record was cut off mid-object
	flawCSV                // a CSV line sent to the JSON topic
	flawXML                // an XML document sent to the JSON topic
	flawFloatAmount        // amount_minor as a float in major units: -12.5
	flawStringAmount       // amount_minor as a string: "-12.50"
	flawCurrencyName       // currency spelled out: "EURO", "£"
	flawCurrencyLower      // currency in lower case: "usd"
	flawNoAccount          // account_id missing
	flawNoTime             // occurred_at missing
	flawBadTime            // occurred_at not RFC 3339: "2026-13-45"
	flawUnknownField       // "amout" instead of amount_minor
	flawArray              // an array holding the object
	flawEmpty              // no bytes at all
	numFlaws
)

var flawNames = [...]string{
	flawNone: "none", flawTruncated: "truncated", flawCSV: "csv", flawXML: "xml",
	flawFloatAmount: "float amount", flawStringAmount: "string amount", flawCurrencyName: "currency name",
	flawCurrencyLower: "lower-case currency", flawNoAccount: "no account_id", flawNoTime: "no occurred_at",
	flawBadTime: "bad timestamp", flawUnknownField: "unknown field", flawArray: "array", flawEmpty: "empty",
}

func (f flaw) String() string { return flawNames[f] }

// invalid makes a malformed payload with a flaw drawn at random: a card purchase of a Zipf-drawn account
// at the current stream time, written with one flaw. Its transaction id
// carries an "x" before the number so that it never names a valid
// transaction.
func (g *Generator) invalid() Payload {
	return g.flawed(flaw(1 + g.noise.IntN(int(numFlaws)-1)))
}

func (g *Generator) flawed(f flaw) Payload {
	r := g.noise
	a := g.account(g.pickAccount(g.zipfBad))
	l := merchantsIn[a.cc]
	mi := l.pick(r.IntN(len(l)))
	now := g.clock()
	g.flawSeq++
	t := txn{acct: a, seq: g.flawSeq, mark: 'x', typ: typeCreated, status: statusPosted,
		amount: -price(&merchants[mi], a.cur, r), at: now, postedAt: now}
	g.describeCard(&t, mi, r.Uint64(), now, a.style)

	b := g.buf[:0]
	switch f {
	case flawTruncated:
		b = g.appendTxn(b, &t, flawNone)
		b = b[:len(b)/2+r.IntN(len(b)/2)] // any proper prefix of an object is broken
	case flawCSV:
		b = g.appendCSV(b, &t)
	case flawXML:
		b = g.appendXML(b, &t)
	case flawArray:
		b = append(g.appendTxn(append(b, '['), &t, flawNone), ']')
	case flawEmpty:
	default:
		b = g.appendTxn(b, &t, f)
	}
	g.buf = b
	key := g.key(a.idx)
	if f == flawNoAccount {
		key = ""
	}
	return Payload{Bytes: clone(b), Key: key, Kind: KindInvalid}
}

// appendFloatAmount writes an amount in major units as a JSON float. It
// always has a fractional part (JPY has no minor unit, and -12.00 might
// pass a lenient validator), so no validator can take it for an integer.
func appendFloatAmount(b []byte, v int64, exp int) []byte {
	n := len(b)
	b = appendMajor(b, v, exp)
	// Trim trailing zeros of the fraction; if none of it is left, add ".5".
	if exp > 0 {
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
		if b[len(b)-1] == '.' {
			b = b[:len(b)-1]
		}
	}
	for _, c := range b[n:] {
		if c == '.' {
			return b
		}
	}
	return append(b, ".5"...)
}

// appendBadTime writes an occurred_at that is not RFC 3339, in one of the
// ways producers get it wrong.
func (g *Generator) appendBadTime(b []byte, at int64, variant uint64) []byte {
	t := time.Unix(at, 0).UTC()
	b = append(b, '"')
	switch variant % 6 {
	case 0:
		b = append(b, "2026-13-45"...)
	case 1:
		b = append(b, "2026-13-45T25:61:00Z"...)
	case 2:
		b = t.AppendFormat(b, time.DateTime) // no T, no zone
	case 3:
		b = t.AppendFormat(b, "02/01/2006 15:04:05")
	case 4:
		b = strconv.AppendInt(b, at, 10) // Unix seconds, as a string
	default:
		b = t.AppendFormat(b, "2006-01-02T15:04:05") // no zone
	}
	return append(b, '"')
}

// appendCSV writes t as a CSV line, as an export job would.
func (g *Generator) appendCSV(b []byte, t *txn) []byte {
	b = appendAccountID(b, t.acct.idx)
	b = appendTxID(append(b, ','), t.acct.idx, t.seq, t.mark)
	b = append(append(b, ','), statusNames[t.status]...)
	b = appendMajor(append(b, ','), t.amount, t.acct.cur.exp)
	b = append(append(b, ','), t.acct.cur.code...)
	b = g.cal.appendTime(append(b, ','), t.at)
	b = append(b, ',', '"')
	for _, c := range t.desc {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// appendXML writes t as a one-line XML document.
func (g *Generator) appendXML(b []byte, t *txn) []byte {
	b = append(b, `<?xml version="1.0" encoding="UTF-8"?><transaction><account_id>`...)
	b = appendAccountID(b, t.acct.idx)
	b = appendTxID(append(b, "</account_id><transaction_id>"...), t.acct.idx, t.seq, t.mark)
	b = appendMajor(append(b, "</transaction_id><amount>"...), t.amount, t.acct.cur.exp)
	b = append(append(b, "</amount><currency>"...), t.acct.cur.code...)
	b = g.cal.appendTime(append(b, "</currency><booked>"...), t.at)
	b = append(b, "</booked><description>"...)
	for _, c := range t.desc {
		switch c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		default:
			b = append(b, c)
		}
	}
	return append(b, "</description></transaction>"...)
}
