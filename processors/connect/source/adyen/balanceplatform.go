package adyen

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/jsonpayload"
)

// pendingSuffix marks the id of a Balance Platform transaction while it is
// pending: the booked one keeps the transaction id and supersedes it (the
// ledger needs distinct ids for the two).
const pendingSuffix = ":pending"

// bpTransaction is the data of a balancePlatform.transaction.* webhook.
type bpTransaction struct {
	ID             string  `json:"id"`
	Amount         *amount `json:"amount"`
	Status         string  `json:"status"`
	BookingDate    string  `json:"bookingDate"`
	CreationDate   string  `json:"creationDate"`
	Description    string  `json:"description"`
	BalanceAccount *struct {
		ID string `json:"id"`
	} `json:"balanceAccount"`
	Transfer *struct {
		Reference string `json:"reference"`
	} `json:"transfer"`
}

// balancePlatform maps a Balance Platform notification. Only
// balancePlatform.transaction.created and .updated are supported: a
// transaction on a balance account, the amount signed as Adyen gives it
// (negative = out of the balance account), status booked = posted,
// pending = pending.
func (r *run) balancePlatform(t *top) {
	var typ string
	if json.Unmarshal(t.Type, &typ) != nil {
		r.p.Add("type", "must be a string, not %s", jsonpayload.KindOf(t.Type))
		return
	}
	upd := false
	switch typ {
	case "balancePlatform.transaction.created":
	case "balancePlatform.transaction.updated":
		upd = true
	default:
		r.p.Add("type", "adyen notification type %s is not supported", source.QuoteControl(typ))
		return
	}
	if jsonpayload.IsNull(t.Data) || t.Data[0] != '{' {
		r.p.Add("data", "required object")
		return
	}
	var d bpTransaction
	if err := json.Unmarshal(t.Data, &d); err != nil {
		r.p.Append(jsonpayload.DecodeError(Name, "data", err).(*source.ValidationError).Problems...)
		return
	}
	if d.ID == "" {
		r.p.Add("data.id", "required string")
	}
	if d.BalanceAccount == nil || d.BalanceAccount.ID == "" {
		r.p.Add("data.balanceAccount.id", "required string")
	}
	var status = posted
	switch d.Status {
	case "booked":
	case "pending":
		status = pending
	default:
		r.p.Add("data.status", "%s is not booked or pending", source.QuoteControl(d.Status))
	}
	// Event time: when it was booked, else when it was created, else when
	// the notification was sent.
	when, field := d.BookingDate, "data.bookingDate"
	if when == "" || status == pending {
		when, field = d.CreationDate, "data.creationDate"
	}
	if when == "" {
		when, field = t.Timestamp, "timestamp"
	}
	occurred, err := time.Parse(time.RFC3339, when)
	if err != nil {
		r.p.Add(field, "%s is not an RFC 3339 timestamp", source.QuoteControl(when))
	}
	value, cur := r.amount("data.amount", d.Amount)
	if r.p.Len() > 0 {
		return
	}
	desc := d.Description
	if desc == "" && d.Transfer != nil {
		desc = strings.TrimSpace(d.Transfer.Reference)
	}
	e := entry{typ: created, accountKey: d.BalanceAccount.ID, id: d.ID, status: status, amount: value,
		currency: cur, occurred: occurred.UTC(), description: desc}
	switch {
	case status == pending:
		e.id += pendingSuffix
	case upd:
		e.typ, e.supersedes = updated, d.ID+pendingSuffix
	}
	r.add(e)
}
