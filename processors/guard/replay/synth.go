package replay

import (
	"errors"
	"fmt"

	"github.com/fintraos/fintra/internal/synth"
	"github.com/fintraos/fintra/processors/connect/source/fintrajson"
)

// SynthConfig says what history to generate.
type SynthConfig struct {
	// Accounts is the number of accounts; > 0.
	Accounts int
	// Days is how many days of history; > 0. The generator runs at about
	// three transactions per account per day.
	Days int
	Seed int64
	// FraudRate is the share of transactions in a fraud pattern, in (0, 0.5).
	FraudRate float64
}

// Validate reports every problem at once.
func (c SynthConfig) Validate() error {
	var errs []error
	if c.Accounts <= 0 || c.Accounts > synth.MaxAccounts {
		errs = append(errs, fmt.Errorf("accounts %d: must be in [1, %d]", c.Accounts, synth.MaxAccounts))
	}
	if c.Days <= 0 || c.Days > 3660 {
		errs = append(errs, fmt.Errorf("days %d: must be in [1, 3660]", c.Days))
	}
	if !(c.FraudRate > 0 && c.FraudRate < 0.5) {
		errs = append(errs, fmt.Errorf("fraud-rate %v: must be in (0, 0.5), e.g. 0.01", c.FraudRate))
	}
	if c.Accounts > 0 && c.Days > 0 && int64(c.Accounts)*int64(c.Days) > 50_000_000 {
		errs = append(errs, fmt.Errorf("accounts × days = %d: at most 50,000,000 (the history is held in memory to sort it)", int64(c.Accounts)*int64(c.Days)))
	}
	return errors.Join(errs...)
}

// Synth generates a labelled history with the synthetic generator's fraud
// patterns: every record carries its label ("0" or "1") and its payment
// context from the generator's side channel.
func Synth(cfg SynthConfig) ([]Record, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("replay: synth: %w", err)
	}
	g, err := synth.New(synth.Config{Events: 3 * cfg.Accounts * cfg.Days, Seed: cfg.Seed, Accounts: cfg.Accounts, FraudRate: cfg.FraudRate})
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	parser := fintrajson.New()
	var out []Record
	for {
		p, ok := g.Next()
		if !ok {
			break
		}
		if p.Kind != synth.KindValid {
			continue
		}
		recs, err := parsePayload(parser, p.Bytes, p.Truth.Context)
		if err != nil {
			return nil, fmt.Errorf("replay: synth payload %s rejected (a generator bug): %w", p.Bytes, err)
		}
		for i := range recs {
			recs[i].Label = "0"
			if p.Truth.Fraud {
				recs[i].Label, recs[i].Pattern = "1", p.Truth.Pattern
			}
		}
		out = append(out, recs...)
	}
	return out, nil
}
