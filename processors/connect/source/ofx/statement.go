package ofx

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/internal/money"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Limits on values, in characters. OFX caps FITID at 255; descriptions are
// cut (NAME is 32 characters and MEMO 255 in the specification, so only a
// non-conforming server reaches the cut).
const (
	maxFITIDLen       = 255
	maxDescriptionLen = 1024
	maxCounterparty   = 256
)

// kind is a statement message set.
type kind struct {
	set, trnrs, rs, acctFrom string
	card                     bool
}

var (
	bankKind = kind{set: "BANKMSGSRSV1", trnrs: "STMTTRNRS", rs: "STMTRS", acctFrom: "BANKACCTFROM"}
	cardKind = kind{set: "CREDITCARDMSGSRSV1", trnrs: "CCSTMTTRNRS", rs: "CCSTMTRS", acctFrom: "CCACCTFROM", card: true}
)

// seenKey identifies an event within a document, to keep event ids unique.
type seenKey struct {
	account, id string
	typ         fintrav1.EventType
}

type seenTx struct {
	path string
	ev   *fintrav1.Event
}

// mapper walks the tree and collects events and problems.
type mapper struct {
	payload source.Payload
	events  []*fintrav1.Event
	probs   source.Problems
	seen    map[seenKey]seenTx
}

func (m *mapper) document(ofx *node) {
	if sonrs := ofx.child("SIGNONMSGSRSV1").child("SONRS"); sonrs != nil {
		m.status(sonrs, "SIGNONMSGSRSV1.SONRS")
	}
	statements, investment := 0, false
	var sets []string
	for _, set := range ofx.kids {
		if len(sets) < 8 && !slices.Contains(sets, set.name) {
			sets = append(sets, set.name)
		}
		switch set.name {
		case bankKind.set:
			statements += m.messageSet(set, bankKind)
		case cardKind.set:
			statements += m.messageSet(set, cardKind)
		case "INVSTMTMSGSRSV1":
			investment = true
		}
	}
	if statements > 0 || m.probs.Len() > 0 {
		return
	}
	switch {
	case investment:
		m.probs.Add("INVSTMTMSGSRSV1", "investment statements are not supported")
	case len(sets) == 0:
		m.probs.Add("OFX", "empty: no bank or credit card statement")
	default:
		m.probs.Add("OFX", "no bank or credit card statement (BANKMSGSRSV1.STMTTRNRS, CREDITCARDMSGSRSV1.CCSTMTTRNRS); the document holds %s", strings.Join(sets, ", "))
	}
}

// status checks the STATUS aggregate of a response and reports whether the
// response may be read. A server error is SEVERITY ERROR, or a non-zero
// CODE without a severity that says it is harmless (INFO, WARN).
func (m *mapper) status(rs *node, path string) bool {
	st := rs.child("STATUS")
	if st == nil {
		return true
	}
	code, sev, msg := st.val("CODE"), strings.ToUpper(st.val("SEVERITY")), st.val("MESSAGE")
	if sev != "ERROR" && (code == "0" || sev == "INFO" || sev == "WARN") {
		return true
	}
	rule := "the server reports error " + source.Quote(code) + " (SEVERITY " + source.Quote(sev) + ")"
	if msg != "" {
		rule += ": " + "'" + source.Printable(msg, 200) + "'"
	}
	m.probs.Add(path+".STATUS", rule)
	return false
}

// messageSet maps every statement response of a bank or card message set
// and returns how many there are.
func (m *mapper) messageSet(set *node, k kind) int {
	n := 0
	for _, trnrs := range set.kids {
		if trnrs.name != k.trnrs {
			continue
		}
		path := set.name + "." + k.trnrs + "[" + strconv.Itoa(n) + "]"
		n++
		if !m.status(trnrs, path) {
			continue
		}
		rs := trnrs.child(k.rs)
		if rs == nil {
			m.probs.Add(path+"."+k.rs, "required: the response holds no statement")
			continue
		}
		m.statement(rs, path+"."+k.rs, k)
	}
	return n
}

// stmt is what the transactions of one statement share.
type stmt struct {
	sourceAccountID string
	accountID       string
	curdef          string
	curdefOK        bool
}

