package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpForEveryCommand(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != 0 || !strings.Contains(out, "Commands:") {
		t.Fatalf("fintra --help: %d\n%s", code, out)
	}
	for _, c := range commands() {
		code, out, errOut := runCLI(t, c.name, "--help")
		if code != 0 || !strings.Contains(out, "Usage: fintra "+c.name) {
			t.Errorf("fintra %s --help: exit %d\n%s%s", c.name, code, out, errOut)
		}
		if !strings.Contains(out, c.summary) && c.help == "" {
			t.Errorf("fintra %s --help says nothing about what it does", c.name)
		}
	}
}

func TestWrongInvocationsNameTheProblemAndTheFix(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"generate", "--events", "ten"}, `invalid value "ten" for flag -events`},
		{[]string{"generate", "--duplicate-ratio", "1.5"}, "duplicate-ratio"},
		{[]string{"normalize", "--source", "mt940", "x.json"}, `unknown source format "mt940"; known formats: `},
		{[]string{"normalize"}, "give exactly one FILE"},
		{[]string{"produce", "-"}, "--brokers is required"},
		{[]string{"run", "--processors", "connect,enrichh"}, "unknown enrichh; registered processors are: connect, core"},
		{[]string{"run", "--brokers", "localhost"}, `"localhost" has no port`},
		{[]string{"run", "--brokers", "localhost:9092", "--kafka-version", "banana"}, `"banana" is not a Kafka version`},
		{[]string{"topology", "--format", "svg"}, "use mermaid, dot or json"},
		{[]string{"demo", "--events", "0"}, "events 0: must be at least 1"},
		{[]string{"demo", "--partitions", "0"}, "--partitions 0"},
		{[]string{"dlq", "purge", "--brokers", "x:1"}, "say list or replay"},
		{[]string{"topics", "list"}, "--brokers is required"},
		{[]string{"tail", "a", "b", "--brokers", "x:1"}, "give exactly one TOPIC"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, tt.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", tt.args, code, errOut)
		}
		if !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: stderr does not say %q:\n%s", tt.args, tt.want, errOut)
		}
	}
}

func TestEnvironmentConfiguresFlags(t *testing.T) {
	t.Setenv("FINTRA_KAFKA_VERSION", "banana")
	code, _, errOut := runCLI(t, "run", "--brokers", "localhost:9092")
	if code != 2 || !strings.Contains(errOut, `"banana" is not a Kafka version`) {
		t.Fatalf("FINTRA_KAFKA_VERSION was not used: %d %s", code, errOut)
	}
	t.Setenv("FINTRA_EVENTS", "nope")
	code, _, errOut = runCLI(t, "generate")
	if code != 2 || !strings.Contains(errOut, `FINTRA_EVENTS="nope"`) {
		t.Fatalf("a bad environment value must be named: %d %s", code, errOut)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	_, a, _ := runCLI(t, "generate", "--events", "50", "--seed", "3")
	_, b, _ := runCLI(t, "generate", "--events", "50", "--seed", "3")
	if a != b || strings.Count(a, "\n") != 50 {
		t.Fatalf("two runs differ or wrong count (%d lines)", strings.Count(a, "\n"))
	}
}

func TestNormalizeReportsRejectionsByLine(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	lines := []string{
		`{"account_id":"acc-1","transaction_id":"t1","status":"posted","amount_minor":-1250,"currency":"EUR","occurred_at":"2026-01-05T08:00:00Z"}`,
		`{"account_id":"acc-1","transaction_id":"t2","status":"posted","amount_minor":12.5,"currency":"EURO","occurred_at":"2026-01-05T08:00:00Z"}`,
		``,
		`{"account_id":"acc-1","transaction_id":"t3","status":"pending","amount_minor":700,"currency":"JPY","occurred_at":"2026-01-05T09:00:00Z"}`,
	}
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "normalize", "--source", "fintra-json", in)
	if code != 1 {
		t.Errorf("exit %d, want 1 when anything was rejected", code)
	}
	if !strings.Contains(errOut, in+":2: rejected:") || !strings.Contains(errOut, "currency: 'EURO' is not an ISO 4217 code") {
		t.Errorf("stderr lacks the line number and reason:\n%s", errOut)
	}
	var events []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		events = append(events, m)
	}
	if len(events) != 2 {
		t.Fatalf("%d events, want 2:\n%s", len(events), out)
	}
	tx := events[1]["created"].(map[string]any)["transaction"].(map[string]any)
	if tx["amount_minor"] != float64(700) || tx["currency"] != "JPY" || tx["status"] != "pending" {
		t.Errorf("second event %v", tx)
	}

	if err := os.WriteFile(in, []byte(lines[0]+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, "normalize", in); code != 0 {
		t.Errorf("clean input: exit %d\n%s", code, errOut)
	}
}

func TestTopologyDrawsTheRegistry(t *testing.T) {
	code, out, _ := runCLI(t, "topology")
	if code != 0 || !strings.HasPrefix(out, "flowchart LR") || !strings.Contains(out, "p_core") {
		t.Fatalf("%d\n%s", code, out)
	}
}
