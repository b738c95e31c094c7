package ofx

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/sourcetest"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// ingestedAt and origin stand in for the Kafka record of every test payload.
var (
	ingestedAt = time.Date(2026, 3, 16, 9, 26, 53, 0, time.UTC)
	origin     = &fintrav1.Origin{Topic: string(schemas.TopicConnectRaw), Partition: 3, Offset: 42}
)

func parse(b []byte) ([]*fintrav1.Event, error) {
	return New().Parse(source.Payload{Bytes: b, Key: "conn-1", Origin: origin, IngestedAt: ingestedAt})
}

// fixtures returns the OFX documents in testdata: the ofxparse fixtures
// (PROVENANCE.md) and the hand-made ones (HANDMADE.md).
func fixtures(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.ofx"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	return files
}

func TestParserInterface(t *testing.T) {
	var p source.Parser = New()
	if p.Name() != "ofx" || p.Framing() != source.FramingDocument {
		t.Errorf("Name, Framing = %q, %v", p.Name(), p.Framing())
	}
	if _, ok := p.(source.Detector); !ok {
		t.Error("Parser is not a source.Detector")
	}
}

// TestGolden parses every fixture into testdata/<name>.golden.jsonl (the
// events in their JSON form) or testdata/<name>.golden.err (the error).
// go test -update rewrites them.
func TestGolden(t *testing.T) {
	for _, in := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(in), ".ofx")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			events, perr := parse(b)
			base := strings.TrimSuffix(in, ".ofx")
			golden, stale := base+".golden.jsonl", base+".golden.err"
			var got []byte
			if perr != nil {
				golden, stale = stale, golden
				got = sourcetest.Rejection(t, perr, Name)
			} else {
				got = sourcetest.Events(t, events)
			}
			if sourcetest.Update() {
				os.Remove(stale)
			}
			sourcetest.Golden(t, golden, got)
		})
	}
}

// Expected outcomes, so that a regression cannot hide in a rewritten golden.
var wantEvents = map[string]int{
	"anzcc":                       1,
	"bank_medium":                 3,
	"checking":                    3,
	"suncorp":                     1,
	"multiple_accounts":           0,
	"multiple_accounts2":          0,
	"handmade_sgml_1252_multi":    10,
	"handmade_xml_corrections":    5,
	"fail_nice_empty_balance":     -1,
	"fail_nice_date_missing":      -1,
	"fail_nice_decimal_error":     -1,
	"ofx-v102-empty-tags":         -1,
	"error_message":               -1,
	"signon_fail":                 -1,
	"signon_success":              -1,
	"signon_success_no_message":   -1,
	"account_listing_aggregation": -1,
	"bank_small":                  -1,
	"fidelity":                    -1,
	"fidelity-savings":            -1,
	"investment_401k":             -1,
	"investment_medium":           -1,
	"td_ameritrade":               -1,
	"tiaacref":                    -1,
	"vanguard":                    -1,
	"vanguard401k":                -1,
}

func TestOutcomes(t *testing.T) {
	for _, in := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(in), ".ofx")
		want, ok := wantEvents[name]
		if !ok {
			t.Errorf("%s: no expected outcome", name)
			continue
		}
		b, _ := os.ReadFile(in)
		events, err := parse(b)
		switch {
		case want < 0 && err == nil:
			t.Errorf("%s: accepted, want a rejection", name)
		case want >= 0 && err != nil:
			t.Errorf("%s: %v", name, err)
		case want >= 0 && len(events) != want:
			t.Errorf("%s: %d events, want %d", name, len(events), want)
		}
	}
}

