package merchant

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fintraos/fintra/processors/enrich/catalog"
)

const debugCal = false

var refit = flag.Bool("calibrate", false, "refit the vector calibration constants and print them")

// calSample is one nearest-neighbour decision with its features.
type calSample struct {
	score, margin float32
	lead          bool
	correct       bool
	// present says the true entity was in the index (a miss then is a
	// wrong entity); otherwise any accepted hit is wrong.
	present bool
}

// perturb imitates what statements do to a name: truncate it, drop vowels
// from a word, glue words, append a city, drop a word, mistype a letter.
func perturb(rng *rand.Rand, name string) string {
	words := strings.Fields(name)
	switch rng.IntN(6) {
	case 0:
		r := []rune(name)
		keep := max(4, len(r)*(60+rng.IntN(31))/100)
		return strings.TrimSpace(string(r[:min(keep, len(r))]))
	case 1:
		i := rng.IntN(len(words))
		w := []rune(words[i])
		out := []rune{w[0]}
		for _, c := range w[1:] {
			if !strings.ContainsRune("AEIOU", c) {
				out = append(out, c)
			}
		}
		words[i] = string(out)
	case 2:
		if len(words) >= 2 {
			words = append([]string{words[0] + words[1]}, words[2:]...)
		}
	case 3:
		cities := []string{"AUSTIN", "DALLAS", "PORTLAND", "DENVER", "BOSTON", "MIAMI", "SEATTLE", "PHOENIX", "MADISON", "TAMPA"}
		words = append(words, cities[rng.IntN(len(cities))])
	case 4:
		if len(words) >= 2 {
			words = words[:len(words)-1]
		}
	case 5:
		r := []rune(name)
		if len(r) > 4 {
			i := 1 + rng.IntN(len(r)-2)
			r[i] = rune('A' + rng.IntN(26))
		}
		return string(r)
	}
	return strings.Join(words, " ")
}

