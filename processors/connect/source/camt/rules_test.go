package camt

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fintraos/fintra/internal/money"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// indepEntry is an Ntry as a separate, minimal extraction sees it.
type indepEntry struct {
	Amt struct {
		V   string `xml:",chardata"`
		Ccy string `xml:"Ccy,attr"`
	} `xml:"Amt"`
	CdtDbtInd string `xml:"CdtDbtInd"`
	Sts       struct {
		V  string `xml:",chardata"`
		Cd string `xml:"Cd"`
	} `xml:"Sts"`
}

// independentSums is, per currency, the signed sum of a document's
// non-INFO entries, extracted with encoding/xml.Unmarshal and math/big
// (not the parser's tree nor money.ParseMinor).
func independentSums(t *testing.T, b []byte) map[string]int64 {
	t.Helper()
	sums := map[string]int64{}
	d := xml.NewDecoder(strings.NewReader(string(b)))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return sums
		}
		if err != nil {
			t.Fatal(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Ntry" {
			continue
		}
		var e indepEntry
		if err := d.DecodeElement(&e, &se); err != nil {
			t.Fatal(err)
		}
		sts := strings.TrimSpace(e.Sts.V)
		if sts == "" {
			sts = strings.TrimSpace(e.Sts.Cd)
		}
		if sts == "INFO" {
			continue
		}
		r, ok := new(big.Rat).SetString(strings.TrimSpace(e.Amt.V))
		if !ok {
			t.Fatalf("amount %q", e.Amt.V)
		}
		exp, _ := money.Exponent(e.Amt.Ccy)
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)))
		if !r.IsInt() {
			t.Fatalf("amount %q %s has a fraction of a minor unit", e.Amt.V, e.Amt.Ccy)
		}
		n := r.Num().Int64()
		if strings.TrimSpace(e.CdtDbtInd) == "DBIT" {
			n = -n
		}
		sums[e.Amt.Ccy] += n
	}
}

// TestSums checks that no money is lost or counted twice: for every
// accepted fixture, the events' amounts add up per currency to the
// document's own signed entries, and event ids are unique.
func TestSums(t *testing.T) {
	accepted := 0
	for _, in := range fixtures(t) {
		b, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		events, err := parse(b)
		if err != nil {
			continue // a rejected fixture; its .golden.err says why
		}
		accepted++
		got := map[string]int64{}
		ids := map[string]bool{}
		for _, ev := range events {
			tx := ev.GetCreated().GetTransaction()
			got[tx.GetCurrency()] += tx.GetAmountMinor()
			if ids[ev.GetEventId()] {
				t.Errorf("%s: event id %s twice", in, ev.GetEventId())
			}
			ids[ev.GetEventId()] = true
		}
		want := independentSums(t, b)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: sums per currency %v, the document's entries %v", in, got, want)
		}
	}
	if accepted < 24 {
		t.Errorf("only %d fixtures accepted", accepted)
	}
}

// TestSplit checks the batch rule on variations of one entry: split only
// when the details' signed amounts add up to the entry exactly.
func TestSplit(t *testing.T) {
	doc := func(entry string, details ...string) string {
		return `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-03-01T00:00:00Z</CreDtTm></GrpHdr>
<Ntfctn><Id>N</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>
<Ntry>` + entry + `<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-03-01</Dt></BookgDt><AcctSvcrRef>R</AcctSvcrRef>
<NtryDtls>` + strings.Join(details, "") + `</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`
	}
	tx := func(inner string) string { return "<TxDtls>" + inner + "</TxDtls>" }
	for _, tc := range []struct {
		name string
		in   string
		want []int64
	}{
		{"adds up", doc(`<Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>`,
			tx(`<Amt Ccy="EUR">1.00</Amt>`), tx(`<Amt Ccy="EUR">2.00</Amt>`)), []int64{100, 200}},
		{"debit adds up", doc(`<Amt Ccy="EUR">3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>`,
			tx(`<Amt Ccy="EUR">1.00</Amt>`), tx(`<Amt Ccy="EUR">2.00</Amt>`)), []int64{-100, -200}},
		{"nets with own indicators", doc(`<Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>`,
			tx(`<Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>`), tx(`<Amt Ccy="EUR">2.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>`)), []int64{300, -200}},
		{"TxAmt preferred", doc(`<Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>`,
			tx(`<Amt Ccy="EUR">9.00</Amt><AmtDtls><TxAmt><Amt Ccy="EUR">1.00</Amt></TxAmt></AmtDtls>`), tx(`<AmtDtls><TxAmt><Amt Ccy="EUR">2.00</Amt></TxAmt></AmtDtls>`)), []int64{100, 200}},
		{"short", doc(`<Amt Ccy="EUR">3.01</Amt><CdtDbtInd>CRDT</CdtDbtInd>`,
			tx(`<Amt Ccy="EUR">1.00</Amt>`), tx(`<Amt Ccy="EUR">2.00</Amt>`)), []int64{301}},
		{"one without amount", doc(`<Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>`,
			tx(`<Amt Ccy="EUR">3.00</Amt>`), tx(``)), []int64{300}},
		{"other currency", doc(`<Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>`,
			tx(`<Amt Ccy="CHF">1.00</Amt>`), tx(`<Amt Ccy="CHF">2.00</Amt>`)), []int64{300}},
		{"one detail", doc(`<Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>`,
			tx(`<Amt Ccy="EUR">3.00</Amt>`)), []int64{300}},
		{"overflow", doc(`<Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>`,
			tx(`<Amt Ccy="EUR">92233720368547758.07</Amt>`), tx(`<Amt Ccy="EUR">92233720368547758.07</Amt>`)), []int64{100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			ids := map[string]bool{}
			for _, ev := range events {
				got = append(got, ev.GetCreated().GetTransaction().GetAmountMinor())
				ids[ev.GetCreated().GetTransaction().GetSourceTransactionId()] = true
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("amounts %v, want %v", got, tc.want)
			}
			if len(ids) != len(events) {
				t.Errorf("source transaction ids not unique: %v", ids)
			}
		})
	}
}

