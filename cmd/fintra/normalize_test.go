package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNormalizeAutoOnEveryFixture runs `fintra normalize --source auto` on
// every real connector fixture: a supported file prints events whose ids
// are unique and identical from run to run; an unsupported or malformed one
// exits 1 with its reason on stderr.
func TestNormalizeAutoOnEveryFixture(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*/testdata/*.xml", "*/testdata/*.ofx", "*/testdata/*.json", "*/testdata/*/*.json"} {
		m, err := filepath.Glob(filepath.Join("../../processors/connect/source", pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if !strings.Contains(f, ".golden") && !strings.Contains(f, "/fintrajson/") {
				files = append(files, f)
			}
		}
	}
	var supported int
	for _, f := range files {
		code1, out1, err1 := runCLI(t, "normalize", "--source", "auto", f)
		code2, out2, _ := runCLI(t, "normalize", "--source", "auto", f)
		if code1 != code2 {
			t.Errorf("%s: exit %d then %d", f, code1, code2)
			continue
		}
		if code1 != 0 {
			if code1 != 1 || !strings.Contains(err1, "rejected:") && !strings.Contains(err1, "name the format instead of auto") {
				t.Errorf("%s: exit %d without a reason:\n%s", f, code1, err1)
			}
			continue
		}
		supported++
		ids1, ids2 := eventIDs(t, out1), eventIDs(t, out2)
		if strings.Join(ids1, ",") != strings.Join(ids2, ",") {
			t.Errorf("%s: event ids differ between runs", f)
		}
		seen := map[string]bool{}
		for _, id := range ids1 {
			if seen[id] {
				t.Errorf("%s: event id %s twice", f, id)
			}
			seen[id] = true
		}
	}
	if supported < 30 {
		t.Errorf("only %d of %d fixtures normalized", supported, len(files))
	}
	t.Logf("%d of %d fixtures normalized", supported, len(files))
	if _, err := os.Stat("../../processors/connect/source/camt/testdata/camt053.v8.xml"); err != nil {
		t.Fatal(err)
	}
}

func eventIDs(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var ev struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.EventID == "" {
			t.Fatalf("bad event line %q: %v", line, err)
		}
		ids = append(ids, ev.EventID)
	}
	return ids
}
