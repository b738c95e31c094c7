// Package fintrajson is the native ingest format, "fintra-json": one
// transaction per payload as a flat JSON object with integer minor-unit
// amounts. The contract is docs/fintra-json.md and the JSON Schema
// schemas/fintra-json.schema.json; a test keeps the schema and the parser
// in step.
package fintrajson

import (
	"bytes"
	"encoding/json"
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
const Name = "fintra-json"

// MaxPayload is the largest payload accepted, in bytes. One transaction is
// well under 2 KiB; anything near this is not one transaction.
const MaxPayload = 64 << 10

// Parser parses fintra-json payloads. It holds no state; one Parser may be
// used from many goroutines.
type Parser struct{}

// New returns the fintra-json parser.
func New() *Parser { return &Parser{} }

// Name returns "fintra-json".
func (*Parser) Name() string { return Name }

// Framing is one payload per line (JSON lines).
func (*Parser) Framing() source.Framing { return source.FramingLines }

// field is a key of the format; the order is the order problems are listed in.
type field uint8

const (
	fAccountID field = iota
	fTransactionID
	fType
	fStatus
	fAmountMinor
	fCurrency
	fOccurredAt
	fPostedAt
	fDescription
	fMerchantName
	fMCC
	fCountry
	fCity
	fSourceAccountID
	fPendingTransactionID
	fRevision
	fReason
	fContext
	numFields
)

// fieldNames are the JSON keys, indexed by field.
var fieldNames = [numFields]string{
	fAccountID:            "account_id",
	fTransactionID:        "transaction_id",
	fType:                 "type",
	fStatus:               "status",
	fAmountMinor:          "amount_minor",
	fCurrency:             "currency",
	fOccurredAt:           "occurred_at",
	fPostedAt:             "posted_at",
	fDescription:          "description",
	fMerchantName:         "merchant_name",
	fMCC:                  "mcc",
	fCountry:              "country",
	fCity:                 "city",
	fSourceAccountID:      "source_account_id",
	fPendingTransactionID: "pending_transaction_id",
	fRevision:             "revision",
	fReason:               "reason",
	fContext:              "context",
}

// requiredCreated are the fields a created (default type) payload must have.
var requiredCreated = []field{fAccountID, fTransactionID, fStatus, fAmountMinor, fCurrency, fOccurredAt}

// Limits in characters (Unicode code points, as JSON Schema's maxLength).
const (
	maxIDLen          = 128
	maxDescriptionLen = 1024
	maxMerchantLen    = 256
	maxCityLen        = 128
	maxReasonLen      = 256
)

// lookup maps a key to its field; a switch beats a map for 17 short keys.
func lookup(key string) (field, bool) {
	switch key {
	case "account_id":
		return fAccountID, true
	case "transaction_id":
		return fTransactionID, true
	case "type":
		return fType, true
	case "status":
		return fStatus, true
	case "amount_minor":
		return fAmountMinor, true
	case "currency":
		return fCurrency, true
	case "occurred_at":
		return fOccurredAt, true
	case "posted_at":
		return fPostedAt, true
	case "description":
		return fDescription, true
	case "merchant_name":
		return fMerchantName, true
	case "mcc":
		return fMCC, true
	case "country":
		return fCountry, true
	case "city":
		return fCity, true
	case "source_account_id":
		return fSourceAccountID, true
	case "pending_transaction_id":
		return fPendingTransactionID, true
	case "revision":
		return fRevision, true
	case "reason":
		return fReason, true
	case "context":
		return fContext, true
	}
	return 0, false
}

// kind is the JSON type of a value as the decoder saw it.
type kind uint8

const (
	kString kind = iota + 1
	kNumber
	kBool
	kNull
	kObject
	kArray
)

func (k kind) String() string {
	switch k {
	case kString:
		return "a string"
	case kNumber:
		return "a number"
	case kBool:
		return "a boolean"
	case kNull:
		return "null"
	case kObject:
		return "an object"
	case kArray:
		return "an array"
	}
	return "nothing"
}

type value struct {
	kind kind
	s    string // the string, or the number's literal
}

// raw is a payload after the JSON walk: each known field's value, by field.
type raw struct {
	vals [numFields]value
	seen uint32 // bit f set when field f is present
}

func (r *raw) has(f field) bool { return r.seen&(1<<f) != 0 }

// fatal is a payload that cannot be walked at all: one problem, on "payload".
func fatal(rule string, args ...any) error { return source.Fatal(Name, "payload", rule, args...) }

// Parse turns one fintra-json payload into exactly one event, or returns a
// *source.ValidationError that lists every broken rule.
func (*Parser) Parse(p source.Payload) ([]*fintrav1.Event, error) {
	var r raw
	probs := source.Problems{Source: Name, Field: "payload"}
	if err := walk(p.Bytes, &r, &probs); err != nil {
		return nil, err
	}
	tx := check(&r, &probs)
	if r.has(fContext) {
		if v := r.vals[fContext]; v.kind != kObject {
			probs.Add("context", "must be an object, not %s", v.kind)
		} else {
			tx.context = parseContext(v.s, &probs)
		}
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return []*fintrav1.Event{tx.event(p)}, nil
}

// txType is the "type" field.
type txType uint8

const (
	typeInvalid txType = iota
	typeCreated
	typeUpdated
	typeRemoved
)

// tx is a validated payload.
type tx struct {
	typ                  txType
	accountID            string
	transactionID        string
	sourceAccountID      string
	status               fintrav1.TransactionStatus
	amountMinor          int64
	currency             string
	occurredAt           time.Time
	postedAt             time.Time
	description          string
	merchantName         string
	mcc                  string
	country              string
	city                 string
	pendingTransactionID string
	revision             int64
	reason               string
	context              *fintrav1.PaymentContext
}

// check applies every rule to r, recording each broken one in probs, and
// returns the transaction (meaningful only when probs stays empty).
func check(r *raw, probs *source.Problems) *tx {
	t := &tx{typ: typeCreated}
	c := checker{r: r, probs: probs}

	if s, ok := c.str(fAccountID, true); ok {
		t.accountID = s
		c.accountID(fAccountID, s)
	}
	if s, ok := c.str(fTransactionID, true); ok {
		t.transactionID = s
		c.length(fTransactionID, s, 1, maxIDLen)
	}
	if s, ok := c.str(fType, false); ok {
		switch s {
		case "created":
		case "updated":
			t.typ = typeUpdated
		case "removed":
			t.typ = typeRemoved
		default:
			t.typ = typeInvalid
			c.add(fType, "%s is not one of created, updated, removed", source.QuoteControl(s))
		}
	} else if r.has(fType) {
		t.typ = typeInvalid
	}
	// Fields a removal does not need; with an unknown type, nobody knows.
	needed := t.typ == typeCreated || t.typ == typeUpdated

	statusOK := false
	if s, ok := c.str(fStatus, needed); ok {
		switch s {
		case "pending":
			t.status, statusOK = fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING, true
		case "posted":
			t.status, statusOK = fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED, true
		default:
			c.add(fStatus, "%s is not one of pending, posted", source.QuoteControl(s))
		}
	}
	if needed && !r.has(fAmountMinor) {
		c.add(fAmountMinor, "required integer")
	} else if r.has(fAmountMinor) {
		t.amountMinor, _ = c.integer(fAmountMinor)
	}
	if s, ok := c.str(fCurrency, needed); ok {
		t.currency = s
		c.currency(s)
	}
	if s, ok := c.str(fOccurredAt, needed); ok {
		t.occurredAt, _ = c.timestamp(fOccurredAt, s)
	}
	if s, ok := c.str(fPostedAt, false); ok {
		t.postedAt, _ = c.timestamp(fPostedAt, s)
		if !r.has(fStatus) || statusOK && t.status != fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED {
			c.add(fPostedAt, "only allowed with status posted")
		}
	}
	if s, ok := c.str(fDescription, false); ok {
		t.description = s
		c.length(fDescription, s, 0, maxDescriptionLen)
	}
	if s, ok := c.str(fMerchantName, false); ok {
		t.merchantName = s
		c.length(fMerchantName, s, 0, maxMerchantLen)
	}
	if s, ok := c.str(fMCC, false); ok {
		t.mcc = s
		if len(s) != 4 || !allBytes(s, isDigit) {
			c.add(fMCC, "%s is not 4 digits", source.QuoteControl(s))
		}
	}
	if s, ok := c.str(fCountry, false); ok {
		t.country = s
		if len(s) != 2 || !allBytes(s, isUpper) {
			c.add(fCountry, "%s is not an ISO 3166-1 alpha-2 code (2 letters A-Z)", source.QuoteControl(s))
		}
	}
	if s, ok := c.str(fCity, false); ok {
		t.city = s
		c.length(fCity, s, 0, maxCityLen)
	}
	t.sourceAccountID = t.accountID
	if s, ok := c.str(fSourceAccountID, false); ok {
		t.sourceAccountID = s
		c.accountID(fSourceAccountID, s)
	}

	hasPending, hasRevision := r.has(fPendingTransactionID), r.has(fRevision)
	if s, ok := c.str(fPendingTransactionID, false); ok {
		t.pendingTransactionID = s
		c.length(fPendingTransactionID, s, 1, maxIDLen)
	}
	if hasRevision {
		if n, ok := c.integer(fRevision); ok {
			t.revision = n
			if n < 1 && t.typ == typeUpdated && !hasPending {
				c.add(fRevision, "must be at least 1, got %d", n)
			}
		}
	}
	switch {
	case t.typ == typeUpdated && hasPending && hasRevision:
		c.add(fType, "updated needs exactly one of pending_transaction_id (a posting) and revision (a correction), got both")
	case t.typ == typeUpdated && !hasPending && !hasRevision:
		c.add(fType, "updated needs exactly one of pending_transaction_id (a posting) and revision (a correction)")
	case t.typ == typeUpdated && hasPending:
		if statusOK && t.status != fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED {
			c.add(fStatus, "must be posted with pending_transaction_id (a posting)")
		}
	case t.typ == typeCreated || t.typ == typeRemoved:
		if hasPending {
			c.add(fPendingTransactionID, "only allowed with type updated")
		}
		if hasRevision {
			c.add(fRevision, "only allowed with type updated")
		}
	}
	if s, ok := c.str(fReason, false); ok {
		t.reason = s
		c.length(fReason, s, 0, maxReasonLen)
		if t.typ == typeCreated || t.typ == typeUpdated {
			c.add(fReason, "only allowed with type removed")
		}
	}
	return t
}

type checker struct {
	r     *raw
	probs *source.Problems
}

func (c checker) add(f field, rule string, args ...any) {
	c.probs.Add(fieldNames[f], rule, args...)
}

// str returns the field's string; ok is false when it is absent or not a
// string, and that is a problem when the field is required or present.
func (c checker) str(f field, required bool) (s string, ok bool) {
	if !c.r.has(f) {
		if required {
			c.add(f, "required string")
		}
		return "", false
	}
	v := c.r.vals[f]
	if v.kind != kString {
		c.add(f, "must be a string, not %s", v.kind)
		return "", false
	}
	return v.s, true
}

// integer parses a present field as a JSON integer that fits an int64.
func (c checker) integer(f field) (int64, bool) {
	v := c.r.vals[f]
	if v.kind != kNumber {
		c.add(f, "must be an integer, not %s", v.kind)
		return 0, false
	}
	if i := strings.IndexAny(v.s, ".eE"); i >= 0 {
		if v.s[i] == '.' {
			c.add(f, "%s is not an integer", source.QuoteControl(v.s))
		} else {
			c.add(f, "%s is not an integer (exponent notation)", source.QuoteControl(v.s))
		}
		return 0, false
	}
	n, err := strconv.ParseInt(v.s, 10, 64)
	if err != nil {
		c.add(f, "%s does not fit in a signed 64-bit integer", source.QuoteControl(v.s))
		return 0, false
	}
	return n, true
}

func (c checker) accountID(f field, s string) {
	if len(s) < 1 || len(s) > maxIDLen || !allBytes(s, isIDByte) {
		c.add(f, "%s is not 1..128 characters of [A-Za-z0-9._:@-]", source.QuoteControl(s))
	}
}

func (c checker) length(f field, s string, lo, hi int) {
	n := utf8.RuneCountInString(s)
	switch {
	case n < lo:
		c.add(f, "must not be empty")
	case n > hi:
		c.add(f, "is %d characters, over the limit of %d", n, hi)
	}
}

func (c checker) currency(s string) {
	exp, ok := money.Exponent(s)
	switch {
	case !ok && money.IsCurrency(strings.ToUpper(s)):
		c.add(fCurrency, "%s is not an ISO 4217 code (codes are upper case)", source.QuoteControl(s))
	case !ok:
		c.add(fCurrency, "%s is not an ISO 4217 code", source.QuoteControl(s))
	case exp == money.NoMinorUnit:
		c.add(fCurrency, "%s has no minor unit, so amount_minor cannot be expressed in it", source.QuoteControl(s))
	}
}

func (c checker) timestamp(f field, s string) (time.Time, bool) {
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		c.add(f, "%s is not an RFC 3339 timestamp", source.QuoteControl(s))
		return time.Time{}, false
	}
	return ts.UTC(), true
}

func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func isIDByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == ':' || c == '@' || c == '-'
}

