package replay

import (
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/fintraos/fintra/processors/guard"
	"github.com/fintraos/fintra/processors/guard/features"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// ScoreLine is one line of `fintra guard score`.
type ScoreLine struct {
	ID string `json:"id"`
	// Score is the fraud probability; 0 without a model.
	Score float64 `json:"score"`
	// Decision is approve, review or decline.
	Decision string       `json:"decision"`
	Reasons  []ReasonLine `json:"reasons"`
}

// ReasonLine is one reason of a ScoreLine.
type ReasonLine struct {
	Code         string  `json:"code"`
	Detail       string  `json:"detail"`
	Contribution float64 `json:"contribution,omitempty"`
}

// DecisionName is the lower-case name of a decision: "approve", "review",
// "decline".
func DecisionName(d fintrav1.Decision) string {
	return strings.ToLower(strings.TrimPrefix(d.String(), "DECISION_"))
}

// Score sorts records by event time and scores each against its
// account's state, as the processor does (a new transaction is folded in
// after it is scored), writing one JSON line per record.
func Score(w io.Writer, records []Record, s *guard.Scorer, now func() time.Time) error {
	Sort(records)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	states := map[string]*features.State{}
	for i := range records {
		r := &records[i]
		acct := r.Tx.GetAccepted().GetAccountId()
		st := states[acct]
		if st == nil {
			st = features.NewState()
			states[acct] = st
		}
		sc := s.Score(st, r.Tx, now(), true)
		line := ScoreLine{ID: r.ID, Score: sc.GetScore(), Decision: DecisionName(sc.GetDecision()), Reasons: make([]ReasonLine, 0, len(sc.GetReasons()))}
		for _, rs := range sc.GetReasons() {
			line.Reasons = append(line.Reasons, ReasonLine{Code: rs.GetCode(), Detail: rs.GetDetail(), Contribution: rs.GetContribution()})
		}
		if err := enc.Encode(&line); err != nil {
			return err
		}
	}
	return nil
}