// calibrationSamples builds perturbed queries from every entity's name and
// searches them twice: with the entity indexed (a hit should find it) and
// as if it were missing from the catalog (any hit is wrong).
func calibrationSamples(t testing.TB, r *Resolver) []calSample {
	t.Helper()
	st := r.state.Load()
	rng := rand.New(rand.NewPCG(18245, 4217))
	ents := st.cat.Entities()
	var queries, truth []string
	for _, e := range ents {
		name := st.cleaner.Clean(e.Name).Text
		if letterCount(name) < 4 {
			continue
		}
		for range 2 {
			q := st.cleaner.Clean(perturb(rng, name)).Text
			if q == "" {
				continue
			}
			if _, _, exact := st.aliasMatch(q, q, ""); exact {
				continue // decided before any vector search
			}
			queries = append(queries, q)
			truth = append(truth, e.ID)
		}
	}
	ctx := context.Background()
	vecs, err := r.emb.Embed(ctx, queries)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := r.idx.Search(ctx, vecs, 16, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []calSample
	for i, hs := range hits {
		for _, present := range []bool{true, false} {
			var top *Hit
			var second float32
			for j := range hs {
				h := &hs[j]
				if !present && h.EntityID == truth[i] {
					continue
				}
				if top == nil {
					top = h
				} else if h.EntityID != top.EntityID {
					second = h.Score
					break
				}
			}
			if top == nil {
				continue
			}
			// A namesake in another market is the same brand: the resolver
			// picks among them by the input's country.
			same := top.EntityID == truth[i] || st.entities[top.EntityID].Name == st.entities[truth[i]].Name
			out = append(out, calSample{
				score: top.Score, margin: top.Score - second, lead: leadAgrees(queries[i], top.Text),
				correct: present && same, present: present,
			})
			if debugCal && present && !same {
				fmt.Printf("%-30q -> %-30q %.2f (want %s)\n", queries[i], top.Text, top.Score, truth[i])
			}
		}
	}
	return out
}

func defaultResolver(t testing.TB) *Resolver {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	emb, err := NewNgramEmbedder(0)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := NewMemoryIndex(emb.Dim())
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewResolver(cat, emb, idx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCalibration measures the vector match on perturbed catalog names and
// checks the default threshold keeps its promise: most accepted matches are
// right, and most queries whose merchant is missing are rejected.
func TestCalibration(t *testing.T) {
	r := defaultResolver(t)
	samples := calibrationSamples(t, r)
	if len(samples) < 200 {
		t.Fatalf("only %d calibration samples", len(samples))
	}
	if *refit {
		w := fitLogistic(samples)
		fmt.Printf("fitted: calBias = %.2f, calScore = %.2f, calMargin = %.2f, calLead = %.2f\n", w[0], w[1], w[2], w[3])
	}
	conf := func(s calSample) float64 { return Calibrate(s.score, s.margin, s.lead) }
	type row struct {
		threshold, precision, recall, absentAccepted float64
	}
	var rows []row
	for _, th := range []float64{0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8} {
		var acc, accRight, present, presentRight, absent, absentAcc int
		for _, s := range samples {
			ok := conf(s) >= th
			if s.present {
				present++
			} else {
				absent++
			}
			if !ok {
				continue
			}
			acc++
			if s.correct {
				accRight++
				presentRight++
			}
			if !s.present {
				absentAcc++
			}
		}
		rows = append(rows, row{th, ratio(accRight, acc), ratio(presentRight, present), ratio(absentAcc, absent)})
	}
	for _, r := range rows {
		t.Logf("threshold %.1f: precision %.3f, recall %.3f (of merchants in the catalog), accepted %.3f of merchants missing from it",
			r.threshold, r.precision, r.recall, r.absentAccepted)
	}
	for _, rw := range rows {
		if rw.threshold == DefaultThreshold {
			// Regression bounds a few points under the measurement (the
			// catalog grows, and with it the chance of a close namesake).
			if rw.precision < 0.75 || rw.recall < 0.33 || rw.absentAccepted > 0.12 {
				t.Errorf("at the default threshold %.2f: precision %.3f (want ≥ 0.75), recall %.3f (want ≥ 0.33), missing merchants accepted %.3f (want ≤ 0.12)",
					rw.threshold, rw.precision, rw.recall, rw.absentAccepted)
			}
		}
	}
	// The confidence is calibrated when, among accepted matches, the mean
	// confidence is close to the share that is right.
	var sumConf float64
	var n, right int
	for _, s := range samples {
		if c := conf(s); c >= DefaultThreshold {
			sumConf += c
			n++
			if s.correct {
				right++
			}
		}
	}
	var present, top1 int
	for _, s := range samples {
		if s.present {
			present++
			if s.correct {
				top1++
			}
		}
	}
	t.Logf("nearest neighbour right for %.3f of the perturbed names whose merchant is indexed", ratio(top1, present))
	if n > 0 {
		t.Logf("accepted %d: mean confidence %.3f, share right %.3f", n, sumConf/float64(n), ratio(right, n))
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// fitLogistic fits P(correct) = σ(w0 + w1·score + w2·margin + w3·lead) by
// Newton's method; Calibrate scales the answer into confVectorCap.
func fitLogistic(samples []calSample) [4]float64 {
	var w [4]float64
	for range 50 {
		var g [4]float64
		var h [4][4]float64
		for _, s := range samples {
			x := [4]float64{1, float64(s.score), float64(s.margin), 0}
			if s.lead {
				x[3] = 1
			}
			z := w[0] + w[1]*x[1] + w[2]*x[2] + w[3]*x[3]
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if s.correct {
				y = 1
			}
			for a := range 4 {
				g[a] += (p - y) * x[a]
				for b := range 4 {
					h[a][b] += p * (1 - p) * x[a] * x[b]
				}
			}
		}
		for a := range 4 {
			h[a][a] += 1e-6 // keeps the system solvable when a feature never varies
		}
		step := solve4(h, g)
		for k := range w {
			w[k] -= step[k]
		}
	}
	return w
}

// solve4 solves h·x = g by Gaussian elimination with partial pivoting.
func solve4(h [4][4]float64, g [4]float64) [4]float64 {
	for col := range 4 {
		pivot := col
		for r := col + 1; r < 4; r++ {
			if math.Abs(h[r][col]) > math.Abs(h[pivot][col]) {
				pivot = r
			}
		}
		h[col], h[pivot] = h[pivot], h[col]
		g[col], g[pivot] = g[pivot], g[col]
		for r := col + 1; r < 4; r++ {
			f := h[r][col] / h[col][col]
			for c := col; c < 4; c++ {
				h[r][c] -= f * h[col][c]
			}
			g[r] -= f * g[col]
		}
	}
	var x [4]float64
	for r := 3; r >= 0; r-- {
		sum := g[r]
		for c := r + 1; c < 4; c++ {
			sum -= h[r][c] * x[c]
		}
		x[r] = sum / h[r][r]
	}
	return x
}