func (m *mapper) statement(rs *node, path string, k kind) {
	var st stmt
	st.curdef = strings.ToUpper(rs.val("CURDEF"))
	if st.curdef != "" {
		st.curdefOK = m.currency(path+".CURDEF", st.curdef)
	}

	acctPath := path + "." + k.acctFrom
	acct := rs.child(k.acctFrom)
	if acct == nil {
		m.probs.Add(acctPath, "required")
	} else {
		acctID := acct.val("ACCTID")
		if acctID == "" {
			m.probs.Add(acctPath+".ACCTID", "required")
		}
		st.sourceAccountID = acctID
		if !k.card {
			bankID := acct.val("BANKID")
			if bankID == "" {
				m.probs.Add(acctPath+".BANKID", "required")
			}
			st.sourceAccountID = bankID + ":" + acctID
		}
		st.accountID = source.AccountID(Name, st.sourceAccountID)
	}

	for _, bal := range [...]string{"LEDGERBAL", "AVAILBAL"} {
		if n := rs.child(bal); n != nil {
			m.balance(n, path+"."+bal, &st)
		}
	}

	list := rs.child("BANKTRANLIST")
	if list == nil {
		return
	}
	i := 0
	for _, tr := range list.kids {
		if tr.name != "STMTTRN" {
			continue
		}
		m.transaction(tr, path+".BANKTRANLIST.STMTTRN["+strconv.Itoa(i)+"]", &st)
		i++
	}
}

// currency checks a currency code and reports whether amounts can be
// expressed in it.
func (m *mapper) currency(path, code string) bool {
	exp, ok := money.Exponent(code)
	switch {
	case !ok:
		m.probs.Add(path, "%s is not an ISO 4217 code", source.Quote(code))
	case exp == money.NoMinorUnit:
		m.probs.Add(path, "%s has no minor unit, so amounts cannot be expressed in it", source.Quote(code))
	default:
		return true
	}
	return false
}

// balance checks LEDGERBAL or AVAILBAL. Balances are not events and are
// not reconciled with the transactions (OFX balances often include what
// the list does not), but a balance without a readable amount or date is a
// broken statement.
func (m *mapper) balance(bal *node, path string, st *stmt) {
	amt := bal.val("BALAMT")
	switch {
	case amt == "":
		m.probs.Add(path+".BALAMT", "required")
	case st.curdefOK:
		if _, rule := parseAmount(amt, st.curdef); rule != "" {
			m.probs.Add(path+".BALAMT", rule)
		}
	}
	if d := bal.val("DTASOF"); d == "" {
		m.probs.Add(path+".DTASOF", "required")
	} else if _, rule := parseDate(d); rule != "" {
		m.probs.Add(path+".DTASOF", rule)
	}
}

// one returns the value of a child that may appear at most once.
func (m *mapper) one(n *node, name, path string) string {
	if c := n.count(name); c > 1 {
		m.probs.Add(path+"."+name, "appears %d times", c)
	}
	return n.val(name)
}

// date parses a required or optional date-time child.
func (m *mapper) date(n *node, name, path string, required bool) (time.Time, bool) {
	s := m.one(n, name, path)
	if s == "" {
		if required {
			m.probs.Add(path+"."+name, "required")
		}
		return time.Time{}, false
	}
	t, rule := parseDate(s)
	if rule != "" {
		m.probs.Add(path+"."+name, rule)
		return time.Time{}, false
	}
	return t, true
}

func (m *mapper) transaction(tr *node, path string, st *stmt) {
	before := m.probs.Len()

	fitid := m.one(tr, "FITID", path)
	switch {
	case fitid == "":
		m.probs.Add(path+".FITID", "required (the transaction's unique id)")
	case utf8.RuneCountInString(fitid) > maxFITIDLen:
		m.probs.Add(path+".FITID", "is over %d characters", maxFITIDLen)
	}
	posted, _ := m.date(tr, "DTPOSTED", path, true)
	user, hasUser := m.date(tr, "DTUSER", path, false)

	cur, curOK := st.curdef, st.curdefOK
	if c := tr.child("CURRENCY"); c != nil {
		// CURRENCY: the transaction's amounts are in CURSYM, not CURDEF.
		// (ORIGCURRENCY says they were converted to CURDEF: nothing to do.)
		cur = strings.ToUpper(c.val("CURSYM"))
		if cur == "" {
			m.probs.Add(path+".CURRENCY.CURSYM", "required")
		} else {
			curOK = m.currency(path+".CURRENCY.CURSYM", cur)
		}
	}
	var amount int64
	lit := m.one(tr, "TRNAMT", path)
	switch {
	case lit == "":
		m.probs.Add(path+".TRNAMT", "required")
	case cur == "":
		m.probs.Add(path+".TRNAMT", "has no currency: CURDEF is empty and the transaction has no CURRENCY")
	case curOK:
		var rule string
		if amount, rule = parseAmount(lit, cur); rule != "" {
			m.probs.Add(path+".TRNAMT", rule)
		}
	}

	correctFITID := m.one(tr, "CORRECTFITID", path)
	action := strings.ToUpper(m.one(tr, "CORRECTACTION", path))
	switch {
	case action == "" && correctFITID == "":
	case action != "REPLACE" && action != "DELETE":
		m.probs.Add(path+".CORRECTACTION", "%s is not REPLACE or DELETE (CORRECTFITID %s)", source.Quote(action), source.Quote(correctFITID))
	case correctFITID == "":
		m.probs.Add(path+".CORRECTFITID", "required with CORRECTACTION %s", action)
	}

	if m.probs.Len() > before || st.accountID == "" {
		return
	}

	occurred := posted
	if hasUser {
		occurred = user
	}
	if correctFITID != "" {
		m.emit(path, st, m.removed(st, correctFITID, action, fitid, posted))
		if action == "DELETE" {
			return
		}
	}

	name := tr.val("EXTDNAME")
	if name == "" {
		name = m.one(tr, "NAME", path)
	}
	payee := tr.child("PAYEE").val("NAME")
	if name == "" {
		name = payee
	}
	desc := describe(name, m.one(tr, "MEMO", path))
	if desc == "" {
		desc = strings.TrimSpace(strings.ToUpper(tr.val("TRNTYPE")) + " " + tr.val("CHECKNUM"))
	}
	body := &fintrav1.Transaction{
		AccountId:           st.accountID,
		Source:              Name,
		SourceAccountId:     st.sourceAccountID,
		SourceTransactionId: fitid,
		AmountMinor:         amount,
		Currency:            cur,
		Status:              fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED,
		OccurredAt:          timestamppb.New(occurred),
		PostedAt:            timestamppb.New(posted),
		Description:         cut(desc, maxDescriptionLen),
		Counterparty:        cut(payee, maxCounterparty),
	}
	if sic := tr.val("SIC"); len(sic) == 4 && allDigits(sic) {
		body.Mcc = sic
	}
	ev := m.event(fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED, st, fitid, occurred)
	ev.Payload = &fintrav1.Event_Created{Created: &fintrav1.TransactionCreated{Transaction: body}}
	m.emit(path, st, ev)
}

