package views

import (
	"slices"
	"strings"
	"time"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

// MaxTransactions is how many transactions a view keeps.
const MaxTransactions = 20

// Uncategorized is the spend category of a transaction enrich has not
// categorized (every transaction of a topology without enrich).
const Uncategorized = "uncategorized"

// MaxOpenAlerts is how many open alerts a view keeps (the newest).
const MaxOpenAlerts = 20

// apply folds one transaction into the view. The caller has checked that
// its sequence is above the view's.
func apply(v *View, st *fintrav1.ScoredTransaction, now time.Time) {
	at := st.GetEnriched().GetAccepted()
	v.normalize()
	v.AccountID = at.GetAccountId()
	v.Version++
	v.Sequence = at.GetSequence()
	v.UpdatedAt = now.UTC()
	if b := at.GetBalanceAfter(); b != nil {
		setBalance(v, b)
	}
	applyTransaction(v, st)
	applySpend(v, at, spendCategory(st.GetEnriched().GetCategory()))
	applyAlert(v, st)
}

// spendCategory is the month-to-date key of a category: its primary
// category in lower case ("food_and_drink"), or Uncategorized.
func spendCategory(c *fintrav1.Category) string {
	if c.GetPrimary() == "" {
		return Uncategorized
	}
	return strings.ToLower(c.GetPrimary())
}

// applyAlert opens an alert for a review or decline decision, and closes
// the alerts of a transaction that was removed (nothing is left to act on).
func applyAlert(v *View, st *fintrav1.ScoredTransaction) {
	tx := st.GetEnriched().GetAccepted().GetTransaction()
	if tx.GetStatus() == fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED {
		v.OpenAlerts = slices.DeleteFunc(v.OpenAlerts, func(a Alert) bool {
			return a.Source == tx.GetSource() && a.SourceTransactionID == tx.GetSourceTransactionId()
		})
		return
	}
	sc := st.GetScore()
	d := sc.GetDecision()
	if d != fintrav1.Decision_DECISION_REVIEW && d != fintrav1.Decision_DECISION_DECLINE {
		return
	}
	at := st.GetEnriched().GetAccepted()
	a := Alert{EventID: at.GetEventId(), Source: tx.GetSource(), SourceTransactionID: tx.GetSourceTransactionId(),
		Decision: decisionName(d), Score: sc.GetScore(), ModelVersion: sc.GetModelVersion()}
	if len(sc.GetReasons()) > 0 {
		a.Rule = sc.GetReasons()[0].GetCode()
	}
	if ts := sc.GetScoredAt(); ts != nil {
		a.OpenedAt = ts.AsTime().UTC()
	}
	// One alert per source transaction: a posting or correction of an
	// alerted transaction replaces its alert.
	v.OpenAlerts = slices.DeleteFunc(v.OpenAlerts, func(o Alert) bool {
		return o.Source == a.Source && o.SourceTransactionID == a.SourceTransactionID
	})
	v.OpenAlerts = append([]Alert{a}, v.OpenAlerts...)
	if len(v.OpenAlerts) > MaxOpenAlerts {
		v.OpenAlerts = v.OpenAlerts[:MaxOpenAlerts]
	}
}

// decisionName is "approve", "review" or "decline"; "" when unscored.
func decisionName(d fintrav1.Decision) string {
	if d == fintrav1.Decision_DECISION_UNSPECIFIED {
		return ""
	}
	return strings.ToLower(strings.TrimPrefix(d.String(), "DECISION_"))
}

// setBalance takes the ledger's balance after the event as it is: the view
// never does arithmetic on balances, so it cannot drift from the ledger.
func setBalance(v *View, b *fintrav1.Balance) {
	nb := Balance{Currency: b.GetCurrency(), AmountMinor: b.GetPostedMinor(), PendingMinor: b.GetPendingMinor()}
	i, found := slices.BinarySearchFunc(v.Balances, nb.Currency, func(e Balance, c string) int { return strings.Compare(e.Currency, c) })
	if found {
		v.Balances[i] = nb
		return
	}
	v.Balances = slices.Insert(v.Balances, i, nb)
}

// applyTransaction replaces the transaction's previous state (and, for a
// posting, the pending transaction it supersedes) by its new one, keeps the
// list newest first by occurred_at and trims it.
func applyTransaction(v *View, st *fintrav1.ScoredTransaction) {
	at := st.GetEnriched().GetAccepted()
	tx := at.GetTransaction()
	id, superseded := tx.GetSourceTransactionId(), at.GetSupersedesSourceTransactionId()
	v.Transactions = slices.DeleteFunc(v.Transactions, func(e Transaction) bool {
		return e.Source == tx.GetSource() && (e.SourceTransactionID == id || (superseded != "" && e.SourceTransactionID == superseded))
	})
	if tx.GetStatus() == fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED {
		return
	}
	e := Transaction{
		EventID: at.GetEventId(), Source: tx.GetSource(), SourceTransactionID: id,
		OccurredAt: occurredAt(at), AmountMinor: tx.GetAmountMinor(), Currency: tx.GetCurrency(),
		Status:      strings.ToLower(strings.TrimPrefix(tx.GetStatus().String(), "TRANSACTION_STATUS_")),
		Description: tx.GetDescription(), MerchantName: tx.GetMerchantName(), MCC: tx.GetMcc(),
		RiskDecision: decisionName(st.GetScore().GetDecision()),
	}
	if m := st.GetEnriched().GetMerchant(); m != nil {
		switch m.GetMethod() {
		case fintrav1.MerchantMethod_MERCHANT_METHOD_UNSPECIFIED, fintrav1.MerchantMethod_MERCHANT_METHOD_UNRESOLVED:
		default:
			e.MerchantName = m.GetName()
		}
		e.MerchantEntityID = m.GetEntityId()
		e.MerchantWebsite = m.GetWebsite()
	}
	if c := st.GetEnriched().GetCategory(); c != nil {
		e.Category = c.GetDetailed()
	}
	if sc := st.GetScore(); sc != nil {
		score := sc.GetScore()
		e.RiskScore = &score
	}
	// Newest first; among equal times the later event goes first.
	i := slices.IndexFunc(v.Transactions, func(o Transaction) bool { return !o.OccurredAt.After(e.OccurredAt) })
	if i < 0 {
		i = len(v.Transactions)
	}
	if i >= MaxTransactions {
		return // older than everything the view keeps
	}
	v.Transactions = slices.Insert(v.Transactions, i, e)
	if len(v.Transactions) > MaxTransactions {
		v.Transactions = v.Transactions[:MaxTransactions]
	}
}

// applySpend: the event's occurred_at picks the month and rolls the window
// over when it is newer; the change in posted money out is counted if the
// transaction itself occurred in that month (a correction or removal of
// last month's transaction does not touch this month's spend).
func applySpend(v *View, at *fintrav1.AcceptedTransaction, category string) {
	evTS := at.GetOccurredAt()
	if evTS == nil {
		evTS = at.GetTransaction().GetOccurredAt()
	}
	if evTS == nil {
		return
	}
	month := monthOf(evTS.AsTime())
	switch {
	case month > v.MonthToDate.Month:
		v.MonthToDate = MonthToDate{Month: month, SpendMinor: map[string]map[string]int64{}}
	case month < v.MonthToDate.Month:
		return // a late event of an earlier month
	}
	tx := at.GetTransaction()
	if ts := tx.GetOccurredAt(); ts != nil && monthOf(ts.AsTime()) != month {
		return
	}
	// Money out only: the transaction's amount is negative, and what this
	// event moved in the posted balance is the change in spend (a posting
	// adds it, a removal or a smaller correction takes it back).
	if tx.GetAmountMinor() >= 0 || at.GetDeltaPostedMinor() == 0 {
		return
	}
	byCategory := v.MonthToDate.SpendMinor[tx.GetCurrency()]
	if byCategory == nil {
		byCategory = map[string]int64{}
		v.MonthToDate.SpendMinor[tx.GetCurrency()] = byCategory
	}
	byCategory[category] -= at.GetDeltaPostedMinor()
}

func occurredAt(at *fintrav1.AcceptedTransaction) time.Time {
	if ts := at.GetTransaction().GetOccurredAt(); ts != nil {
		return ts.AsTime().UTC()
	}
	if ts := at.GetOccurredAt(); ts != nil {
		return ts.AsTime().UTC()
	}
	return time.Time{}
}

func monthOf(t time.Time) string { return t.UTC().Format("2006-01") }
