package core

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
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
	// its transaction is in the settled window.
	DedupWindow int
	// SettledWindow is how many settled (posted, removed or superseded)
	// transactions an account remembers for later corrections and
	// removals. Default 256.
	SettledWindow int
	// MaxOpenPending caps the open pending transactions of one account.
	// Default 4096; past it the oldest pending one is forgotten (its amount
	// stays in the pending balance).
	MaxOpenPending int
}

func (l *Limits) setDefaults() {
	if l.DedupWindow == 0 {
		l.DedupWindow = 256
	}
	if l.SettledWindow == 0 {
		l.SettledWindow = 256
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

var errAlreadyApplied = errors.New("core: already applied")

const idLen = 16

// kind is what the ledger knows of a transaction.
type kind byte

// The zero kind is never stored, so a zeroed record cannot pass for a
// transaction.
const (
	// kindPending: open, counted in the pending balance.
	kindPending kind = iota + 1
	// kindPosted: counted in the posted balance.
	kindPosted
	// kindRemoved: counted nowhere any more.
	kindRemoved
	// kindSuperseded: a pending transaction whose posting replaced it.
	kindSuperseded
	// kindSupersededUnseen: a posting named this pending transaction before
	// it arrived; when it comes it must not count.
	kindSupersededUnseen
)

// entry is one transaction as the ledger remembers it.
type entry struct {
	id       string
	amount   int64
	currency string
	kind     kind
}

// apply applies one event to an account's state. A rejected or duplicate
// event leaves the balances as they were and only counts itself.
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
		err = fmt.Errorf("%w: event %s has no transaction payload", ErrLifecycle, ev.GetEventId())
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

	for _, c := range plan {
		b := balance(state, c.currency)
		b.PostedMinor += c.posted
		b.PendingMinor += c.pending
		if c.currency == tx.GetCurrency() {
			out.DeltaPostedMinor += c.posted
			out.DeltaPendingMinor += c.pending
		}
		if c.record != nil {
			store(state, *c.record, seq, limits)
		}
	}
	state.Sequence = seq
	state.RecentEventIds = remember(state.RecentEventIds, id, limits.DedupWindow)

	out.Transaction = tx
	if b := findBalance(state, tx.GetCurrency()); b != nil {
		out.BalanceAfter = &fintrav1.Balance{Currency: b.Currency, PostedMinor: b.PostedMinor, PendingMinor: b.PendingMinor}
	}
	return out, Accepted, nil
}

// change is one step of an event's effect: an amount moved in one
// currency's balance and the ledger entry it leaves behind.
type change struct {
	currency        string
	posted, pending int64
	record          *entry
}

func planCreated(state *fintrav1.LedgerState, tx *fintrav1.Transaction) ([]change, error) {
	if tx == nil {
		return nil, fmt.Errorf("%w: created event without a transaction", ErrLifecycle)
	}
	id := tx.GetSourceTransactionId()
	rec := &entry{id: id, amount: tx.GetAmountMinor(), currency: tx.GetCurrency()}
	if prev, ok := lookup(state, id); ok {
		if prev.kind == kindSupersededUnseen {
			// The posting arrived before this pending transaction: it is
			// accepted, but the posting already settled it.
			rec.kind = kindSuperseded
			return []change{{currency: tx.GetCurrency(), record: rec}}, nil
		}
		return nil, errAlreadyApplied
	}
	switch tx.GetStatus() {
	case fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING:
		rec.kind = kindPending
		return []change{{currency: tx.GetCurrency(), pending: tx.GetAmountMinor(), record: rec}}, nil
	case fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED:
		rec.kind = kindPosted
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
		if _, ok := lookup(state, id); ok {
			return nil, errAlreadyApplied
		}
		posted := change{currency: tx.GetCurrency(), posted: tx.GetAmountMinor(),
			record: &entry{id: id, amount: tx.GetAmountMinor(), currency: tx.GetCurrency(), kind: kindPosted}}
		pendingID := up.GetSupersedesSourceTransactionId()
		pending, ok := lookup(state, pendingID)
		switch {
		case !ok:
			// The pending transaction has not arrived (or left the window):
			// remember that it is settled, so that it does not count when
			// it comes.
			return []change{posted, {currency: tx.GetCurrency(), record: &entry{id: pendingID, currency: tx.GetCurrency(), kind: kindSupersededUnseen}}}, nil
		case pending.kind == kindPending:
			settled := pending
			settled.kind = kindSuperseded
			return []change{{currency: pending.currency, pending: -pending.amount, record: &settled}, posted}, nil
		default:
			// Already superseded, removed (an expired authorization that
			// was captured after all) or posted: the posting stands alone.
			return []change{posted}, nil
		}
	case fintrav1.UpdateReason_UPDATE_REASON_CORRECTION:
		prev, ok := lookup(state, id)
		if !ok || prev.kind == kindSupersededUnseen {
			return nil, fmt.Errorf("%w: correction of transaction %s, which the ledger does not hold (never sent, or older than the ledger window)", ErrLifecycle, id)
		}
		if prev.kind == kindRemoved || prev.kind == kindSuperseded {
			return nil, fmt.Errorf("%w: correction of transaction %s, which is already %s", ErrLifecycle, id, settledWord(prev.kind))
		}
		next := &entry{id: id, amount: tx.GetAmountMinor(), currency: tx.GetCurrency(), kind: kindPosted}
		if tx.GetStatus() == fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING {
			next.kind = kindPending
		}
		undo, redo := reverse(prev), forward(*next)
		if redo.currency == undo.currency {
			return []change{{currency: undo.currency, posted: undo.posted + redo.posted, pending: undo.pending + redo.pending, record: next}}, nil
		}
		redo.record = next
		return []change{undo, redo}, nil
	default:
		return nil, fmt.Errorf("%w: update of %s has no reason", ErrLifecycle, id)
	}
}

func planRemoved(state *fintrav1.LedgerState, rm *fintrav1.TransactionRemoved) (*fintrav1.Transaction, []change, error) {
	id := rm.GetSourceTransactionId()
	prev, ok := lookup(state, id)
	if !ok || prev.kind == kindSupersededUnseen {
		return nil, nil, fmt.Errorf("%w: removal of transaction %s, which the ledger does not hold (never sent, or older than the ledger window)", ErrLifecycle, id)
	}
	if prev.kind == kindRemoved {
		return nil, nil, errAlreadyApplied
	}
	tx := &fintrav1.Transaction{
		AccountId: rm.GetAccountId(), Source: rm.GetSource(), SourceAccountId: rm.GetSourceAccountId(), SourceTransactionId: id,
		AmountMinor: prev.amount, Currency: prev.currency, Status: fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED,
	}
	removed := prev
	removed.kind = kindRemoved
	if prev.kind == kindSuperseded {
		// A superseded pending transaction no longer counts anywhere.
		return tx, []change{{currency: prev.currency, record: &removed}}, nil
	}
	c := reverse(prev)
	c.record = &removed
	return tx, []change{c}, nil
}

func forward(e entry) change {
	if e.kind == kindPending {
		return change{currency: e.currency, pending: e.amount}
	}
	return change{currency: e.currency, posted: e.amount}
}

func reverse(e entry) change {
	c := forward(e)
	c.posted, c.pending = -c.posted, -c.pending
	return c
}

func settledWord(k kind) string {
	if k == kindSuperseded {
		return "superseded by a posting"
	}
	return "removed"
}

// lookup finds a transaction among the open pending ones, then in the
// settled window (newest first).
func lookup(state *fintrav1.LedgerState, id string) (entry, bool) {
	if r, ok := state.Transactions[id]; ok {
		return entry{id: id, amount: r.AmountMinor, currency: r.Currency, kind: kindPending}, true
	}
	if i := findSettled(state.Settled, idHash(id)); i >= 0 {
		return decodeSettled(state.Settled[i:i+settledLen], id), true
	}
	return entry{}, false
}

// store records an entry where it belongs: open pending transactions in the
// map, everything else at the end of the settled window.
func store(state *fintrav1.LedgerState, e entry, seq uint64, limits Limits) {
	h := idHash(e.id)
	if i := findSettled(state.Settled, h); i >= 0 {
		state.Settled = append(state.Settled[:i:i], state.Settled[i+settledLen:]...)
	}
	if e.kind == kindPending {
		if state.Transactions == nil {
			state.Transactions = map[string]*fintrav1.LedgerTransaction{}
		}
		state.Transactions[e.id] = &fintrav1.LedgerTransaction{SourceTransactionId: e.id, AmountMinor: e.amount, Currency: e.currency,
			Status: fintrav1.TransactionStatus_TRANSACTION_STATUS_PENDING, Sequence: seq}
		evictOpen(state, limits.MaxOpenPending)
		return
	}
	delete(state.Transactions, e.id)
	state.Settled = appendSettled(state.Settled, h, e)
	if over := len(state.Settled) - limits.SettledWindow*settledLen; over > 0 {
		// Slicing, not copying: the state lives for one event and is then
		// encoded, so the dropped head is garbage either way.
		state.Settled = state.Settled[over:]
	}
}

// evictOpen forgets the oldest open pending transactions beyond the cap.
// Their amounts stay in the pending balance: forgetting is not settling.
func evictOpen(state *fintrav1.LedgerState, max int) {
	if len(state.Transactions) <= max {
		return
	}
	open := make([]*fintrav1.LedgerTransaction, 0, len(state.Transactions))
	for _, r := range state.Transactions {
		open = append(open, r)
	}
	slices.SortFunc(open, func(a, b *fintrav1.LedgerTransaction) int {
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
	for _, r := range open[:len(open)-max] {
		delete(state.Transactions, r.SourceTransactionId)
	}
}

// Settled records: hash(16) | amount(8, big-endian) | currency(3) | kind(1).
const settledLen = 28

func idHash(id string) [16]byte {
	sum := sha256.Sum256([]byte(id))
	var h [16]byte
	copy(h[:], sum[:16])
	return h
}

func findSettled(settled []byte, h [16]byte) int {
	for i := len(settled) - settledLen; i >= 0; i -= settledLen {
		if bytes.Equal(settled[i:i+16], h[:]) {
			return i
		}
	}
	return -1
}

func appendSettled(settled []byte, h [16]byte, e entry) []byte {
	var rec [settledLen]byte
	copy(rec[:16], h[:])
	binary.BigEndian.PutUint64(rec[16:24], uint64(e.amount))
	copy(rec[24:27], e.currency)
	rec[27] = byte(e.kind)
	return append(settled, rec[:]...)
}

func decodeSettled(rec []byte, id string) entry {
	cur := string(bytes.TrimRight(rec[24:27], "\x00"))
	return entry{id: id, amount: int64(binary.BigEndian.Uint64(rec[16:24])), currency: cur, kind: kind(rec[27])}
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
		window = window[over:]
	}
	return window
}
