package merchant

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// evalData is the labelled descriptor set, copied unchanged from
// /work/shared/data/descriptors-ntropy (PROVENANCE.md and LICENSE beside it).
var evalData = filepath.Join("..", "testdata", "descriptors-ntropy")

// Floors a few points under the measured accuracy (64% merchant, 52%
// website with the 3,920-entity catalog): a regression guard, not a goal.
const (
	merchantFloor = 0.58
	websiteFloor  = 0.46
)

func TestEvaluateNtropy(t *testing.T) {
	labels, err := os.Open(filepath.Join(evalData, "100_labeled_consumer_transactions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer labels.Close()
	preds, err := os.Open(filepath.Join(evalData, "benchmark_predictions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer preds.Close()
	ev, err := Evaluate(context.Background(), defaultResolver(t), labels, preds)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Rows != 50 || len(ev.Predictions) != 50 {
		t.Fatalf("evaluated %d rows", ev.Rows)
	}
	names := map[string]System{}
	for _, s := range ev.Systems {
		names[s.Name] = s
		t.Logf("%-20s merchant %s website %s", s.Name, fmtShare(s.MerchantAccuracy), fmtShare(s.WebsiteAccuracy))
	}
	ours := names[OurSystem]
	if *ours.MerchantAccuracy < merchantFloor || *ours.WebsiteAccuracy < websiteFloor {
		t.Errorf("merchant accuracy %.3f (floor %.2f), website %.3f (floor %.2f)", *ours.MerchantAccuracy, merchantFloor, *ours.WebsiteAccuracy, websiteFloor)
	}
	// The published systems' numbers are recomputed from their predictions.
	if s, ok := names["Ntropy API"]; !ok || s.MerchantAccuracy == nil || s.WebsiteAccuracy == nil {
		t.Errorf("Ntropy API predictions missing: %+v", s)
	}
	if s := names["LLAMA finetuned 13B"]; s.MerchantAccuracy != nil {
		t.Errorf("LLaMA predicts no merchant, got %v", *s.MerchantAccuracy)
	}
}

func fmtShare(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *v*100)
}

func TestMatching(t *testing.T) {
	for _, c := range []struct {
		label, got string
		want       bool
	}{
		{"DSW | Dsw Designer Shoe Warehouse", "DSW", true},
		{"DSW | Dsw Designer Shoe Warehouse", "dsw designer shoe warehouse", true},
		{"None", "", true},
		{"None", "Foo", false},
		{"Petco", "Petco Animal Supplies", false},
	} {
		if got := MerchantMatches(c.label, c.got); got != c.want {
			t.Errorf("MerchantMatches(%q, %q) = %v", c.label, c.got, got)
		}
	}
	for _, c := range []struct {
		label, got string
		want       bool
	}{
		{"https://www.goodygoody.com/", "goodygoody.com", true},
		{"https://poplin.co/ | sudshare.com", "sudshare.com", true},
		{"www.drainageexpertsllc.com/", "drainageexpertsllc.com", true},
		{"None", "", true},
		{"petco.com", "petco.co.uk", false},
	} {
		if got := WebsiteMatches(c.label, c.got); got != c.want {
			t.Errorf("WebsiteMatches(%q, %q) = %v", c.label, c.got, got)
		}
	}
}
