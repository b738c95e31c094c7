package money

import (
	"errors"
	"math"
	"math/big"
	"regexp"
	"testing"
)

func TestTable(t *testing.T) {
	if got := len(exponents); got != 178 {
		t.Errorf("table holds %d codes, ISO 4217 list one (2026-01-01) has 178", got)
	}
	code := regexp.MustCompile(`^[A-Z]{3}$`)
	for c, e := range exponents {
		if !code.MatchString(c) {
			t.Errorf("%q is not three upper-case letters", c)
		}
		if e != NoMinorUnit && (e < 0 || e >= len(pow10)) {
			t.Errorf("%s: exponent %d out of range", c, e)
		}
	}
	for _, tc := range []struct {
		code string
		exp  int
	}{
		{"JPY", 0}, {"KRW", 0}, {"ISK", 0}, {"CLP", 0}, {"VND", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0}, {"UYI", 0},
		{"EUR", 2}, {"USD", 2}, {"CHF", 2}, {"GBP", 2}, {"MGA", 2}, {"MRU", 2}, {"XCG", 2}, {"ZWG", 2}, {"XAD", 2},
		{"BHD", 3}, {"KWD", 3}, {"JOD", 3}, {"OMR", 3}, {"TND", 3}, {"LYD", 3}, {"IQD", 3},
		{"CLF", 4}, {"UYW", 4},
		{"XAU", NoMinorUnit}, {"XAG", NoMinorUnit}, {"XDR", NoMinorUnit}, {"XXX", NoMinorUnit}, {"XTS", NoMinorUnit},
	} {
		got, ok := Exponent(tc.code)
		if !ok || got != tc.exp {
			t.Errorf("Exponent(%s) = %d, %v; want %d, true", tc.code, got, ok, tc.exp)
		}
		if !IsCurrency(tc.code) {
			t.Errorf("IsCurrency(%s) = false", tc.code)
		}
	}
	for _, c := range []string{"", "eur", "EURO", "EU", "HRK", "BGN", "ANG", "ZWL", "SLL", "CUC", "DEM", "BTC"} {
		if IsCurrency(c) {
			t.Errorf("IsCurrency(%q) = true", c)
		}
		if _, ok := Exponent(c); ok {
			t.Errorf("Exponent(%q) ok", c)
		}
	}
}

func TestParseMinor(t *testing.T) {
	for _, tc := range []struct {
		in, cur string
		want    int64
	}{
		{"12.34", "EUR", 1234},
		{"-0.5", "EUR", -50},
		{"1000", "EUR", 100000},
		{"+3.100", "EUR", 310},
		{"0", "EUR", 0},
		{"-0", "EUR", 0},
		{"0.00", "USD", 0},
		{"007.50", "USD", 750},
		{"12.340000000000000000000000", "EUR", 1234},
		{"1000", "JPY", 1000},
		{"1000.000", "JPY", 1000},
		{"-4500", "KRW", -4500},
		{"1.005", "BHD", 1005},
		{"-0.001", "KWD", -1},
		{"2.5", "TND", 2500},
		{"0.0001", "CLF", 1},
		{"9223372036854775807", "JPY", math.MaxInt64},
		{"-9223372036854775808", "JPY", math.MinInt64},
		{"92233720368547758.07", "EUR", math.MaxInt64},
		{"-92233720368547758.08", "EUR", math.MinInt64},
		{"-92233720368547758.080", "EUR", math.MinInt64},
		{"9223372036854775.807", "BHD", math.MaxInt64},
		{"-922337203685477.5808", "CLF", math.MinInt64},
		{"00000000000000000000000000000001", "EUR", 100},
	} {
		got, err := ParseMinor(tc.in, tc.cur)
		if err != nil || got != tc.want {
			t.Errorf("ParseMinor(%q, %s) = %d, %v; want %d", tc.in, tc.cur, got, err, tc.want)
		}
	}
}

