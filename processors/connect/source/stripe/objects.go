package stripe

import (
	"encoding/json"
	"fmt"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/jsonpayload"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

const (
	created = fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
	updated = fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED
	removed = fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED
	pending = fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING
	posted  = fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED
)

type chargeMode uint8

const (
	chargeSucceeded chargeMode = iota // charge.succeeded
	chargeCaptured                    // charge.captured
	chargeRefunded                    // charge.refunded
	chargeExpired                     // charge.expired
	chargeNoMoney                     // charge.failed, charge.updated
	chargeSnapshot                    // a bare charge object
)

type chargeObj struct {
	Object                        string          `json:"object"`
	ID                            string          `json:"id"`
	Amount                        json.RawMessage `json:"amount"`
	AmountCaptured                json.RawMessage `json:"amount_captured"`
	Currency                      string          `json:"currency"`
	Captured                      *bool           `json:"captured"`
	Created                       json.RawMessage `json:"created"`
	Status                        string          `json:"status"`
	Description                   string          `json:"description"`
	CalculatedStatementDescriptor string          `json:"calculated_statement_descriptor"`
	StatementDescriptor           string          `json:"statement_descriptor"`
	BillingDetails                struct {
		Name string `json:"name"`
	} `json:"billing_details"`
	Refunds json.RawMessage `json:"refunds"`
}

// charge maps a charge, in the merchant's view: money in.
//
// An uncaptured charge is a pending authorisation with id "<ch>:auth"; a
// captured one is posted with the charge id, as a TransactionCreated
// (charge.succeeded) or a TransactionUpdated superseding "<ch>:auth"
// (charge.captured).
func (r *run) charge(at string, raw json.RawMessage, mode chargeMode) {
	var ch chargeObj
	if !r.decode(at, raw, &ch) {
		return
	}
	r.kind(at, ch.Object, objCharge)
	r.requireID(at, ch.ID)
	if mode == chargeNoMoney {
		return // no money moved: a failed charge, or a change of metadata
	}
	if ch.Captured == nil {
		r.p.Add(jsonpayload.Join(at, "captured"), "required boolean")
	}
	occurred, _ := unixTime(&r.p, jsonpayload.Join(at, "created"), ch.Created)
	iso, okCur := currency(&r.p, jsonpayload.Join(at, "currency"), ch.Currency)
	if r.p.Len() > 0 || !okCur {
		return
	}
	captured := *ch.Captured
	desc := ch.Description
	if desc == "" {
		desc = ch.CalculatedStatementDescriptor
	}
	if desc == "" {
		desc = ch.StatementDescriptor
	}
	base := entry{accountKey: r.account, currency: iso, occurred: occurred, description: desc, counterparty: ch.BillingDetails.Name}

	if mode == chargeSnapshot {
		switch ch.Status {
		case "succeeded":
			mode = chargeSucceeded
		case "failed":
			return
		default:
			r.p.Add(jsonpayload.Join(at, "status"), "%s is not supported in a bare charge (only succeeded and failed; send the charge's events)", source.QuoteControl(ch.Status))
			return
		}
	}
	switch mode {
	case chargeSucceeded, chargeCaptured:
		if mode == chargeCaptured && !captured {
			r.p.Add(jsonpayload.Join(at, "captured"), "false in a charge.captured event")
			return
		}
		e := base
		if !captured {
			e.typ, e.id, e.status = created, ch.ID+suffixAuth, pending
			e.amount, _ = r.minor(jsonpayload.Join(at, "amount"), ch.Amount, iso)
			r.add(e)
			return
		}
		// The captured amount is less than the authorised one after a
		// partial capture; API versions before 2020 lack it.
		amt, field := ch.AmountCaptured, "amount_captured"
		if jsonpayload.IsNull(amt) {
			amt, field = ch.Amount, "amount"
		}
		e.id, e.status = ch.ID, posted
		e.amount, _ = r.minor(jsonpayload.Join(at, field), amt, iso)
		if mode == chargeCaptured {
			e.typ, e.supersedes = updated, ch.ID+suffixAuth
			if !r.eventTime.IsZero() {
				e.occurred = r.eventTime
			}
		} else {
			e.typ = created
		}
		r.add(e)
	case chargeExpired:
		if captured {
			r.p.Add(jsonpayload.Join(at, "captured"), "true in a charge.expired event")
			return
		}
		r.removeAuth(ch.ID, "authorization expired")
	case chargeRefunded:
		if !captured {
			// Refunding an uncaptured charge releases the authorisation.
			r.removeAuth(ch.ID, "authorization released")
			return
		}
		r.chargeRefunds(at, ch)
	}
}

func (r *run) removeAuth(chargeID, reason string) {
	e := entry{typ: removed, accountKey: r.account, id: chargeID + suffixAuth, reason: reason}
	e.occurred = r.eventTime
	r.add(e)
}

// chargeRefunds maps the refunds a charge.refunded event lists.
func (r *run) chargeRefunds(at string, ch chargeObj) {
	field := jsonpayload.Join(at, "refunds")
	if jsonpayload.IsNull(ch.Refunds) {
		r.p.Add(field, "absent: the refunds cannot be identified (Stripe API versions from 2022-11-15 leave a charge's refunds out); subscribe to refund.created or charge.refund.updated instead")
		return
	}
	var list []json.RawMessage
	switch ch.Refunds[0] {
	case '[': // API versions before 2014 embed a plain array
		if !r.decode(field, ch.Refunds, &list) {
			return
		}
	case '{':
		var l struct {
			Data []json.RawMessage `json:"data"`
		}
		if !r.decode(field, ch.Refunds, &l) {
			return
		}
		field = jsonpayload.Join(field, "data")
		list = l.Data
	default:
		r.p.Add(field, "must be a list object, not %s", jsonpayload.KindOf(ch.Refunds))
		return
	}
	for i, raw := range list {
		r.refund(fmt.Sprintf("%s[%d]", field, i), raw, ch.ID)
	}
}

type refundObj struct {
	Object        string          `json:"object"`
	ID            string          `json:"id"`
	Amount        json.RawMessage `json:"amount"`
	Currency      string          `json:"currency"`
	Charge        json.RawMessage `json:"charge"`
	PaymentIntent json.RawMessage `json:"payment_intent"`
	Created       json.RawMessage `json:"created"`
	Status        string          `json:"status"`
	Description   string          `json:"description"`
}

// refund maps a refund: money out of the merchant's balance, posted as soon
// as the refund exists (Stripe debits the balance when it creates the
// refund, whatever its status), with the refund's id, linked to the charge.
// A failed or canceled refund adds the credit back, "<re>:failed".
// parentCharge is the charge that lists the refund, when it comes from
// charge.refunded: it wins over the refund's own "charge".
func (r *run) refund(at string, raw json.RawMessage, parentCharge string) {
	var re refundObj
	if !r.decode(at, raw, &re) {
		return
	}
	r.kind(at, re.Object, objRefund)
	r.requireID(at, re.ID)
	occurred, _ := unixTime(&r.p, jsonpayload.Join(at, "created"), re.Created)
	amt, iso, ok := r.amount(jsonpayload.Join(at, "amount"), re.Amount, jsonpayload.Join(at, "currency"), re.Currency)
	failed := false
	switch re.Status {
	case "", "pending", "requires_action", "succeeded":
	case "failed", "canceled":
		failed = true
	default:
		r.p.Add(jsonpayload.Join(at, "status"), "%s is not a refund status (pending, requires_action, succeeded, failed, canceled)", source.QuoteControl(re.Status))
	}
	if !ok || r.p.Len() > 0 {
		return
	}
	linked := parentCharge
	if linked == "" {
		linked = expandableID(re.Charge)
	}
	if linked == "" {
		linked = expandableID(re.PaymentIntent)
	}
	out, ok := r.negate(jsonpayload.Join(at, "amount"), amt)
	if !ok {
		return
	}
	e := entry{typ: created, accountKey: r.account, id: re.ID, status: posted, amount: out, currency: iso,
		occurred: occurred, description: re.Description, linked: linked}
	r.add(e)
	if failed {
		back := e
		back.id, back.amount, back.linked, back.reversal = re.ID+suffixFailed, amt, re.ID, true
		if !r.eventTime.IsZero() {
			back.occurred = r.eventTime
		}
		r.add(back)
	}
}

type disputeMode uint8

const (
	disputeCreated    disputeMode = iota // charge.dispute.created, or a bare dispute
	disputeWithdrawn                     // charge.dispute.funds_withdrawn
	disputeReinstated                    // charge.dispute.funds_reinstated
	disputeNoMoney                       // charge.dispute.updated, charge.dispute.closed
)

type disputeObj struct {
	Object   string          `json:"object"`
	ID       string          `json:"id"`
	Amount   json.RawMessage `json:"amount"`
	Currency string          `json:"currency"`
	Charge   json.RawMessage `json:"charge"`
	Created  json.RawMessage `json:"created"`
	Status   string          `json:"status"`
	Reason   string          `json:"reason"`
}

// dispute maps a dispute: the disputed amount leaves the merchant's balance
// (id = the dispute id, linked to the charge) unless the dispute is an
// inquiry (status warning_*), which withdraws nothing. created and
// funds_withdrawn yield the same event, so either or both may arrive.
// Reinstated funds come back as "<dp>:reinstated", a reversal linked to the
// dispute. Stripe's dispute fee is not modelled (it is not in the dispute
// object; the balance transactions carry it).
func (r *run) dispute(at string, raw json.RawMessage, mode disputeMode) {
	var dp disputeObj
	if !r.decode(at, raw, &dp) {
		return
	}
	r.kind(at, dp.Object, objDispute)
	r.requireID(at, dp.ID)
	if mode == disputeNoMoney {
		return
	}
	occurred, _ := unixTime(&r.p, jsonpayload.Join(at, "created"), dp.Created)
	amt, iso, ok := r.amount(jsonpayload.Join(at, "amount"), dp.Amount, jsonpayload.Join(at, "currency"), dp.Currency)
	if !ok || r.p.Len() > 0 {
		return
	}
	inquiry := len(dp.Status) > 8 && dp.Status[:8] == "warning_"
	if mode == disputeCreated && inquiry {
		return
	}
	e := entry{typ: created, accountKey: r.account, status: posted, currency: iso, occurred: occurred,
		description: dp.Reason}
	if mode == disputeReinstated {
		e.id, e.amount, e.linked, e.reversal = dp.ID+suffixReinstated, amt, dp.ID, true
		if !r.eventTime.IsZero() {
			e.occurred = r.eventTime
		}
		r.add(e)
		return
	}
	out, ok := r.negate(jsonpayload.Join(at, "amount"), amt)
	if !ok {
		return
	}
	e.id, e.amount, e.linked = dp.ID, out, expandableID(dp.Charge)
	r.add(e)
}

type merchantData struct {
	CategoryCode string `json:"category_code"`
	Name         string `json:"name"`
	City         string `json:"city"`
	Country      string `json:"country"`
}

// apply copies the card acceptor's data, keeping only a well-formed MCC
// and country: a malformed one is dropped, not a reason to lose the
// transaction.
func (m merchantData) apply(e *entry) {
	e.merchant, e.city = m.Name, m.City
	if len(m.CategoryCode) == 4 && allDigits(m.CategoryCode) {
		e.mcc = m.CategoryCode
	}
	if len(m.Country) == 2 && m.Country[0] >= 'A' && m.Country[0] <= 'Z' && m.Country[1] >= 'A' && m.Country[1] <= 'Z' {
		e.country = m.Country
	}
	e.description = m.Name
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

type authObj struct {
	Object         string          `json:"object"`
	ID             string          `json:"id"`
	Amount         json.RawMessage `json:"amount"`
	Currency       string          `json:"currency"`
	Approved       *bool           `json:"approved"`
	Status         string          `json:"status"`
	Created        json.RawMessage `json:"created"`
	Card           json.RawMessage `json:"card"`
	PendingRequest *struct {
		Amount   json.RawMessage `json:"amount"`
		Currency string          `json:"currency"`
	} `json:"pending_request"`
	RequestHistory []json.RawMessage `json:"request_history"`
	MerchantData   merchantData      `json:"merchant_data"`
}

// authorization maps an Issuing authorisation, in the cardholder's view:
// spend is money out, so the (positive) authorised amount is negated. The
// account is the card. request is issuing_authorization.request, whose
// amount is the pending request's (the authorisation's own amount stays 0
// until it is approved).
//
//   - approved, status pending: a pending transaction, id = the authorisation
//     id (created, request and updated all yield the same event; an
//     incremental change of amount is not followed);
//   - status reversed or expired: removal of the pending transaction;
//   - status closed: nothing (the issuing.transaction posts it);
//   - declined: nothing, unless a real-time request was made for it
//     (request_history not empty), whose pending transaction is removed.
func (r *run) authorization(at string, raw json.RawMessage, request bool) {
	var a authObj
	if !r.decode(at, raw, &a) {
		return
	}
	r.kind(at, a.Object, objAuth)
	r.requireID(at, a.ID)
	card := expandableID(a.Card)
	if card == "" {
		r.p.Add(jsonpayload.Join(at, "card"), "required: the card (id or object with an id)")
	}
	if a.Approved == nil && !request {
		r.p.Add(jsonpayload.Join(at, "approved"), "required boolean")
	}
	occurred, _ := unixTime(&r.p, jsonpayload.Join(at, "created"), a.Created)
	if r.p.Len() > 0 {
		return
	}
	e := entry{accountKey: card, id: a.ID, occurred: occurred}
	a.MerchantData.apply(&e)
	remove := func(reason string) {
		e.typ, e.reason = removed, reason
		if !r.eventTime.IsZero() {
			e.occurred = r.eventTime
		}
		r.add(e)
	}
	if !request {
		switch {
		case !*a.Approved:
			if len(a.RequestHistory) > 0 {
				remove("declined")
			}
			return
		case a.Status == "reversed" || a.Status == "expired":
			remove("authorization " + a.Status)
			return
		case a.Status == "closed":
			return
		case a.Status != "pending":
			r.p.Add(jsonpayload.Join(at, "status"), "%s is not an authorization status (pending, closed, reversed, expired)", source.QuoteControl(a.Status))
			return
		}
	}
	amtRaw, amtField, cur, curField := a.Amount, jsonpayload.Join(at, "amount"), a.Currency, jsonpayload.Join(at, "currency")
	if a.PendingRequest != nil {
		amtRaw, amtField = a.PendingRequest.Amount, jsonpayload.Join(at, "pending_request.amount")
		cur, curField = a.PendingRequest.Currency, jsonpayload.Join(at, "pending_request.currency")
	} else if request {
		r.p.Add(jsonpayload.Join(at, "pending_request"), "required object in an issuing_authorization.request event")
		return
	}
	amt, iso, ok := r.amount(amtField, amtRaw, curField, cur)
	if !ok {
		return
	}
	if e.amount, ok = r.negate(amtField, amt); !ok {
		return
	}
	e.typ, e.status, e.currency = created, pending, iso
	r.add(e)
}

type issuingTxnObj struct {
	Object        string          `json:"object"`
	ID            string          `json:"id"`
	Amount        json.RawMessage `json:"amount"`
	Currency      string          `json:"currency"`
	Authorization json.RawMessage `json:"authorization"`
	Card          json.RawMessage `json:"card"`
	Created       json.RawMessage `json:"created"`
	MerchantData  merchantData    `json:"merchant_data"`
}

// issuingTxn maps an Issuing transaction: posted, amount as Stripe gives it
// (already the cardholder's sign: a capture is negative, a refund
// positive), superseding its authorisation when it has one.
func (r *run) issuingTxn(at string, raw json.RawMessage, emit bool) {
	var t issuingTxnObj
	if !r.decode(at, raw, &t) {
		return
	}
	r.kind(at, t.Object, objIssuingTxn)
	r.requireID(at, t.ID)
	if !emit {
		return
	}
	card := expandableID(t.Card)
	if card == "" {
		r.p.Add(jsonpayload.Join(at, "card"), "required: the card (id or object with an id)")
	}
	occurred, _ := unixTime(&r.p, jsonpayload.Join(at, "created"), t.Created)
	amt, iso, ok := r.amount(jsonpayload.Join(at, "amount"), t.Amount, jsonpayload.Join(at, "currency"), t.Currency)
	if !ok || r.p.Len() > 0 {
		return
	}
	e := entry{typ: created, accountKey: card, id: t.ID, status: posted, amount: amt, currency: iso, occurred: occurred}
	t.MerchantData.apply(&e)
	if auth := expandableID(t.Authorization); auth != "" {
		e.typ, e.supersedes = updated, auth
	}
	r.add(e)
}

// minor reads an integer amount in Stripe units and converts it.
func (r *run) minor(field string, raw json.RawMessage, iso string) (int64, bool) {
	n, ok := jsonpayload.Integer(raw, field, &r.p)
	if !ok {
		return 0, false
	}
	return toMinor(&r.p, field, n, iso)
}
