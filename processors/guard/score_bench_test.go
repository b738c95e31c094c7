package guard_test

import (
	"testing"
	"time"

	"github.com/fintraos/fintra/processors/guard"
	"github.com/fintraos/fintra/processors/guard/features"
	"github.com/fintraos/fintra/processors/guard/model"
	"github.com/fintraos/fintra/processors/guard/replay"
)

// BenchmarkUpdateAndScore is the per-transaction cost of guard without
// Kafka: features computed from the account's state and folded in, the
// LightGBM model (the trained test model: 30 trees of 15 leaves) with
// Saabas contributions, the top reasons and the rules. The history is a
// synthetic one with fraud, replayed in time order over 200 accounts.
func BenchmarkUpdateAndScore(b *testing.B) {
	trained, err := model.LoadDir("model/testdata/trained")
	if err != nil {
		b.Fatal(err)
	}
	recs, err := replay.Synth(replay.SynthConfig{Accounts: 200, Days: 30, Seed: 1, FraudRate: 0.01})
	if err != nil {
		b.Fatal(err)
	}
	replay.Sort(recs)
	b.Run("model=test-trained", func(b *testing.B) { benchScore(b, trained, recs) })
	// The artifact built into the binary from ml/models/guard, when ml/
	// has published one.
	if embedded, err := guard.EmbeddedModel(); err == nil && embedded != nil {
		b.Run("model=embedded-"+embedded.Version, func(b *testing.B) { benchScore(b, embedded, recs) })
	}
}

func benchScore(b *testing.B, m *model.Model, recs []replay.Record) {
	s, err := guard.NewScorer(model.NewCurrent(m), nil, guard.Rules{})
	if err != nil {
		b.Fatal(err)
	}
	states := map[string]*features.State{}
	now := time.Now()
	for i := 0; b.Loop(); i++ {
		r := &recs[i%len(recs)]
		if i%len(recs) == 0 {
			clear(states)
		}
		acct := r.Tx.GetAccepted().GetAccountId()
		st := states[acct]
		if st == nil {
			st = features.NewState()
			states[acct] = st
		}
		s.Score(st, r.Tx, now, true)
	}
}

// BenchmarkStateCodec is the table's cost per transaction: decode the
// state, encode it again (goka does both on every record).
func BenchmarkStateCodec(b *testing.B) {
	recs, err := replay.Synth(replay.SynthConfig{Accounts: 20, Days: 30, Seed: 1, FraudRate: 0.01})
	if err != nil {
		b.Fatal(err)
	}
	replay.Sort(recs)
	st := features.NewState()
	acct := recs[0].Tx.GetAccepted().GetAccountId()
	for _, r := range recs {
		if r.Tx.GetAccepted().GetAccountId() == acct {
			features.Update(st, features.FromEnriched(r.Tx, time.Time{}))
		}
	}
	enc := st.Encode()
	size := len(enc)
	for b.Loop() {
		s, err := features.Decode(enc)
		if err != nil {
			b.Fatal(err)
		}
		enc = s.Append(enc[:0])
	}
	b.ReportMetric(float64(size), "bytes/state")
}
