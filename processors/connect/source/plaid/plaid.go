// Package plaid is the "plaid" ingest format: Plaid /transactions/sync and
// /transactions/get response pages, and Plaid's TRANSACTIONS and ITEM
// webhooks. A page yields one event per transaction (created, posted,
// corrected or removed); a webhook yields one ConnectionEvent telling the
// connection worker that something can be fetched. README.md has the
// field mapping.
package plaid

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math"
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
const Name = "plaid"

// Limits in characters.
const (
	maxIDLen   = 128
	maxTextLen = 1024
)

// Parser parses Plaid payloads. It holds no state; one Parser may be used
// from many goroutines.
type Parser struct{}

// New returns the Plaid parser.
func New() *Parser { return &Parser{} }

// Name returns "plaid".
func (*Parser) Name() string { return Name }

// Framing is one payload per document: a response page or a webhook body.
func (*Parser) Framing() source.Framing { return source.FramingDocument }

// Detect recognises the top-level keys of a sync page (added and
// next_cursor), a get page (transactions, accounts and total_transactions)
// or a webhook (webhook_type and webhook_code). No other format has these
// pairs at the top level.
func (*Parser) Detect(payload []byte) bool {
	if len(payload) > MaxPayload {
		return false
	}
	var seen uint8
	const (
		added = 1 << iota
		nextCursor
		transactions
		accounts
		total
		webhookType
		webhookCode
	)
	jsonpayload.EachKey(payload, func(key, _ []byte) bool {
		switch string(key) {
		case "added":
			seen |= added
		case "next_cursor":
			seen |= nextCursor
		case "transactions":
			seen |= transactions
		case "accounts":
			seen |= accounts
		case "total_transactions":
			seen |= total
		case "webhook_type":
			seen |= webhookType
		case "webhook_code":
			seen |= webhookCode
		}
		return true
	})
	return seen&(added|nextCursor) == added|nextCursor ||
		seen&(transactions|accounts|total) == transactions|accounts|total ||
		seen&(webhookType|webhookCode) == webhookType|webhookCode
}

// Parse turns one Plaid payload into its events, in document order: for a
// sync page added, then modified, then removed. It returns a
// *source.ValidationError listing every broken rule.
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
	switch {
	case has(top, "webhook_type") && has(top, "webhook_code"):
		b.webhook(top)
	case has(top, "added") && has(top, "next_cursor"):
		cursor, _ := jsonpayload.String(top, "", "next_cursor", true, &probs)
		for i, v := range jsonpayload.Array(top["added"], "added", &probs) {
			b.transaction(v, "added["+strconv.Itoa(i)+"]", "", cursor)
		}
		for i, v := range jsonpayload.Array(top["modified"], "modified", &probs) {
			b.transaction(v, "modified["+strconv.Itoa(i)+"]", "modified", cursor)
		}
		for i, v := range jsonpayload.Array(top["removed"], "removed", &probs) {
			b.removed(v, "removed["+strconv.Itoa(i)+"]")
		}
	case has(top, "transactions") && has(top, "accounts") && has(top, "total_transactions"):
		// total_transactions counts the whole result, not this page (and
		// Plaid's own example disagrees with its page): never checked.
		for i, v := range jsonpayload.Array(top["transactions"], "transactions", &probs) {
			b.transaction(v, "transactions["+strconv.Itoa(i)+"]", "", "")
		}
	default:
		probs.Add("payload", "not a Plaid payload this parser reads: want a /transactions/sync page (added, next_cursor), a /transactions/get page (transactions, accounts, total_transactions) or a webhook (webhook_type, webhook_code)")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if b.events == nil {
		b.events = []*fintrav1.Event{}
	}
	return b.events, nil
}

func has(m map[string]json.RawMessage, key string) bool {
	_, ok := m[key]
	return ok
}

// builder accumulates the events of one payload.
type builder struct {
	p      source.Payload
	probs  *source.Problems
	events []*fintrav1.Event
	ids    map[string]string // event id -> path of the record that produced it
}

