package clean

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDescriptor(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		text   string
		prefix string
		flags  Flag
	}{
		// US card statements
		{"us authorized on", "PURCHASE AUTHORIZED ON 03/14 TRADER JOE S #552 AUSTIN TX S463073123456789 CARD 4421", "TRADER JOE", "", 0},
		{"us checkcard", "CHECKCARD 0412 CHIPOTLE 1187 BOULDER CO XXXXX1234XXXXXXXXXX5678", "CHIPOTLE", "", 0},
		{"us pos debit", "POS DEBIT   WALGREENS #4410     SPRINGFIELD IL 04/02", "WALGREENS", "", 0},
		{"us debit card purchase", "DEBIT CARD PURCHASE - HOME DEPOT 6512 SAN ANTONIO TX", "HOME DEPOT", "", 0},
		{"us store number and phone", "BEST BUY 00012345 800-433-5778 RICHFIELD MN", "BEST BUY", "", 0},
		{"us time", "SHELL OIL 57442 14:32 HOUSTON TX", "SHELL OIL", "", 0},
		{"us masked stars", "NETFLIX.COM ****1234 CA", "NETFLIX", "", 0},
		{"us square prefix", "SQ *BLUE BOTTLE COFFE Oakland CA", "BLUE BOTTLE COFFE", "SQ *", 0},
		{"us toast prefix", "TST* TACO DELI - SPICEWOOD AUSTIN TX", "TACO DELI SPICEWOOD", "TST*", 0},
		{"us paypal prefix", "PAYPAL *SPOTIFY 4029357733 CA", "SPOTIFY", "PAYPAL *", 0},
		{"us platform prefix", "UBER *EATS PENDING", "EATS", "UBER *", 0},
		{"us prefix is everything", "AMZN MKTP US*2K4L81", "", "AMZN MKTP US*", 0},
		{"us ref id", "LYFT 9RIDE7X2QZ SAN FRANCISCO CA", "LYFT", "", 0},
		{"us bill pay", "BILL PAY VERIZON WIRELESS RECURRING xxxxxx1123 ON 02-11", "VERIZON WIRELESS", "", Payment},
		{"us payroll", "ACME WIDGETS INC PAYROLL 230115 PPD ID: 1234567890", "ACME WIDGETS", "", Payroll},
		{"us early pay", "EARLY PAY: SPROUTS FARMERS DIRECT DEP 991827364AB 000123", "SPROUTS FARMERS", "", Payroll},
		{"us payroll from", "FROM GLOBEX CORP, DIRECT DEP", "GLOBEX", "", Payroll},
		{"us zelle to", "ZELLE TO SMITH JANE ON 03/02 REF # PP0K1LM2N3", "SMITH JANE", "", Transfer},
		{"us online transfer", "ONLINE TRANSFER FROM SAV XXXXXX4512 REF #IB0FG7HH21", "SAV", "", Transfer},
		{"us nsf fee", "OVERDRAFT FEE FOR A $12.00 ITEM", "FOR A ITEM", "", Fee | Overdraft},
		{"us atm", "ATM WITHDRAWAL 003421 7TH AVE NEW YORK NY", "7TH AVE", "", ATM},
		{"us refund", "REFUND TARGET 00012345 MINNEAPOLIS MN", "TARGET", "", Refund},
		{"us check", "CHECK # 2041", "", "", Check},
		{"us ach originator", "ORIG CO NAME:COMCAST CABLE ORIG ID:0000123456 DESC DATE:230301 CO ENTRY DESCR:PAYMENT SEC:PPD", "COMCAST CABLE", "", Payment},
		{"us ach des", "PROGRESSIVE INS DES:AUTOPAY ID:XXXXX1234 INDN:JANE DOE CO ID:XXXXX5678 PPD", "PROGRESSIVE INS", "", Payment},
		{"us loan payment", "SOFI LOAN PMT 2023 0000567", "SOFI", "", Payment},
		{"us foreign fee", "CHECKCARD 0611 CAFE DU MONDE PARIS XXXXX1111XXXXXXXXXX2222 INTERNATIONAL TRANSACTION FEE", "CAFE DU MONDE PARIS", "", Fee | Foreign},
		{"us repeated name", "12345 POS SIGNATURE JOES CAR WASH LLC JOES CAR WASH LL SPRINGFIE", "JOES CAR WASH", "", 0},
		{"us doubled word is a name", "GOODY GOODY LIQU#22A", "GOODY GOODY LIQU", "", 0},
		{"us two-word city", "IN-N-OUT BURGER 123 SAN DIEGO CA", "IN N OUT BURGER", "", 0},
		{"us domain", "Amazon.com*RT4YQ1 Amzn.com/bill WA", "AMZN", "AMAZON.COM*", 0},
		// UK
		{"uk card payment", "CARD PAYMENT TO TESCO STORES 2931 ON 12-03", "TESCO STORES", "", 0},
		{"uk direct debit", "DIRECT DEBIT THAMES WATER 1234567890", "THAMES WATER", "", Payment},
		{"uk contactless gbr", "CONTACTLESS PRET A MANGER LONDON GBR", "PRET A MANGER LONDON", "", 0},
		{"uk faster payment", "FASTER PAYMENT RECEIVED FROM J BLOGGS", "J BLOGGS", "", Transfer},
		{"uk standing order", "STANDING ORDER TO SAVINGS 40-11-22 12345678", "SAVINGS", "", Transfer},
		{"uk salary", "BGC ACME LTD SALARY", "ACME", "", Payroll},
		// Germany
		{"de kartenzahlung", "KARTENZAHLUNG REWE Markt GmbH 2023-03-01 14:02 Berlin DE", "REWE MARKT", "", 0},
		{"de lastschrift", "SEPA-LASTSCHRIFT Telekom Deutschland GmbH", "TELEKOM", "", 0},
		{"de gehalt", "GUTSCHRIFT GEHALT Muster AG 03/2023", "MUSTER", "", Payroll},
		{"de umlaut", "Kartenzahlung BÄCKEREI MÜLLER München", "BÄCKEREI MÜLLER MÜNCHEN", "", 0},
		{"de ueberweisung", "ÜBERWEISUNG an Max Mustermann", "AN MAX MUSTERMANN", "", Transfer},
		// Australia
		{"au visa debit", "VISA DEBIT PURCHASE CARD 4821 WOOLWORTHS 1234 SYDNEY NS AUS", "WOOLWORTHS", "", 0},
		{"au eftpos vic", "EFTPOS COLES 0712 MELBOURNE VIC", "COLES", "", 0},
		{"au osko", "OSKO PAYMENT FROM JOHN CITIZEN", "JOHN CITIZEN", "", Transfer},
		{"au direct credit salary", "DIRECT CREDIT 123456 SALARY BHP GROUP", "BHP GROUP", "", Payroll},
		// noise only
		{"empty", "", "", "", 0},
		{"whitespace", "   \t  ", "", "", 0},
		{"temporary credit", "TEMPORARY CREDIT FROM X4411", "", "", Refund},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Descriptor(tt.raw)
			if got.Text != tt.text || got.Prefix != tt.prefix || got.Flags != tt.flags {
				t.Errorf("Descriptor(%q)\n got  text %q prefix %q flags %q\n want text %q prefix %q flags %q",
					tt.raw, got.Text, got.Prefix, got.Flags, tt.text, tt.prefix, tt.flags)
			}
		})
	}
}

