// Package up is the "up" ingest format: Up Bank (Australia) API v1
// transaction resources, one or a page of them, and the webhook events Up
// delivers. A transaction yields a created (HELD) or posting (SETTLED)
// event; a TRANSACTION_DELETED webhook a removal; every other webhook
// event a ConnectionEvent, because it names a transaction without its
// amount and a connection worker must fetch it. README.md has the mapping.
package up

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/internal/money"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/jsonpayload"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Name is the format's name: the fintra-source header value and the source
// of every event it produces.
const Name = "up"

// SettledSuffix is appended to an Up transaction id to make the source id
// of its settlement. Up keeps one id from HELD to SETTLED; the ledger needs
// the posting and the pending transaction it supersedes to have distinct
// ids (a posting whose id the ledger already holds is a duplicate).
const SettledSuffix = "/settled"

// Limits in characters.
const (
	maxIDLen   = 128
	maxTextLen = 1024
)

// Parser parses Up payloads. It holds no state; one Parser may be used from
// many goroutines.
type Parser struct{}

// New returns the Up parser.
func New() *Parser { return &Parser{} }

// Name returns "up".
func (*Parser) Name() string { return Name }

// Framing is one payload per document: a response page or a webhook body.
func (*Parser) Framing() source.Framing { return source.FramingDocument }

// Detect recognises a JSON:API document whose primary data (or first
// primary resource) has type "transactions" or "webhook-events". It reads
// only the top-level "data" key and the keys of that one resource.
func (*Parser) Detect(payload []byte) bool {
	if len(payload) > MaxPayload {
		return false
	}
	found := false
	jsonpayload.EachKey(payload, func(key, val []byte) bool {
		if string(key) != "data" {
			return true
		}
		res := val
		if len(val) > 0 && val[0] == '[' {
			i := jsonpayload.SkipSpace(val, 1)
			res = val[i:]
		}
		jsonpayload.EachKey(res, func(key, val []byte) bool {
			if string(key) == "type" {
				found = string(val) == `"transactions"` || string(val) == `"webhook-events"`
				return false
			}
			return true
		})
		return false
	})
	return found
}