func TestRejects(t *testing.T) {
	const ns = "urn:iso:std:iso:20022:tech:xsd:"
	stmt := func(namespace, body string) string {
		return `<?xml version="1.0"?><Document xmlns="` + namespace + `"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-03-01T00:00:00Z</CreDtTm></GrpHdr>` + body + `</BkToCstmrStmt></Document>`
	}
	const acct = `<Id>S</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>`
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "Document: empty, not an XML document"},
		{"json", `{"account_id":"a"}`, "Document: no root element: not an XML document"},
		{"not xml", "hello", "Document: no root element: not an XML document"},
		{"other root", `<OFX><BANKMSGSRSV1/></OFX>`, "Document: root element is 'OFX', not an ISO 20022 Document"},
		{"pain", stmt(ns+"pain.001.001.09", ""), "Document: namespace 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09' is not an ISO 20022 camt namespace"},
		{"camt.056", stmt(ns+"camt.056.001.08", ""), "Document: message camt.056 is not supported (camt.052, camt.053, camt.054)"},
		{"version 11", stmt(ns+"camt.053.001.11", ""), "Document: camt.053 version '001.11' is not supported (001.01 to 001.10)"},
		{"version 00", stmt(ns+"camt.053.001.00", ""), "Document: camt.053 version '001.00' is not supported (001.01 to 001.10)"},
		{"no namespace", `<Document><BkToCstmrStmt/></Document>`, "Document: namespace '' is not an ISO 20022 camt namespace"},
		{"wrong message", `<Document xmlns="` + ns + `camt.052.001.02"><BkToCstmrStmt/></Document>`, "Document: camt.052 Document must hold BkToCstmrAcctRpt, not 'BkToCstmrStmt'"},
		{"no records", stmt(ns+"camt.053.001.02", ""), "BkToCstmrStmt: no Stmt: a camt.053 message without Stmt elements holds no entries"},
		{"no account", stmt(ns+"camt.053.001.02", `<Stmt><Id>S</Id></Stmt>`), "Stmt[0].Acct.Id: required: an IBAN, Othr/Id (or PrtryAcct/Id, BBAN, UPIC in 001.01)"},
		{"five decimals EUR", stmt(ns+"camt.053.001.02", `<Stmt>`+acct+`<Ntry><Amt Ccy="EUR">8.85001</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry></Stmt>`),
			"Stmt[0].Ntry[0].Amt: '8.85001' has more decimals than EUR allows (2)"},
		{"negative", stmt(ns+"camt.053.001.02", `<Stmt>`+acct+`<Ntry><Amt Ccy="EUR">-1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry></Stmt>`),
			"Stmt[0].Ntry[0].Amt: '-1.00' is negative: camt amounts are unsigned, CdtDbtInd gives the direction"},
		{"no Ccy", stmt(ns+"camt.053.001.02", `<Stmt>`+acct+`<Ntry><Amt>1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry></Stmt>`),
			"Stmt[0].Ntry[0].Amt: required Ccy attribute"},
		{"bad Ccy", stmt(ns+"camt.053.001.02", `<Stmt>`+acct+`<Ntry><Amt Ccy="XAU">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry></Stmt>`),
			"Stmt[0].Ntry[0].Amt: Ccy 'XAU' is not an ISO 4217 currency with a minor unit"},
		{"comma", stmt(ns+"camt.053.001.02", `<Stmt>`+acct+`<Ntry><Amt Ccy="EUR">1,00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry></Stmt>`),
			"Stmt[0].Ntry[0].Amt: '1,00' is not a decimal amount"},
		{"missing everything", stmt(ns+"camt.053.001.02", `<Stmt>`+acct+`<Ntry></Ntry></Stmt>`),
			"Stmt[0].Ntry[0].Amt: required amount; Stmt[0].Ntry[0].CdtDbtInd: required: CRDT or DBIT; Stmt[0].Ntry[0].Sts: required: BOOK, PDNG, FUTR or INFO"},
		{"proprietary status", stmt(ns+"camt.053.001.08", `<Stmt>`+acct+`<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Prtry>DONE</Prtry></Sts></Ntry></Stmt>`),
			"Stmt[0].Ntry[0].Sts: proprietary status 'DONE' is not supported (BOOK, PDNG, FUTR, INFO)"},
		{"bad reversal", stmt(ns+"camt.053.001.02", `<Stmt>`+acct+`<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>yes</RvslInd><Sts>BOOK</Sts></Ntry></Stmt>`),
			"Stmt[0].Ntry[0].RvslInd: 'yes' is not a boolean"},
		{"bad DtTm", stmt(ns+"camt.053.001.02", `<Stmt>`+acct+`<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><DtTm>yesterday</DtTm></BookgDt></Ntry></Stmt>`),
			"Stmt[0].Ntry[0].BookgDt.DtTm: 'yesterday' is not an ISO 8601 date-time"},
		{"empty date", stmt(ns+"camt.053.001.02", `<Stmt>`+acct+`<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><ValDt/></Ntry></Stmt>`),
			"Stmt[0].Ntry[0].ValDt: required: Dt or DtTm"},
		{"bad detail amount", stmt(ns+"camt.053.001.04", `<Stmt>`+acct+`<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><NtryDtls><TxDtls><Amt Ccy="EUR">0.001</Amt><CdtDbtInd>X</CdtDbtInd></TxDtls></NtryDtls></Ntry></Stmt>`),
			"Stmt[0].Ntry[0].NtryDtls.TxDtls[0].CdtDbtInd: 'X' is not CRDT or DBIT; Stmt[0].Ntry[0].NtryDtls.TxDtls[0].Amt: '0.001' has more decimals than EUR allows (2)"},
		{"undated", `<Document xmlns="` + ns + `camt.054.001.02"><BkToCstmrDbtCdtNtfctn><GrpHdr/><Ntfctn>` + acct + `<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`,
			"Ntfctn[0].Ntry[0]: no BookgDt, ValDt or CreDtTm of the statement or group header to date the entry"},
		{"unbalanced debit opening", stmt(ns+"camt.053.001.02", `<Stmt>`+acct+
			`<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></Bal>`+
			`<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Bal>`+
			`<Ntry><Amt Ccy="EUR">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry></Stmt>`),
			"Stmt[0].Bal[1]: closing balance CLBD is 1.00 EUR, but opening balance OPBD -1.00 EUR plus 1 booked entries (1.00 EUR) makes 0.00 EUR"},
		{"deep", stmt(ns+"camt.053.001.02", strings.Repeat("<a>", 60)+strings.Repeat("</a>", 60)), fmt.Sprintf("Document: elements nested deeper than %d levels", maxDepth)},
		{"deep skipped", stmt(ns+"camt.053.001.02", "<Ownr>"+strings.Repeat("<a>", 60)+strings.Repeat("</a>", 60)+"</Ownr>"), fmt.Sprintf("Document: elements nested deeper than %d levels", maxDepth)},
		{"entity", `<!DOCTYPE d [<!ENTITY x "y">]><Document xmlns="` + ns + `camt.053.001.02">&x;</Document>`, "Document: malformed XML at line 1: invalid character entity &x;"},
		{"encoding", `<?xml version="1.0" encoding="EBCDIC"?><Document/>`, `Document: malformed XML: xml: opening charset "EBCDIC": encoding "EBCDIC" is not supported (UTF-8, US-ASCII, ISO-8859-1)`},
		{"too large", strings.Repeat(" ", MaxPayload+1), fmt.Sprintf("Document: %d bytes is over the %d-byte limit", MaxPayload+1, MaxPayload)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("accepted: %v", events)
			}
			var ve *source.ValidationError
			if !errors.As(err, &ve) || ve.Source != Name {
				t.Errorf("%T, want *source.ValidationError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("\n got: %s\nwant: %s", err, tc.want)
			}
		})
	}
}

