package core

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Limits bound the per-account state, so that a busy account costs the same
// to process on its millionth event as on its first.
type Limits struct {
	// DedupWindow is how many accepted event ids an account remembers.
	// Default 256. A redelivery older than that is still recognised while
	// its transaction is in the ledger window.
	DedupWindow int
	// SettledWindow is how many settled (posted, removed or superseded)
	// transactions an account remembers for later corrections and
	// removals. Default 128. Open pending transactions are always kept, up
	// to MaxOpenPending.
	SettledWindow int
	// MaxOpenPending caps the open pending transactions of one account.
	// Default 4096; past it the oldest pending one is forgotten (its
	// amount stays in the pending balance) and the event is counted.
	MaxOpenPending int
}

func (l *Limits) setDefaults() {
	if l.DedupWindow == 0 {
		l.DedupWindow = 256
	}
	if l.SettledWindow == 0 {
		l.SettledWindow = 128
	}
	if l.MaxOpenPending == 0 {
		l.MaxOpenPending = 4096
	}
}

// Outcome is what the ledger did with an event.
type Outcome int

const (
	// Accepted: the event changed the ledger (possibly by zero) and is emitted.
	Accepted Outcome = iota
	// Duplicate: the event was accepted before and is dropped.
	Duplicate
	// Rejected: the event cannot be applied (a lifecycle violation); it goes to the DLQ.
	Rejected
)

// ErrLifecycle marks events that break the transaction lifecycle.
var ErrLifecycle = errors.New("core: lifecycle violation")

// ErrOverflow marks an amount that would overflow a balance.
var ErrOverflow = errors.New("core: balance overflow")

const idLen = 16

// apply applies one event to an account's state. It mutates state only when
// the outcome is Accepted (or counts a Duplicate/Rejected), so a rejected
// event leaves the balances as they were.
func apply(state *fintrav1.LedgerState, ev *fintrav1.Event, limits Limits) (*fintrav1.AcceptedTransaction, Outcome, error) {
	limits.setDefaults()
	id, err := uuid.Parse(ev.GetEventId())
	if err != nil {
		state.Rejected++
		return nil, Rejected, fmt.Errorf("%w: event_id %q is not a UUID", ErrLifecycle, ev.GetEventId())
	}
	if seenID(state.RecentEventIds, id) {
		state.Duplicates++
		return nil, Duplicate, nil
	}
	if state.Transactions == nil {
		state.Transactions = map[string]*fintrav1.LedgerTransaction{}
	}
	state.AccountId = ev.GetAccountId()
	seq := state.Sequence + 1

	var (
		tx   *fintrav1.Transaction
		out  = &fintrav1.AcceptedTransaction{EventId: ev.GetEventId(), AccountId: ev.GetAccountId(), Type: ev.GetType(), OccurredAt: ev.GetOccurredAt(), IngestedAt: ev.GetIngestedAt(), Sequence: seq}
		plan []change
	)
	switch p := ev.GetPayload().(type) {
	case *fintrav1.Event_Created:
		tx = p.Created.GetTransaction()
		plan, err = planCreated(state, tx)
	case *fintrav1.Event_Updated:
		tx = p.Updated.GetTransaction()
		out.UpdateReason = p.Updated.GetReason()
		out.SupersedesSourceTransactionId = p.Updated.GetSupersedesSourceTransactionId()
		plan, err = planUpdated(state, p.Updated)
	case *fintrav1.Event_Removed:
		tx, plan, err = planRemoved(state, p.Removed)
	default:
		err = fmt.Errorf("%w: event %s has no payload", ErrLifecycle, ev.GetEventId())
	}
	if errors.Is(err, errAlreadyApplied) {
		// The transaction is in the ledger although its event id left the
		// dedup window: a late redelivery.
		state.Duplicates++
		return nil, Duplicate, nil
	}
	if err != nil {
		state.Rejected++
		return nil, Rejected, err
	}
	if err := checkOverflow(state, plan); err != nil {
		state.Rejected++
		return nil, Rejected, err
	}

	// Commit the plan.
	for _, c := range plan {
		b := balance(state, c.currency)
		b.PostedMinor += c.posted
		b.PendingMinor += c.pending
		if c.currency == tx.GetCurrency() {
			out.DeltaPostedMinor += c.posted
			out.DeltaPendingMinor += c.pending
		}
	}
	for _, c := range plan {
		if c.record != nil {
			c.record.Sequence = seq
			state.Transactions[c.record.SourceTransactionId] = c.record
		}
	}
	state.Sequence = seq
	state.RecentEventIds = remember(state.RecentEventIds, id, limits.DedupWindow)
	evict(state, limits)

	out.Transaction = tx
	if b := findBalance(state, tx.GetCurrency()); b != nil {
		out.BalanceAfter = &fintrav1.Balance{Currency: b.Currency, PostedMinor: b.PostedMinor, PendingMinor: b.PendingMinor}
	}
	return out, Accepted, nil
}