// TestRejections pins the reason of each rejected fixture to the element
// and the rule it must name.
func TestRejections(t *testing.T) {
	for name, want := range map[string][]string{
		"error_message":               {"BANKMSGSRSV1.STMTTRNRS[0].STATUS: the server reports error '2000' (SEVERITY 'ERROR'): 'General Server Error'"},
		"signon_fail":                 {"SIGNONMSGSRSV1.SONRS.STATUS: the server reports error '15500'", "invalid identification code"},
		"fidelity":                    {"INVSTMTMSGSRSV1: investment statements are not supported"},
		"signon_success":              {"OFX: no bank or credit card statement", "the document holds SIGNONMSGSRSV1"},
		"account_listing_aggregation": {"the document holds SIGNONMSGSRSV1, SIGNUPMSGSRSV1"},
		"bank_small":                  {"OFX: empty"},
		"fail_nice_date_missing": {
			"STMTTRN[0].DTPOSTED: required",
			"STMTTRN[1].DTPOSTED: required",
			"STMTTRN[2].DTPOSTED: '20120231' is not a valid date and time",
		},
		"fail_nice_decimal_error": {
			"STMTTRN[0].DTPOSTED: '201120000000' is not an OFX date-time",
			"STMTTRN[0].TRNAMT: amount '$120' is not a decimal number",
		},
		"fail_nice_empty_balance": {"STMTRS.LEDGERBAL.BALAMT: required", "STMTRS.AVAILBAL.BALAMT: required"},
		"ofx-v102-empty-tags":     {"STMTTRN[0].FITID: required", "LEDGERBAL.BALAMT: required", "LEDGERBAL.DTASOF: required"},
	} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".ofx"))
		if err != nil {
			t.Fatal(err)
		}
		_, perr := parse(b)
		if perr == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		for _, w := range want {
			if !strings.Contains(perr.Error(), w) {
				t.Errorf("%s: %v\nwant it to contain %q", name, perr, w)
			}
		}
	}
}

// TestSums checks, for every accepted fixture, that the events' amounts
// add up per currency to the signed TRNAMT values read from the document
// by a separate, regular-expression reading, and that event ids are unique.
func TestSums(t *testing.T) {
	for _, in := range fixtures(t) {
		b, _ := os.ReadFile(in)
		events, err := parse(b)
		if err != nil {
			continue
		}
		name := filepath.Base(in)
		got := map[string]int64{}
		ids := map[string]bool{}
		for _, ev := range events {
			if ids[ev.GetEventId()] {
				t.Errorf("%s: event id %s repeats", name, ev.GetEventId())
			}
			ids[ev.GetEventId()] = true
			if tx := ev.GetCreated().GetTransaction(); tx != nil {
				got[tx.GetCurrency()] += tx.GetAmountMinor()
			}
		}
		want := independentSums(t, string(b))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: sums per currency %v, the document says %v", name, got, want)
		}
	}
}

var (
	reStmt   = regexp.MustCompile(`(?s)<STMTTRN>(.*?)</STMTTRN>`)
	reCurdef = regexp.MustCompile(`<CURDEF>\s*([A-Za-z]{3})`)
	reAmt    = regexp.MustCompile(`<TRNAMT>\s*([^<\s]+)`)
	reCursym = regexp.MustCompile(`(?s)<CURRENCY>.*?<CURSYM>\s*([A-Z]{3})`)
	exps     = map[string]int64{"USD": 100, "EUR": 100, "AUD": 100, "CAD": 100, "GBP": 100, "JPY": 1}
)

// independentSums adds up the TRNAMT of every STMTTRN that is not a
// DELETE correction, in the CURRENCY it names or the CURDEF before it.
func independentSums(t *testing.T, doc string) map[string]int64 {
	sums := map[string]int64{}
	for _, loc := range reStmt.FindAllStringSubmatchIndex(doc, -1) {
		trn := doc[loc[2]:loc[3]]
		if strings.Contains(trn, "<CORRECTACTION>DELETE") {
			continue
		}
		curdefs := reCurdef.FindAllStringSubmatch(doc[:loc[0]], -1)
		cur := strings.ToUpper(curdefs[len(curdefs)-1][1])
		if m := reCursym.FindStringSubmatch(trn); m != nil {
			cur = m[1]
		}
		lit := strings.Replace(reAmt.FindStringSubmatch(trn)[1], ",", ".", 1)
		r, ok := new(big.Rat).SetString(lit)
		if !ok {
			t.Fatalf("amount %q", lit)
		}
		r.Mul(r, new(big.Rat).SetInt64(exps[cur]))
		if !r.IsInt() {
			t.Fatalf("amount %q in %s", lit, cur)
		}
		sums[cur] += r.Num().Int64()
	}
	return sums
}

