// Package stripe is the "stripe" ingest format: Stripe webhook events (the
// Event envelope) and bare Stripe objects (charge, refund, dispute,
// issuing.authorization, issuing.transaction), turned into canonical
// transaction events on the merchant's balance (or, for Issuing, on the
// card's). README.md has the mapping, the lifecycle and what is rejected.
package stripe

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/jsonpayload"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Name is the format's name: the fintra-source header value and the source
// of every event it produces.
const Name = "stripe"

// DefaultAccount is the merchant account of a payload that names none (no
// Connect "account" and no record key).
const DefaultAccount = "default"

// Suffixes of derived transaction ids. The ledger keys transactions by
// source id, so a pending authorisation and the posting that supersedes it
// need distinct ids: the posted charge keeps the charge id (what refunds and
// disputes link to) and the authorisation gets a suffix.
const (
	suffixAuth       = ":auth"       // an uncaptured charge: the pending authorisation
	suffixFailed     = ":failed"     // the credit back of a refund that failed or was canceled
	suffixReinstated = ":reinstated" // the credit back of a dispute's withdrawn funds
)

// Stripe object types this parser reads.
const (
	objEvent      = "event"
	objCharge     = "charge"
	objRefund     = "refund"
	objDispute    = "dispute"
	objAuth       = "issuing.authorization"
	objIssuingTxn = "issuing.transaction"
)

// Parser parses Stripe payloads. It holds no state; one Parser may be used
// from many goroutines.
type Parser struct{}

// New returns the Stripe parser.
func New() *Parser { return &Parser{} }

// Name returns "stripe".
func (*Parser) Name() string { return Name }

// Framing is one payload per document: a webhook body.
func (*Parser) Framing() source.Framing { return source.FramingDocument }

// idPrefixes are the id prefixes of each object type Detect accepts.
var idPrefixes = map[string][]string{
	objEvent:      {"evt_"},
	objCharge:     {"ch_", "py_"},
	objRefund:     {"re_", "pyr_"},
	objDispute:    {"dp_", "du_"},
	objAuth:       {"iauth_"},
	objIssuingTxn: {"ipi_"},
}

// Detect reports whether payload is a JSON object whose "object" is one of
// the types above and whose "id" has that type's prefix, or the data member
// of a webhook event ({"object": {…a charge…}}) which Parse rejects with a
// message that says so.
func (*Parser) Detect(payload []byte) bool {
	b := bytes.TrimLeft(payload, " \t\r\n")
	if len(b) == 0 || b[0] != '{' || len(b) > MaxPayload {
		return false
	}
	var h struct {
		Object json.RawMessage `json:"object"`
		ID     json.RawMessage `json:"id"`
	}
	if json.Unmarshal(b, &h) != nil {
		return false
	}
	if len(h.Object) > 0 && h.Object[0] == '{' && len(h.ID) == 0 {
		var inner struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(h.Object, &inner) != nil {
			return false
		}
		for _, prefixes := range idPrefixes {
			if hasPrefix(inner.ID, prefixes) {
				return true
			}
		}
		return false
	}
	var obj, id string
	if json.Unmarshal(h.Object, &obj) != nil || json.Unmarshal(h.ID, &id) != nil {
		return false
	}
	return hasPrefix(id, idPrefixes[obj])
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) && len(s) > len(p) {
			return true
		}
	}
	return false
}

