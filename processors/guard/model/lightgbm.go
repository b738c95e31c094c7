// Package model evaluates a LightGBM model in pure Go: the text format
// LightGBM saves (model.txt), numerical and categorical splits with
// LightGBM's missing-value rules, the binary objective's sigmoid, and
// Saabas path contributions for the reasons of a score. No cgo, no
// network: a score costs a few microseconds.
package model

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Booster is a parsed LightGBM model.
type Booster struct {
	// FeatureNames are the model's feature names, in column order.
	FeatureNames []string
	// Objective is the objective line, e.g. "binary sigmoid:1".
	Objective string
	sigmoid   float64 // 0 unless the objective is binary
	average   bool    // average_output: a random forest averages its trees
	Trees     []Tree
}

// Tree is one regression tree in LightGBM's array form. A child index
// below 0 is a leaf: leaf ^child.
type Tree struct {
	NumLeaves     int
	SplitFeature  []int
	Threshold     []float64
	DecisionType  []uint8
	LeftChild     []int
	RightChild    []int
	LeafValue     []float64
	InternalValue []float64
	CatBoundaries []int
	CatThreshold  []uint32

	// nodes is the same tree packed one node per 40 bytes, so that a
	// walk touches one cache line per level instead of six slices.
	nodes []node
}

type node struct {
	threshold   float64
	internal    float64
	left, right int32
	feature     int32
	dtype       uint8
}

func (t *Tree) pack() {
	t.nodes = make([]node, len(t.SplitFeature))
	for i := range t.nodes {
		n := &t.nodes[i]
		n.threshold, n.left, n.right, n.feature, n.dtype = t.Threshold[i], int32(t.LeftChild[i]), int32(t.RightChild[i]), int32(t.SplitFeature[i]), t.DecisionType[i]
		if t.InternalValue != nil {
			n.internal = t.InternalValue[i]
		}
	}
}

// LightGBM's decision_type bits (include/LightGBM/tree.h).
const (
	categoricalMask = 1
	defaultLeftMask = 2
	missingNone     = 0
	missingZero     = 1
	missingNaN      = 2
	// kZeroThreshold: LightGBM treats |x| <= 1e-35 as zero.
	zeroThreshold = 1e-35
)

// ParseText reads a model in LightGBM's text format.
func ParseText(r io.Reader) (*Booster, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
	b := &Booster{}
	var cur map[string]string
	var trees []map[string]string
	header := map[string]string{}
	section := "header"
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "Tree="):
			cur = map[string]string{"Tree": strings.TrimPrefix(line, "Tree=")}
			trees = append(trees, cur)
			section = "tree"
			continue
		case line == "end of trees":
			section = "end"
			continue
		}
		if section == "end" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			if section == "header" && line == "tree" {
				continue
			}
			if section == "header" && line == "average_output" {
				b.average = true
			}
			continue
		}
		if section == "header" {
			header[k] = v
		} else {
			cur[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("model: read lightgbm text: %w", err)
	}
	if len(trees) == 0 {
		return nil, errors.New("model: no trees: not a LightGBM text model (save it with booster.save_model)")
	}
	if n := header["num_class"]; n != "" && n != "1" {
		return nil, fmt.Errorf("model: num_class=%s: only single-output (binary or regression) models are supported", n)
	}
	b.Objective = header["objective"]
	if strings.HasPrefix(b.Objective, "binary") {
		b.sigmoid = 1
		for _, f := range strings.Fields(b.Objective)[1:] {
			if s, ok := strings.CutPrefix(f, "sigmoid:"); ok {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					return nil, fmt.Errorf("model: objective %q: bad sigmoid", b.Objective)
				}
				b.sigmoid = v
			}
		}
	}
	if fn := header["feature_names"]; fn != "" {
		b.FeatureNames = strings.Fields(fn)
	}
	maxIdx := -1
	if s := header["max_feature_idx"]; s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("model: max_feature_idx %q", s)
		}
		maxIdx = v
	}
	if b.FeatureNames != nil && maxIdx >= 0 && len(b.FeatureNames) != maxIdx+1 {
		return nil, fmt.Errorf("model: %d feature names but max_feature_idx=%d", len(b.FeatureNames), maxIdx)
	}
	for i, kv := range trees {
		t, err := parseTree(kv)
		if err != nil {
			return nil, fmt.Errorf("model: Tree=%s (tree %d): %w", kv["Tree"], i, err)
		}
		for _, f := range t.SplitFeature {
			if maxIdx >= 0 && f > maxIdx {
				return nil, fmt.Errorf("model: Tree=%s splits on feature %d above max_feature_idx %d", kv["Tree"], f, maxIdx)
			}
		}
		b.Trees = append(b.Trees, t)
	}
	return b, nil
}

