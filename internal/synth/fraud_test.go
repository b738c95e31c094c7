package synth

import (
	"bytes"
	"math"
	"testing"
)

func TestFraudPatterns(t *testing.T) {
	cfg := Config{Events: 60_000, Seed: 7, Accounts: 500, FraudRate: 0.02}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var valid, fraud int
	patterns := map[string]int{}
	var all [][]byte
	for {
		p, ok := g.Next()
		if !ok {
			break
		}
		all = append(all, p.Bytes)
		if p.Kind != KindValid {
			continue
		}
		valid++
		if p.Truth == nil {
			t.Fatal("a valid payload in fraud mode has no Truth")
		}
		if p.Truth.Fraud {
			fraud++
			patterns[p.Truth.Pattern]++
			if p.Truth.Context == nil {
				t.Errorf("fraud payload %s has no context", p.Bytes)
			}
		} else if p.Truth.Pattern != "" {
			t.Errorf("legit payload with pattern %q", p.Truth.Pattern)
		}
	}
	share := float64(fraud) / float64(valid)
	if math.Abs(share-cfg.FraudRate) > 0.01 {
		t.Errorf("fraud share %.4f, want about %.2f", share, cfg.FraudRate)
	}
	for _, name := range fraudPatterns {
		if patterns[name] == 0 {
			t.Errorf("no %s transactions in %d fraud ones: %v", name, fraud, patterns)
		}
	}
	// Deterministic.
	g2, _ := New(cfg)
	for i := 0; ; i++ {
		p, ok := g2.Next()
		if !ok {
			break
		}
		if !bytes.Equal(p.Bytes, all[i]) {
			t.Fatalf("payload %d differs between two runs of one config", i)
		}
	}
}

func TestFraudOffLeavesStreamAlone(t *testing.T) {
	g, _ := New(Config{Events: 2000, Seed: 3, DuplicateRatio: 0.05, InvalidRatio: 0.05})
	for {
		p, ok := g.Next()
		if !ok {
			break
		}
		if p.Truth != nil {
			t.Fatal("Truth set without FraudRate")
		}
	}
	if err := (Config{Events: 1, FraudRate: 0.5}).Validate(); err == nil {
		t.Error("fraud-rate 0.5 accepted")
	}
}
