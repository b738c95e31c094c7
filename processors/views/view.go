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
	// OpenAlerts are guard's review and decline decisions on the account,
	// newest first, at most MaxOpenAlerts; a removed transaction's alert
	// closes.
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
	Status      string `json:"status"`
	Description string `json:"description"`
	// MerchantName is the resolved merchant when enrich resolved one, else
	// the name the source gave.
	MerchantName string `json:"merchant_name"`
	// MerchantEntityID and MerchantWebsite come from enrich's catalog.
	MerchantEntityID string `json:"merchant_entity_id,omitempty"`
	MerchantWebsite  string `json:"merchant_website,omitempty"`
	MCC              string `json:"mcc"`
	// Category is enrich's detailed category (docs/enrich.md), empty
	// without enrich.
	Category string `json:"category"`
	// RiskDecision is guard's "approve", "review" or "decline", empty
	// without guard; RiskScore its fraud probability.
	RiskDecision string   `json:"risk_decision"`
	RiskScore    *float64 `json:"risk_score,omitempty"`
}

// MonthToDate is the spend of the current UTC month, per currency and
// primary category in lower case ("food_and_drink"; Uncategorized without
// enrich).
type MonthToDate struct {
	// Month is "YYYY-MM" (UTC) of the newest transaction seen; empty before
	// the first.
	Month string `json:"month"`
	// SpendMinor is money out of posted transactions, as a positive amount,
	// per currency and category ("uncategorized" until enrich lands).
	SpendMinor map[string]map[string]int64 `json:"spend_minor"`
}

// Alert is an open risk alert on the account: a review or decline decision
// of guard.
type Alert struct {
	EventID             string `json:"event_id"`
	Source              string `json:"source,omitempty"`
	SourceTransactionID string `json:"source_transaction_id,omitempty"`
	// Decision is "review" or "decline".
	Decision string `json:"decision"`
	// Rule is the first reason: a feature name or "rule:<id>".
	Rule         string    `json:"rule"`
	Score        float64   `json:"score"`
	ModelVersion string    `json:"model_version,omitempty"`
	OpenedAt     time.Time `json:"opened_at,omitzero"`
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
