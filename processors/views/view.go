package views

import (
	"encoding/json"
	"fmt"
	"time"
)

// View is an account's read model, the value of views-table and of the
// Redis key fintra:view:account:<account_id>. Its JSON form is the contract.
type View struct {
	AccountID string `json:"account_id"`
	// Version increases by one with every transaction applied to the view;
	// a store keeps the highest it has seen.
	Version uint64 `json:"version"`
	// Sequence is the ledger sequence of the last applied transaction; a
	// transaction at or below it is a redelivery and is skipped.
	Sequence uint64 `json:"sequence"`
	// Balances per currency, sorted by currency.
	Balances []Balance `json:"balances"`
	// Transactions are the latest MaxTransactions transactions, newest
	// (by occurred_at) first, each in its latest state; removed ones leave.
	Transactions []Transaction `json:"transactions"`
	MonthToDate  MonthToDate   `json:"month_to_date"`
	// OpenAlerts stays empty until the guard processor lands.
	OpenAlerts []Alert `json:"open_alerts"`
	// UpdatedAt is when the view was last changed (the processor's clock).
	UpdatedAt time.Time `json:"updated_at"`
}

// Balance is a balance in one currency, in minor units.
type Balance struct {
	Currency string `json:"currency"`
	// AmountMinor is the posted balance.
	AmountMinor int64 `json:"amount_minor"`
	// PendingMinor is the sum of the open pending transactions.
	PendingMinor int64 `json:"pending_minor"`
}

// Transaction is one entry of View.Transactions.
type Transaction struct {
	EventID             string    `json:"event_id"`
	Source              string    `json:"source,omitempty"`
	SourceTransactionID string    `json:"source_transaction_id,omitempty"`
	OccurredAt          time.Time `json:"occurred_at,omitzero"`
	AmountMinor         int64     `json:"amount_minor"`
	Currency            string    `json:"currency"`
	// Status is "pending" or "posted".
	Status       string `json:"status"`
	Description  string `json:"description"`
	MerchantName string `json:"merchant_name"`
	MCC          string `json:"mcc"`
	// Category is empty until the enrich processor lands.
	Category string `json:"category"`
	// RiskDecision is empty until the guard processor lands.
	RiskDecision string `json:"risk_decision"`
}

// MonthToDate is the spend of the current UTC month.
type MonthToDate struct {
	// Month is "YYYY-MM" (UTC) of the newest transaction seen; empty before
	// the first.
	Month string `json:"month"`
	// SpendMinor is money out of posted transactions, as a positive amount,
	// per currency and category ("uncategorized" until enrich lands).
	SpendMinor map[string]map[string]int64 `json:"spend_minor"`
}

// Alert is an open risk alert on the account (filled by guard, later).
type Alert struct {
	EventID  string    `json:"event_id"`
	Rule     string    `json:"rule"`
	OpenedAt time.Time `json:"opened_at,omitzero"`
}

// normalize turns nil collections into empty ones, so the JSON form always
// has [] and {} rather than null.
func (v *View) normalize() {
	if v.Balances == nil {
		v.Balances = []Balance{}
	}
	if v.Transactions == nil {
		v.Transactions = []Transaction{}
	}
	if v.OpenAlerts == nil {
		v.OpenAlerts = []Alert{}
	}
	if v.MonthToDate.SpendMinor == nil {
		v.MonthToDate.SpendMinor = map[string]map[string]int64{}
	}
}

// Codec is the goka codec of views-table: a *View as its JSON form.
type Codec struct{}

// Encode marshals a *View.
func (Codec) Encode(value any) ([]byte, error) {
	v, ok := value.(*View)
	if !ok || v == nil {
		return nil, fmt.Errorf("views: codec cannot encode %T", value)
	}
	v.normalize()
	return json.Marshal(v)
}

// Decode unmarshals a *View.
func (Codec) Decode(data []byte) (any, error) {
	v := new(View)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("views: decode view: %w", err)
	}
	v.normalize()
	return v, nil
}
