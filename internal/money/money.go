// Package money knows the ISO 4217 currencies and converts between decimal
// amounts ("12.34") and exact int64 minor units (1234), the only form money
// takes in the pipeline. It never goes through float64: 0.1+0.2 is not 0.3.
package money

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Errors that ParseMinor wraps, for errors.Is.
var (
	// ErrSyntax: the amount is not a plain decimal number.
	ErrSyntax = errors.New("money: invalid amount")
	// ErrPrecision: the amount has more significant decimals than the currency's minor unit.
	ErrPrecision = errors.New("money: too many decimals")
	// ErrRange: the amount in minor units does not fit in an int64.
	ErrRange = errors.New("money: amount out of range")
	// ErrCurrency: the currency is not an ISO 4217 code, or has no minor unit.
	ErrCurrency = errors.New("money: unusable currency")
)

// Error is a ParseMinor failure. Its message names the amount and the rule;
// Unwrap returns one of ErrSyntax, ErrPrecision, ErrRange or ErrCurrency.
type Error struct {
	msg  string
	kind error
}

func (e *Error) Error() string { return "money: " + e.msg }

// Unwrap returns the error's kind.
func (e *Error) Unwrap() error { return e.kind }

func fail(kind error, format string, args ...any) error {
	return &Error{msg: fmt.Sprintf(format, args...), kind: kind}
}

// Exponent returns the number of minor-unit digits of an ISO 4217 code
// (JPY 0, EUR 2, BHD 3, CLF 4), or NoMinorUnit for the codes that have none
// (XAU, XDR, ...). ok is false when code is not a current ISO 4217 code;
// codes are upper case.
func Exponent(code string) (exp int, ok bool) {
	exp, ok = exponents[code]
	return exp, ok
}

// IsCurrency reports whether code is a current ISO 4217 alphabetic code,
// including funds codes and codes without a minor unit.
func IsCurrency(code string) bool {
	_, ok := exponents[code]
	return ok
}

// pow10 holds 10^0 .. 10^4, enough for every ISO 4217 exponent.
var pow10 = [...]uint64{1, 10, 100, 1000, 10000}

// ParseMinor parses a decimal amount into minor units of currency:
// ParseMinor("12.34", "EUR") = 1234, ParseMinor("-0.5", "EUR") = -50,
// ParseMinor("1000", "JPY") = 1000, ParseMinor("+3.100", "EUR") = 310.
//
// The syntax is an optional sign, one or more ASCII digits, and optionally a
// '.' followed by one or more digits. Anything else is rejected: empty
// strings, spaces, exponents ("1e3"), grouping or decimal commas ("1,000",
// "12,34"), a lone or leading or trailing point (".5", "5."). Decimals beyond
// the currency's exponent must be zeros: "12.345" EUR is an error, never
// rounded. The result must fit in an int64 (math.MinInt64 included).
func ParseMinor(decimal string, currency string) (int64, error) {
	exp, ok := exponents[currency]
	if !ok {
		return 0, fail(ErrCurrency, "%s is not an ISO 4217 code", quote(currency))
	}
	if exp == NoMinorUnit {
		return 0, fail(ErrCurrency, "%s has no minor unit", currency)
	}
	s := decimal
	if s == "" {
		return 0, fail(ErrSyntax, "amount is empty")
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	intPart, frac, hasPoint := s, "", false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			continue
		}
		if c == '.' && !hasPoint {
			intPart, frac, hasPoint = s[:i], s[i+1:], true
			continue
		}
		return 0, syntaxError(decimal, c)
	}
	if intPart == "" {
		return 0, fail(ErrSyntax, "amount %s has no digits before the decimal point", quote(decimal))
	}
	if hasPoint && frac == "" {
		return 0, fail(ErrSyntax, "amount %s has no digits after the decimal point", quote(decimal))
	}
	// Zeros beyond the exponent carry no value: "3.100" EUR is 310.
	sig := len(frac)
	for sig > exp && frac[sig-1] == '0' {
		sig--
	}
	if sig > exp {
		return 0, fail(ErrPrecision, "amount %s has more decimals than %s allows (%d)", quote(decimal), currency, exp)
	}
	frac = frac[:sig]

	// Accumulate the magnitude in a uint64 so that -2^63 is reachable.
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	var mag uint64
	for _, digits := range [2]string{intPart, frac} {
		for i := 0; i < len(digits); i++ {
			d := uint64(digits[i] - '0')
			if mag > (limit-d)/10 {
				return 0, rangeError(decimal, currency)
			}
			mag = mag*10 + d
		}
	}
	scale := pow10[exp-len(frac)]
	if mag > limit/scale {
		return 0, rangeError(decimal, currency)
	}
	mag *= scale
	if neg {
		return int64(-mag), nil // wraps to math.MinInt64 for mag = 2^63, as intended
	}
	return int64(mag), nil
}

func syntaxError(decimal string, c byte) error {
	switch c {
	case 'e', 'E':
		return fail(ErrSyntax, "amount %s uses exponent notation", quote(decimal))
	case ',':
		return fail(ErrSyntax, "amount %s contains a comma (use '.' as the decimal point, no grouping)", quote(decimal))
	case '.':
		return fail(ErrSyntax, "amount %s has more than one decimal point", quote(decimal))
	case '-', '+':
		return fail(ErrSyntax, "amount %s has a misplaced sign", quote(decimal))
	default:
		return fail(ErrSyntax, "amount %s is not a decimal number", quote(decimal))
	}
}

func rangeError(decimal, currency string) error {
	return fail(ErrRange, "amount %s %s overflows int64 minor units", quote(decimal), currency)
}

// FormatMinor renders minor units as a decimal with exactly the currency's
// exponent of decimals: FormatMinor(-1234, "EUR") = "-12.34",
// FormatMinor(5, "BHD") = "0.005", FormatMinor(1000, "JPY") = "1000".
// ParseMinor(FormatMinor(a, c), c) == a for every a and every c with a
// minor unit. An unknown currency or one without a minor unit is rendered
// with no decimals.
func FormatMinor(amount int64, currency string) string {
	exp := exponents[currency]
	if exp <= 0 {
		return strconv.FormatInt(amount, 10)
	}
	var buf [24]byte // sign, 19 digits, point, and room for leading zeros
	mag := uint64(amount)
	if amount < 0 {
		mag = -mag // two's complement: correct for math.MinInt64 too
	}
	i := len(buf)
	for n := 0; n <= exp || mag > 0; n++ {
		if n == exp {
			i--
			buf[i] = '.'
		}
		i--
		buf[i] = byte('0' + mag%10)
		mag /= 10
	}
	if amount < 0 {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// quote renders an input in a message: single-quoted as the pipeline's
// messages do, escaped when it holds something unprintable, cut when long.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			q := strconv.Quote(s)
			return "'" + q[1:len(q)-1] + "'"
		}
	}
	return "'" + s + "'"
}
