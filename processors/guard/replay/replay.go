// Package replay reads a transaction history from a file or the synthetic
// generator, puts it in event-time order and replays it through the guard
// feature code: the training data of the model (WriteFeaturesCSV) and the
// offline scoring of `fintra guard score` come from the same code the
// processor runs.
package replay

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/fintraos/fintra/processors/guard/features"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Record is one transaction of a history.
type Record struct {
	// ID is the source row's id: EVENT_ID of an AWS row, the
	// transaction_id of a fintra-json payload.
	ID string
	// Label is "1" (fraud), "0" (legit) or "" (unknown).
	Label string
	// Tx is the transaction as guard receives it.
	Tx *fintrav1.EnrichedTransaction
	// Pattern names the synthetic fraud pattern of a fraud row; "" otherwise.
	Pattern string
}

// Folded says a record changes the account's feature state: a new
// transaction. A posting or correction of one already seen is scored
// against the state but not folded in again, and a removal neither, so
// that nothing counts twice (docs/guard.md).
func (r *Record) Folded() bool {
	return r.Tx.GetAccepted().GetType() == fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
}

// EventTime is the record's event time.
func (r *Record) EventTime() time.Time {
	at := r.Tx.GetAccepted()
	if ts := at.GetTransaction().GetOccurredAt(); ts != nil {
		return ts.AsTime()
	}
	return at.GetOccurredAt().AsTime()
}

// Sort puts records in event-time order; equal times keep their order.
func Sort(records []Record) {
	slices.SortStableFunc(records, func(a, b Record) int { return a.EventTime().Compare(b.EventTime()) })
}

// CSVHeader is the training CSV's header: id, account_id, event_time,
// label, then the features in model order.
func CSVHeader() []string {
	return append([]string{"id", "account_id", "event_time", "label"}, features.Names()...)
}

// WriteFeaturesCSV sorts records by event time, replays them through the
// feature code (one state per account) and writes one row per folded
// transaction. It returns the number of rows.
func WriteFeaturesCSV(w io.Writer, records []Record) (int, error) {
	Sort(records)
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader()); err != nil {
		return 0, err
	}
	states := map[string]*features.State{}
	row := make([]string, 4+features.NumFeatures)
	rows := 0
	for i := range records {
		r := &records[i]
		if !r.Folded() {
			continue
		}
		acct := r.Tx.GetAccepted().GetAccountId()
		s := states[acct]
		if s == nil {
			s = features.NewState()
			states[acct] = s
		}
		in := features.FromEnriched(r.Tx, time.Time{})
		v := features.Update(s, in)
		row[0], row[1], row[2], row[3] = r.ID, acct, in.At.UTC().Format(time.RFC3339), r.Label
		for j, f := range v {
			row[4+j] = strconv.FormatFloat(f, 'g', -1, 64)
		}
		if err := cw.Write(row); err != nil {
			return rows, err
		}
		rows++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return rows, fmt.Errorf("replay: write csv: %w", err)
	}
	return rows, nil
}
