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
// categorized (every transaction, until enrich lands).
const Uncategorized = "uncategorized"

// apply folds one accepted transaction into the view. The caller has
// checked that its sequence is above the view's.
func apply(v *View, at *fintrav1.AcceptedTransaction, now time.Time) {
	v.normalize()
	v.AccountID = at.GetAccountId()
	v.Version++
	v.Sequence = at.GetSequence()
	v.UpdatedAt = now.UTC()
	if b := at.GetBalanceAfter(); b != nil {
		setBalance(v, b)
	}
	applyTransaction(v, at)
	applySpend(v, at)
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
func applyTransaction(v *View, at *fintrav1.AcceptedTransaction) {
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
func applySpend(v *View, at *fintrav1.AcceptedTransaction) {
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
	byCategory[Uncategorized] -= at.GetDeltaPostedMinor()
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
