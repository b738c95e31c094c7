package synth

import (
	"strconv"
	"unicode/utf8"
)

// The payloads are written by hand: encoding/json's reflection would cost
// more than everything else the generator does. A test checks that
// encoding/json decodes every valid payload and re-encodes it to the same
// bytes.

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string, escaped as encoding/json escapes
// it with SetEscapeHTML(false): quote, backslash and control characters,
// U+2028 and U+2029, and invalid UTF-8 as U+FFFD.
func appendQuoted[S ~string | ~[]byte](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		// At most 4 bytes: the conversion of a []byte stays on the stack.
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendPadded appends v in decimal, zero-padded to width digits.
func appendPadded(b []byte, v uint64, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for v > 0 || len(buf)-i < width {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[i:]...)
}

// appendAccountID appends "acc-000123".
func appendAccountID(b []byte, idx int) []byte {
	return appendPadded(append(b, "acc-"...), uint64(idx), 6)
}

// appendTxID appends "tx-000123-42": the account and the transaction number,
// with mark before the number for payloads that are not meant to be valid.
func appendTxID(b []byte, idx int, seq uint64, mark byte) []byte {
	b = appendPadded(append(b, "tx-"...), uint64(idx), 6)
	b = append(b, '-')
	if mark != 0 {
		b = append(b, mark)
	}
	return strconv.AppendUint(b, seq, 10)
}

// appendMajor appends an amount in minor units as a decimal in major units:
// -1250 USD is "-12.50", 1200 JPY "1200", 5250 BHD "5.250".
func appendMajor(b []byte, v int64, exp int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	p := pow10[exp]
	b = strconv.AppendInt(b, v/p, 10)
	if exp > 0 {
		b = append(b, '.')
		b = appendPadded(b, uint64(v%p), exp)
	}
	return b
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's days_from_civil, inverted).
func civil(days int64) (year, month, day int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		month = int(mp + 3)
	} else {
		month = int(mp - 9)
	}
	year = int(yoe + era*400)
	if month <= 2 {
		year++
	}
	return year, month, day
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// date is a calendar day, computed once per day of the stream.
type date struct {
	days             int64 // since 1970-01-01
	year, month, day int
	weekday          int      // 0 = Sunday
	rfc3339          [11]byte // "2026-01-05T"
}

func (d *date) set(days int64) {
	d.days = days
	d.year, d.month, d.day = civil(days)
	d.weekday = int((days%7 + 11) % 7) // 1970-01-01 was a Thursday
	b := appendPadded(d.rfc3339[:0], uint64(d.year), 4)
	b = append(b, '-')
	b = appendPadded(b, uint64(d.month), 2)
	b = append(b, '-')
	b = appendPadded(b, uint64(d.day), 2)
	_ = append(b, 'T')
}

// calendar caches the date of the last timestamp written: consecutive
// payloads are mostly on the same day.
type calendar struct {
	d   date
	set bool
}

func (c *calendar) date(unix int64) *date {
	days := floorDiv(unix, 86400)
	if !c.set || c.d.days != days {
		c.d.set(days)
		c.set = true
	}
	return &c.d
}

// appendTime appends unix as RFC 3339 in UTC: 2026-01-05T08:13:22Z.
func (c *calendar) appendTime(b []byte, unix int64) []byte {
	d := c.date(unix)
	sod := unix - d.days*86400
	b = append(b, d.rfc3339[:]...)
	b = appendPadded(b, uint64(sod/3600), 2)
	b = append(b, ':')
	b = appendPadded(b, uint64(sod/60%60), 2)
	b = append(b, ':')
	b = appendPadded(b, uint64(sod%60), 2)
	return append(b, 'Z')
}