// head is the top level of any payload: an event's envelope fields, or a
// bare object's type.
type head struct {
	Object  json.RawMessage `json:"object"`
	ID      json.RawMessage `json:"id"`
	Type    json.RawMessage `json:"type"`
	Account json.RawMessage `json:"account"`
	Created json.RawMessage `json:"created"`
	Data    *struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// run is one Parse call.
type run struct {
	pl      source.Payload
	p       source.Problems
	account string // the merchant's source account id
	// eventTime is the envelope's "created", when there is an envelope: the
	// time of a change that the object's own "created" does not date
	// (a capture, a funds reinstatement).
	eventTime time.Time
	entries   []entry
}

// Parse turns one Stripe event or object into zero or more events, or
// returns a *source.ValidationError.
func (*Parser) Parse(pl source.Payload) ([]*fintrav1.Event, error) {
	if err := jsonpayload.CheckDocument(Name, pl.Bytes, MaxPayload, maxDepth); err != nil {
		return nil, err
	}
	if b := bytes.TrimLeft(pl.Bytes, " \t\r\n"); b[0] != '{' {
		return nil, source.Fatal(Name, "payload", "not a JSON object")
	}
	var h head
	if err := json.Unmarshal(pl.Bytes, &h); err != nil {
		return nil, jsonpayload.DecodeError(Name, "", err)
	}
	if len(h.Object) > 0 && h.Object[0] == '{' {
		return nil, source.Fatal(Name, "object", "is an object: this is the data member of a Stripe event without its envelope (id, type, created); send the whole event")
	}
	var obj string
	if jsonpayload.IsNull(h.Object) || json.Unmarshal(h.Object, &obj) != nil {
		return nil, source.Fatal(Name, "object", "required string naming the Stripe object (event, charge, refund, dispute, issuing.authorization, issuing.transaction)")
	}
	r := &run{pl: pl, account: pl.Key, p: source.Problems{Source: Name, Field: "payload"}}
	if r.account == "" {
		r.account = DefaultAccount
	}
	if obj == objEvent {
		r.event(&h)
	} else {
		r.bare(obj)
	}
	if err := r.p.Err(); err != nil {
		return nil, err
	}
	return r.events()
}

// event reads an Event envelope and dispatches on its type.
func (r *run) event(h *head) {
	var id, typ string
	if jsonpayload.IsNull(h.ID) || json.Unmarshal(h.ID, &id) != nil || id == "" {
		r.p.Add("id", "required non-empty string")
	}
	if jsonpayload.IsNull(h.Type) || json.Unmarshal(h.Type, &typ) != nil || typ == "" {
		r.p.Add("type", "required non-empty string")
	}
	if !jsonpayload.IsNull(h.Account) {
		var acct string
		if json.Unmarshal(h.Account, &acct) != nil || acct == "" {
			r.p.Add("account", "must be a non-empty string (the Connect account id)")
		} else {
			r.account = acct
		}
	}
	if t, ok := unixTime(&r.p, "created", h.Created); ok {
		r.eventTime = t
	}
	if h.Data == nil || jsonpayload.IsNull(h.Data.Object) || h.Data.Object[0] != '{' {
		r.p.Add("data.object", "required object")
	}
	if r.p.Len() > 0 {
		return
	}
	const at = "data.object"
	obj := h.Data.Object
	switch typ {
	case "charge.succeeded":
		r.charge(at, obj, chargeSucceeded)
	case "charge.captured":
		r.charge(at, obj, chargeCaptured)
	case "charge.refunded":
		r.charge(at, obj, chargeRefunded)
	case "charge.expired":
		r.charge(at, obj, chargeExpired)
	case "charge.failed", "charge.updated":
		r.charge(at, obj, chargeNoMoney)
	case "refund.created", "refund.updated", "refund.failed", "charge.refund.updated":
		r.refund(at, obj, "")
	case "charge.dispute.created":
		r.dispute(at, obj, disputeCreated)
	case "charge.dispute.funds_withdrawn":
		r.dispute(at, obj, disputeWithdrawn)
	case "charge.dispute.funds_reinstated":
		r.dispute(at, obj, disputeReinstated)
	case "charge.dispute.updated", "charge.dispute.closed":
		r.dispute(at, obj, disputeNoMoney)
	case "issuing_authorization.request":
		r.authorization(at, obj, true)
	case "issuing_authorization.created", "issuing_authorization.updated":
		r.authorization(at, obj, false)
	case "issuing_transaction.created":
		r.issuingTxn(at, obj, true)
	case "issuing_transaction.updated":
		r.issuingTxn(at, obj, false)
	default:
		r.p.Add("type", "stripe event type %s is not supported", source.QuoteControl(typ))
	}
}

// bare reads a Stripe object sent without an envelope: a snapshot, read as
// the event that creates it.
func (r *run) bare(obj string) {
	b := json.RawMessage(r.pl.Bytes)
	switch obj {
	case objCharge:
		r.charge("", b, chargeSnapshot)
	case objRefund:
		r.refund("", b, "")
	case objDispute:
		r.dispute("", b, disputeCreated)
	case objAuth:
		r.authorization("", b, false)
	case objIssuingTxn:
		r.issuingTxn("", b, true)
	default:
		r.p.Add("object", "stripe object %s is not supported (only event, charge, refund, dispute, issuing.authorization, issuing.transaction)", source.QuoteControl(obj))
	}
}

// decode unmarshals an object into v, recording a type error as a problem.
func (r *run) decode(at string, raw json.RawMessage, v any) bool {
	if err := json.Unmarshal(raw, v); err != nil {
		ve := jsonpayload.DecodeError(Name, at, err).(*source.ValidationError)
		r.p.Append(ve.Problems...)
		return false
	}
	return true
}

// kind checks an object's "object" field against the type the event needs.
// An absent one is accepted: old API versions and hand-made fixtures
// leave it out.
func (r *run) kind(at, got, want string) {
	if got != "" && got != want {
		r.p.Add(jsonpayload.Join(at, "object"), "%s is not a %s", source.QuoteControl(got), want)
	}
}

func (r *run) requireID(at, id string) {
	if id == "" {
		r.p.Add(jsonpayload.Join(at, "id"), "required non-empty string")
	}
}

// expandableID is the id of an expandable field: a string id, an expanded
// object's "id", or "" when null or absent.
func expandableID(raw json.RawMessage) string {
	if jsonpayload.IsNull(raw) {
		return ""
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	var o struct {
		ID string `json:"id"`
	}
	if raw[0] == '{' && json.Unmarshal(raw, &o) == nil {
		return o.ID
	}
	return ""
}

// amount reads an amount and currency and converts them to ISO minor units.
func (r *run) amount(amountField string, raw json.RawMessage, currencyField, cur string) (int64, string, bool) {
	iso, okCur := currency(&r.p, currencyField, cur)
	n, okAmt := jsonpayload.Integer(raw, amountField, &r.p)
	if !okCur || !okAmt {
		return 0, "", false
	}
	m, ok := toMinor(&r.p, amountField, n, iso)
	return m, iso, ok
}

// negate flips a sign, refusing the one int64 that has no opposite.
func (r *run) negate(field string, n int64) (int64, bool) {
	if n == -n && n != 0 {
		r.p.Add(field, "%d cannot be negated in an int64", n)
		return 0, false
	}
	return -n, true
}

// entry is one canonical event before it is built.
type entry struct {
	typ          fintrav1.EventType
	accountKey   string // the source account id
	id           string // the source transaction id
	supersedes   string // for an update: the pending transaction it posts
	status       fintrav1.TransactionStatus
	amount       int64
	currency     string
	occurred     time.Time
	description  string
	merchant     string
	mcc          string
	country      string
	city         string
	counterparty string
	linked       string
	reversal     bool
	reason       string // for a removal
}

func (r *run) add(e entry) { r.entries = append(r.entries, e) }

// events builds the canonical events, refusing a document that would emit
// the same event id twice (a refund listed twice).
func (r *run) events() ([]*fintrav1.Event, error) {
	out := make([]*fintrav1.Event, 0, len(r.entries))
	seen := make(map[string]bool, len(r.entries))
	for _, e := range r.entries {
		ev := e.event(r.pl)
		if seen[ev.EventId] {
			r.p.Add("payload", "transaction %s appears twice", source.QuoteControl(e.id))
			continue
		}
		seen[ev.EventId] = true
		out = append(out, ev)
	}
	if err := r.p.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func (e *entry) event(pl source.Payload) *fintrav1.Event {
	accountID := source.AccountID(Name, e.accountKey)
	ev := &fintrav1.Event{
		EventId:    schemas.EventID(Name, e.accountKey, e.id, e.typ),
		AccountId:  accountID,
		Type:       e.typ,
		OccurredAt: timestamppb.New(e.occurred),
	}
	pl.Stamp(ev)
	if e.typ == fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED {
		ev.Payload = &fintrav1.Event_Removed{Removed: &fintrav1.TransactionRemoved{
			AccountId:           accountID,
			Source:              Name,
			SourceAccountId:     e.accountKey,
			SourceTransactionId: e.id,
			Reason:              e.reason,
		}}
		return ev
	}
	tx := &fintrav1.Transaction{
		AccountId:                 accountID,
		Source:                    Name,
		SourceAccountId:           e.accountKey,
		SourceTransactionId:       e.id,
		AmountMinor:               e.amount,
		Currency:                  e.currency,
		Status:                    e.status,
		OccurredAt:                timestamppb.New(e.occurred),
		Description:               e.description,
		MerchantName:              e.merchant,
		Mcc:                       e.mcc,
		Country:                   e.country,
		City:                      e.city,
		Reversal:                  e.reversal,
		LinkedSourceTransactionId: e.linked,
		Counterparty:              e.counterparty,
	}
	if e.status == fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED {
		tx.PostedAt = timestamppb.New(e.occurred)
	}
	if e.typ == fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED {
		tx.PendingTransactionId = e.supersedes
		ev.Payload = &fintrav1.Event_Updated{Updated: &fintrav1.TransactionUpdated{
			Transaction:                   tx,
			Reason:                        fintrav1.UpdateReason_UPDATE_REASON_POSTED,
			SupersedesSourceTransactionId: e.supersedes,
		}}
		return ev
	}
	ev.Payload = &fintrav1.Event_Created{Created: &fintrav1.TransactionCreated{Transaction: tx}}
	return ev
}
