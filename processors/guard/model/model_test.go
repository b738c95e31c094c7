package model

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fintraos/fintra/processors/guard/features"
)

func parse(t *testing.T, path string) *Booster {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := ParseText(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHandmadeTrees walks each rule of LightGBM's decisions on a model
// written by hand: default-left with missing None (NaN becomes 0), missing
// NaN (NaN goes the default way), missing Zero (0 goes the default way),
// a categorical bitset split and a one-leaf tree.
func TestHandmadeTrees(t *testing.T) {
	b := parse(t, "testdata/handmade.txt")
	nan := math.NaN()
	cases := []struct {
		x    []float64
		want float64 // raw score
	}{
		// tree0: a<=2.5 → (b<=0.5 → -2 | -1) | 1; tree1: c NaN→left; c<=3.5 → -0.25 | 0.75;
		// tree2: d zero→right(default right), d<=-1 → 0.5 | -0.5; tree3: b in {1,3,32} → 0.125 | -0.125; tree4: 0.0625.
		{[]float64{0, 0, 0, 0}, -2 - 0.25 - 0.5 - 0.125 + 0.0625},
		{[]float64{3, 0, 4, -2}, 1 + 0.75 + 0.5 - 0.125 + 0.0625},
		{[]float64{nan, 1, nan, 5}, -1 - 0.25 - 0.5 + 0.125 + 0.0625}, // a NaN → 0 (missing None); b=1 in set
		{[]float64{1, 3, 1, 1e-40}, -1 - 0.25 - 0.5 + 0.125 + 0.0625}, // d ≈ 0 → zero → right
		{[]float64{1, 32, 1, -5}, -1 - 0.25 + 0.5 + 0.125 + 0.0625},   // b=32 in the second word
		{[]float64{1, 2, 1, -5}, -1 - 0.25 + 0.5 - 0.125 + 0.0625},    // b=2 not in set
		{[]float64{1, nan, 1, -5}, -2 - 0.25 + 0.5 - 0.125 + 0.0625},  // b NaN: 0 for numeric, right for categorical
	}
	contrib := make([]float64, 4)
	for i, c := range cases {
		if got := b.Raw(c.x); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("case %d: raw %v, want %v", i, got, c.want)
		}
		raw, bias := b.Contributions(c.x, contrib)
		sum := bias
		for _, v := range contrib {
			sum += v
		}
		if math.Abs(raw-c.want) > 1e-12 || math.Abs(sum-raw) > 1e-12 {
			t.Errorf("case %d: contributions sum to %v (raw %v), want %v", i, sum, raw, c.want)
		}
		if p := b.Predict(c.x); math.Abs(p-1/(1+math.Exp(-c.want))) > 1e-15 {
			t.Errorf("case %d: probability %v", i, p)
		}
	}
}

// parity is parity.json as ml/ writes it.
type parity struct {
	Features [][]*float64 `json:"features"`
	LightGBM []float64    `json:"lightgbm"`
	ONNX     []float64    `json:"onnx"`
}

func checkParity(t *testing.T, dir string) {
	t.Helper()
	m, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "parity.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p parity
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Features) == 0 || len(p.Features) != len(p.LightGBM) {
		t.Fatalf("parity.json: %d rows, %d lightgbm values", len(p.Features), len(p.LightGBM))
	}
	x := make([]float64, features.NumFeatures)
	worst := 0.0
	for i, row := range p.Features {
		if len(row) != features.NumFeatures {
			t.Fatalf("parity row %d has %d values, want %d", i, len(row), features.NumFeatures)
		}
		for j, v := range row {
			x[j] = math.NaN()
			if v != nil {
				x[j] = *v
			}
		}
		got := m.Booster.Predict(x)
		d := math.Abs(got - p.LightGBM[i])
		worst = max(worst, d)
		if d > 1e-5 {
			t.Errorf("row %d: Go %v, LightGBM %v", i, got, p.LightGBM[i])
		}
	}
	t.Logf("%s (%s): %d rows, largest difference from LightGBM %.3g", dir, m.Version, len(p.Features), worst)
}

// TestParityTrained checks the evaluator against LightGBM 4.6's own
// predictions for a model it trained on this build's features (testdata/
// trained, made with ml/'s venv), NaN and zero rows included.
func TestParityTrained(t *testing.T) { checkParity(t, "testdata/trained") }