// fieldName renders an unknown key as the field of a problem.
func fieldName(key string) string {
	if key == "" {
		return `""`
	}
	return source.PrintableControl(key, 64)
}

// event builds the canonical event of a validated payload.
func (t *tx) event(p source.Payload) *fintrav1.Event {
	ev := &fintrav1.Event{AccountId: t.accountID}
	p.Stamp(ev)
	if t.typ == typeRemoved {
		ev.Type = fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED
		ev.EventId = schemas.EventID(Name, t.sourceAccountID, t.transactionID, ev.Type)
		// A removal's event time is the one the producer gives, so that a
		// second ingestion of the same payload is the same event through
		// and through; without one, the ingestion time stands in.
		ev.OccurredAt = timestamppb.New(p.IngestedAt)
		if !t.occurredAt.IsZero() {
			ev.OccurredAt = timestamppb.New(t.occurredAt)
		}
		ev.Payload = &fintrav1.Event_Removed{Removed: &fintrav1.TransactionRemoved{
			AccountId:           t.accountID,
			Source:              Name,
			SourceAccountId:     t.sourceAccountID,
			SourceTransactionId: t.transactionID,
			Reason:              t.reason,
		}}
		return ev
	}
	ev.OccurredAt = timestamppb.New(t.occurredAt)
	body := &fintrav1.Transaction{
		AccountId:            t.accountID,
		Source:               Name,
		SourceAccountId:      t.sourceAccountID,
		SourceTransactionId:  t.transactionID,
		AmountMinor:          t.amountMinor,
		Currency:             t.currency,
		Status:               t.status,
		OccurredAt:           timestamppb.New(t.occurredAt),
		Description:          t.description,
		MerchantName:         t.merchantName,
		Mcc:                  t.mcc,
		Country:              t.country,
		City:                 t.city,
		PendingTransactionId: t.pendingTransactionID,
		Revision:             t.revision,
		Context:              t.context,
	}
	if !t.postedAt.IsZero() {
		body.PostedAt = timestamppb.New(t.postedAt)
	}
	if t.typ == typeCreated {
		ev.Type = fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
		ev.EventId = schemas.EventID(Name, t.sourceAccountID, t.transactionID, ev.Type)
		ev.Payload = &fintrav1.Event_Created{Created: &fintrav1.TransactionCreated{Transaction: body}}
		return ev
	}
	ev.Type = fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED
	up := &fintrav1.TransactionUpdated{Transaction: body}
	id := t.transactionID
	if t.pendingTransactionID != "" {
		up.Reason = fintrav1.UpdateReason_UPDATE_REASON_POSTED
		up.SupersedesSourceTransactionId = t.pendingTransactionID
	} else {
		// A correction gets its own id per revision: the original's id and
		// every other revision's stay distinct, and a replay of the same
		// revision is still a duplicate.
		up.Reason = fintrav1.UpdateReason_UPDATE_REASON_CORRECTION
		up.SupersedesSourceTransactionId = t.transactionID
		id = t.transactionID + "#r" + strconv.FormatInt(t.revision, 10)
	}
	ev.EventId = schemas.EventID(Name, t.sourceAccountID, id, ev.Type)
	ev.Payload = &fintrav1.Event_Updated{Updated: up}
	return ev
}

// Detect claims content whose first line is a JSON object with the
// fintra-json identity fields at the top level (account_id and
// transaction_id); a JSON-lines file is detected by its first payload.
func (p *Parser) Detect(payload []byte) bool {
	line := payload
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimSpace(line)
	if len(line) < 2 || line[0] != '{' {
		return false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(line, &top) != nil {
		return false
	}
	_, hasAccount := top["account_id"]
	_, hasTransaction := top["transaction_id"]
	return hasAccount && hasTransaction
}
