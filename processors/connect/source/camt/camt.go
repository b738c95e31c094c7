// Package camt parses ISO 20022 cash-management bank-to-customer messages,
// format "camt": camt.052 account reports (Rpt), camt.053 statements (Stmt)
// and camt.054 debit/credit notifications (Ntfctn), schema versions
// 001.01 to 001.10. Elements are read by local name, so every version
// shares one code path. Each booked or pending entry (Ntry) becomes one
// TransactionCreated event, or one per transaction detail (TxDtls) of a
// batch whose details carry amounts that add up to the entry. README.md
// has the mapping.
package camt

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/internal/money"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Name is the format's name: the fintra-source header value and the source
// of every event it produces.
const Name = "camt"

// MaxPayload is the largest document accepted, in bytes.
const MaxPayload = 16 << 20

// Supported schema versions: camt.05x.001.MinVersion .. 001.MaxVersion.
const (
	MinVersion = 1
	MaxVersion = 10
)

// maxDescription is the longest description kept, in characters; longer
// remittance information is cut (fintra-json's limit).
const maxDescription = 1024

// nsPrefix starts the namespace of every camt message.
const nsPrefix = "urn:iso:std:iso:20022:tech:xsd:camt."

// Parser parses camt documents. It holds no state; one Parser may be used
// from many goroutines.
type Parser struct {
	// noBalanceCheck turns the opening + entries = closing check off; only
	// the upstream comparison test uses it, on fixtures whose balances are
	// placeholders.
	noBalanceCheck bool
}

// New returns the camt parser.
func New() *Parser { return &Parser{} }

// Name returns "camt".
func (*Parser) Name() string { return Name }

// Framing is one payload per file.
func (*Parser) Framing() source.Framing { return source.FramingDocument }

// message is one supported message type.
type message struct {
	kind    string // "052", "053", "054"
	element string // the message element under Document
	record  string // the repeated record element
}

var messages = []message{
	{"052", "BkToCstmrAcctRpt", "Rpt"},
	{"053", "BkToCstmrStmt", "Stmt"},
	{"054", "BkToCstmrDbtCdtNtfctn", "Ntfctn"},
}

// parseNamespace splits "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
// into its message and version.
func parseNamespace(ns string) (m message, version int, err error) {
	rest, ok := strings.CutPrefix(ns, nsPrefix)
	if !ok {
		return m, 0, fmt.Errorf("namespace %s is not an ISO 20022 camt namespace", source.Quote(ns))
	}
	kind, ver, ok := strings.Cut(rest, ".")
	found := false
	for _, c := range messages {
		if c.kind == kind {
			m, found = c, true
		}
	}
	if !ok || !found {
		return m, 0, fmt.Errorf("message camt.%s is not supported (camt.052, camt.053, camt.054)", source.Printable(kind, 64))
	}
	v, ok := strings.CutPrefix(ver, "001.")
	n, err := strconv.Atoi(v)
	if !ok || len(v) != 2 || err != nil || n < MinVersion || n > MaxVersion {
		return m, 0, fmt.Errorf("camt.%s version %s is not supported (001.%02d to 001.%02d)", kind, source.Quote(ver), MinVersion, MaxVersion)
	}
	return m, n, nil
}

