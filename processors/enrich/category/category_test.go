package category

import (
	"testing"

	"github.com/fintraos/fintra/processors/enrich/clean"
)

func TestTaxonomy(t *testing.T) {
	all := All()
	if len(all) < 100 {
		t.Fatalf("All() has %d codes, want the whole taxonomy.tsv", len(all))
	}
	for _, c := range all {
		if !Known(c.Detailed) || !Known(c.Primary) || Primary(c.Detailed) != c.Primary || Describe(c.Detailed) == "" {
			t.Errorf("%+v is not consistent", c)
		}
	}
	if Known("FOOD_AND_DRINK_CAVIAR") || Primary("NOPE") != "" {
		t.Error("unknown codes are reported as known")
	}
	if Primary("FOOD_AND_DRINK") != "FOOD_AND_DRINK" {
		t.Error("Primary of a primary is itself")
	}
	for _, f := range []string{FallbackCredit, FallbackDebit} {
		if !Known(f) {
			t.Errorf("fallback %s is not in the taxonomy", f)
		}
	}
}

func TestParseTaxonomyErrors(t *testing.T) {
	for _, bad := range []string{"A_B\tA", "FOO_BAR\tBAZ\tx", "A_B\tA\tx\nA_B\tA\ty"} {
		if _, err := parseTaxonomy([]byte(bad)); err == nil {
			t.Errorf("parseTaxonomy(%q) succeeded", bad)
		}
	}
}

// TestEveryMCCMaps checks every code of the embedded MCC list maps to a
// category of the taxonomy.
func TestEveryMCCMaps(t *testing.T) {
	list := MCCs()
	if len(list) != 981 {
		t.Fatalf("MCCs() = %d codes, want the 981 of data/mcc_codes.csv", len(list))
	}
	for _, m := range list {
		d, ok := ForMCC(m.Code)
		if !ok || !Known(d) {
			t.Errorf("MCC %s (%s) maps to %q, %v", m.Code, m.Description, d, ok)
		}
	}
	for _, r := range mccRanges {
		if !Known(r.detailed) {
			t.Errorf("range %d-%d maps to unknown %s", r.lo, r.hi, r.detailed)
		}
	}
}