// change is one step of an event's effect: an amount moved in one
// currency's balance and the ledger record it leaves behind.
type change struct {
	currency        string
	posted, pending int64
	record          *fintrav1.LedgerTransaction
}

var errAlreadyApplied = errors.New("core: already applied")

func planCreated(state *fintrav1.LedgerState, tx *fintrav1.Transaction) ([]change, error) {
	if tx == nil {
		return nil, fmt.Errorf("%w: created event without a transaction", ErrLifecycle)
	}
	id := tx.GetSourceTransactionId()
	rec := &fintrav1.LedgerTransaction{SourceTransactionId: id, AmountMinor: tx.GetAmountMinor(), Currency: tx.GetCurrency(), Status: tx.GetStatus()}
	if prev, ok := state.Transactions[id]; ok {
		if prev.Superseded && prev.Status == fintrav1.TransactionStatus_TRANSACTION_STATUS_UNSPECIFIED {
			// The posting arrived before this pending transaction: it is
			// accepted, but the posting already settled it.
			rec.Superseded = true
			return []change{{currency: tx.GetCurrency(), record: rec}}, nil
		}
		return nil, errAlreadyApplied
	}
	switch tx.GetStatus() {
	case fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING:
		return []change{{currency: tx.GetCurrency(), pending: tx.GetAmountMinor(), record: rec}}, nil
	case fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED:
		return []change{{currency: tx.GetCurrency(), posted: tx.GetAmountMinor(), record: rec}}, nil
	default:
		return nil, fmt.Errorf("%w: transaction %s created with status %s", ErrLifecycle, id, tx.GetStatus())
	}
}

func planUpdated(state *fintrav1.LedgerState, up *fintrav1.TransactionUpdated) ([]change, error) {
	tx := up.GetTransaction()
	if tx == nil {
		return nil, fmt.Errorf("%w: updated event without a transaction", ErrLifecycle)
	}
	id := tx.GetSourceTransactionId()
	switch up.GetReason() {
	case fintrav1.UpdateReason_UPDATE_REASON_POSTED:
		if tx.GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED {
			return nil, fmt.Errorf("%w: posting %s has status %s, want posted", ErrLifecycle, id, tx.GetStatus())
		}
		if _, ok := state.Transactions[id]; ok {
			return nil, errAlreadyApplied
		}
		posted := change{currency: tx.GetCurrency(), posted: tx.GetAmountMinor(),
			record: &fintrav1.LedgerTransaction{SourceTransactionId: id, AmountMinor: tx.GetAmountMinor(), Currency: tx.GetCurrency(), Status: fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED}}
		pendingID := up.GetSupersedesSourceTransactionId()
		pending, ok := state.Transactions[pendingID]
		switch {
		case !ok:
			// The pending transaction has not arrived (or left the window):
			// remember that it is settled, so that it does not count when
			// it comes.
			return []change{posted, {currency: tx.GetCurrency(), record: &fintrav1.LedgerTransaction{SourceTransactionId: pendingID, Superseded: true}}}, nil
		case pending.Status == fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING && !pending.Superseded:
			settled := cloneRecord(pending)
			settled.Superseded = true
			return []change{{currency: pending.Currency, pending: -pending.AmountMinor, record: settled}, posted}, nil
		default:
			// Already superseded, removed (an expired authorization that
			// was captured after all) or posted: the posting stands alone.
			return []change{posted}, nil
		}
	case fintrav1.UpdateReason_UPDATE_REASON_CORRECTION:
		prev, ok := state.Transactions[id]
		if !ok || prev.Status == fintrav1.TransactionStatus_TRANSACTION_STATUS_UNSPECIFIED {
			return nil, fmt.Errorf("%w: correction of transaction %s, which the ledger does not hold (never sent, or older than the ledger window)", ErrLifecycle, id)
		}
		if prev.Status == fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED || prev.Superseded {
			return nil, fmt.Errorf("%w: correction of transaction %s, which is already %s", ErrLifecycle, id, settledWord(prev))
		}
		undo := reverse(prev)
		next := &fintrav1.LedgerTransaction{SourceTransactionId: id, AmountMinor: tx.GetAmountMinor(), Currency: tx.GetCurrency(), Status: tx.GetStatus()}
		redo := forward(next)
		if redo.currency == undo.currency {
			return []change{{currency: undo.currency, posted: undo.posted + redo.posted, pending: undo.pending + redo.pending, record: next}}, nil
		}
		return []change{undo, redo}, nil
	default:
		return nil, fmt.Errorf("%w: update of %s has no reason", ErrLifecycle, id)
	}
}