// Parse turns one Up document into its events, in document order. It
// returns a *source.ValidationError listing every broken rule.
func (*Parser) Parse(p source.Payload) ([]*fintrav1.Event, error) {
	if err := jsonpayload.CheckObject(Name, p.Bytes, MaxPayload, maxDepth); err != nil {
		return nil, err
	}
	probs := source.Problems{Source: Name, Field: "payload"}
	top, ok := jsonpayload.Object(p.Bytes, "payload", &probs)
	if !ok {
		return nil, probs.Err()
	}
	b := builder{p: p, probs: &probs, ids: map[string]string{}}
	switch data := top["data"]; {
	case jsonpayload.IsNull(data):
		probs.Add("data", "required: a transactions or webhook-events resource, or a list of them")
	case data[0] == '[':
		for i, v := range jsonpayload.Array(data, "data", &probs) {
			b.resource(v, "data["+strconv.Itoa(i)+"]")
		}
	default:
		b.resource(data, "data")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if b.events == nil {
		b.events = []*fintrav1.Event{}
	}
	return b.events, nil
}

// builder accumulates the events of one payload.
type builder struct {
	p      source.Payload
	probs  *source.Problems
	events []*fintrav1.Event
	ids    map[string]string // event id -> path of the resource that produced it
}

// emit appends ev unless another resource of the document already
// produced its id: the same transaction twice in one page is a problem.
func (b *builder) emit(path string, ev *fintrav1.Event) {
	if prev, dup := b.ids[ev.EventId]; dup {
		b.probs.Add(path, "same event as %s (a resource listed twice)", prev)
		return
	}
	b.ids[ev.EventId] = path
	b.p.Stamp(ev)
	b.events = append(b.events, ev)
}

func (b *builder) resource(v json.RawMessage, path string) {
	m, ok := jsonpayload.Object(v, path, b.probs)
	if !ok {
		return
	}
	typ, ok := jsonpayload.String(m, path+".", "type", true, b.probs)
	if !ok {
		return
	}
	switch typ {
	case "transactions":
		b.transaction(m, path)
	case "webhook-events":
		b.webhookEvent(m, path)
	default:
		b.probs.Add(path+".type", "%s is not a resource this parser reads (transactions, webhook-events)", source.Quote(typ))
	}
}

// id reads a required identifier of 1..maxIDLen characters.
func (b *builder) id(m map[string]json.RawMessage, path, key string) (string, bool) {
	s, ok := jsonpayload.String(m, path, key, true, b.probs)
	if !ok {
		return "", false
	}
	if n := utf8.RuneCountInString(s); n == 0 || n > maxIDLen {
		b.probs.Add(path+key, "%s is not 1..%d characters", source.Quote(s), maxIDLen)
		return "", false
	}
	return s, true
}

// text reads an optional free-text field of at most maxTextLen characters.
func (b *builder) text(m map[string]json.RawMessage, path, key string) string {
	s, ok := jsonpayload.String(m, path, key, false, b.probs)
	if !ok {
		return ""
	}
	if n := utf8.RuneCountInString(s); n > maxTextLen {
		b.probs.Add(path+key, "is %d characters, over the limit of %d", n, maxTextLen)
		return ""
	}
	return s
}

// member returns the object at m[key], which is required.
func (b *builder) member(m map[string]json.RawMessage, path, key string) (map[string]json.RawMessage, bool) {
	v := m[key]
	if jsonpayload.IsNull(v) {
		b.probs.Add(path+key, "required object")
		return nil, false
	}
	return jsonpayload.Object(v, path+key, b.probs)
}

// relatedID returns relationships.<name>.data.id, or "" when the
// relationship or its data is absent or null.
func (b *builder) relatedID(rel map[string]json.RawMessage, path, name string, required bool) string {
	r := rel[name]
	if jsonpayload.IsNull(r) {
		if required {
			b.probs.Add(path+name, "required object")
		}
		return ""
	}
	rm, ok := jsonpayload.Object(r, path+name, b.probs)
	if !ok {
		return ""
	}
	d := rm["data"]
	if jsonpayload.IsNull(d) {
		if required {
			b.probs.Add(path+name+".data", "required object")
		}
		return ""
	}
	dm, ok := jsonpayload.Object(d, path+name+".data", b.probs)
	if !ok {
		return ""
	}
	id, _ := b.id(dm, path+name+".data.", "id")
	return id
}

// transaction maps one transactions resource. HELD is a created pending
// transaction under Up's id; SETTLED is a posting under id+SettledSuffix
// that supersedes id, so that HELD then SETTLED nets to the settled amount
// and a SETTLED seen alone (or before its HELD) counts once.
func (b *builder) transaction(m map[string]json.RawMessage, path string) {
	before := b.probs.Len()
	p := path + "."
	txID, _ := b.id(m, p, "id")
	attrs, okA := b.member(m, p, "attributes")
	rels, okR := b.member(m, p, "relationships")
	if !okA || !okR {
		return
	}
	pa, pr := p+"attributes.", p+"relationships."
	srcAccount := b.relatedID(rels, pr, "account", true)

	tx := &fintrav1.Transaction{Source: Name, SourceAccountId: srcAccount, AccountId: source.AccountID(Name, srcAccount)}
	status, _ := jsonpayload.String(attrs, pa, "status", true, b.probs)
	switch status {
	case "HELD":
		tx.Status = fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING
	case "SETTLED":
		tx.Status = fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED
	case "":
	default:
		b.probs.Add(pa+"status", "%s is not one of HELD, SETTLED", source.Quote(status))
	}
	tx.AmountMinor, tx.Currency = b.amount(attrs, pa+"amount")

	if s, ok := jsonpayload.String(attrs, pa, "createdAt", true, b.probs); ok {
		if t, ok := jsonpayload.Timestamp(pa+"createdAt", s, b.probs); ok {
			tx.OccurredAt = timestamppb.New(t)
		}
	}
	if s, ok := jsonpayload.String(attrs, pa, "settledAt", false, b.probs); ok {
		if t, ok := jsonpayload.Timestamp(pa+"settledAt", s, b.probs); ok {
			tx.PostedAt = timestamppb.New(t)
		}
		if status == "HELD" {
			b.probs.Add(pa+"settledAt", "must be null while status is HELD")
		}
	}
	raw := b.text(attrs, pa, "rawText")
	desc := b.text(attrs, pa, "description")
	tx.Description = desc
	if raw != "" {
		// rawText is the statement descriptor; description is then Up's
		// cleaned merchant name. Without rawText (transfers, interest)
		// description is all there is.
		tx.Description, tx.MerchantName = raw, desc
	}
	if b.probs.Len() > before {
		return
	}

	ev := &fintrav1.Event{AccountId: tx.AccountId, OccurredAt: tx.OccurredAt}
	if tx.Status == fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING {
		tx.SourceTransactionId = txID
		ev.Type = fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
		ev.Payload = &fintrav1.Event_Created{Created: &fintrav1.TransactionCreated{Transaction: tx}}
	} else {
		tx.SourceTransactionId = txID + SettledSuffix
		tx.PendingTransactionId = txID
		ev.Type = fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED
		ev.Payload = &fintrav1.Event_Updated{Updated: &fintrav1.TransactionUpdated{
			Transaction:                   tx,
			Reason:                        fintrav1.UpdateReason_UPDATE_REASON_POSTED,
			SupersedesSourceTransactionId: txID,
		}}
	}
	ev.EventId = schemas.EventID(Name, srcAccount, tx.SourceTransactionId, ev.Type)
	b.emit(path, ev)
}

// amount reads an Up MoneyObject: valueInBaseUnits (an integer in minor
// units, negative = money out, the canonical sign already) is the amount,
// and value (a decimal string) must say the same.
func (b *builder) amount(attrs map[string]json.RawMessage, path string) (int64, string) {
	m, ok := b.member(attrs, strings.TrimSuffix(path, "amount"), "amount")
	if !ok {
		return 0, ""
	}
	p := path + "."
	before := b.probs.Len()
	cur, _ := jsonpayload.String(m, p, "currencyCode", true, b.probs)
	if cur != "" {
		exp, ok := money.Exponent(cur)
		switch {
		case !ok:
			b.probs.Add(p+"currencyCode", "%s is not an ISO 4217 code", source.Quote(cur))
		case exp == money.NoMinorUnit:
			b.probs.Add(p+"currencyCode", "%s has no minor unit, so the amount cannot be expressed in minor units", source.Quote(cur))
		}
	}
	value, okValue := jsonpayload.String(m, p, "value", true, b.probs)
	var base int64
	switch v := m["valueInBaseUnits"]; {
	case jsonpayload.IsNull(v):
		b.probs.Add(p+"valueInBaseUnits", "required integer")
	case v[0] != '-' && (v[0] < '0' || v[0] > '9'):
		b.probs.Add(p+"valueInBaseUnits", "must be an integer, not %s", jsonpayload.KindOf(v))
	default:
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			b.probs.Add(p+"valueInBaseUnits", "%s is not an integer that fits in 64 bits", source.Quote(string(v)))
		}
		base = n
	}
	if b.probs.Len() > before || !okValue {
		return 0, ""
	}
	n, err := money.ParseMinor(value, cur)
	if err != nil {
		b.probs.Add(p+"value", "%s", strings.TrimPrefix(err.Error(), "money: "))
		return 0, ""
	}
	if n != base {
		b.probs.Add(path, "value %s is %d minor units of %s but valueInBaseUnits is %d", source.Quote(value), n, cur, base)
		return 0, ""
	}
	return base, cur
}