func TestForMCC(t *testing.T) {
	tests := map[string]string{
		"5812": "FOOD_AND_DRINK_RESTAURANT",
		"5814": "FOOD_AND_DRINK_FAST_FOOD",
		"5411": "FOOD_AND_DRINK_GROCERIES",
		"0742": "MEDICAL_VETERINARY_SERVICES",
		"3000": "TRAVEL_FLIGHTS",
		"3387": "TRAVEL_RENTAL_CARS",
		"3750": "TRAVEL_LODGING",
		"4784": "TRANSPORTATION_TOLLS",
		"5541": "TRANSPORTATION_GAS",
		"7832": "ENTERTAINMENT_TV_AND_MOVIES",
		"6011": "TRANSFER_OUT_WITHDRAWAL",
		"5651": "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
	}
	for mcc, want := range tests {
		if got, ok := ForMCC(mcc); !ok || got != want {
			t.Errorf("ForMCC(%s) = %s, %v; want %s", mcc, got, ok, want)
		}
	}
	for _, bad := range []string{"", "0000", "58", "58123", "ABCD", "-123"} {
		if got, ok := ForMCC(bad); ok {
			t.Errorf("ForMCC(%q) = %s, want not ok", bad, got)
		}
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name     string
		in       Input
		detailed string
		method   string
	}{
		{"payroll credit", Input{Cleaned: clean.Descriptor("EARLY PAY: ACME CORP DIRECT DEP 1234"), AmountMinor: 129044}, "INCOME_WAGES", MethodIncome},
		{"employer credit", Input{Cleaned: clean.Descriptor("GLOBEX"), MerchantCategory: "INCOME_WAGES", AmountMinor: 5000}, "INCOME_WAGES", MethodIncome},
		{"interest credit", Input{Cleaned: clean.Descriptor("INTEREST PAID"), AmountMinor: 12}, "INCOME_INTEREST_EARNED", MethodIncome},
		{"dividend credit", Input{Cleaned: clean.Descriptor("VANGUARD DIVIDEND"), AmountMinor: 1200}, "INCOME_DIVIDENDS", MethodIncome},
		{"zelle out", Input{Cleaned: clean.Descriptor("ZELLE TO JANE DOE"), AmountMinor: -5000}, "TRANSFER_OUT_ACCOUNT_TRANSFER", MethodTransfer},
		{"transfer in", Input{Cleaned: clean.Descriptor("ONLINE TRANSFER FROM SAVINGS"), AmountMinor: 5000}, "TRANSFER_IN_ACCOUNT_TRANSFER", MethodTransfer},
		{"atm withdrawal", Input{Cleaned: clean.Descriptor("ATM WITHDRAWAL 7TH AVE"), AmountMinor: -2000}, "TRANSFER_OUT_WITHDRAWAL", MethodTransfer},
		{"nsf fee", Input{Cleaned: clean.Descriptor("Withdrawal ACH NSF Fee"), AmountMinor: -1995}, "BANK_FEES_INSUFFICIENT_FUNDS", MethodFee},
		{"overdraft", Input{Cleaned: clean.Descriptor("OVERDRAFT FEE"), AmountMinor: -3500}, "BANK_FEES_OVERDRAFT_FEES", MethodFee},
		{"atm fee", Input{Cleaned: clean.Descriptor("FOREIGN ATM FEE"), AmountMinor: -250}, "BANK_FEES_ATM_FEES", MethodFee},
		{"foreign fee", Input{Cleaned: clean.Descriptor("INTERNATIONAL TRANSACTION FEE"), AmountMinor: -138}, "BANK_FEES_FOREIGN_TRANSACTION_FEES", MethodFee},
		{"refund phrase", Input{Cleaned: clean.Descriptor("REFUND TARGET"), MCC: "5310", AmountMinor: 2000}, "GENERAL_MERCHANDISE_DISCOUNT_STORES", MethodRefund},
		{"credit at merchant", Input{Cleaned: clean.Descriptor("STARBUCKS"), MerchantCategory: "FOOD_AND_DRINK_COFFEE", AmountMinor: 450}, "FOOD_AND_DRINK_COFFEE", MethodRefund},
		{"linked refund", Input{Cleaned: clean.Descriptor("SOMETHING"), LinkedSourceTransactionID: "tx1", AmountMinor: 450}, FallbackDebit, MethodRefund},
		{"reversal", Input{Cleaned: clean.Descriptor("TEMPORARY CREDIT"), AmountMinor: 491}, FallbackDebit, MethodRefund},
		{"mcc wins over merchant", Input{Cleaned: clean.Descriptor("STARBUCKS"), MCC: "5814", MerchantCategory: "FOOD_AND_DRINK_COFFEE", AmountMinor: -450}, "FOOD_AND_DRINK_FAST_FOOD", MethodMCC},
		{"merchant", Input{Cleaned: clean.Descriptor("STARBUCKS"), MerchantCategory: "FOOD_AND_DRINK_COFFEE", AmountMinor: -450}, "FOOD_AND_DRINK_COFFEE", MethodMerchant},
		{"unknown mcc falls through", Input{Cleaned: clean.Descriptor("BLUE MOON PIZZA"), MCC: "0000", AmountMinor: -1500}, "FOOD_AND_DRINK_RESTAURANT", MethodKeyword},
		{"keyword", Input{Cleaned: clean.Descriptor("RAZORZ BARBERSHOP"), AmountMinor: -3140}, "PERSONAL_CARE_HAIR_AND_BEAUTY", MethodKeyword},
		{"card keyword needs payment", Input{Cleaned: clean.Descriptor("GIFT CARD WORLD"), AmountMinor: -3140}, FallbackDebit, MethodNone},
		{"bill payment", Input{Cleaned: clean.Descriptor("BILL PAY ACME"), AmountMinor: -79800}, "LOAN_PAYMENTS_OTHER_PAYMENT", MethodKeyword},
		{"check", Input{Cleaned: clean.Descriptor("CHECK # 1716"), AmountMinor: -16314}, "TRANSFER_OUT_OTHER_TRANSFER_OUT", MethodKeyword},
		{"nothing debit", Input{Cleaned: clean.Descriptor("XQZ"), AmountMinor: -100}, FallbackDebit, MethodNone},
		{"nothing credit", Input{Cleaned: clean.Descriptor("XQZ"), AmountMinor: 100}, FallbackCredit, MethodNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.in)
			if got.GetDetailed() != tt.detailed || got.GetMethod() != tt.method || got.GetPrimary() != Primary(tt.detailed) {
				t.Errorf("Decide() = %s/%s (%s), want %s (%s)", got.GetPrimary(), got.GetDetailed(), got.GetMethod(), tt.detailed, tt.method)
			}
			if c := got.GetConfidence(); c < 0 || c > 1 || (tt.method == MethodNone) != (c == 0) {
				t.Errorf("confidence %v for method %s", c, got.GetMethod())
			}
		})
	}
}