// TestMapping checks what the golden files show only as opaque values or
// could get wrong by eye.
func TestMapping(t *testing.T) {
	read := func(name string) []*fintrav1.Event {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", name+".ofx"))
		if err != nil {
			t.Fatal(err)
		}
		events, err := parse(b)
		if err != nil {
			t.Fatal(err)
		}
		return events
	}
	tx := func(ev *fintrav1.Event) *fintrav1.Transaction { return ev.GetCreated().GetTransaction() }

	checking := read("checking")
	if want := schemas.EventID(Name, "5472369148:1452687~7", "0000487", fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED); checking[1].GetEventId() != want {
		t.Errorf("event id %s, want %s", checking[1].GetEventId(), want)
	}
	if c := tx(checking[1]); c.GetAccountId() != "ofx:5472369148:1452687_7" || c.GetAmountMinor() != -3451 || c.GetCurrency() != "USD" ||
		!c.GetPostedAt().AsTime().Equal(time.Date(2011, 4, 5, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("checking[1] = %v", c)
	}
	if checking[0].GetOrigin() == origin || !proto.Equal(checking[0].GetOrigin(), origin) {
		t.Error("origin must be an equal copy")
	}

	medium := read("bank_medium")
	if got := tx(medium[0]).GetPostedAt().AsTime(); !got.Equal(time.Date(2009, 4, 1, 17, 20, 17, 0, time.UTC)) {
		t.Errorf("[-5:EST] posted_at %v, want 17:20:17 UTC", got)
	}

	anz := read("anzcc")
	if c := tx(anz[0]); c.GetAccountId() != "ofx:1234123412341234" || c.GetAmountMinor() != -550 || c.GetCurrency() != "AUD" || c.GetDescription() != "SOME MEMO" {
		t.Errorf("anzcc = %v", c)
	}

	if d := tx(read("suncorp")[0]).GetDescription(); d != "EFTPOS WDL HANDYWAY ALDI STORE   GEELONG WEST VICAU" {
		t.Errorf("suncorp description %q", d)
	}

	multi := read("handmade_sgml_1252_multi")
	caf := tx(multi[0])
	if caf.GetAmountMinor() != -1250 || caf.GetDescription() != "CB CAFÉ DE LA GARE 01/03 €12,50" || caf.GetMcc() != "5812" ||
		!caf.GetOccurredAt().AsTime().Equal(time.Date(2024, 3, 1, 17, 30, 0, 0, time.UTC)) ||
		!caf.GetPostedAt().AsTime().Equal(time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("1252 / comma / DTUSER: %v", caf)
	}
	if d := tx(multi[1]).GetDescription(); d != "VIR SALAIRE FEVRIER" {
		t.Errorf("empty MEMO without end tag: description %q", d)
	}
	if d := tx(multi[2]).GetDescription(); d != "AT&T & CO - PRLV SEPA AT&T <REF 77> “mobile”" {
		t.Errorf("entities: %q", d)
	}
	if got := tx(multi[2]).GetPostedAt().AsTime(); !got.Equal(time.Date(2024, 3, 5, 3, 30, 0, 0, time.UTC)) {
		t.Errorf("[-3.30:NST]: %v", got)
	}
	if d := tx(multi[3]).GetDescription(); d != "CHECK 1234567" {
		t.Errorf("no NAME or MEMO: description %q", d)
	}
	if tx(multi[0]).GetSourceTransactionId() != tx(multi[4]).GetSourceTransactionId() || multi[0].GetEventId() == multi[4].GetEventId() {
		t.Error("the same FITID in two accounts must give two event ids")
	}
	if c := tx(multi[7]); c.GetCurrency() != "GBP" || c.GetAmountMinor() != -2000 {
		t.Errorf("CURRENCY: %v", c)
	}
	if c := tx(multi[8]); c.GetCurrency() != "USD" || c.GetAmountMinor() != -941 {
		t.Errorf("ORIGCURRENCY: %v", c)
	}
	if c := tx(multi[9]); c.GetCurrency() != "JPY" || c.GetAmountMinor() != 1500 {
		t.Errorf("CURRENCY JPY: %v", c)
	}

	corr := read("handmade_xml_corrections")
	if c := tx(corr[0]); c.GetCounterparty() != "José García" || c.GetDescription() != "José García - Rent March" || c.GetCurrency() != "USD" ||
		c.GetAccountId() != "ofx:121000248:555-1234" {
		t.Errorf("PAYEE: %v", c)
	}
	if d := tx(corr[1]).GetDescription(); d != "SQ *BLUE BOTTLE COFFEE OAKLAND CA" {
		t.Errorf("EXTDNAME: %q", d)
	}
	if r := corr[2].GetRemoved(); r.GetSourceTransactionId() != "TX-101" || corr[2].GetType() != fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED {
		t.Errorf("REPLACE removes the corrected transaction: %v", corr[2])
	}
	if c := tx(corr[3]); c.GetSourceTransactionId() != "TX-102" || c.GetDescription() != "SQ *BLUE BOTTLE <tip>" {
		t.Errorf("REPLACE creates the correcting transaction: %v", c)
	}
	if r := corr[4].GetRemoved(); r.GetSourceTransactionId() != "TX-099" {
		t.Errorf("DELETE: %v", corr[4])
	}
}

// doc wraps statement transactions in a minimal OFX 1.x document.
func doc(curdef, trns string) []byte {
	return []byte("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nENCODING:USASCII\nCHARSET:1252\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>" + curdef +
		"<BANKACCTFROM><BANKID>1<ACCTID>2</BANKACCTFROM><BANKTRANLIST>" + trns + "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>")
}

func trn(fitid, date, amt string) string {
	return "<STMTTRN><TRNTYPE>OTHER<DTPOSTED>" + date + "<TRNAMT>" + amt + "<FITID>" + fitid + "<NAME>X</STMTTRN>"
}

const p0 = "BANKMSGSRSV1.STMTTRNRS[0].STMTRS"

func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want string // error, or "" for accepted
	}{
		{"ok", doc("USD", trn("a", "20240101", "1.00")), ""},
		{"date 12:00", doc("USD", trn("a", "20240101120000", "1")), ""},
		{"date fraction", doc("USD", trn("a", "20240101120000.123456789[+14:LINT]", "1")), ""},
		{"date fraction too long", doc("USD", trn("a", "20240101120000.1234567890", "1")), p0 + ".BANKTRANLIST.STMTTRN[0].DTPOSTED: '20240101120000.1234567890' is not an OFX date-time (" + dateSyntax + ")"},
		{"date fraction on day", doc("USD", trn("a", "20240101.000", "1")), p0 + ".BANKTRANLIST.STMTTRN[0].DTPOSTED: '20240101.000' is not an OFX date-time (" + dateSyntax + ")"},
		{"date tz on day", doc("USD", trn("a", "20240101[-5:EST]", "1")), ""},
		{"date offset 15", doc("USD", trn("a", "20240101[-15]", "1")), p0 + ".BANKTRANLIST.STMTTRN[0].DTPOSTED: '20240101[-15]' is not an OFX date-time (" + dateSyntax + ")"},
		{"date no offset", doc("USD", trn("a", "20240101[:EST]", "1")), p0 + ".BANKTRANLIST.STMTTRN[0].DTPOSTED: '20240101[:EST]' is not an OFX date-time (" + dateSyntax + ")"},
		{"date unclosed tz", doc("USD", trn("a", "20240101[-5:EST", "1")), p0 + ".BANKTRANLIST.STMTTRN[0].DTPOSTED: '20240101[-5:EST' is not an OFX date-time (" + dateSyntax + ")"},
		{"date hour 24", doc("USD", trn("a", "20240101240000", "1")), p0 + ".BANKTRANLIST.STMTTRN[0].DTPOSTED: '20240101240000' is not a valid date and time"},
		{"date year 9999 west", doc("USD", trn("a", "99991231230000[-12]", "1")), p0 + ".BANKTRANLIST.STMTTRN[0].DTPOSTED: '99991231230000[-12]' is not a valid date and time"},
		{"leap day", doc("USD", trn("a", "20240229", "1")), ""},
		{"no leap day", doc("USD", trn("a", "20230229", "1")), p0 + ".BANKTRANLIST.STMTTRN[0].DTPOSTED: '20230229' is not a valid date and time"},
		{"comma", doc("EUR", trn("a", "20240101", "-1,5")), ""},
		{"two commas", doc("EUR", trn("a", "20240101", "1,000,00")), p0 + ".BANKTRANLIST.STMTTRN[0].TRNAMT: amount '1,000,00' contains a comma (use '.' as the decimal point, no grouping)"},
		{"comma and point", doc("EUR", trn("a", "20240101", "1,000.00")), p0 + ".BANKTRANLIST.STMTTRN[0].TRNAMT: amount '1,000.00' contains a comma (use '.' as the decimal point, no grouping)"},
		{"comma too precise", doc("EUR", trn("a", "20240101", "1,005")), p0 + ".BANKTRANLIST.STMTTRN[0].TRNAMT: amount '1.005' has more decimals than EUR allows (2) (read with ',' as the decimal point)"},
		{"too precise", doc("JPY", trn("a", "20240101", "1.5")), p0 + ".BANKTRANLIST.STMTTRN[0].TRNAMT: amount '1.5' has more decimals than JPY allows (0)"},
		{"bad curdef", doc("EURO", trn("a", "20240101", "1")), p0 + ".CURDEF: 'EURO' is not an ISO 4217 code"},
		{"curdef XAU", doc("XAU", trn("a", "20240101", "1")), p0 + ".CURDEF: 'XAU' has no minor unit, so amounts cannot be expressed in it"},
		{"no curdef", doc("", trn("a", "20240101", "1")), p0 + ".BANKTRANLIST.STMTTRN[0].TRNAMT: has no currency: CURDEF is empty and the transaction has no CURRENCY"},
		{"no fitid", doc("USD", trn("", "20240101", "1")), p0 + ".BANKTRANLIST.STMTTRN[0].FITID: required (the transaction's unique id)"},
		{"long fitid", doc("USD", trn(strings.Repeat("x", 256), "20240101", "1")), p0 + ".BANKTRANLIST.STMTTRN[0].FITID: is over 255 characters"},
		{"same fitid, same content", doc("USD", trn("a", "20240101", "1")+trn("a", "20240101", "1")), ""},
		{"same fitid, other content", doc("USD", trn("a", "20240101", "1")+trn("a", "20240101", "2")), p0 + ".BANKTRANLIST.STMTTRN[1].FITID: 'a' is also " + p0 + ".BANKTRANLIST.STMTTRN[0] with different content"},
		{"repeated TRNAMT", doc("USD", "<STMTTRN><DTPOSTED>20240101<TRNAMT>1<TRNAMT>2<FITID>a</STMTTRN>"), p0 + ".BANKTRANLIST.STMTTRN[0].TRNAMT: appears 2 times"},
		{"bad action", doc("USD", "<STMTTRN><DTPOSTED>20240101<TRNAMT>1<FITID>a<CORRECTFITID>b<CORRECTACTION>UNDO</STMTTRN>"), p0 + ".BANKTRANLIST.STMTTRN[0].CORRECTACTION: 'UNDO' is not REPLACE or DELETE (CORRECTFITID 'b')"},
		{"action without id", doc("USD", "<STMTTRN><DTPOSTED>20240101<TRNAMT>1<FITID>a<CORRECTACTION>DELETE</STMTTRN>"), p0 + ".BANKTRANLIST.STMTTRN[0].CORRECTFITID: required with CORRECTACTION DELETE"},
		{"lower-case tags", bytes.ToLower(doc("USD", trn("a", "20240101", "1"))), ""}, // header, tags and CURDEF lower-cased
		{"unclosed STMTTRN", doc("USD", "<STMTTRN><DTPOSTED>20240101<TRNAMT>1<FITID>a"), "payload: line 7: <STMTTRN> (line 7) has no end tag before </BANKTRANLIST>"},
		{"text in aggregate", doc("USD", "<STMTTRN>junk<DTPOSTED>20240101</STMTTRN>"), "payload: line 7: aggregate <STMTTRN> holds text 'junk'"},
		{"stray end tag", doc("USD", trn("a", "20240101", "1")+"</NAME>"), "payload: line 7: </NAME> closes no open element"},
		{"truncated", doc("USD", trn("a", "20240101", "1"))[:220], "payload: the document ends inside <STMTTRN> (line 7): truncated?"},
		{"trailing text", append(doc("USD", ""), "x"...), "payload: line 7: text 'x' outside <OFX>"},
		{"two roots", append(doc("USD", ""), "<OFX></OFX>"...), "payload: line 7: a second <OFX> element"},
		{"not ofx", []byte(`{"a":1}`), "payload: not an OFX document: expected an OFXHEADER:100 header, <?xml, <?OFX or <OFX>"},
		{"empty", nil, "payload: not an OFX document: expected an OFXHEADER:100 header, <?xml, <?OFX or <OFX>"},
		{"utf-16", []byte("\xff\xfeO\x00"), "payload: UTF-16 documents are not supported"},
		{"header 102", []byte("OFXHEADER:102\n<OFX></OFX>"), "payload: header: OFXHEADER '102' is not 100 (OFX 1.x)"},
		{"header charset", []byte("OFXHEADER:100\nCHARSET:437\n<OFX></OFX>"), "payload: header: CHARSET '437' is not supported (1252, ISO-8859-1, UTF-8 or NONE)"},
		{"header no colon", []byte("OFXHEADER:100 DATA\n<OFX></OFX>"), "payload: header: 'DATA' is not KEY:VALUE"},
		{"header 200", []byte(`<?xml version="1.0"?><?OFX OFXHEADER="100"?><OFX></OFX>`), "payload: header: OFXHEADER '100' is not 200 (OFX 2.x)"},
		{"xml encoding", []byte(`<?xml version="1.0" encoding="UTF-16"?><OFX></OFX>`), "payload: header: XML encoding 'UTF-16' is not supported (UTF-8, US-ASCII, ISO-8859-1 or windows-1252)"},
		{"invalid utf-8", []byte("<?xml version=\"1.0\"?>\n<OFX>\n<X>\xff</X></OFX>"), "payload: invalid UTF-8 on line 3 (the header declares UTF-8)"},
		{"deep", []byte("<OFX>" + strings.Repeat("<A>", 100)), "payload: line 1: elements nested deeper than 48"},
		{"too large", make([]byte, MaxPayload+1), fmt.Sprintf("payload: %d bytes is over the %d-byte limit", MaxPayload+1, MaxPayload)},
		{"warn status", []byte("<OFX><BANKMSGSRSV1><STMTTRNRS><STATUS><CODE>2000<SEVERITY>WARN</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>1<ACCTID>2</BANKACCTFROM></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"), ""},
		{"status no severity", []byte("<OFX><BANKMSGSRSV1><STMTTRNRS><STATUS><CODE>2000</STATUS></STMTTRNRS></BANKMSGSRSV1></OFX>"), "BANKMSGSRSV1.STMTTRNRS[0].STATUS: the server reports error '2000' (SEVERITY '')"},
		{"no statement", []byte("<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</STMTTRNRS></BANKMSGSRSV1></OFX>"), "BANKMSGSRSV1.STMTTRNRS[0].STMTRS: required: the response holds no statement"},
		{"no account", []byte("<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS><CURDEF>USD</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>"), "CREDITCARDMSGSRSV1.CCSTMTTRNRS[0].CCSTMTRS.CCACCTFROM: required"},
		{"no bank id", []byte("<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>2</BANKACCTFROM></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"), p0 + ".BANKACCTFROM.BANKID: required"},
		{"bom and xml", []byte("\xef\xbb\xbf<?xml version=\"1.0\"?>\n<?OFX OFXHEADER=\"200\"?>\n<ofx></ofx>"), "OFX: empty: no bank or credit card statement"},
		{"comment and lt", []byte("<OFX><!-- <X> --><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>1<ACCTID>2</BANKACCTFROM><BANKTRANLIST><STMTTRN><DTPOSTED>20240101<TRNAMT>1<FITID>a<MEMO>A < 5 & B</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"), ""},
		{"latin-1", []byte("OFXHEADER:100\nENCODING:USASCII\nCHARSET:ISO-8859-1\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>1<ACCTID>2</BANKACCTFROM><BANKTRANLIST><STMTTRN><DTPOSTED>20240101<TRNAMT>1<FITID>a<NAME>\x80\xe9</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"), ""},
		{"investment beside bank", []byte("<OFX><INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS><CURDEF>USD</INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>1<ACCTID>2</BANKACCTFROM></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"), ""},
		{"offset tenths", doc("USD", trn("a", "20240101[-3.5]", "1")), ""},
		{"empty comment", []byte("<OFX><!--></OFX>"), "payload: line 1: unterminated comment"},
		{"empty pi", []byte("<OFX><?></OFX>"), "payload: line 1: unterminated processing instruction"},
		{"unterminated cdata", []byte("<OFX><A><![CDATA[x</A></OFX>"), "payload: line 1: unterminated CDATA section"},
		{"unterminated tag", []byte("<OFX><A</OFX>"), "payload: line 1: tag <A has no closing '>'"},
		{"value in many pieces", []byte("<OFX><A>" + strings.Repeat("<![CDATA[x]]>&amp;", 500000) + "</A></OFX>"), "OFX: no bank or credit card statement (BANKMSGSRSV1.STMTTRNRS, CREDITCARDMSGSRSV1.CCSTMTTRNRS); the document holds A"},
		{"many message sets", []byte("<OFX>" + strings.Repeat("<A></A><B></B>", 100000) + "</OFX>"), "the document holds A, B"},
		{"many problems", doc("USD", strings.Repeat(trn("", "x", "y"), 30)), "payload: 40 more problems not listed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := parse(tc.in)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %v", events)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("\n got: %v\nwant: %s", err, tc.want)
			}
		})
	}
}