// webhookEvent maps one webhook-events resource. TRANSACTION_DELETED is a
// removal; the event names no account, so the record key must be the Up
// account id. Every other event type (TRANSACTION_CREATED,
// TRANSACTION_SETTLED, PING, and types Up adds later) is a ConnectionEvent
// on the webhook: the connection worker fetches the transaction it names.
func (b *builder) webhookEvent(m map[string]json.RawMessage, path string) {
	before := b.probs.Len()
	p := path + "."
	eventID, _ := b.id(m, p, "id")
	attrs, okA := b.member(m, p, "attributes")
	if !okA {
		return
	}
	pa := p + "attributes."
	eventType, ok := jsonpayload.String(attrs, pa, "eventType", true, b.probs)
	if ok && !isEventType(eventType) {
		b.probs.Add(pa+"eventType", "%s is not 1..%d characters of [A-Z_]", source.Quote(eventType), maxIDLen)
	}
	created, okC := jsonpayload.String(attrs, pa, "createdAt", true, b.probs)
	var occurred time.Time
	if okC {
		occurred, _ = jsonpayload.Timestamp(pa+"createdAt", created, b.probs)
	}
	var webhookID, txID string
	if r := m["relationships"]; !jsonpayload.IsNull(r) {
		if rels, ok := jsonpayload.Object(r, p+"relationships", b.probs); ok {
			pr := p + "relationships."
			webhookID = b.relatedID(rels, pr, "webhook", false)
			txID = b.relatedID(rels, pr, "transaction", strings.HasPrefix(eventType, "TRANSACTION_"))
		}
	} else if strings.HasPrefix(eventType, "TRANSACTION_") {
		b.probs.Add(p+"relationships", "required object: a %s event names its transaction", eventType)
	}

	if eventType == "TRANSACTION_DELETED" {
		account := b.p.Key
		if account == "" {
			b.probs.Add(path, "TRANSACTION_DELETED names no account: the record key must be the Up account id of transaction %s", source.Quote(txID))
		} else if !utf8.ValidString(account) || utf8.RuneCountInString(account) > maxIDLen {
			b.probs.Add(path, "record key %s is not an Up account id of 1..%d characters", source.Quote(account), maxIDLen)
		}
		if b.probs.Len() > before {
			return
		}
		accountID := source.AccountID(Name, account)
		typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED
		b.emit(path, &fintrav1.Event{
			EventId:    schemas.EventID(Name, account, txID, typ),
			AccountId:  accountID,
			Type:       typ,
			OccurredAt: timestamppb.New(occurred),
			Payload: &fintrav1.Event_Removed{Removed: &fintrav1.TransactionRemoved{
				AccountId:           accountID,
				Source:              Name,
				SourceAccountId:     account,
				SourceTransactionId: txID,
				Reason:              "deleted by Up (TRANSACTION_DELETED webhook event " + eventID + ")",
			}},
		})
		return
	}

	conn := webhookID
	if conn == "" {
		conn = txID
	}
	if conn == "" && b.probs.Len() == before {
		b.probs.Add(p+"relationships", "names neither a webhook nor a transaction: no connection to notify")
	}
	if b.probs.Len() > before {
		return
	}
	detail := map[string]string{"webhook_event_id": eventID, "created_at": created}
	if txID != "" {
		detail["transaction_id"] = txID
	}
	typ := fintrav1.EventType_EVENT_TYPE_CONNECTION
	b.emit(path, &fintrav1.Event{
		EventId:    schemas.EventID(Name, conn, eventID, typ),
		AccountId:  source.AccountID(Name, conn),
		Type:       typ,
		OccurredAt: timestamppb.New(occurred),
		Payload: &fintrav1.Event_Connection{Connection: &fintrav1.ConnectionEvent{
			Source:       Name,
			ConnectionId: conn,
			Kind:         "webhook/" + eventType,
			Detail:       detail,
		}},
	})
}

func isEventType(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && c != '_' {
			return false
		}
	}
	return true
}