func TestAccepts(t *testing.T) {
	const ns = "urn:iso:std:iso:20022:tech:xsd:"
	for _, tc := range []struct{ name, in, want string }{
		{"latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Document xmlns=\"" + ns + "camt.054.001.02\"><BkToCstmrDbtCdtNtfctn><GrpHdr/><Ntfctn><Id>N</Id><Acct><Id><IBAN>DE1</IBAN></Id></Acct>" +
			"<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-01</Dt></BookgDt><AddtlNtryInf>M\xfcller</AddtlNtryInf></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>",
			"Müller"},
		{"FUTR", "<Document xmlns=\"" + ns + "camt.054.001.10\"><BkToCstmrDbtCdtNtfctn><GrpHdr/><Ntfctn><Id>N</Id><Acct><Id><IBAN>DE1</IBAN></Id></Acct>" +
			"<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>FUTR</Cd></Sts><ValDt><Dt>2026-03-09+01:00</Dt></ValDt><AddtlNtryInf>future</AddtlNtryInf></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>",
			"future"},
		{"v01 element", "\xef\xbb\xbf<Document xmlns=\"" + ns + "camt.053.001.01\"><BkToCstmrStmtV01><GrpHdr/><Stmt><Id>S</Id><Acct><Id><BBAN>123</BBAN></Id></Acct>" +
			"<Ntry><Amt Ccy=\"EUR\">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-01</Dt></BookgDt><AddtlNtryInf>v1</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmtV01></Document>",
			"v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 || events[0].GetCreated().GetTransaction().GetDescription() != tc.want {
				t.Fatalf("events %v, want one described %q", events, tc.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	p := New()
	for _, in := range fixtures(t) {
		b, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Detect(b) {
			t.Errorf("Detect(%s) = false", in)
		}
	}
	for _, s := range []string{
		`{"account_id":"acc_7Hq2mX9","transaction_id":"txn_1","status":"posted","amount_minor":-575,"currency":"USD","occurred_at":"2026-03-14T08:42:17Z"}`,
		``, `<`, `<Document/>`,
		`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>`,
		`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.056.001.08"/>`,
		`<x:Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" xmlns:x="urn:other"/>`,
		`<?xml version="1.0"?><OFX><SIGNONMSGSRSV1/></OFX>`,
		"OFXHEADER:100\nDATA:OFXSGML\n<OFX>",
	} {
		if p.Detect([]byte(s)) {
			t.Errorf("Detect(%.60q) = true", s)
		}
	}
	for _, s := range []string{
		`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.13"/>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?>` + "\n<!-- c -->\n" + `<c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"/>`,
	} {
		if !p.Detect([]byte(s)) {
			t.Errorf("Detect(%.60q) = false", s)
		}
	}

	const shared = "/work/shared/data"
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("the other formats' fixtures are not here (%v); skipping their half of the test", err)
	}
	others := 0
	err := filepath.WalkDir(shared, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "camt-genkgo" {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		others++
		if p.Detect(b) {
			t.Errorf("Detect claims %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if others == 0 {
		t.Error("no other formats' fixtures found")
	}
}

// TestDeterministic parses every fixture twice and compares the events.
func TestDeterministic(t *testing.T) {
	for _, in := range fixtures(t) {
		b, _ := os.ReadFile(in)
		a, errA := parse(b)
		c, errC := parse(b)
		if fmt.Sprint(errA) != fmt.Sprint(errC) || len(a) != len(c) {
			t.Fatalf("%s: two parses differ", in)
		}
		for i := range a {
			if a[i].GetEventId() != c[i].GetEventId() || a[i].String() != c[i].String() {
				t.Errorf("%s: event %d differs", in, i)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, in := range fixtures(f) {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	p := New()
	f.Fuzz(func(t *testing.T, b []byte) {
		p.Detect(b)
		events, err := p.Parse(source.Payload{Bytes: b, IngestedAt: ingestedAt})
		if err != nil {
			var ve *source.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error %T %v is not a non-empty *source.ValidationError", err, err)
			}
			return
		}
		ids := map[string]bool{}
		for _, ev := range events {
			tx := ev.GetCreated().GetTransaction()
			if ids[ev.GetEventId()] {
				t.Fatalf("event id %s twice", ev.GetEventId())
			}
			ids[ev.GetEventId()] = true
			if tx.GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED && tx.GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING {
				t.Fatalf("status %v", tx.GetStatus())
			}
			if _, ok := money.Exponent(tx.GetCurrency()); !ok {
				t.Fatalf("currency %q", tx.GetCurrency())
			}
			if tx.GetSourceTransactionId() == "" || tx.GetSourceAccountId() == "" {
				t.Fatalf("empty id in %v", tx)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"camt053.v8.xml", "camt054.v8.xml", "synthetic/batch.camt053.v8.xml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		p := New()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := p.Parse(source.Payload{Bytes: data, IngestedAt: ingestedAt}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