// Detect reports whether payload is an XML document whose root element is
// an ISO 20022 camt.052, camt.053 or camt.054 Document. Any version is
// claimed, so that an unsupported one gets Parse's precise error.
func (*Parser) Detect(payload []byte) bool {
	b := bytes.TrimPrefix(payload, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	if !bytes.HasPrefix(b, []byte("<")) {
		return false
	}
	if len(b) > 4096 {
		b = b[:4096]
	}
	local, ns, ok := sniffRoot(b)
	if !ok || local != "Document" {
		return false
	}
	rest, ok := strings.CutPrefix(ns, nsPrefix)
	return ok && (strings.HasPrefix(rest, "052.") || strings.HasPrefix(rest, "053.") || strings.HasPrefix(rest, "054."))
}

// event is one event to emit, before ids are made unique.
type event struct {
	accountID   string
	txID        string
	amount      int64
	currency    string
	status      fintrav1.TransactionStatus
	occurredAt  time.Time
	postedAt    time.Time
	description string
	reversal    bool
	counterpart string
	// Where the event comes from, for tests: the record's Id, the entry's
	// index in it, and the entry's own dates.
	recID             string
	ntryIdx           int
	bookedAt, valueAt time.Time
}

// fatal is a document that cannot be read at all: one problem, on "Document".
func fatal(rule string, args ...any) error { return source.Fatal(Name, "Document", rule, args...) }

// Parse turns one camt document into one event per booked or pending entry
// (or per transaction detail of a batch), or returns a
// *source.ValidationError that lists every broken rule.
func (p *Parser) Parse(pl source.Payload) ([]*fintrav1.Event, error) {
	events, err := p.parse(pl.Bytes)
	if err != nil {
		return nil, err
	}
	return build(events, pl), nil
}

// parse turns a document into events whose ids are not yet unique.
func (p *Parser) parse(b []byte) ([]event, error) {
	if len(b) > MaxPayload {
		return nil, fatal("%d bytes is over the %d-byte limit", len(b), MaxPayload)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fatal("empty, not an XML document")
	}
	doc, rt, err := readTree(b)
	if err != nil {
		return nil, fatal("%v", err)
	}
	if rt.local != "Document" {
		return nil, fatal("root element is %s, not an ISO 20022 Document", source.Quote(rt.local))
	}
	m, _, err := parseNamespace(rt.space)
	if err != nil {
		return nil, fatal("%v", err)
	}
	var msg *node
	for _, k := range doc.kids {
		if msg != nil {
			return nil, fatal("more than one message element under Document")
		}
		msg = k
	}
	// Version 001.01 names the element with a suffix: BkToCstmrStmtV01.
	if msg == nil || msg.name != m.element && msg.name != m.element+"V01" {
		got := "nothing"
		if msg != nil {
			got = source.Quote(msg.name)
		}
		return nil, fatal("camt.%s Document must hold %s, not %s", m.kind, m.element, got)
	}

	probs := source.Problems{Source: Name, Field: "Document"}
	records := msg.all(m.record)
	if len(records) == 0 {
		probs.Add(msg.name, "no %s: a camt.%s message without %s elements holds no entries", m.record, m.kind, m.record)
		return nil, probs.Err()
	}
	hdr := msg.child("GrpHdr")
	msgCreated, _ := parseDateTime(hdr.str("CreDtTm"))
	var events []event
	for i, rec := range records {
		path := fmt.Sprintf("%s[%d]", m.record, i)
		events = p.record(events, rec, path, m, msgCreated, &probs)
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return events, nil
}

// record appends the events of one Stmt, Rpt or Ntfctn.
func (p *Parser) record(events []event, rec *node, path string, m message, msgCreated time.Time, probs *source.Problems) []event {
	recID := rec.str("Id")
	if recID == "" {
		recID = path
	}
	acctID := accountID(rec.at("Acct", "Id"))
	if acctID == "" {
		probs.Add(path+".Acct.Id", "required: an IBAN, Othr/Id (or PrtryAcct/Id, BBAN, UPIC in 001.01)")
	}
	created, ok := parseDateTime(rec.str("CreDtTm"))
	if !ok {
		created = msgCreated
	}
	var booked []bookedAmt
	for j, n := range rec.all("Ntry") {
		ep := fmt.Sprintf("%s.Ntry[%d]", path, j)
		e, ok := parseEntry(n, ep, probs)
		if !ok || e.skip {
			continue
		}
		if e.status == fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED {
			booked = append(booked, bookedAmt{e.amount, e.currency})
		}
		n := len(events)
		events = e.events(events, acctID, fmt.Sprintf("%s/%d", recID, j), created, ep, probs)
		for k := n; k < len(events); k++ {
			events[k].recID, events[k].ntryIdx = rec.str("Id"), j
			events[k].bookedAt, events[k].valueAt = e.bookedAt, e.valueAt
		}
	}
	if m.kind == "053" && !p.noBalanceCheck {
		checkBalances(rec, path, booked, probs)
	}
	return events
}

// accountID is the account's id: IBAN, else Othr/Id; 001.01 also knows
// PrtryAcct/Id, BBAN and UPIC.
func accountID(id *node) string {
	for _, path := range [][]string{{"IBAN"}, {"Othr", "Id"}, {"PrtryAcct", "Id"}, {"BBAN"}, {"UPIC"}} {
		if s := id.str(path...); s != "" {
			return s
		}
	}
	return ""
}

// entry is a parsed Ntry.
type entry struct {
	skip       bool // status INFO
	amount     int64
	currency   string
	status     fintrav1.TransactionStatus
	credit     bool // CdtDbtInd CRDT
	reversal   bool
	bookedAt   time.Time
	valueAt    time.Time
	acctRef    string
	ntryRef    string
	addtlInfo  string
	details    []detail
	splittable bool
}

// detail is a parsed TxDtls.
type detail struct {
	hasAmount bool
	amount    int64 // signed
	currency  string
	credit    bool
	refs      []string // AcctSvcrRef, EndToEndId, TxId, UETR: the non-empty ones, in that order
	ustrd     []string
	addtlTx   string
	debtor    string
	creditor  string
}

// parseEntry reads one Ntry; ok is false when it has problems.
func parseEntry(n *node, path string, probs *source.Problems) (e entry, ok bool) {
	before := probs.Len()
	e.currency = n.at("Amt").currency()
	mag, amtOK := amount(n.child("Amt"), path+".Amt", probs)
	credit, cdOK := cdtDbt(n, path, true, probs)
	if amtOK && cdOK {
		e.amount = signed(mag, credit)
	}
	sts := n.str("Sts")
	if sts == "" {
		sts = n.str("Sts", "Cd")
	}
	switch sts {
	case "BOOK":
		e.status = fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED
	case "PDNG", "FUTR":
		e.status = fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING
	case "INFO":
		// Information only: not (yet) on the account, nothing to emit.
		e.skip = true
	case "":
		if prtry := n.str("Sts", "Prtry"); prtry != "" {
			probs.Add(path+".Sts", "proprietary status %s is not supported (BOOK, PDNG, FUTR, INFO)", source.Quote(prtry))
		} else {
			probs.Add(path+".Sts", "required: BOOK, PDNG, FUTR or INFO")
		}
	default:
		probs.Add(path+".Sts", "%s is not one of BOOK, PDNG, FUTR, INFO", source.Quote(sts))
	}
	switch r := n.str("RvslInd"); r {
	case "", "false", "0":
	case "true", "1":
		e.reversal = true
	default:
		probs.Add(path+".RvslInd", "%s is not a boolean", source.Quote(r))
	}
	e.credit = credit
	e.bookedAt = dateChoice(n.child("BookgDt"), path+".BookgDt", probs)
	e.valueAt = dateChoice(n.child("ValDt"), path+".ValDt", probs)
	e.acctRef = n.str("AcctSvcrRef")
	e.ntryRef = n.str("NtryRef")
	e.addtlInfo = n.str("AddtlNtryInf")
	k := 0
	for _, nd := range n.all("NtryDtls") {
		for _, td := range nd.all("TxDtls") {
			e.details = append(e.details, parseDetail(td, fmt.Sprintf("%s.NtryDtls.TxDtls[%d]", path, k), credit, probs))
			k++
		}
	}
	if probs.Len() != before {
		return e, false
	}
	e.splittable = splittable(e)
	return e, true
}

func parseDetail(td *node, path string, entryCredit bool, probs *source.Problems) detail {
	d := detail{credit: entryCredit}
	if td.child("CdtDbtInd") != nil {
		d.credit, _ = cdtDbt(td, path, false, probs)
	}
	amt := td.at("AmtDtls", "TxAmt", "Amt")
	amtPath := path + ".AmtDtls.TxAmt.Amt"
	if amt == nil {
		amt, amtPath = td.child("Amt"), path+".Amt"
	}
	if amt != nil {
		if mag, ok := amount(amt, amtPath, probs); ok {
			d.hasAmount, d.amount, d.currency = true, signed(mag, d.credit), amt.ccy
		}
	}
	refs := td.child("Refs")
	for _, r := range []string{"AcctSvcrRef", "EndToEndId", "TxId", "UETR"} {
		s := refs.str(r)
		// NOTPROVIDED is the placeholder the rulebooks prescribe for a
		// missing end-to-end id: it identifies nothing.
		if s != "" && !strings.EqualFold(s, "NOTPROVIDED") {
			d.refs = append(d.refs, s)
		}
	}
	for _, rmt := range td.all("RmtInf") {
		for _, u := range rmt.all("Ustrd") {
			if s := strings.TrimSpace(u.text); s != "" {
				d.ustrd = append(d.ustrd, s)
			}
		}
	}
	d.addtlTx = td.str("AddtlTxInf")
	parties := td.child("RltdPties")
	d.debtor = partyName(parties.child("Dbtr"))
	d.creditor = partyName(parties.child("Cdtr"))
	return d
}

// partyName reads a debtor or creditor name in every version's shape:
// Nm (up to 001.06), Pty/Nm (001.07 on) or Agt/FinInstnId/Nm (a bank).
func partyName(p *node) string {
	for _, path := range [][]string{{"Nm"}, {"Pty", "Nm"}, {"Agt", "FinInstnId", "Nm"}} {
		if s := p.str(path...); s != "" {
			return s
		}
	}
	return ""
}

// splittable reports whether a batch entry is emitted per TxDtls: there are
// at least two, each has its own amount in the entry's currency, and their
// signed sum is exactly the entry's signed amount. Otherwise the entry is
// emitted once, so money is never lost or counted twice.
func splittable(e entry) bool {
	if len(e.details) < 2 {
		return false
	}
	var sum int64
	for _, d := range e.details {
		if !d.hasAmount || d.currency != e.currency {
			return false
		}
		s, ok := add(sum, d.amount)
		if !ok {
			return false
		}
		sum = s
	}
	return sum == e.amount
}

// events appends the entry's events: one per TxDtls when splittable, else one.
func (e entry) events(out []event, acctID, fallbackID string, created time.Time, path string, probs *source.Problems) []event {
	occurred, posted := e.valueAt, time.Time{}
	if e.status == fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED {
		occurred = e.bookedAt
		if occurred.IsZero() {
			occurred = e.valueAt
		}
	}
	if occurred.IsZero() {
		occurred = e.bookedAt
	}
	if occurred.IsZero() {
		occurred = created
	}
	if occurred.IsZero() {
		probs.Add(path, "no BookgDt, ValDt or CreDtTm of the statement or group header to date the entry")
		return out
	}
	if e.status == fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED {
		posted = occurred
	}
	ev := event{
		accountID:  acctID,
		currency:   e.currency,
		status:     e.status,
		occurredAt: occurred,
		postedAt:   posted,
		reversal:   e.reversal,
	}
	entryRef := e.acctRef
	if entryRef == "" {
		entryRef = e.ntryRef
	}
	if e.splittable {
		for k, d := range e.details {
			x := ev
			x.amount = d.amount
			switch {
			case entryRef != "" && len(d.refs) > 0:
				x.txID = entryRef + "/" + d.refs[0]
			case entryRef != "":
				x.txID = entryRef + "/" + strconv.Itoa(k)
			case len(d.refs) > 0:
				x.txID = d.refs[0]
			default:
				x.txID = fallbackID + "/" + strconv.Itoa(k)
			}
			x.description = describe(d.ustrd, d.addtlTx, e.addtlInfo)
			x.counterpart = counterparty(d, d.amount > 0 || d.amount == 0 && d.credit)
			out = append(out, x)
		}
		return out
	}
	ev.amount = e.amount
	ev.txID = entryRef
	var ustrd []string
	var addtl []string
	names := map[string]bool{}
	credit := e.credit
	for _, d := range e.details {
		if ev.txID == "" && len(d.refs) > 0 {
			ev.txID = d.refs[0]
		}
		ustrd = append(ustrd, d.ustrd...)
		if d.addtlTx != "" {
			addtl = append(addtl, d.addtlTx)
		}
		if c := counterparty(d, credit); c != "" {
			names[c] = true
			ev.counterpart = c
		}
	}
	if len(names) > 1 {
		// Several parties behind one entry: none of them is the counterparty.
		ev.counterpart = ""
	}
	if ev.txID == "" {
		ev.txID = fallbackID
	}
	if len(ustrd) > 0 {
		ev.description = describe(ustrd, "", "")
	} else if e.addtlInfo != "" {
		ev.description = describe(nil, e.addtlInfo, "")
	} else {
		ev.description = describe(nil, strings.Join(addtl, " "), "")
	}
	return append(out, ev)
}

// counterparty is the other party: the debtor of money coming in, the
// creditor of money going out.
func counterparty(d detail, credit bool) string {
	if credit {
		return d.debtor
	}
	return d.creditor
}

// describe is the unstructured remittance lines joined, else the first
// non-empty fallback, cut to maxDescription characters.
func describe(ustrd []string, fallbacks ...string) string {
	s := strings.Join(ustrd, " ")
	for _, f := range fallbacks {
		if s != "" {
			break
		}
		s = f
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxDescription {
		n := 0
		for i := range s {
			if n == maxDescription {
				s = s[:i]
				break
			}
			n++
		}
	}
	return s
}

// amount parses an Amt element: an unsigned decimal with a Ccy attribute.
func amount(a *node, path string, probs *source.Problems) (int64, bool) {
	if a == nil {
		probs.Add(path, "required amount")
		return 0, false
	}
	s := strings.TrimSpace(a.text)
	if a.ccy == "" {
		probs.Add(path, "required Ccy attribute")
		return 0, false
	}
	if strings.HasPrefix(s, "-") {
		probs.Add(path, "%s is negative: camt amounts are unsigned, CdtDbtInd gives the direction", source.Quote(s))
		return 0, false
	}
	v, err := money.ParseMinor(s, a.ccy)
	if err == nil {
		return v, true
	}
	exp, _ := money.Exponent(a.ccy)
	switch {
	case errors.Is(err, money.ErrPrecision):
		probs.Add(path, "%s has more decimals than %s allows (%d)", source.Quote(s), a.ccy, exp)
	case errors.Is(err, money.ErrCurrency):
		probs.Add(path, "Ccy %s is not an ISO 4217 currency with a minor unit", source.Quote(a.ccy))
	case errors.Is(err, money.ErrRange):
		probs.Add(path, "%s %s does not fit in a signed 64-bit count of minor units", source.Quote(s), a.ccy)
	default:
		probs.Add(path, "%s is not a decimal amount", source.Quote(s))
	}
	return 0, false
}

// cdtDbt reads n's CdtDbtInd: CRDT is money into the account.
func cdtDbt(n *node, path string, required bool, probs *source.Problems) (credit, ok bool) {
	switch s := n.str("CdtDbtInd"); s {
	case "CRDT":
		return true, true
	case "DBIT":
		return false, true
	case "":
		if required || n.child("CdtDbtInd") != nil {
			probs.Add(path+".CdtDbtInd", "required: CRDT or DBIT")
		}
	default:
		probs.Add(path+".CdtDbtInd", "%s is not CRDT or DBIT", source.Quote(s))
	}
	return false, false
}

func signed(mag int64, credit bool) int64 {
	if credit {
		return mag
	}
	return -mag
}

// add is a+b, ok false on int64 overflow.
func add(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// dateChoice reads a DateAndDateTimeChoice (Dt or DtTm); zero when absent
// or broken (a broken one is a problem).
func dateChoice(n *node, path string, probs *source.Problems) time.Time {
	if n == nil {
		return time.Time{}
	}
	if s := n.str("DtTm"); s != "" {
		t, ok := parseDateTime(s)
		if !ok {
			probs.Add(path+".DtTm", "%s is not an ISO 8601 date-time", source.Quote(s))
		}
		return t
	}
	if s := n.str("Dt"); s != "" {
		t, ok := parseDate(s)
		if !ok {
			probs.Add(path+".Dt", "%s is not an ISO 8601 date", source.Quote(s))
		}
		return t
	}
	probs.Add(path, "required: Dt or DtTm")
	return time.Time{}
}

// parseDate reads an xs:date ("2014-12-31", optionally with a zone); a
// date is midnight UTC of that day, whatever its zone.
func parseDate(s string) (time.Time, bool) {
	if len(s) < 10 {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02", s[:10])
	if err != nil {
		return time.Time{}, false
	}
	if zone := s[10:]; zone != "" && zone != "Z" {
		if _, err := time.Parse("-07:00", zone); err != nil {
			return time.Time{}, false
		}
	}
	return t, true
}

// parseDateTime reads an xs:dateTime. Without a zone (allowed by ISO
// 20022, meaning the bank's local time) it is read as UTC: the document
// does not say which zone the bank means.
func parseDateTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// bookedAmt is the signed amount of one booked entry.
type bookedAmt struct {
	amount   int64
	currency string
}

// checkBalances verifies a statement: opening booked balance (OPBD, else
// PRCD) plus the booked entries equals the closing booked balance (CLBD),
// when both balances are present, in one currency, and every booked entry
// is in that currency. A mismatch means entries are missing or duplicated.
func checkBalances(rec *node, path string, booked []bookedAmt, probs *source.Problems) {
	var open, closing *node
	var openCode string
	var openIdx, closeIdx int
	for i, b := range rec.all("Bal") {
		code := b.str("Tp", "CdOrPrtry", "Cd")
		switch {
		case code == "OPBD" && (open == nil || openCode == "PRCD"):
			open, openCode, openIdx = b, code, i
		case code == "PRCD" && open == nil:
			open, openCode, openIdx = b, code, i
		case code == "CLBD" && closing == nil:
			closing, closeIdx = b, i
		}
	}
	if open == nil || closing == nil {
		return
	}
	ccy := open.at("Amt").currency()
	if ccy == "" || closing.at("Amt").currency() != ccy {
		return
	}
	for _, b := range booked {
		if b.currency != ccy {
			return
		}
	}
	before := probs.Len()
	openAmt := balance(open, fmt.Sprintf("%s.Bal[%d]", path, openIdx), probs)
	closeAmt := balance(closing, fmt.Sprintf("%s.Bal[%d]", path, closeIdx), probs)
	if probs.Len() != before {
		return
	}
	sum, ok := int64(0), true
	for _, b := range booked {
		if sum, ok = add(sum, b.amount); !ok {
			break
		}
	}
	want, ok2 := add(openAmt, sum)
	if !ok || !ok2 {
		probs.Add(path+".Ntry", "the booked entries overflow a signed 64-bit count of minor units")
		return
	}
	if want != closeAmt {
		probs.Add(fmt.Sprintf("%s.Bal[%d]", path, closeIdx),
			"closing balance CLBD is %s %s, but opening balance %s %s %s plus %d booked entries (%s %s) makes %s %s",
			format(closeAmt, ccy), ccy, openCode, format(openAmt, ccy), ccy, len(booked), format(sum, ccy), ccy, format(want, ccy), ccy)
	}
}

// balance parses a Bal's signed amount.
func balance(b *node, path string, probs *source.Problems) int64 {
	mag, ok := amount(b.child("Amt"), path+".Amt", probs)
	credit, ok2 := cdtDbt(b, path, true, probs)
	if !ok || !ok2 {
		return 0
	}
	return signed(mag, credit)
}

// format renders minor units as a decimal of ccy: format(-885, "EUR") = "-8.85".
func format(minor int64, ccy string) string {
	exp, _ := money.Exponent(ccy)
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// build turns the collected events into canonical events, making every
// (account, transaction id) unique: the second occurrence of an id gets
// "#2", the third "#3", in document order.
func build(events []event, pl source.Payload) []*fintrav1.Event {
	type key struct{ acct, tx string }
	seen := make(map[key]bool, len(events))
	out := make([]*fintrav1.Event, 0, len(events))
	for _, e := range events {
		id := e.txID
		for n := 2; seen[key{e.accountID, id}]; n++ {
			id = e.txID + "#" + strconv.Itoa(n)
		}
		seen[key{e.accountID, id}] = true
		acct := source.AccountID(Name, e.accountID)
		typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
		tx := &fintrav1.Transaction{
			AccountId:           acct,
			Source:              Name,
			SourceAccountId:     e.accountID,
			SourceTransactionId: id,
			AmountMinor:         e.amount,
			Currency:            e.currency,
			Status:              e.status,
			OccurredAt:          timestamppb.New(e.occurredAt),
			Description:         e.description,
			Reversal:            e.reversal,
			Counterparty:        e.counterpart,
		}
		if !e.postedAt.IsZero() {
			tx.PostedAt = timestamppb.New(e.postedAt)
		}
		ev := &fintrav1.Event{
			EventId:    schemas.EventID(Name, e.accountID, id, typ),
			AccountId:  acct,
			Type:       typ,
			OccurredAt: timestamppb.New(e.occurredAt),
			Payload:    &fintrav1.Event_Created{Created: &fintrav1.TransactionCreated{Transaction: tx}},
		}
		pl.Stamp(ev)
		out = append(out, ev)
	}
	return out
}