func TestCharsets(t *testing.T) {
	for _, tc := range []struct {
		name, header, bytes, want string
	}{
		{"1252", "ENCODING:USASCII\nCHARSET:1252", "\x80\x8a\x9f\xe9\x81", "€ŠŸé\u0081"},
		{"none", "ENCODING:USASCII\nCHARSET:NONE", "\xe9", "é"},
		{"latin-1", "ENCODING:USASCII\nCHARSET:8859-1", "\x80\xe9", "\u0080é"},
		{"utf-8", "ENCODING:UTF-8\nCHARSET:NONE", "\xc3\xa9\xe2\x82\xac", "é€"},
		{"utf-8 charset", "ENCODING:USASCII\nCHARSET:UTF-8", "\xc3\xa9", "é"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := "OFXHEADER:100\nDATA:OFXSGML\n" + tc.header + "\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>1<ACCTID>2</BANKACCTFROM><BANKTRANLIST>" +
				trn("a", "20240101", "1") + "<STMTTRN><DTPOSTED>20240101<TRNAMT>1<FITID>b<MEMO>" + tc.bytes + "</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
			events, err := parse([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			if got := events[1].GetCreated().GetTransaction().GetDescription(); got != tc.want {
				t.Errorf("description %q, want %q", got, tc.want)
			}
		})
	}
}

// TestDetect: Detect claims every fixture and nothing of the other formats.
func TestDetect(t *testing.T) {
	p := New()
	for _, in := range fixtures(t) {
		b, _ := os.ReadFile(in)
		if !p.Detect(b) {
			t.Errorf("Detect(%s) = false", in)
		}
	}
	for _, s := range []string{"", "  ", "<", "<?xml version=\"1.0\"?><Document/>", "OFXHEADERX", "x<OFX>", `{"description":"<OFX>"}`} {
		if p.Detect([]byte(s)) {
			t.Errorf("Detect(%q) = true", s)
		}
	}
	for _, s := range []string{"\xef\xbb\xbf\r\n OFXHEADER : 100", "<OFX>", "<?xml version=\"1.0\"?>\n<?OFX OFXHEADER=\"200\"?>"} {
		if !p.Detect([]byte(s)) {
			t.Errorf("Detect(%q) = false", s)
		}
	}
	others, _ := filepath.Glob(filepath.Join("..", "fintrajson", "testdata", "*", "*.json"))
	if len(others) == 0 {
		t.Error("no fintra-json payloads in ../fintrajson/testdata")
	}
	for _, in := range others {
		b, _ := os.ReadFile(in)
		if p.Detect(b) {
			t.Errorf("Detect(%s) = true", in)
		}
	}
}

func TestDetectOtherFormats(t *testing.T) {
	const shared = "/work/shared/data"
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("%s absent: the other formats' fixtures are not available here", shared)
	}
	p := New()
	n := 0
	err := filepath.WalkDir(shared, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "ofx-ofxparse" {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		if p.Detect(b) {
			t.Errorf("Detect(%s) = true", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no other fixtures found")
	}
}

// TestDeterministic: the same document yields the same events every time.
func TestDeterministic(t *testing.T) {
	b, _ := os.ReadFile(filepath.Join("testdata", "handmade_sgml_1252_multi.ofx"))
	a, err := parse(b)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		c, _ := parse(b)
		if len(a) != len(c) {
			t.Fatal("event counts differ")
		}
		for i := range a {
			if !proto.Equal(a[i], c[i]) {
				t.Fatalf("event %d differs", i)
			}
		}
	}
}

// FuzzParse checks that Parse never panics, that a rejection is always a
// ValidationError, and that what it accepts keeps the contract's
// invariants.
func FuzzParse(f *testing.F) {
	for _, in := range fixtures(f) {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("<OFX><A><B>x</A></OFX>"))
	f.Add([]byte("<OFX><![CDATA[x]]><!-- c --><?pi?></OFX>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		events, err := parse(b)
		if err != nil {
			var ve *source.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 || events != nil {
				t.Fatalf("Parse(%q) = %v, %T %v", b, events, err, err)
			}
			return
		}
		ids := map[string]bool{}
		for _, ev := range events {
			if ev.GetEventId() == "" || ids[ev.GetEventId()] || ev.GetAccountId() == "" || !ev.GetOccurredAt().IsValid() || ev.GetPayload() == nil {
				t.Fatalf("Parse(%q): bad or repeated event %v", b, ev)
			}
			ids[ev.GetEventId()] = true
			if tx := ev.GetCreated().GetTransaction(); tx != nil {
				if tx.GetCurrency() == "" || tx.GetSourceTransactionId() == "" || !tx.GetPostedAt().IsValid() || !tx.GetOccurredAt().IsValid() {
					t.Fatalf("Parse(%q): incomplete transaction %v", b, tx)
				}
			}
			if _, err := schemas.MarshalJSON(ev); err != nil {
				t.Fatal(err)
			}
			if _, err := proto.Marshal(ev); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	run := func(name string, in []byte) {
		p := New()
		pl := source.Payload{Bytes: in, Origin: origin, IngestedAt: ingestedAt}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, err := p.Parse(pl); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, name := range []string{"checking", "bank_medium", "suncorp", "handmade_sgml_1252_multi"} {
		in, err := os.ReadFile(filepath.Join("testdata", name+".ofx"))
		if err != nil {
			b.Fatal(err)
		}
		run(name, in)
	}
	var trns strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&trns, "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240101120000.000[-5:EST]<TRNAMT>-%d.%02d<FITID>%08d<NAME>MERCHANT %d<MEMO>POS PURCHASE MERCHANT %d CITY ST</STMTTRN>\n", i, i%100, i, i, i)
	}
	run("sgml_1000_transactions", doc("USD", trns.String()))
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"20240101":                   "2024-01-01T00:00:00Z",
		"20240101120000":             "2024-01-01T12:00:00Z",
		"20240101120000.25":          "2024-01-01T12:00:00.25Z",
		"20240101120000.000[-5:EST]": "2024-01-01T17:00:00Z",
		"20240101120000[+5.30:IST]":  "2024-01-01T06:30:00Z",
		"20240101120000[-3.5]":       "2024-01-01T15:30:00Z",
		"20240101120000[-3.30:NST]":  "2024-01-01T15:30:00Z",
		"20240101[+14:LINT]":         "2023-12-31T10:00:00Z",
		"20240101000000[0:GMT]":      "2024-01-01T00:00:00Z",
		"20240101000000[-0]":         "2024-01-01T00:00:00Z",
	} {
		got, rule := parseDate(in)
		if rule != "" || got.Format(time.RFC3339Nano) != want {
			t.Errorf("parseDate(%q) = %v %q, want %s", in, got, rule, want)
		}
	}
	for _, in := range []string{"", "2024", "202401011200", "20240101120000.", "20240101 120000", "20240101120000[-5:EST] ", "20240101[]", "20240101[+5.300]", "20241301", "20240100", "18991231", "20240101126000"} {
		if _, rule := parseDate(in); rule == "" {
			t.Errorf("parseDate(%q) accepted", in)
		}
	}
}
