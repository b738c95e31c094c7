package adyen

import (
	"math"

	"github.com/fintraos/fintra/internal/money"
	"github.com/fintraos/fintra/processors/connect/source"
)

// adyenExponent lists the currencies whose minor unit in Adyen's API
// differs from ISO 4217 (https://docs.adyen.com/development-resources/currency-codes,
// the rows marked "differs from standard"). Every other currency uses its
// ISO 4217 exponent.
var adyenExponent = map[string]int{
	"CLP": 2, // ISO 0: Adyen's 100 is 1 peso
	"CVE": 0, // ISO 2
	"IDR": 0, // ISO 2
	"ISK": 2, // ISO 0: Adyen's 100 is 1 krona
}

// currency checks an Adyen currency: an upper-case ISO 4217 code with a
// minor unit.
func currency(p *source.Problems, field, c string) bool {
	if c == "" {
		p.Add(field, "required string")
		return false
	}
	exp, ok := money.Exponent(c)
	switch {
	case !ok && money.IsCurrency(upper(c)):
		p.Add(field, "%s is not an ISO 4217 code (codes are upper case)", source.QuoteControl(c))
		return false
	case !ok:
		p.Add(field, "%s is not an ISO 4217 code", source.QuoteControl(c))
		return false
	case exp == money.NoMinorUnit:
		p.Add(field, "%s has no minor unit", source.QuoteControl(c))
		return false
	}
	return true
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// toMinor converts an amount in Adyen minor units of cur (checked by
// currency) to ISO 4217 minor units, exactly: a division that leaves a
// remainder (ISK 1050, a fractional krona) is rejected, never rounded.
func toMinor(p *source.Problems, field string, amount int64, cur string) (int64, bool) {
	isoExp, _ := money.Exponent(cur)
	aExp, ok := adyenExponent[cur]
	if !ok {
		return amount, true
	}
	switch {
	case isoExp > aExp:
		f := pow10(isoExp - aExp)
		if amount > math.MaxInt64/f || amount < math.MinInt64/f {
			p.Add(field, "%d %s overflows int64 minor units", amount, cur)
			return 0, false
		}
		return amount * f, true
	case isoExp < aExp:
		f := pow10(aExp - isoExp)
		if amount%f != 0 {
			p.Add(field, "%d is not a whole number of %s minor units: Adyen states %s with %d decimals, ISO 4217 with %d", amount, cur, cur, aExp, isoExp)
			return 0, false
		}
		return amount / f, true
	}
	return amount, true
}

func pow10(n int) int64 {
	f := int64(1)
	for range n {
		f *= 10
	}
	return f
}
