package ofx

import (
	"strings"
	"time"

	"github.com/fintraos/fintra/internal/money"
	"github.com/fintraos/fintra/processors/connect/source"
)

// dateSyntax is the form of an OFX date-time, quoted in messages.
const dateSyntax = "YYYYMMDD[HHMMSS[.XXX]][[±H[.MM]][:TZ]]"

// parseDate parses an OFX date-time: YYYYMMDD, YYYYMMDDHHMMSS or
// YYYYMMDDHHMMSS.XXX (1 to 9 fraction digits), optionally followed by
// [offset] or [offset:TZ] where offset is signed hours with an optional
// .MM (minutes; one digit is tenths of an hour: -3.5 is -3:30). Without an
// offset the time is UTC, as the OFX specification says. The TZ name is
// ignored: the offset is authoritative. rule is "" on success.
func parseDate(s string) (t time.Time, rule string) {
	bad := func() (time.Time, string) {
		return time.Time{}, source.Quote(s) + " is not an OFX date-time (" + dateSyntax + ")"
	}
	body, tz, hasTZ := strings.Cut(s, "[")
	n := 0
	for n < len(body) && isDigit(body[n]) {
		n++
	}
	if n != 8 && n != 14 {
		return bad()
	}
	digits, frac := body[:n], body[n:]
	num := func(i, j int) int {
		v := 0
		for _, c := range []byte(digits[i:j]) {
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(4, 6), num(6, 8)
	var hour, minute, sec, nsec int
	if n == 14 {
		hour, minute, sec = num(8, 10), num(10, 12), num(12, 14)
	}
	if frac != "" {
		if n != 14 || frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return bad()
		}
		scale := 100000000
		for _, c := range []byte(frac[1:]) {
			if !isDigit(c) {
				return bad()
			}
			nsec += int(c-'0') * scale
			scale /= 10
		}
	}
	offset := 0
	if hasTZ {
		o, ok := parseOffset(tz)
		if !ok {
			return bad()
		}
		offset = o
	}
	if year < 1900 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, source.Quote(s) + " is not a valid date and time"
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day {
		return time.Time{}, source.Quote(s) + " is not a valid date and time"
	}
	t = t.Add(-time.Duration(offset) * time.Second)
	if t.Year() > 9999 {
		return time.Time{}, source.Quote(s) + " is not a valid date and time"
	}
	return t, ""
}

// parseOffset parses "-5:EST]", "+5.30:IST]", "0]" (the text after '[')
// and returns the offset east of UTC in seconds.
func parseOffset(tz string) (int, bool) {
	inner, ok := strings.CutSuffix(tz, "]")
	if !ok {
		return 0, false
	}
	off, name, _ := strings.Cut(inner, ":")
	for _, c := range []byte(name) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '/' || c == '+' || c == '-' || isDigit(c)) {
			return 0, false
		}
	}
	sign := 1
	switch {
	case strings.HasPrefix(off, "-"):
		sign, off = -1, off[1:]
	case strings.HasPrefix(off, "+"):
		off = off[1:]
	}
	hours, mins, hasMins := strings.Cut(off, ".")
	if len(hours) < 1 || len(hours) > 2 || !allDigits(hours) || hasMins && (len(mins) < 1 || len(mins) > 2 || !allDigits(mins)) {
		return 0, false
	}
	h := int(hours[0] - '0')
	if len(hours) == 2 {
		h = h*10 + int(hours[1]-'0')
	}
	m := 0
	switch len(mins) {
	case 1:
		m = int(mins[0]-'0') * 6
	case 2:
		m = int(mins[0]-'0')*10 + int(mins[1]-'0')
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// parseAmount parses a TRNAMT or BALAMT literal into minor units. OFX
// allows a comma as the decimal separator in some locales: a literal with
// exactly one comma and no point has its comma read as the point. rule is
// "" on success.
func parseAmount(lit, currency string) (int64, string) {
	if lit == "" {
		return 0, "required"
	}
	s := lit
	if strings.IndexByte(s, '.') < 0 && strings.Count(s, ",") == 1 {
		s = strings.Replace(s, ",", ".", 1)
	}
	v, err := money.ParseMinor(s, currency)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "money: ")
		if s != lit {
			msg += " (read with ',' as the decimal point)"
		}
		return 0, msg
	}
	return v, ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
