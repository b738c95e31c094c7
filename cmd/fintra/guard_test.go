package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const awsSample = "../../processors/guard/testdata/fraud-aws-samples/transaction_data_2K_coldstart.csv"

func TestGuardFeaturesAndScore(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "train.csv")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"guard", "features", "--accounts", "20", "--days", "5", "--fraud-rate", "0.05", "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("features: exit %d: %s", code, stderr.String())
	}
	csv, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(csv), "id,account_id,event_time,label,amount_log1p,") {
		t.Fatalf("csv: %v %.200s", err, csv)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"guard", "score", "--format", "aws-fraud-csv", "--model", "../../processors/guard/model/testdata/trained", awsSample}, &stdout, &stderr); code != 0 {
		t.Fatalf("score: exit %d: %s", code, stderr.String())
	}
	sc := bufio.NewScanner(&stdout)
	lines := 0
	for sc.Scan() {
		var l struct {
			ID       string   `json:"id"`
			Score    *float64 `json:"score"`
			Decision string   `json:"decision"`
			Reasons  []any    `json:"reasons"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.ID == "" || l.Score == nil || l.Decision == "" || l.Reasons == nil {
			t.Fatalf("line %d: %s (%v)", lines+1, sc.Bytes(), err)
		}
		lines++
	}
	if lines != 910 {
		t.Errorf("%d lines, want 910", lines)
	}
	for _, args := range [][]string{
		{"guard"},
		{"guard", "features", "--source", "parquet"},
		{"guard", "features", "--source", "orc", "--in", "x"},
		{"guard", "features", "--source", "aws-fraud-csv"},
		{"guard", "features", "--fraud-rate", "0.7"},
		{"guard", "score", "--format", "csv", awsSample},
	} {
		stderr.Reset()
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr.String())
		}
	}
}
