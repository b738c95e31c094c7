package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMerchantResolvePrintsOneObjectPerLine(t *testing.T) {
	in := filepath.Join(t.TempDir(), "descriptors.txt")
	lines := []string{"SQ *BLUE BOTTLE COFFEE OAKLAND CA", "DOORDASH*ZEEKS PIZZA", "ZELLE TO JANE DOE", "RAZORZ BARBERSHOP"}
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "merchant", "resolve", in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if len(got) != len(lines) {
		t.Fatalf("%d lines out for %d in:\n%s", len(got), len(lines), out)
	}
	wantKeys := []string{"descriptor", "merchant", "entity_id", "website", "marketplace", "category", "confidence", "method"}
	methods := []string{"exact", "exact", "unresolved", "descriptor"}
	for i, line := range got {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, line)
		}
		if len(obj) != len(wantKeys) {
			t.Errorf("line %d has keys %v, want exactly %v", i+1, obj, wantKeys)
		}
		for _, k := range wantKeys {
			if _, ok := obj[k]; !ok {
				t.Errorf("line %d lacks %q: %s", i+1, k, line)
			}
		}
		if obj["descriptor"] != lines[i] || obj["method"] != methods[i] {
			t.Errorf("line %d = %s, want descriptor %q method %s", i+1, line, lines[i], methods[i])
		}
	}
	if !strings.Contains(got[1], `"merchant":"DoorDash"`) || !strings.Contains(got[1], `"marketplace":"Zeeks Pizza"`) {
		t.Errorf("the platform rule: %s", got[1])
	}
}

func TestMerchantEvalWritesJSON(t *testing.T) {
	data := filepath.Join("..", "..", "processors", "enrich", "testdata", "descriptors-ntropy")
	out := filepath.Join(t.TempDir(), "results", "merchant.json")
	code, stdout, errOut := runCLI(t, "merchant", "eval",
		"--labels", filepath.Join(data, "100_labeled_consumer_transactions.csv"),
		"--predictions", filepath.Join(data, "benchmark_predictions.csv"), "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"fintra", "Ntropy API", "GPT 4", "wrote " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Rows           int
		CatalogVersion string `json:"catalog_version"`
		Systems        []struct{ Name string }
		Predictions    []json.RawMessage
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Rows != 50 || len(ev.Predictions) != 50 || ev.CatalogVersion == "" || len(ev.Systems) != 6 {
		t.Errorf("merchant.json: %d rows, %d predictions, catalog %q, %d systems", ev.Rows, len(ev.Predictions), ev.CatalogVersion, len(ev.Systems))
	}
}

func TestMerchantWrongInvocations(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"merchant"}, "say resolve or eval"},
		{[]string{"merchant", "frob"}, `unknown merchant command "frob"`},
		{[]string{"merchant", "eval"}, "eval needs --labels, --out, --predictions"},
		{[]string{"merchant", "resolve", "--threshold", "2", "-"}, "--threshold 2: must be in (0, 1]"},
		{[]string{"merchant", "resolve", "--embedder", "http", "-"}, "--embedder http needs --ml-url"},
		{[]string{"merchant", "resolve", "--embedder", "bert", "-"}, `--embedder "bert": use ngram or http`},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("fintra %v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}