// emit appends ev unless another record of the document already produced
// its id: the same transaction twice in one page is a problem.
func (b *builder) emit(path string, ev *fintrav1.Event) {
	if prev, dup := b.ids[ev.EventId]; dup {
		b.probs.Add(path, "same event as %s (a transaction listed twice)", prev)
		return
	}
	b.ids[ev.EventId] = path
	b.p.Stamp(ev)
	b.events = append(b.events, ev)
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

// transaction maps one Plaid transaction object. kind is "" for added and
// /transactions/get entries, "modified" for a sync page's modifications;
// cursor is the page's next_cursor (part of a correction's revision).
func (b *builder) transaction(v json.RawMessage, path, kind, cursor string) {
	before := b.probs.Len()
	m, ok := jsonpayload.Object(v, path, b.probs)
	if !ok {
		return
	}
	path += "."
	tx := &fintrav1.Transaction{Source: Name}
	srcAccount, _ := b.id(m, path, "account_id")
	tx.SourceAccountId = srcAccount
	tx.AccountId = source.AccountID(Name, srcAccount)
	tx.SourceTransactionId, _ = b.id(m, path, "transaction_id")

	pending, _ := jsonpayload.Bool(m, path, "pending", b.probs)
	tx.Status = fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED
	if pending {
		tx.Status = fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING
	}
	tx.Currency = b.currency(m, path)
	tx.AmountMinor = b.amount(m, path, tx.Currency)

	// Every date field present is checked, used or not.
	var times [4]time.Time
	for i, key := range [4]string{"authorized_datetime", "datetime", "authorized_date", "date"} {
		if s, ok := jsonpayload.String(m, path, key, key == "date", b.probs); ok {
			if i < 2 {
				times[i], _ = jsonpayload.Timestamp(path+key, s, b.probs)
			} else {
				times[i], _ = jsonpayload.Date(path+key, s, b.probs)
			}
		}
	}
	for _, t := range times {
		if !t.IsZero() {
			tx.OccurredAt = timestamppb.New(t)
			break
		}
	}
	if !pending {
		if posted := firstSet(times[1], times[3]); !posted.IsZero() {
			tx.PostedAt = timestamppb.New(posted)
		}
	}

	tx.Description = b.text(m, path, "original_description")
	if tx.Description == "" {
		tx.Description = b.text(m, path, "name")
	}
	tx.MerchantName = b.text(m, path, "merchant_name")
	if loc, ok := m["location"]; ok && !jsonpayload.IsNull(loc) {
		if lm, ok := jsonpayload.Object(loc, path+"location", b.probs); ok {
			// Plaid documents country as ISO 3166-1 alpha-2; anything else is
			// left out rather than passed on.
			if c, ok := jsonpayload.String(lm, path+"location.", "country", false, b.probs); ok && isCountry(c) {
				tx.Country = c
			}
			tx.City = b.text(lm, path+"location.", "city")
		}
	}
	for i, cv := range jsonpayload.Array(m["counterparties"], path+"counterparties", b.probs) {
		if i > 0 {
			break
		}
		if cm, ok := jsonpayload.Object(cv, path+"counterparties[0]", b.probs); ok {
			tx.Counterparty = b.text(cm, path+"counterparties[0].", "name")
		}
	}
	pendingID, hasPendingID := jsonpayload.String(m, path, "pending_transaction_id", false, b.probs)
	if hasPendingID && !pending {
		if pendingID == "" || utf8.RuneCountInString(pendingID) > maxIDLen {
			b.probs.Add(path+"pending_transaction_id", "%s is not 1..%d characters", source.Quote(pendingID), maxIDLen)
		}
		tx.PendingTransactionId = pendingID
	}
	if b.probs.Len() > before {
		return
	}

	ev := &fintrav1.Event{AccountId: tx.AccountId, OccurredAt: tx.OccurredAt}
	switch {
	case kind == "modified":
		// Plaid gives a modification no revision number: the revision is
		// derived from what the modification says, so a redelivery of the
		// same page is a duplicate and any other modification is not.
		tx.Revision = revision(tx, cursor)
		ev.Type = fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED
		ev.EventId = schemas.EventID(Name, srcAccount, tx.SourceTransactionId+"#r"+strconv.FormatInt(tx.Revision, 10), ev.Type)
		ev.Payload = &fintrav1.Event_Updated{Updated: &fintrav1.TransactionUpdated{
			Transaction:                   tx,
			Reason:                        fintrav1.UpdateReason_UPDATE_REASON_CORRECTION,
			SupersedesSourceTransactionId: tx.SourceTransactionId,
		}}
	case tx.PendingTransactionId != "":
		ev.Type = fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED
		ev.EventId = schemas.EventID(Name, srcAccount, tx.SourceTransactionId, ev.Type)
		ev.Payload = &fintrav1.Event_Updated{Updated: &fintrav1.TransactionUpdated{
			Transaction:                   tx,
			Reason:                        fintrav1.UpdateReason_UPDATE_REASON_POSTED,
			SupersedesSourceTransactionId: tx.PendingTransactionId,
		}}
	default:
		ev.Type = fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
		ev.EventId = schemas.EventID(Name, srcAccount, tx.SourceTransactionId, ev.Type)
		ev.Payload = &fintrav1.Event_Created{Created: &fintrav1.TransactionCreated{Transaction: tx}}
	}
	b.emit(path[:len(path)-1], ev)
}

func firstSet(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// currency is iso_currency_code, or unofficial_currency_code when Plaid
// has no ISO code; either way it must be an ISO 4217 code with a minor
// unit, or the amount has no exact minor-unit form.
func (b *builder) currency(m map[string]json.RawMessage, path string) string {
	iso, hasISO := jsonpayload.String(m, path, "iso_currency_code", false, b.probs)
	unofficial, hasUnofficial := jsonpayload.String(m, path, "unofficial_currency_code", false, b.probs)
	key, code := "iso_currency_code", iso
	if !hasISO {
		if !hasUnofficial {
			if jsonpayload.IsNull(m["iso_currency_code"]) && jsonpayload.IsNull(m["unofficial_currency_code"]) {
				b.probs.Add(path+"iso_currency_code", "required: iso_currency_code and unofficial_currency_code are both null or missing")
			}
			return ""
		}
		key, code = "unofficial_currency_code", unofficial
	}
	exp, ok := money.Exponent(code)
	switch {
	case !ok && key == "unofficial_currency_code":
		b.probs.Add(path+key, "%s is not an ISO 4217 code and iso_currency_code is null: the amount cannot be expressed in exact minor units", source.Quote(code))
	case !ok:
		b.probs.Add(path+key, "%s is not an ISO 4217 code", source.Quote(code))
	case exp == money.NoMinorUnit:
		b.probs.Add(path+key, "%s has no minor unit, so the amount cannot be expressed in minor units", source.Quote(code))
	default:
		return code
	}
	return ""
}

// amount parses Plaid's amount (a JSON number, positive = money out) into
// minor units with the canonical sign (positive = money in).
func (b *builder) amount(m map[string]json.RawMessage, path, currency string) int64 {
	v := m["amount"]
	switch {
	case jsonpayload.IsNull(v):
		b.probs.Add(path+"amount", "required number")
		return 0
	case v[0] != '-' && (v[0] < '0' || v[0] > '9'):
		b.probs.Add(path+"amount", "must be a number, not %s", jsonpayload.KindOf(v))
		return 0
	case currency == "":
		return 0 // the currency's problem is already listed
	}
	n, err := money.ParseMinor(string(v), currency)
	if err != nil {
		b.probs.Add(path+"amount", "%s", strings.TrimPrefix(err.Error(), "money: "))
		return 0
	}
	if n == math.MinInt64 {
		b.probs.Add(path+"amount", "%s %s overflows int64 minor units once negated", source.Quote(string(v)), currency)
		return 0
	}
	return -n
}

// removed maps one entry of a sync page's removed list.
func (b *builder) removed(v json.RawMessage, path string) {
	before := b.probs.Len()
	m, ok := jsonpayload.Object(v, path, b.probs)
	if !ok {
		return
	}
	// Removals go to the account's ledger, so the account is required
	// (Plaid has sent it in removed[] since 2023).
	srcAccount, _ := b.id(m, path+".", "account_id")
	txID, _ := b.id(m, path+".", "transaction_id")
	if b.probs.Len() > before {
		return
	}
	accountID := source.AccountID(Name, srcAccount)
	ev := &fintrav1.Event{
		AccountId:  accountID,
		Type:       fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED,
		EventId:    schemas.EventID(Name, srcAccount, txID, fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED),
		OccurredAt: timestamppb.New(b.p.IngestedAt), // Plaid says nothing of when
		Payload: &fintrav1.Event_Removed{Removed: &fintrav1.TransactionRemoved{
			AccountId:           accountID,
			Source:              Name,
			SourceAccountId:     srcAccount,
			SourceTransactionId: txID,
			Reason:              "removed by Plaid (/transactions/sync)",
		}},
	}
	b.emit(path, ev)
}

// revision folds a SHA-256 of a modification's mapped content and of the
// page cursor it came with into a positive int64. The content alone would
// make a modification that reverts an earlier one (A, B, then A again)
// look like a duplicate of the first; the cursor keeps them apart, and a
// redelivered page (same cursor, same content) still yields the same id.
func revision(tx *fintrav1.Transaction, cursor string) int64 {
	h := sha256.New()
	for _, s := range []string{
		tx.SourceAccountId, tx.SourceTransactionId,
		strconv.FormatInt(tx.AmountMinor, 10), tx.Currency, tx.Status.String(),
		formatTS(tx.OccurredAt), formatTS(tx.PostedAt),
		tx.Description, tx.MerchantName, tx.Country, tx.City, tx.Counterparty,
		tx.PendingTransactionId, cursor,
	} {
		h.Write([]byte(s))
		h.Write([]byte{0x1f})
	}
	sum := h.Sum(nil)
	r := int64(binary.BigEndian.Uint64(sum[:8]) &^ (1 << 63))
	if r == 0 {
		r = 1 // 0 is the original's revision
	}
	return r
}

func formatTS(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().Format(time.RFC3339Nano)
}

func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