func TestParseMinorErrors(t *testing.T) {
	for _, tc := range []struct {
		in, cur string
		kind    error
		msg     string
	}{
		{"12.345", "EUR", ErrPrecision, "money: amount '12.345' has more decimals than EUR allows (2)"},
		{"12.3401", "EUR", ErrPrecision, "money: amount '12.3401' has more decimals than EUR allows (2)"},
		{"1.5", "JPY", ErrPrecision, "money: amount '1.5' has more decimals than JPY allows (0)"},
		{"1.0005", "BHD", ErrPrecision, "money: amount '1.0005' has more decimals than BHD allows (3)"},
		{"", "EUR", ErrSyntax, "money: amount is empty"},
		{"-", "EUR", ErrSyntax, "money: amount '-' has no digits before the decimal point"},
		{"+", "EUR", ErrSyntax, "money: amount '+' has no digits before the decimal point"},
		{".5", "EUR", ErrSyntax, "money: amount '.5' has no digits before the decimal point"},
		{"-.5", "EUR", ErrSyntax, "money: amount '-.5' has no digits before the decimal point"},
		{"5.", "EUR", ErrSyntax, "money: amount '5.' has no digits after the decimal point"},
		{".", "EUR", ErrSyntax, "money: amount '.' has no digits before the decimal point"},
		{"1e3", "EUR", ErrSyntax, "money: amount '1e3' uses exponent notation"},
		{"1.5E2", "EUR", ErrSyntax, "money: amount '1.5E2' uses exponent notation"},
		{"1,000.00", "EUR", ErrSyntax, "money: amount '1,000.00' contains a comma (use '.' as the decimal point, no grouping)"},
		{"12,34", "EUR", ErrSyntax, "money: amount '12,34' contains a comma (use '.' as the decimal point, no grouping)"},
		{"1.2.3", "EUR", ErrSyntax, "money: amount '1.2.3' has more than one decimal point"},
		{"--1", "EUR", ErrSyntax, "money: amount '--1' has a misplaced sign"},
		{"+-1", "EUR", ErrSyntax, "money: amount '+-1' has a misplaced sign"},
		{"1-", "EUR", ErrSyntax, "money: amount '1-' has a misplaced sign"},
		{" 1", "EUR", ErrSyntax, "money: amount ' 1' is not a decimal number"},
		{"1 ", "EUR", ErrSyntax, "money: amount '1 ' is not a decimal number"},
		{"0x10", "EUR", ErrSyntax, "money: amount '0x10' is not a decimal number"},
		{"NaN", "EUR", ErrSyntax, "money: amount 'NaN' is not a decimal number"},
		{"Inf", "EUR", ErrSyntax, "money: amount 'Inf' is not a decimal number"},
		{"١٢", "EUR", ErrSyntax, "money: amount '١٢' is not a decimal number"},
		{"1\x00", "EUR", ErrSyntax, `money: amount '1\x00' is not a decimal number`},
		{"9223372036854775808", "JPY", ErrRange, "money: amount '9223372036854775808' JPY overflows int64 minor units"},
		{"-9223372036854775809", "JPY", ErrRange, "money: amount '-9223372036854775809' JPY overflows int64 minor units"},
		{"92233720368547758.08", "EUR", ErrRange, "money: amount '92233720368547758.08' EUR overflows int64 minor units"},
		{"-92233720368547758.09", "EUR", ErrRange, "money: amount '-92233720368547758.09' EUR overflows int64 minor units"},
		{"92233720368547759", "EUR", ErrRange, "money: amount '92233720368547759' EUR overflows int64 minor units"},
		{"99999999999999999999999", "EUR", ErrRange, "money: amount '99999999999999999999999' EUR overflows int64 minor units"},
		{"1", "EURO", ErrCurrency, "money: 'EURO' is not an ISO 4217 code"},
		{"1", "eur", ErrCurrency, "money: 'eur' is not an ISO 4217 code"},
		{"1", "", ErrCurrency, "money: '' is not an ISO 4217 code"},
		{"1", "XAU", ErrCurrency, "money: XAU has no minor unit"},
	} {
		got, err := ParseMinor(tc.in, tc.cur)
		if err == nil {
			t.Errorf("ParseMinor(%q, %s) = %d, want an error", tc.in, tc.cur, got)
			continue
		}
		if !errors.Is(err, tc.kind) {
			t.Errorf("ParseMinor(%q, %s): %v is not %v", tc.in, tc.cur, err, tc.kind)
		}
		if err.Error() != tc.msg {
			t.Errorf("ParseMinor(%q, %s):\n got %s\nwant %s", tc.in, tc.cur, err, tc.msg)
		}
	}
}

