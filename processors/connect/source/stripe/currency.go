package stripe

import (
	"math"
	"strings"

	"github.com/fintraos/fintra/internal/money"
	"github.com/fintraos/fintra/processors/connect/source"
)

// Stripe states every amount as an integer in "the currency's smallest
// unit", but its idea of that unit is not always ISO 4217's
// (https://docs.stripe.com/currencies):
//
//   - zero-decimal currencies: the amount is in whole units. Stripe's list
//     matches ISO 4217's exponent 0 except MGA (ISO exponent 2: a Stripe
//     500 MGA is 50000 ISO minor units);
//   - three-decimal currencies (BHD, JOD, KWD, OMR, TND): thousandths, as
//     ISO. Stripe requires the last digit of an amount it is sent to be 0;
//     amounts it reports are converted exactly whatever they end in;
//   - every other currency is two-decimal in the API. That includes ISK
//     (ISO exponent 0): Stripe kept ISK two-decimal for backwards
//     compatibility, so 100 means 1 krona and the amount must be divisible
//     by 100; HUF and TWD (two-decimal in ISO as in the API; Stripe only
//     pays them out in whole units); and UGX is zero-decimal in both.
//
// So the Stripe exponent is 0 for the zero-decimal list, 3 for the
// three-decimal list and 2 otherwise, and an amount is scaled by
// 10^(ISO exponent - Stripe exponent); a division that leaves a remainder
// (ISK 1050, a fractional krona) is rejected, never rounded.
var stripeExponent = map[string]int{
	// Zero-decimal currencies.
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "JPY": 0, "KMF": 0, "KRW": 0, "MGA": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	// Three-decimal currencies.
	"BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3,
}

// currency maps a Stripe currency ("usd") to its ISO 4217 code ("USD"),
// recording a problem when it is not one.
func currency(p *source.Problems, field, c string) (string, bool) {
	if c == "" {
		p.Add(field, "required string")
		return "", false
	}
	iso := strings.ToUpper(c)
	exp, ok := money.Exponent(iso)
	switch {
	case !ok:
		p.Add(field, "%s is not an ISO 4217 code", source.QuoteControl(c))
		return "", false
	case exp == money.NoMinorUnit:
		p.Add(field, "%s has no minor unit", source.QuoteControl(c))
		return "", false
	}
	return iso, true
}

// toMinor converts a Stripe amount in iso (an upper-case code that
// currency accepted) to ISO 4217 minor units.
func toMinor(p *source.Problems, field string, amount int64, iso string) (int64, bool) {
	isoExp, _ := money.Exponent(iso)
	sExp, ok := stripeExponent[iso]
	if !ok {
		sExp = 2
	}
	switch {
	case isoExp > sExp:
		f := int64(1)
		for range isoExp - sExp {
			f *= 10
		}
		if amount > math.MaxInt64/f || amount < math.MinInt64/f {
			p.Add(field, "%d %s overflows int64 minor units", amount, iso)
			return 0, false
		}
		return amount * f, true
	case isoExp < sExp:
		f := int64(1)
		for range sExp - isoExp {
			f *= 10
		}
		if amount%f != 0 {
			p.Add(field, "%d is not a whole number of %s minor units: Stripe states %s with %d decimals, ISO 4217 with %d", amount, iso, iso, sExp, isoExp)
			return 0, false
		}
		return amount / f, true
	}
	return amount, true
}