func parseTree(kv map[string]string) (Tree, error) {
	var t Tree
	n, err := strconv.Atoi(kv["num_leaves"])
	if err != nil || n < 1 {
		return t, fmt.Errorf("num_leaves %q", kv["num_leaves"])
	}
	t.NumLeaves = n
	var errs []error
	floats := func(key string, want int) []float64 {
		f := strings.Fields(kv[key])
		if len(f) != want {
			errs = append(errs, fmt.Errorf("%s has %d values, want %d", key, len(f), want))
			return nil
		}
		out := make([]float64, want)
		for i, s := range f {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s[%d] %q", key, i, s))
			}
			out[i] = v
		}
		return out
	}
	ints := func(key string, want int) []int {
		f := strings.Fields(kv[key])
		if want >= 0 && len(f) != want {
			errs = append(errs, fmt.Errorf("%s has %d values, want %d", key, len(f), want))
			return nil
		}
		out := make([]int, len(f))
		for i, s := range f {
			v, err := strconv.Atoi(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s[%d] %q", key, i, s))
			}
			out[i] = v
		}
		return out
	}
	t.LeafValue = floats("leaf_value", n)
	if n == 1 {
		return t, errors.Join(errs...)
	}
	inner := n - 1
	t.SplitFeature = ints("split_feature", inner)
	t.Threshold = floats("threshold", inner)
	dt := ints("decision_type", inner)
	t.LeftChild = ints("left_child", inner)
	t.RightChild = ints("right_child", inner)
	if _, ok := kv["internal_value"]; ok {
		t.InternalValue = floats("internal_value", inner)
	}
	if err := errors.Join(errs...); err != nil {
		return t, err
	}
	t.DecisionType = make([]uint8, inner)
	hasCat := false
	for i, d := range dt {
		t.DecisionType[i] = uint8(d)
		hasCat = hasCat || d&categoricalMask != 0
	}
	if hasCat {
		t.CatBoundaries = ints("cat_boundaries", -1)
		for _, s := range strings.Fields(kv["cat_threshold"]) {
			v, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				errs = append(errs, fmt.Errorf("cat_threshold %q", s))
			}
			t.CatThreshold = append(t.CatThreshold, uint32(v))
		}
	}
	for i := range inner {
		for _, c := range [2]int{t.LeftChild[i], t.RightChild[i]} {
			if c >= inner || (c < 0 && ^c >= n) {
				errs = append(errs, fmt.Errorf("node %d has child %d outside the tree", i, c))
			}
		}
	}
	if len(errs) == 0 {
		t.pack()
	}
	return t, errors.Join(errs...)
}

// next is the child of node for feature value fval, as LightGBM decides it.
func (t *Tree) next(nd *node, fval float64) int32 {
	dt := nd.dtype
	if dt&categoricalMask != 0 {
		return t.categorical(nd, fval)
	}
	missing := (dt >> 2) & 3
	if missing != missingNone || math.IsNaN(fval) {
		if math.IsNaN(fval) && missing != missingNaN {
			fval = 0
		}
		if (missing == missingZero && math.Abs(fval) <= zeroThreshold) || (missing == missingNaN && math.IsNaN(fval)) {
			if dt&defaultLeftMask != 0 {
				return nd.left
			}
			return nd.right
		}
	}
	if fval <= nd.threshold {
		return nd.left
	}
	return nd.right
}

func (t *Tree) categorical(nd *node, fval float64) int32 {
	if math.IsNaN(fval) || fval < 0 {
		return nd.right
	}
	v := int(fval)
	ci := int(nd.threshold)
	if ci < 0 || ci+1 >= len(t.CatBoundaries) {
		return nd.right
	}
	lo, hi := t.CatBoundaries[ci], t.CatBoundaries[ci+1]
	word := v / 32
	if lo+word < hi && lo+word < len(t.CatThreshold) && (t.CatThreshold[lo+word]>>(uint(v)%32))&1 == 1 {
		return nd.left
	}
	return nd.right
}

// leaf returns the leaf value of x.
func (t *Tree) leaf(x []float64) float64 {
	if t.NumLeaves == 1 {
		return t.LeafValue[0]
	}
	var i int32
	for i >= 0 {
		nd := &t.nodes[i]
		i = t.next(nd, x[nd.feature])
	}
	return t.LeafValue[^i]
}

// Raw returns the raw score (log-odds for a binary model) of x.
func (b *Booster) Raw(x []float64) float64 {
	s := 0.0
	for i := range b.Trees {
		s += b.Trees[i].leaf(x)
	}
	if b.average && len(b.Trees) > 0 {
		s /= float64(len(b.Trees))
	}
	return s
}

// Predict returns the model's output for x: a probability for a binary
// model, the raw score otherwise.
func (b *Booster) Predict(x []float64) float64 { return b.transform(b.Raw(x)) }

func (b *Booster) transform(raw float64) float64 {
	if b.sigmoid == 0 {
		return raw
	}
	return 1 / (1 + math.Exp(-b.sigmoid*raw))
}

// Contributions returns the raw score of x and each feature's share of it
// (Saabas: along each tree's path, a split's feature gets the change from
// the node's value to its child's), plus the bias, the trees' root
// values. bias + Σ contrib = raw. contrib must have a slot per feature.
func (b *Booster) Contributions(x []float64, contrib []float64) (raw, bias float64) {
	clear(contrib)
	for i := range b.Trees {
		t := &b.Trees[i]
		if t.NumLeaves == 1 || t.InternalValue == nil {
			v := t.leaf(x)
			bias += v
			raw += v
			continue
		}
		bias += t.nodes[0].internal
		prev := t.nodes[0].internal
		var i int32
		for i >= 0 {
			nd := &t.nodes[i]
			child := t.next(nd, x[nd.feature])
			var v float64
			if child < 0 {
				v = t.LeafValue[^child]
			} else {
				v = t.nodes[child].internal
			}
			contrib[nd.feature] += v - prev
			prev, i = v, child
		}
		raw += prev
	}
	if b.average && len(b.Trees) > 0 {
		n := float64(len(b.Trees))
		raw, bias = raw/n, bias/n
		for i := range contrib {
			contrib[i] /= n
		}
	}
	return raw, bias
}