func TestFormatMinor(t *testing.T) {
	for _, tc := range []struct {
		amount int64
		cur    string
		want   string
	}{
		{1234, "EUR", "12.34"},
		{-1234, "EUR", "-12.34"},
		{-50, "EUR", "-0.50"},
		{5, "EUR", "0.05"},
		{0, "EUR", "0.00"},
		{100, "USD", "1.00"},
		{1000, "JPY", "1000"},
		{-1, "JPY", "-1"},
		{5, "BHD", "0.005"},
		{-1005, "KWD", "-1.005"},
		{1, "CLF", "0.0001"},
		{math.MaxInt64, "EUR", "92233720368547758.07"},
		{math.MinInt64, "EUR", "-92233720368547758.08"},
		{math.MinInt64, "JPY", "-9223372036854775808"},
		{math.MinInt64, "CLF", "-922337203685477.5808"},
		{42, "XAU", "42"},
		{42, "NOPE", "42"},
	} {
		if got := FormatMinor(tc.amount, tc.cur); got != tc.want {
			t.Errorf("FormatMinor(%d, %s) = %q, want %q", tc.amount, tc.cur, got, tc.want)
		}
	}
}

func TestQuote(t *testing.T) {
	long := "1234567890123456789012345678901234567890éé"
	if got, want := quote(long), "'1234567890123456789012345678901234567890…'"; got != want {
		t.Errorf("quote(long) = %s, want %s", got, want)
	}
	if got, want := quote("ab\xffc"), `'ab\xffc'`; got != want {
		t.Errorf("quote(invalid utf-8) = %s, want %s", got, want)
	}
}

// FuzzParseMinor checks ParseMinor against math/big on the same grammar,
// and that FormatMinor's output parses back to the same amount.
func FuzzParseMinor(f *testing.F) {
	for _, s := range []string{"12.34", "-0.5", "1000", "+3.100", "0", "-92233720368547758.08", "92233720368547758.07",
		"9223372036854775807", "1e3", "1,5", ".5", "5.", "", "-", "1.2.3", "0.0001", "12.345"} {
		for _, c := range []string{"EUR", "JPY", "BHD", "CLF", "XAU"} {
			f.Add(s, c)
		}
	}
	grammar := regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)
	minInt, maxInt := big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	f.Fuzz(func(t *testing.T, s, cur string) {
		got, err := ParseMinor(s, cur)
		exp, known := Exponent(cur)
		if !known || exp == NoMinorUnit {
			if !errors.Is(err, ErrCurrency) {
				t.Fatalf("ParseMinor(%q, %q) = %d, %v; want ErrCurrency", s, cur, got, err)
			}
			return
		}
		if !grammar.MatchString(s) {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("ParseMinor(%q, %s) = %d, %v; want ErrSyntax", s, cur, got, err)
			}
			return
		}
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("big.Rat cannot parse %q", s)
		}
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)))
		switch {
		case !r.IsInt():
			if !errors.Is(err, ErrPrecision) {
				t.Fatalf("ParseMinor(%q, %s) = %d, %v; want ErrPrecision", s, cur, got, err)
			}
			return
		case r.Num().Cmp(minInt) < 0 || r.Num().Cmp(maxInt) > 0:
			if !errors.Is(err, ErrRange) {
				t.Fatalf("ParseMinor(%q, %s) = %d, %v; want ErrRange", s, cur, got, err)
			}
			return
		}
		if err != nil || got != r.Num().Int64() {
			t.Fatalf("ParseMinor(%q, %s) = %d, %v; want %s", s, cur, got, err, r.Num())
		}
		formatted := FormatMinor(got, cur)
		back, err := ParseMinor(formatted, cur)
		if err != nil || back != got {
			t.Fatalf("FormatMinor(%d, %s) = %q parses back to %d, %v", got, cur, formatted, back, err)
		}
	})
}