// removed is the event of a correction: the transaction CORRECTFITID is
// withdrawn (DELETE), or replaced by the correcting one (REPLACE).
func (m *mapper) removed(st *stmt, correctFITID, action, fitid string, at time.Time) *fintrav1.Event {
	ev := m.event(fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED, st, correctFITID, at)
	reason := "deleted by OFX correction " + fitid
	if action == "REPLACE" {
		reason = "replaced by OFX correction " + fitid
	}
	ev.Payload = &fintrav1.Event_Removed{Removed: &fintrav1.TransactionRemoved{
		AccountId:           st.accountID,
		Source:              Name,
		SourceAccountId:     st.sourceAccountID,
		SourceTransactionId: correctFITID,
		Reason:              cut(reason, 256),
	}}
	return ev
}

func (m *mapper) event(typ fintrav1.EventType, st *stmt, id string, at time.Time) *fintrav1.Event {
	ev := &fintrav1.Event{
		EventId:    schemas.EventID(Name, st.sourceAccountID, id, typ),
		AccountId:  st.accountID,
		Type:       typ,
		OccurredAt: timestamppb.New(at),
	}
	m.payload.Stamp(ev)
	return ev
}

// emit appends ev unless the document already holds the same event: the
// same FITID of the same account twice (two overlapping statements of one
// account) is one transaction when both say the same, and a broken
// document when they differ, since the event ids would collide.
func (m *mapper) emit(path string, st *stmt, ev *fintrav1.Event) {
	id := ev.GetCreated().GetTransaction().GetSourceTransactionId()
	if r := ev.GetRemoved(); r != nil {
		id = r.GetSourceTransactionId()
	}
	key := seenKey{account: st.sourceAccountID, id: id, typ: ev.GetType()}
	if prev, dup := m.seen[key]; dup {
		if !samePayload(prev.ev, ev) {
			field := ".FITID"
			if ev.GetRemoved() != nil {
				field = ".CORRECTFITID"
			}
			m.probs.Add(path+field, "%s is also %s with different content", source.Quote(id), prev.path)
		}
		return
	}
	m.seen[key] = seenTx{path: path, ev: ev}
	m.events = append(m.events, ev)
}

func samePayload(a, b *fintrav1.Event) bool {
	if a.GetType() != b.GetType() || !a.GetOccurredAt().AsTime().Equal(b.GetOccurredAt().AsTime()) {
		return false
	}
	if a.GetRemoved() != nil {
		return proto.Equal(a.GetRemoved(), b.GetRemoved())
	}
	return proto.Equal(a.GetCreated(), b.GetCreated())
}

// describe builds the description from NAME (the payee or a short
// descriptor, 32 characters in OFX 1.x and often cut) and MEMO (free text,
// often the full descriptor): the longer one when it contains the other,
// both otherwise.
func describe(name, memo string) string {
	switch {
	case memo == "" || strings.Contains(name, memo):
		return name
	case name == "" || strings.Contains(memo, name):
		return memo
	}
	return name + " - " + memo
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
