package guard

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/processors/guard/features"
	"github.com/fintraos/fintra/processors/guard/model"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Rules override the model. A rule that fires says so in the reasons
// ("rule:blocklist", "rule:impossible_travel") and, when it changed the
// decision, sets Score.rule_override.
type Rules struct {
	// BlockAccounts, BlockMerchants (merchant entity ids) and BlockDevices
	// (context.device_id) are exact blocklists: a match is declined.
	// Default empty.
	BlockAccounts  []string
	BlockMerchants []string
	BlockDevices   []string
	// ImpossibleTravelKmh sends a transaction to review (at least) when
	// the implied speed from the last card-present location is above it.
	// Default 0 means DefaultImpossibleTravelKmh; a negative value turns
	// the rule off.
	ImpossibleTravelKmh float64
}

// DefaultImpossibleTravelKmh is faster than an airliner's cruise: no one
// pays at two terminals that far apart that quickly.
const DefaultImpossibleTravelKmh = 1000

// NoModelVersion is the model version of a score made without a model
// (none loaded yet): rules only.
const NoModelVersion = "none"

// Scorer scores transactions against an account's feature state. The
// processor and `fintra guard score` both use it, so offline replays and
// the stream give the same scores.
type Scorer struct {
	// Model is the model in use; nil or empty means rules only.
	Model *model.Current
	// Thresholds, when set, replace the model's meta.json thresholds.
	Thresholds *model.Thresholds
	Rules      Rules

	blockAccounts, blockMerchants, blockDevices map[string]bool
	speedIdx                                    int
	contrib                                     []float64
}

// NewScorer validates the configuration and returns a scorer. It is not
// safe for concurrent use (goka calls a processor's callback from one
// goroutine per partition: give each its own, or guard it).
func NewScorer(m *model.Current, thresholds *model.Thresholds, rules Rules) (*Scorer, error) {
	if thresholds != nil {
		if err := thresholds.Validate(); err != nil {
			return nil, fmt.Errorf("guard: %w", err)
		}
	}
	if m == nil {
		m = model.NewCurrent(nil)
	}
	s := &Scorer{Model: m, Thresholds: thresholds, Rules: rules, speedIdx: features.Index("speed_kmh"), contrib: make([]float64, features.NumFeatures)}
	s.blockAccounts, s.blockMerchants, s.blockDevices = set(rules.BlockAccounts), set(rules.BlockMerchants), set(rules.BlockDevices)
	return s, nil
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, v := range list {
		if v != "" {
			m[v] = true
		}
	}
	return m
}

// Folds says whether a transaction changes the account's feature state:
// a new transaction does; a posting or correction of one already seen
// is scored against the state but not folded again (it would count
// twice); a removal is neither scored nor folded.
func Folds(at *fintrav1.AcceptedTransaction) bool {
	switch at.GetType() {
	case fintrav1.EventType_EVENT_TYPE_TRANSACTION_UPDATED, fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED:
		return false
	}
	return at.GetTransaction().GetStatus() != fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED
}

// Removed says the transaction was withdrawn.
func Removed(at *fintrav1.AcceptedTransaction) bool {
	return at.GetType() == fintrav1.EventType_EVENT_TYPE_TRANSACTION_REMOVED ||
		at.GetTransaction().GetStatus() == fintrav1.TransactionStatus_TRANSACTION_STATUS_REMOVED
}