func planRemoved(state *fintrav1.LedgerState, rm *fintrav1.TransactionRemoved) (*fintrav1.Transaction, []change, error) {
	id := rm.GetSourceTransactionId()
	prev, ok := state.Transactions[id]
	if !ok || prev.Status == fintrav1.TransactionStatus_TRANSACTION_STATUS_UNSPECIFIED {
		return nil, nil, fmt.Errorf("%w: removal of transaction %s, which the ledger does not hold (never sent, or older than the ledger window)", ErrLifecycle, id)
	}
	if prev.Status == fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED {
		return nil, nil, errAlreadyApplied
	}
	tx := &fintrav1.Transaction{
		AccountId: rm.GetAccountId(), Source: rm.GetSource(), SourceAccountId: rm.GetSourceAccountId(), SourceTransactionId: id,
		AmountMinor: prev.AmountMinor, Currency: prev.Currency, Status: fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED,
	}
	removed := cloneRecord(prev)
	removed.Status = fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED
	if prev.Superseded {
		// A superseded pending transaction no longer counts anywhere.
		return tx, []change{{currency: prev.Currency, record: removed}}, nil
	}
	c := reverse(prev)
	c.record = removed
	return tx, []change{c}, nil
}

func forward(r *fintrav1.LedgerTransaction) change {
	if r.Status == fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING {
		return change{currency: r.Currency, pending: r.AmountMinor}
	}
	return change{currency: r.Currency, posted: r.AmountMinor}
}

func reverse(r *fintrav1.LedgerTransaction) change {
	c := forward(r)
	c.posted, c.pending = -c.posted, -c.pending
	return c
}

func settledWord(r *fintrav1.LedgerTransaction) string {
	if r.Superseded {
		return "superseded by a posting"
	}
	return "removed"
}

func cloneRecord(r *fintrav1.LedgerTransaction) *fintrav1.LedgerTransaction {
	return &fintrav1.LedgerTransaction{SourceTransactionId: r.SourceTransactionId, AmountMinor: r.AmountMinor, Currency: r.Currency, Status: r.Status, Superseded: r.Superseded, Sequence: r.Sequence}
}

// checkOverflow refuses a plan that would overflow int64 in any balance:
// money is never silently wrapped.
func checkOverflow(state *fintrav1.LedgerState, plan []change) error {
	sums := map[string][2]int64{}
	for _, c := range plan {
		cur, ok := sums[c.currency]
		if !ok {
			if b := findBalance(state, c.currency); b != nil {
				cur = [2]int64{b.PostedMinor, b.PendingMinor}
			}
		}
		var overflow bool
		cur[0], overflow = addInt64(cur[0], c.posted)
		if overflow {
			return fmt.Errorf("%w: posted %s balance", ErrOverflow, c.currency)
		}
		cur[1], overflow = addInt64(cur[1], c.pending)
		if overflow {
			return fmt.Errorf("%w: pending %s balance", ErrOverflow, c.currency)
		}
		sums[c.currency] = cur
	}
	return nil
}

func addInt64(a, b int64) (int64, bool) {
	s := a + b
	return s, (b > 0 && s < a) || (b < 0 && s > a)
}

func balance(state *fintrav1.LedgerState, currency string) *fintrav1.Balance {
	if b := findBalance(state, currency); b != nil {
		return b
	}
	b := &fintrav1.Balance{Currency: currency}
	state.Balances = append(state.Balances, b)
	slices.SortFunc(state.Balances, func(x, y *fintrav1.Balance) int {
		switch {
		case x.Currency < y.Currency:
			return -1
		case x.Currency > y.Currency:
			return 1
		}
		return 0
	})
	return b
}

func findBalance(state *fintrav1.LedgerState, currency string) *fintrav1.Balance {
	for _, b := range state.Balances {
		if b.Currency == currency {
			return b
		}
	}
	return nil
}

func seenID(window []byte, id uuid.UUID) bool {
	for i := 0; i+idLen <= len(window); i += idLen {
		if bytes.Equal(window[i:i+idLen], id[:]) {
			return true
		}
	}
	return false
}

func remember(window []byte, id uuid.UUID, max int) []byte {
	window = append(window, id[:]...)
	if over := len(window) - max*idLen; over > 0 {
		window = append(window[:0:0], window[over:]...)
	}
	return window
}

// evict forgets the oldest settled transactions beyond the window, and the
// oldest open pending ones beyond their cap. It runs only once a window is a
// quarter over its size, so the sort is paid once per many events.
func evict(state *fintrav1.LedgerState, limits Limits) {
	if len(state.Transactions) <= limits.SettledWindow+limits.SettledWindow/4 {
		return
	}
	var settled, open []*fintrav1.LedgerTransaction
	for _, r := range state.Transactions {
		if r.Status == fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING && !r.Superseded {
			open = append(open, r)
		} else {
			settled = append(settled, r)
		}
	}
	drop := func(rs []*fintrav1.LedgerTransaction, keep int) {
		if len(rs) <= keep+keep/4 {
			return
		}
		slices.SortFunc(rs, func(a, b *fintrav1.LedgerTransaction) int {
			if a.Sequence != b.Sequence {
				if a.Sequence < b.Sequence {
					return -1
				}
				return 1
			}
			if a.SourceTransactionId < b.SourceTransactionId {
				return -1
			}
			return 1
		})
		for _, r := range rs[:len(rs)-keep] {
			delete(state.Transactions, r.SourceTransactionId)
		}
	}
	drop(settled, limits.SettledWindow)
	drop(open, limits.MaxOpenPending)
}