// TestParityPublished checks every artifact ml/ has published under
// ml/models/guard (CURRENT first), when there is one.
func TestParityPublished(t *testing.T) {
	root := filepath.Join("..", "..", "..", "ml", "models", "guard")
	cur, err := os.ReadFile(filepath.Join(root, CurrentFile))
	if err != nil {
		t.Skipf("no model artifact yet (%v): ml/ has not published ml/models/guard/CURRENT", err)
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "*", "parity.json"))
	current := filepath.Join(root, strings.TrimSpace(string(cur)))
	if _, err := os.Stat(filepath.Join(current, "parity.json")); err != nil {
		t.Errorf("CURRENT names %s, which has no parity.json", current)
	}
	for _, p := range dirs {
		dir := filepath.Dir(p)
		t.Run(filepath.Base(dir), func(t *testing.T) { checkParity(t, dir) })
	}
}

func TestLoadRefusesOtherFeatures(t *testing.T) {
	txt, err := os.ReadFile("testdata/trained/model.txt")
	if err != nil {
		t.Fatal(err)
	}
	names := features.Names()
	swapped := append([]string{}, names...)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	for name, list := range map[string][]string{
		"missing": names[:len(names)-1],
		"unknown": append(append([]string{}, names...), "shoe_size"),
		"order":   swapped,
	} {
		meta, _ := json.Marshal(Meta{Version: "x", Features: list, Thresholds: Thresholds{Review: 0.5, Decline: 0.9}})
		fsys := fstest.MapFS{"v1/model.txt": {Data: txt}, "v1/meta.json": {Data: meta}, "CURRENT": {Data: []byte("v1\n")}}
		dir, err := Resolve(fsys, ".")
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(fsys, dir)
		if err == nil {
			t.Errorf("%s: loaded", name)
			continue
		}
		want := map[string]string{"missing": "missing reversed_24h", "unknown": "unknown shoe_size", "order": "out of order: amount_log1p at 1, want 0"}[name]
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want it to say %q", name, err, want)
		}
	}
	meta, _ := json.Marshal(Meta{Version: "x", Features: names, Thresholds: Thresholds{Review: 0.9, Decline: 0.5}})
	if _, err := Load(fstest.MapFS{"model.txt": {Data: txt}, "meta.json": {Data: meta}}, "."); err == nil || !strings.Contains(err.Error(), "review must be the lower") {
		t.Errorf("inverted thresholds: %v", err)
	}
}

func TestWatcherSwaps(t *testing.T) {
	txt, _ := os.ReadFile("testdata/trained/model.txt")
	meta := func(v string) []byte {
		b, _ := json.Marshal(Meta{Version: v, Features: features.Names(), Thresholds: Thresholds{Review: 0.5, Decline: 0.9}})
		return b
	}
	fsys := fstest.MapFS{"CURRENT": {Data: []byte("v1")}, "v1/model.txt": {Data: txt}, "v1/meta.json": {Data: meta("v1")}}
	cur := NewCurrent(nil)
	w := &Watcher{FS: fsys, Root: ".", Into: cur}
	if ok, err := w.Poll(); !ok || err != nil || cur.Load().Version != "v1" {
		t.Fatalf("first poll: %v %v", ok, err)
	}
	if ok, _ := w.Poll(); ok {
		t.Error("an unchanged model was reloaded")
	}
	fsys["v2/model.txt"] = &fstest.MapFile{Data: txt}
	fsys["v2/meta.json"] = &fstest.MapFile{Data: []byte("{broken")}
	fsys["CURRENT"] = &fstest.MapFile{Data: []byte("v2")}
	if _, err := w.Poll(); err == nil || cur.Load().Version != "v1" {
		t.Errorf("a broken model replaced the working one: %v", err)
	}
	fsys["v2/meta.json"] = &fstest.MapFile{Data: meta("v2")}
	if ok, err := w.Poll(); !ok || err != nil || cur.Load().Version != "v2" {
		t.Errorf("v2 not rolled out: %v %v", ok, err)
	}
}

func BenchmarkPredict(b *testing.B) {
	m, err := LoadDir("testdata/trained")
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float64, features.NumFeatures)
	contrib := make([]float64, features.NumFeatures)
	for b.Loop() {
		m.Booster.Contributions(x, contrib)
	}
}
