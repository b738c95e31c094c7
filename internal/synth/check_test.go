package synth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// wire is a fintra-json payload as a strict consumer decodes it. The field
// order is the generator's, so that re-encoding a valid payload gives its
// bytes back.
type wire struct {
	AccountID            *string `json:"account_id,omitempty"`
	TransactionID        *string `json:"transaction_id,omitempty"`
	Type                 *string `json:"type,omitempty"`
	Status               *string `json:"status,omitempty"`
	AmountMinor          *int64  `json:"amount_minor,omitempty"`
	Currency             *string `json:"currency,omitempty"`
	OccurredAt           *string `json:"occurred_at,omitempty"`
	PostedAt             *string `json:"posted_at,omitempty"`
	Description          *string `json:"description,omitempty"`
	MerchantName         *string `json:"merchant_name,omitempty"`
	MCC                  *string `json:"mcc,omitempty"`
	Country              *string `json:"country,omitempty"`
	City                 *string `json:"city,omitempty"`
	PendingTransactionID *string `json:"pending_transaction_id,omitempty"`
	Reason               *string `json:"reason,omitempty"`
}

func (w *wire) typ() string {
	if w.Type == nil {
		return "created"
	}
	return *w.Type
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

var (
	accountIDRule = regexp.MustCompile(`^[A-Za-z0-9._:@-]{1,128}$`)
	mccRule       = regexp.MustCompile(`^[0-9]{4}$`)
	// Not all of ISO 4217 and 3166: enough to tell a code from a mistake.
	isoCurrencies = map[string]bool{"USD": true, "EUR": true, "GBP": true, "AUD": true, "CAD": true, "JPY": true,
		"CHF": true, "BHD": true, "NZD": true, "SEK": true, "NOK": true, "DKK": true, "SGD": true, "HKD": true,
		"CNY": true, "INR": true, "BRL": true, "MXN": true, "ZAR": true, "KWD": true, "OMR": true, "TND": true}
	isoCountries = map[string]bool{"US": true, "CA": true, "GB": true, "IE": true, "DE": true, "FR": true, "NL": true,
		"ES": true, "IT": true, "AU": true, "JP": true, "CH": true, "BH": true, "NZ": true, "SE": true, "AT": true}
)

// decodeStrict decodes one payload the way a strict validator does: one
// JSON object, no unknown fields, amount_minor an integer, nothing after it.
func decodeStrict(b []byte) (*wire, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var w wire
	if err := dec.Decode(&w); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the object")
	}
	return &w, nil
}

// check applies the fintra-json rules to a payload and returns every broken one.
func check(b []byte) error {
	w, err := decodeStrict(b)
	if err != nil {
		return err
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if w.AccountID == nil || !accountIDRule.MatchString(*w.AccountID) {
		bad("account_id: required, [A-Za-z0-9._:@-]{1,128}, got %q", str(w.AccountID))
	}
	if str(w.TransactionID) == "" {
		bad("transaction_id: required")
	}
	typ := w.typ()
	switch typ {
	case "created", "updated", "removed":
	default:
		bad("type %q: not created, updated or removed", typ)
	}
	status := str(w.Status)
	if typ != "removed" || w.Status != nil {
		if status != "pending" && status != "posted" {
			bad("status %q: must be pending or posted", status)
		}
	}
	if typ != "removed" {
		if w.AmountMinor == nil {
			bad("amount_minor: required")
		}
		if w.Currency == nil {
			bad("currency: required")
		}
		if w.OccurredAt == nil {
			bad("occurred_at: required")
		}
	}
	if w.Currency != nil && !isoCurrencies[*w.Currency] {
		bad("currency %q: not an ISO 4217 code", *w.Currency)
	}
	for name, ts := range map[string]*string{"occurred_at": w.OccurredAt, "posted_at": w.PostedAt} {
		if ts == nil {
			continue
		}
		t, err := time.Parse(time.RFC3339, *ts)
		if err != nil {
			bad("%s %q: not RFC 3339", name, *ts)
		} else if _, off := t.Zone(); off != 0 {
			bad("%s %q: not UTC", name, *ts)
		}
	}
	if w.PostedAt != nil && status != "posted" {
		bad("posted_at: only with status posted")
	}
	if w.MCC != nil && !mccRule.MatchString(*w.MCC) {
		bad("mcc %q: not 4 digits", *w.MCC)
	}
	if w.Country != nil && !isoCountries[*w.Country] {
		bad("country %q: not ISO 3166-1 alpha-2", *w.Country)
	}
	if typ == "updated" && (w.PendingTransactionID == nil || status != "posted") {
		bad("updated: needs pending_transaction_id and status posted")
	}
	if w.PendingTransactionID != nil && typ != "updated" {
		bad("pending_transaction_id: only with type updated")
	}
	if w.Reason != nil && typ != "removed" {
		bad("reason: only with type removed")
	}
	return errors.Join(errs...)
}

// reencode encodes a decoded payload as encoding/json does (without HTML
// escaping), for the round-trip check.
func reencode(w *wire) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// amountIsInteger says the amount_minor literal is a JSON integer, not
// merely a number encoding/json managed to put in an int64.
func amountIsInteger(b []byte) bool {
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return false
	}
	lit, ok := raw["amount_minor"]
	if !ok {
		return true
	}
	s := strings.TrimPrefix(string(lit), "-")
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