// Score scores et against st, the account's state before it, and folds
// et into st when Folds says so (fold false forces no fold: a
// redelivery). now stamps scored_at.
func (s *Scorer) Score(st *features.State, et *fintrav1.EnrichedTransaction, now time.Time, fold bool) *fintrav1.Score {
	at := et.GetAccepted()
	m := s.Model.Load()
	version := NoModelVersion
	if m != nil {
		version = m.Version
	}
	sc := &fintrav1.Score{ModelVersion: version, ScoredAt: timestamppb.New(now), Decision: fintrav1.Decision_DECISION_APPROVE}
	if Removed(at) {
		sc.Reasons = []*fintrav1.Reason{{Code: "removed", Detail: "the transaction was withdrawn: passed through, not scored and not counted in the features"}}
		return sc
	}
	in := features.FromEnriched(et, now)
	v := features.Compute(st, in)
	if fold && Folds(at) {
		features.Fold(st, in)
	}
	if m != nil {
		raw, _ := m.Booster.Contributions(v[:], s.contrib)
		sc.Score = 1 / (1 + math.Exp(-raw))
		if math.IsNaN(sc.Score) {
			sc.Score = 1 // a broken input is not a pass
		}
		th := m.Thresholds
		if s.Thresholds != nil {
			th = *s.Thresholds
		}
		sc.Decision = decision(th.Decide(sc.Score))
		sc.Reasons = s.topReasons(&v, 3)
	} else {
		sc.Reasons = []*fintrav1.Reason{{Code: "model:none", Detail: "no model loaded: rules only"}}
	}
	s.applyRules(sc, et, &v)
	return sc
}

func decision(name string) fintrav1.Decision {
	switch name {
	case "decline":
		return fintrav1.Decision_DECISION_DECLINE
	case "review":
		return fintrav1.Decision_DECISION_REVIEW
	}
	return fintrav1.Decision_DECISION_APPROVE
}

// topReasons are the n features that pushed the score up most.
func (s *Scorer) topReasons(v *features.Vector, n int) []*fintrav1.Reason {
	idx := make([]int, 0, features.NumFeatures)
	for i, c := range s.contrib {
		if c > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(s.contrib[b], s.contrib[a]) })
	if len(idx) > n {
		idx = idx[:n]
	}
	out := make([]*fintrav1.Reason, len(idx))
	for k, i := range idx {
		name := features.Table[i].Name
		out[k] = &fintrav1.Reason{Code: name, Detail: name + "=" + strconv.FormatFloat(v[i], 'g', 4, 64), Contribution: s.contrib[i]}
	}
	return out
}

func (s *Scorer) applyRules(sc *fintrav1.Score, et *fintrav1.EnrichedTransaction, v *features.Vector) {
	at := et.GetAccepted()
	tx := at.GetTransaction()
	var hits []*fintrav1.Reason
	worst := sc.Decision
	if s.blockAccounts[at.GetAccountId()] {
		hits = append(hits, &fintrav1.Reason{Code: "rule:blocklist", Detail: "account " + at.GetAccountId() + " is on the blocklist"})
		worst = fintrav1.Decision_DECISION_DECLINE
	}
	if id := et.GetMerchant().GetEntityId(); id != "" && s.blockMerchants[id] {
		hits = append(hits, &fintrav1.Reason{Code: "rule:blocklist", Detail: "merchant " + id + " is on the blocklist"})
		worst = fintrav1.Decision_DECISION_DECLINE
	}
	if dev := tx.GetContext().GetDeviceId(); dev != "" && s.blockDevices[dev] {
		hits = append(hits, &fintrav1.Reason{Code: "rule:blocklist", Detail: "device " + dev + " is on the blocklist"})
		worst = fintrav1.Decision_DECISION_DECLINE
	}
	limit := s.Rules.ImpossibleTravelKmh
	if limit == 0 {
		limit = DefaultImpossibleTravelKmh
	}
	if limit > 0 && v[s.speedIdx] > limit {
		hits = append(hits, &fintrav1.Reason{Code: "rule:impossible_travel",
			Detail: fmt.Sprintf("speed_kmh=%.0f from the last card-present location, above %.0f", v[s.speedIdx], limit)})
		worst = max(worst, fintrav1.Decision_DECISION_REVIEW)
	}
	if len(hits) == 0 {
		return
	}
	if worst > sc.Decision {
		sc.Decision = worst
		sc.RuleOverride = true
	}
	sc.Reasons = append(hits, sc.Reasons...)
}
