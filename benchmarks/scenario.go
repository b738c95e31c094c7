package benchmarks

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Scenario is one benchmark: pipeline runs, each on a fresh broker with a
// fixed number of accounts, split into measured phases; the bare franz-go
// and single-goka-stage limits; the harness's own overhead. It is read
// from a JSON file (benchmarks/scenarios/<name>.json).
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Runs are pipeline runs, in order; each starts a fresh broker and a
	// fresh topology.
	Runs []RunSpec `json:"runs"`
	// Baseline sizes the two limits; zero Records skips them.
	Baseline BaselineSpec `json:"baseline"`
	// Overhead measures the producer and latency reader against a broker
	// with no topology, at the rate of the last rate phase; zero Measure
	// skips it.
	Overhead OverheadSpec `json:"overhead"`
	// Profile saves a CPU profile of the first max phase's window and an
	// allocation profile at the end.
	Profile bool `json:"profile"`
	// Sinks requires the PostgreSQL, Redis and S3 sinks: the command opens
	// them from --pg-url, --redis-url and --s3-url (FINTRA_PG_URL ...).
	Sinks bool `json:"sinks"`
}

// RunSpec is one pipeline run.
type RunSpec struct {
	// Name labels the run in the report, e.g. "10k-accounts".
	Name string `json:"name"`
	// Accounts is the generator's number of accounts, at most 1,000,000.
	Accounts int `json:"accounts"`
	// Seed of the generator. Default 1.
	Seed int64 `json:"seed"`
	// FraudRate is the generator's share of fraud patterns; it also gives
	// every payload its payment context, so guard's features are exercised
	// as in production. Default 0.
	FraudRate float64 `json:"fraud_rate"`
	// MaxInFlight bounds the events produced but not yet through views in
	// max mode, so the backlog (and the drain after it) stays bounded.
	// Default 10000.
	MaxInFlight int `json:"max_in_flight"`
	// Prefill sends this many events at full speed before the first phase
	// and waits for them, so the state holds the accounts before anything
	// is measured. Default 0.
	Prefill int `json:"prefill"`
	// BrokerOnDisk keeps the embedded broker's log in a temporary
	// directory instead of the process's memory (kfake's default), so
	// that the process's memory is the pipeline's and not every record
	// ever produced. Default false, as in fintra demo.
	BrokerOnDisk bool    `json:"broker_on_disk"`
	Phases       []Phase `json:"phases"`
}

// Phase is a warm-up and a measured window at one load.
type Phase struct {
	Name string `json:"name"`
	// Mode is "max" (as fast as the pipeline takes events, at most
	// MaxInFlight outstanding) or "rate" (a fixed schedule).
	Mode string `json:"mode"`
	// Rate is the fixed rate in events/s; or RateFraction of the
	// throughput of the last max phase measured in this scenario.
	Rate         float64 `json:"rate"`
	RateFraction float64 `json:"rate_fraction"`
	// Warmup runs the load unmeasured first; Measure is the window.
	Warmup  Duration `json:"warmup"`
	Measure Duration `json:"measure"`
	// Soak marks the phase whose Measure the --soak flag overrides.
	Soak bool `json:"soak"`
	// SampleEvery records memory and throughput during the window at
	// this interval; default 0: no samples.
	SampleEvery Duration `json:"sample_every"`
}

// BaselineSpec sizes the limits of the same run.
type BaselineSpec struct {
	// Records pushed through the bare five-hop franz-go chain and the
	// single goka stage.
	Records int `json:"records"`
}

// OverheadSpec sizes the harness-overhead measurement.
type OverheadSpec struct {
	Measure Duration `json:"measure"`
}

// Duration is a time.Duration written as "30s" or "5m" in JSON.
type Duration time.Duration

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration %s: write it as a string such as \"30s\" or \"5m\"", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w; write it as e.g. \"30s\" or \"5m\"", s, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// D is the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

//go:embed scenarios/*.json
var scenarioFiles embed.FS

// ScenarioNames lists the scenarios shipped in benchmarks/scenarios.
func ScenarioNames() []string {
	entries, _ := fs.ReadDir(scenarioFiles, "scenarios")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	return names
}

