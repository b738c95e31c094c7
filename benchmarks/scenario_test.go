package benchmarks

import (
	"strings"
	"testing"
	"time"
)

func TestShippedScenariosAreValid(t *testing.T) {
	names := ScenarioNames()
	for _, want := range []string{"smoke", "full", "sinks"} {
		sc, err := LoadScenario(want)
		if err != nil {
			t.Fatalf("scenario %s (shipped: %v): %v", want, names, err)
		}
		if sc.Name != want {
			t.Errorf("scenario file %s.json names itself %q", want, sc.Name)
		}
	}
	full, _ := LoadScenario("full")
	full.OverrideSoak(5 * time.Minute)
	soaks := 0
	for _, r := range full.Runs {
		for _, p := range r.Phases {
			if p.Soak {
				soaks++
				if p.Measure.D() != 5*time.Minute {
					t.Errorf("soak phase %s: window %s after --soak 5m", p.Name, p.Measure.D())
				}
			}
		}
	}
	if soaks != 1 {
		t.Errorf("full has %d soak phases, want 1", soaks)
	}
}

func TestScenarioValidateListsEveryProblem(t *testing.T) {
	_, err := ParseScenario([]byte(`{"runs":[{"accounts":0,"phases":[
		{"name":"a","mode":"rate","rate_fraction":0.5,"measure":"1s"},
		{"name":"b","mode":"fast","measure":"0s"}]}]}`))
	if err == nil {
		t.Fatal("an invalid scenario passed")
	}
	for _, want := range []string{"name: empty", "accounts 0", "rate_fraction needs a max phase", `mode "fast"`, "measure must be a positive duration"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestScenarioRejectsUnknownFieldsAndBadDurations(t *testing.T) {
	if _, err := ParseScenario([]byte(`{"name":"x","runs":[],"warmup_typo":1}`)); err == nil || !strings.Contains(err.Error(), "warmup_typo") {
		t.Errorf("unknown field: %v", err)
	}
	if _, err := ParseScenario([]byte(`{"name":"x","runs":[{"accounts":1,"phases":[{"name":"m","mode":"max","measure":30}]}]}`)); err == nil || !strings.Contains(err.Error(), `"30s"`) {
		t.Errorf("numeric duration: %v", err)
	}
	if _, err := LoadScenario("no-such-scenario"); err == nil || !strings.Contains(err.Error(), "smoke") {
		t.Errorf("unknown scenario name: %v", err)
	}
}
