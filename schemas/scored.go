package schemas

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

// DecodeScored decodes a transaction record of a stage after the ledger
// (named by its topic) into the fullest form, a ScoredTransaction: an
// AcceptedTransaction of core.transactions.v1 comes back with no enrichment
// and no score, an EnrichedTransaction of enrich.transactions.v1 with no
// score. Consumers (views, sinks) read whichever stage they are wired to
// with one decoder, and a stage added before them changes their input
// topic, not their code.
func DecodeScored(stage string, value []byte) (*fintrav1.ScoredTransaction, error) {
	switch stage {
	case string(TopicCoreTransactions):
		at := new(fintrav1.AcceptedTransaction)
		if err := proto.Unmarshal(value, at); err != nil {
			return nil, fmt.Errorf("not an AcceptedTransaction: %w", err)
		}
		return &fintrav1.ScoredTransaction{Enriched: &fintrav1.EnrichedTransaction{Accepted: at}}, nil
	case string(TopicEnrichTransactions):
		et := new(fintrav1.EnrichedTransaction)
		if err := proto.Unmarshal(value, et); err != nil {
			return nil, fmt.Errorf("not an EnrichedTransaction: %w", err)
		}
		return &fintrav1.ScoredTransaction{Enriched: et}, nil
	case string(TopicGuardScores):
		st := new(fintrav1.ScoredTransaction)
		if err := proto.Unmarshal(value, st); err != nil {
			return nil, fmt.Errorf("not a ScoredTransaction: %w", err)
		}
		return st, nil
	default:
		return nil, fmt.Errorf("topic %q carries no transactions: expected %s, %s or %s", stage, TopicCoreTransactions, TopicEnrichTransactions, TopicGuardScores)
	}
}

// IsTransactionStage says whether DecodeScored reads the stage's records.
func IsTransactionStage(stage string) bool {
	switch stage {
	case string(TopicCoreTransactions), string(TopicEnrichTransactions), string(TopicGuardScores):
		return true
	}
	return false
}
