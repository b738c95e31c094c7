// Package adyen is the "adyen" ingest format: Adyen standard notification
// webhooks ({"live": …, "notificationItems": [{"NotificationRequestItem":
// {…}}]}) and Balance Platform transaction webhooks
// ({"type": "balancePlatform.transaction.created", "data": {…}}), turned
// into canonical transaction events on the merchant account (or the
// balance account). README.md has the mapping and what is rejected.
package adyen

import (
	"bytes"
	"encoding/json"
	"fmt"
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
const Name = "adyen"

// maxItems bounds the notification items of one payload. Adyen sends one
// per request by default and batches at most a few dozen.
const maxItems = 1000

const (
	created = fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
	updated = fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED
	removed = fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED
	pending = fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING
	posted  = fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED
)

// Parser parses Adyen payloads. It holds no state; one Parser may be used
// from many goroutines.
type Parser struct{}

// New returns the Adyen parser.
func New() *Parser { return &Parser{} }

// Name returns "adyen".
func (*Parser) Name() string { return Name }

// Framing is one payload per document: a webhook body.
func (*Parser) Framing() source.Framing { return source.FramingDocument }

// top is the top level of both payload kinds.
type top struct {
	NotificationItems json.RawMessage `json:"notificationItems"`
	Type              json.RawMessage `json:"type"`
	Timestamp         string          `json:"timestamp"`
	Data              json.RawMessage `json:"data"`
}

// Detect reports whether payload is a JSON object with a top-level
// "notificationItems" array, or a "type" that starts with
// "balancePlatform.".
func (*Parser) Detect(payload []byte) bool {
	b := bytes.TrimLeft(payload, " \t\r\n")
	if len(b) == 0 || b[0] != '{' || len(b) > MaxPayload {
		return false
	}
	var t struct {
		NotificationItems json.RawMessage `json:"notificationItems"`
		Type              json.RawMessage `json:"type"`
	}
	if json.Unmarshal(b, &t) != nil {
		return false
	}
	if len(t.NotificationItems) > 0 && t.NotificationItems[0] == '[' {
		return true
	}
	var typ string
	return json.Unmarshal(t.Type, &typ) == nil && strings.HasPrefix(typ, "balancePlatform.")
}

// run is one Parse call.
type run struct {
	pl      source.Payload
	p       source.Problems
	entries []entry
}

// Parse turns one Adyen notification into zero or more events, or returns
// a *source.ValidationError listing every problem of every item.
func (*Parser) Parse(pl source.Payload) ([]*fintrav1.Event, error) {
	if err := jsonpayload.CheckDocument(Name, pl.Bytes, MaxPayload, maxDepth); err != nil {
		return nil, err
	}
	if b := bytes.TrimLeft(pl.Bytes, " \t\r\n"); b[0] != '{' {
		return nil, source.Fatal(Name, "payload", "not a JSON object")
	}
	var t top
	if err := json.Unmarshal(pl.Bytes, &t); err != nil {
		return nil, jsonpayload.DecodeError(Name, "", err)
	}
	r := &run{pl: pl, p: source.Problems{Source: Name, Field: "payload"}}
	switch {
	case !jsonpayload.IsNull(t.NotificationItems):
		r.notification(t.NotificationItems)
	case !jsonpayload.IsNull(t.Type):
		r.balancePlatform(&t)
	default:
		return nil, source.Fatal(Name, "payload", "neither a standard notification (notificationItems) nor a Balance Platform notification (type)")
	}
	if err := r.p.Err(); err != nil {
		return nil, err
	}
	return r.events()
}

// notification reads the items of a standard notification.
func (r *run) notification(raw json.RawMessage) {
	var wraps []struct {
		Item json.RawMessage `json:"NotificationRequestItem"`
	}
	if raw[0] != '[' {
		r.p.Add("notificationItems", "must be an array, not %s", jsonpayload.KindOf(raw))
		return
	}
	if err := json.Unmarshal(raw, &wraps); err != nil {
		r.p.Append(jsonpayload.DecodeError(Name, "notificationItems", err).(*source.ValidationError).Problems...)
		return
	}
	if len(wraps) == 0 {
		r.p.Add("notificationItems", "must not be empty")
		return
	}
	if len(wraps) > maxItems {
		r.p.Add("notificationItems", "%d items is over the limit of %d", len(wraps), maxItems)
		return
	}
	for i, w := range wraps {
		at := fmt.Sprintf("notificationItems[%d].NotificationRequestItem", i)
		if jsonpayload.IsNull(w.Item) || w.Item[0] != '{' {
			r.p.Add(at, "required object")
			continue
		}
		r.item(at, w.Item)
	}
}

// amount is Adyen's {"currency": "EUR", "value": 1000}, value in Adyen
// minor units.
type amount struct {
	Currency string          `json:"currency"`
	Value    json.RawMessage `json:"value"`
}

// item is a NotificationRequestItem.
type item struct {
	AdditionalData      map[string]json.RawMessage `json:"additionalData"`
	Amount              *amount                    `json:"amount"`
	EventCode           string                     `json:"eventCode"`
	EventDate           string                     `json:"eventDate"`
	MerchantAccountCode string                     `json:"merchantAccountCode"`
	MerchantReference   string                     `json:"merchantReference"`
	OriginalReference   string                     `json:"originalReference"`
	PspReference        string                     `json:"pspReference"`
	Reason              string                     `json:"reason"`
	Success             json.RawMessage            `json:"success"`
}

// additional returns a string of additionalData, trimmed; "" when absent
// or not a string.
func (it *item) additional(key string) string {
	raw, ok := it.AdditionalData[key]
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// success reads "success": "true"/"false" as Adyen sends it (a string), or
// a JSON boolean.
func success(p *source.Problems, field string, raw json.RawMessage) (bool, bool) {
	switch string(raw) {
	case `"true"`, "true":
		return true, true
	case `"false"`, "false":
		return false, true
	}
	if jsonpayload.IsNull(raw) {
		p.Add(field, "required: \"true\" or \"false\"")
	} else {
		p.Add(field, "%s is not \"true\" or \"false\"", source.QuoteControl(string(raw)))
	}
	return false, false
}

// codeAction says what an eventCode does to the ledger.
type codeAction uint8

const (
	actNone           codeAction = iota + 1 // no money moved
	actAuthorise                            // pending, money in
	actCapture                              // posting of the authorisation
	actRefund                               // posted, money out, linked to originalReference
	actChargeback                           // posted, money out, linked to originalReference
	actCancel                               // removal of the authorisation originalReference
	actExpire                               // removal of the authorisation pspReference
	actCreditBack                           // posted, money in, reversing pspReference (a failed refund, a reversed chargeback)
	actDebitBack                            // posted, money out, reversing pspReference (a failed capture, a second chargeback)
	actCancelOrRefund                       // actCancel or actRefund by additionalData.modification.action
)

// actions maps the supported eventCodes; any other is rejected.
var actions = map[string]codeAction{
	"AUTHORISATION":              actAuthorise,
	"CAPTURE":                    actCapture,
	"REFUND":                     actRefund,
	"CHARGEBACK":                 actChargeback,
	"CANCELLATION":               actCancel,
	"CANCEL_OR_REFUND":           actCancelOrRefund,
	"EXPIRE":                     actExpire,
	"REFUND_FAILED":              actCreditBack,
	"REFUNDED_REVERSED":          actCreditBack,
	"CHARGEBACK_REVERSED":        actCreditBack,
	"CAPTURE_FAILED":             actDebitBack,
	"SECOND_CHARGEBACK":          actDebitBack,
	"OFFER_CLOSED":               actNone,
	"NOTIFICATION_OF_CHARGEBACK": actNone,
	"REQUEST_FOR_INFORMATION":    actNone,
}

// item maps one NotificationRequestItem. Every item with success "false"
// yields nothing: the operation did not happen.
func (r *run) item(at string, raw json.RawMessage) {
	var it item
	if err := json.Unmarshal(raw, &it); err != nil {
		r.p.Append(jsonpayload.DecodeError(Name, at, err).(*source.ValidationError).Problems...)
		return
	}
	f := func(name string) string { return at + "." + name }
	act, known := actions[it.EventCode]
	if !known {
		if it.EventCode == "" {
			r.p.Add(f("eventCode"), "required string")
		} else {
			r.p.Add(f("eventCode"), "adyen eventCode %s is not supported", source.QuoteControl(it.EventCode))
		}
		return
	}
	ok, okSuccess := success(&r.p, f("success"), it.Success)
	if !okSuccess || !ok || act == actNone {
		return
	}
	if act == actCancelOrRefund {
		switch a := it.additional("modification.action"); a {
		case "cancel":
			act = actCancel
		case "refund":
			act = actRefund
		default:
			r.p.Add(f("additionalData.modification.action"), "%s is not cancel or refund", source.QuoteControl(a))
			return
		}
	}
	before := r.p.Len()
	if it.PspReference == "" {
		r.p.Add(f("pspReference"), "required string")
	}
	if it.MerchantAccountCode == "" {
		r.p.Add(f("merchantAccountCode"), "required string")
	}
	occurred, err := time.Parse(time.RFC3339, it.EventDate)
	if err != nil {
		r.p.Add(f("eventDate"), "%s is not an RFC 3339 timestamp", source.QuoteControl(it.EventDate))
	}
	needsOriginal := act == actCapture || act == actRefund || act == actChargeback || act == actCancel
	if needsOriginal && it.OriginalReference == "" {
		r.p.Add(f("originalReference"), "required string for %s", it.EventCode)
	}
	var value int64
	var cur string
	if act != actCancel && act != actExpire {
		value, cur = r.amount(f("amount"), it.Amount)
	}
	if r.p.Len() != before {
		return
	}
	e := entry{accountKey: it.MerchantAccountCode, id: it.PspReference, occurred: occurred.UTC(),
		currency: cur, description: it.MerchantReference}
	e.counterparty = it.additional("shopperName")
	if e.counterparty == "" {
		e.counterparty = it.additional("cardHolderName")
	}
	if mcc := it.additional("mcc"); len(mcc) == 4 && allDigits(mcc) {
		e.mcc = mcc
	} else if mcc := it.additional("merchantCategoryCode"); len(mcc) == 4 && allDigits(mcc) {
		e.mcc = mcc
	}
	if strings.Contains(it.EventCode, "CHARGEBACK") && it.Reason != "" {
		// A dispute's reason ("Other Fraud-Card Absent Environment")
		// says more than the order reference.
		e.description = it.Reason
	}
	switch act {
	case actAuthorise:
		e.typ, e.status, e.amount = created, pending, value
	case actCapture:
		e.typ, e.status, e.amount, e.supersedes = updated, posted, value, it.OriginalReference
	case actRefund, actChargeback:
		e.typ, e.status, e.amount, e.linked = created, posted, -value, it.OriginalReference
	case actCancel:
		e.typ, e.id, e.reason = removed, it.OriginalReference, "cancelled"
	case actExpire:
		e.typ, e.reason = removed, "authorisation expired"
	case actCreditBack, actDebitBack:
		// The pspReference is the refund's, capture's or dispute's own,
		// already used by the transaction this one reverses.
		e.typ, e.status, e.linked, e.reversal = created, posted, it.PspReference, true
		e.id = it.PspReference + ":" + it.EventCode
		e.amount = value
		if act == actDebitBack {
			e.amount = -value
		}
	}
	r.add(e)
}

// amount reads an amount object and converts it to ISO minor units.
func (r *run) amount(at string, a *amount) (int64, string) {
	if a == nil {
		r.p.Add(at, "required object")
		return 0, ""
	}
	okCur := currency(&r.p, at+".currency", a.Currency)
	n, okVal := jsonpayload.Integer(a.Value, at+".value", &r.p)
	if !okCur || !okVal {
		return 0, ""
	}
	if n < -1<<62 || n > 1<<62 {
		r.p.Add(at+".value", "%d is out of range", n)
		return 0, ""
	}
	m, _ := toMinor(&r.p, at+".value", n, a.Currency)
	return m, a.Currency
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// entry is one canonical event before it is built.
type entry struct {
	typ          fintrav1.EventType
	accountKey   string
	id           string
	supersedes   string
	status       fintrav1.TransactionStatus
	amount       int64
	currency     string
	occurred     time.Time
	description  string
	mcc          string
	counterparty string
	linked       string
	reversal     bool
	reason       string
}

func (r *run) add(e entry) { r.entries = append(r.entries, e) }

// events builds the canonical events, refusing a document that would emit
// the same event id twice.
func (r *run) events() ([]*fintrav1.Event, error) {
	out := make([]*fintrav1.Event, 0, len(r.entries))
	seen := make(map[string]bool, len(r.entries))
	for _, e := range r.entries {
		ev := e.event(r.pl)
		if seen[ev.EventId] {
			r.p.Add("payload", "transaction %s of merchant account %s appears twice", source.QuoteControl(e.id), source.QuoteControl(e.accountKey))
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
	if e.typ == removed {
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
		Mcc:                       e.mcc,
		Reversal:                  e.reversal,
		LinkedSourceTransactionId: e.linked,
		Counterparty:              e.counterparty,
	}
	if e.status == posted {
		tx.PostedAt = timestamppb.New(e.occurred)
	}
	if e.typ == updated {
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