// LoadScenario reads a shipped scenario by name (smoke, full, sinks) or a
// scenario file by path, and validates it.
func LoadScenario(nameOrPath string) (Scenario, error) {
	var data []byte
	var err error
	if slices.Contains(ScenarioNames(), nameOrPath) {
		data, err = scenarioFiles.ReadFile("scenarios/" + nameOrPath + ".json")
	} else if strings.ContainsAny(nameOrPath, `/\`) || filepath.Ext(nameOrPath) == ".json" {
		data, err = os.ReadFile(nameOrPath)
	} else {
		return Scenario{}, fmt.Errorf("benchmarks: no scenario %q; use one of %s, or the path of a scenario .json file", nameOrPath, strings.Join(ScenarioNames(), ", "))
	}
	if err != nil {
		return Scenario{}, fmt.Errorf("benchmarks: scenario %s: %w", nameOrPath, err)
	}
	return ParseScenario(data)
}

// ParseScenario decodes a scenario strictly (unknown fields are errors)
// and validates it.
func ParseScenario(data []byte) (Scenario, error) {
	var s Scenario
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Scenario{}, fmt.Errorf("benchmarks: scenario: %w", err)
	}
	s.setDefaults()
	return s, s.Validate()
}

func (s *Scenario) setDefaults() {
	for i := range s.Runs {
		r := &s.Runs[i]
		if r.Seed == 0 {
			r.Seed = 1
		}
		if r.MaxInFlight == 0 {
			r.MaxInFlight = 10000
		}
		if r.Name == "" {
			r.Name = fmt.Sprintf("run-%d", i+1)
		}
	}
}

// Validate lists every problem of the scenario.
func (s Scenario) Validate() error {
	var errs []error
	if s.Name == "" {
		errs = append(errs, errors.New("name: empty; give the scenario a name, it names the result files"))
	}
	if len(s.Runs) == 0 {
		errs = append(errs, errors.New("runs: none; add at least one run with a max phase"))
	}
	sawMax := false
	for i, r := range s.Runs {
		at := fmt.Sprintf("runs[%d] (%s)", i, r.Name)
		if r.Accounts < 1 || r.Accounts > 1_000_000 {
			errs = append(errs, fmt.Errorf("%s: accounts %d must be in [1, 1000000]", at, r.Accounts))
		}
		if !(r.FraudRate >= 0 && r.FraudRate < 0.5) {
			errs = append(errs, fmt.Errorf("%s: fraud_rate %v must be in [0, 0.5)", at, r.FraudRate))
		}
		if r.Prefill < 0 || r.MaxInFlight < 1 {
			errs = append(errs, fmt.Errorf("%s: prefill must be >= 0 and max_in_flight >= 1", at))
		}
		if len(r.Phases) == 0 {
			errs = append(errs, fmt.Errorf("%s: no phases", at))
		}
		for j, p := range r.Phases {
			pat := fmt.Sprintf("%s phases[%d] (%s)", at, j, p.Name)
			switch p.Mode {
			case "max":
				sawMax = true
			case "rate":
				switch {
				case p.Rate > 0 && p.RateFraction > 0:
					errs = append(errs, fmt.Errorf("%s: set rate or rate_fraction, not both", pat))
				case p.Rate <= 0 && p.RateFraction <= 0:
					errs = append(errs, fmt.Errorf("%s: a rate phase needs rate (events/s) or rate_fraction (of the last max phase)", pat))
				case p.RateFraction > 0 && !sawMax:
					errs = append(errs, fmt.Errorf("%s: rate_fraction needs a max phase before it", pat))
				case p.RateFraction > 2:
					errs = append(errs, fmt.Errorf("%s: rate_fraction %v above 2 is surely a typo (0.5 is half the maximum)", pat, p.RateFraction))
				}
			default:
				errs = append(errs, fmt.Errorf("%s: mode %q: use \"max\" or \"rate\"", pat, p.Mode))
			}
			if p.Measure.D() <= 0 {
				errs = append(errs, fmt.Errorf("%s: measure must be a positive duration such as \"30s\"", pat))
			}
			if p.Warmup.D() < 0 || p.SampleEvery.D() < 0 {
				errs = append(errs, fmt.Errorf("%s: warmup and sample_every must not be negative", pat))
			}
		}
	}
	if s.Baseline.Records < 0 {
		errs = append(errs, fmt.Errorf("baseline.records %d: must be >= 0 (0 skips the baseline)", s.Baseline.Records))
	}
	return errors.Join(errs...)
}

// OverrideSoak sets the window of every soak phase, for shorter soaks
// than the file's.
func (s *Scenario) OverrideSoak(d time.Duration) {
	for i := range s.Runs {
		for j := range s.Runs[i].Phases {
			if s.Runs[i].Phases[j].Soak {
				s.Runs[i].Phases[j].Measure = Duration(d)
			}
		}
	}
}