func TestCatalogPrefixes(t *testing.T) {
	c := New([]string{"SQ *", "DD ", "PAYPAL *", "YSI*", "PP*"})
	tests := []struct {
		raw, text, prefix string
		known             bool
	}{
		{"SQ*BLUE BOTTLE", "BLUE BOTTLE", "SQ*", true},
		{"SQ *BLUE BOTTLE", "BLUE BOTTLE", "SQ *", true},
		{"DD DOORDASH BURGERKIN 855-431-0459", "DOORDASH BURGERKIN", "DD", true},
		{"DDR SOMETHING", "SOMETHING", "", false}, // DDR is a UK direct debit marker, not the DD prefix
		{"PAYPAL *STEAM GAMES", "STEAM GAMES", "PAYPAL *", true},
		{"PP*EBAY SELLER", "EBAY SELLER", "PP*", true},
		{"FOO*BAR BAZ", "BAR BAZ", "FOO*", false},
		{"DD", "DD", "", false}, // the intermediary alone stays
	}
	for _, tt := range tests {
		got := c.Clean(tt.raw)
		if got.Text != tt.text || got.Prefix != tt.prefix || got.PrefixKnown != tt.known {
			t.Errorf("Clean(%q) = text %q prefix %q known %v, want %q %q %v", tt.raw, got.Text, got.Prefix, got.PrefixKnown, tt.text, tt.prefix, tt.known)
		}
	}
}

func TestLocation(t *testing.T) {
	got := Descriptor("BEST BUY 00012345 800-433-5778 MN")
	if got.Text != "BEST" || got.Location != "BUY MN" {
		t.Errorf("Descriptor() = text %q location %q, want the city guess reported as location", got.Text, got.Location)
	}
	got = Descriptor("WOOLWORTHS 1234 SYDNEY NSW AUS")
	if got.Text != "WOOLWORTHS" || got.Location != "SYDNEY NSW AUS" {
		t.Errorf("Descriptor() = text %q location %q", got.Text, got.Location)
	}
}

func TestFlagString(t *testing.T) {
	if got := (Payroll | Fee).String(); got != "payroll|fee" {
		t.Errorf("String() = %q", got)
	}
	if !(Payroll | Fee).Has(Fee) || Payroll.Has(Fee) {
		t.Error("Has is wrong")
	}
}

func FuzzDescriptor(f *testing.F) {
	for _, s := range []string{
		"PURCHASE AUTHORIZED ON 01/23 ALAMO SOUTH LAMAR 981-821-6020 TX S018292738292 CARD 1082",
		"SQ *BLUE BOTTLE", "DOORDASH*ZEEKS PIZZA", "KARTENZAHLUNG REWE 2023-03-01", "A*B*C*D", "# # #",
		"FOO FOO BAR FOO", "X TX TX TX", "...", "ZELLE TO FROM TO", "Ü*ß",
	} {
		f.Add(s)
	}
	c := New([]string{"SQ *", "DD ", "TST*", "PAYPAL *"})
	f.Fuzz(func(t *testing.T, raw string) {
		for _, cl := range []*Cleaner{generic, c} {
			got := cl.Clean(raw)
			if !utf8.ValidString(got.Text) {
				t.Fatalf("Clean(%q).Text is not valid UTF-8: %q", raw, got.Text)
			}
			if got.Text != strings.TrimSpace(got.Text) || strings.Contains(got.Text, "  ") {
				t.Fatalf("Clean(%q).Text %q is not single-spaced", raw, got.Text)
			}
			again := cl.Clean(got.Text)
			if again.Text != got.Text {
				t.Fatalf("not idempotent: Clean(%q) = %q, Clean(%q) = %q", raw, got.Text, got.Text, again.Text)
			}
		}
	})
}

func BenchmarkDescriptor(b *testing.B) {
	c := New([]string{"SQ *", "DD ", "TST*", "PAYPAL *"})
	for b.Loop() {
		c.Clean("PURCHASE AUTHORIZED ON 01/23 ALAMO SOUTH LAMAR 981-821-6020 TX S018292738292 CARD 1082")
	}
}
