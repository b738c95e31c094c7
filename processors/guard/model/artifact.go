package model

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/fintraos/fintra/processors/guard/features"
)

// Thresholds turn a probability into a decision: at or above Decline is
// declined, at or above Review goes to review, below is approved.
type Thresholds struct {
	Review  float64 `json:"review"`
	Decline float64 `json:"decline"`
}

// Validate reports a threshold pair that cannot order decisions.
func (t Thresholds) Validate() error {
	var errs []error
	if !(t.Review > 0 && t.Review <= 1) {
		errs = append(errs, fmt.Errorf("review threshold %v: must be in (0, 1]", t.Review))
	}
	if !(t.Decline > 0 && t.Decline <= 1) {
		errs = append(errs, fmt.Errorf("decline threshold %v: must be in (0, 1]", t.Decline))
	}
	if t.Review > t.Decline {
		errs = append(errs, fmt.Errorf("review threshold %v above decline threshold %v: review must be the lower one", t.Review, t.Decline))
	}
	return errors.Join(errs...)
}

// Meta is meta.json, written by ml/ beside the model.
type Meta struct {
	Version    string         `json:"version"`
	Features   []string       `json:"features"`
	Thresholds Thresholds     `json:"thresholds"`
	Metrics    map[string]any `json:"metrics"`
	TrainedOn  string         `json:"trained_on"`
}

// Model is one loaded artifact: the booster, its meta and a digest of the
// files it came from (the watcher compares digests).
type Model struct {
	Version    string
	Thresholds Thresholds
	Booster    *Booster
	Meta       Meta
	Digest     [32]byte
}

// CurrentFile names the default version inside a model root.
const CurrentFile = "CURRENT"

// Resolve returns the directory of the model to load under root: root
// itself if it holds model.txt, else root/<CURRENT>.
func Resolve(fsys fs.FS, root string) (string, error) {
	if _, err := fs.Stat(fsys, path.Join(root, "model.txt")); err == nil {
		return root, nil
	}
	cur, err := fs.ReadFile(fsys, path.Join(root, CurrentFile))
	if err != nil {
		return "", fmt.Errorf("model: %s has neither model.txt nor %s naming a version: %w", root, CurrentFile, err)
	}
	v := strings.TrimSpace(string(cur))
	if v == "" || strings.ContainsAny(v, "/\\") || v == "." || v == ".." {
		return "", fmt.Errorf("model: %s/%s holds %q: it must name a version directory beside it", root, CurrentFile, v)
	}
	return path.Join(root, v), nil
}

// Load reads model.txt and meta.json from dir (after Resolve) and checks
// that the model was trained on this build's features, in this order.
func Load(fsys fs.FS, dir string) (*Model, error) {
	txt, err := fs.ReadFile(fsys, path.Join(dir, "model.txt"))
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	metaRaw, err := fs.ReadFile(fsys, path.Join(dir, "meta.json"))
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	var meta Meta
	if err := json.Unmarshal(metaRaw, &meta); err != nil {
		return nil, fmt.Errorf("model: %s/meta.json: %w", dir, err)
	}
	if err := CheckFeatures(meta.Features); err != nil {
		return nil, fmt.Errorf("model: %s/meta.json: %w", dir, err)
	}
	b, err := ParseText(bytes.NewReader(txt))
	if err != nil {
		return nil, fmt.Errorf("model: %s/model.txt: %w", dir, err)
	}
	if b.FeatureNames != nil {
		if err := CheckFeatures(b.FeatureNames); err != nil {
			return nil, fmt.Errorf("model: %s/model.txt feature_names: %w", dir, err)
		}
	}
	if b.sigmoid == 0 {
		return nil, fmt.Errorf("model: %s/model.txt: objective %q: guard needs a binary model (objective=binary) to read a probability", dir, b.Objective)
	}
	if err := meta.Thresholds.Validate(); err != nil {
		return nil, fmt.Errorf("model: %s/meta.json thresholds: %w", dir, err)
	}
	if meta.Version == "" {
		meta.Version = path.Base(dir)
	}
	h := sha256.New()
	h.Write(txt)
	h.Write(metaRaw)
	m := &Model{Version: meta.Version, Thresholds: meta.Thresholds, Booster: b, Meta: meta}
	copy(m.Digest[:], h.Sum(nil))
	return m, nil
}

// LoadDir loads the model under a directory of the file system: the
// directory itself or its CURRENT version.
func LoadDir(dir string) (*Model, error) {
	fsys := os.DirFS(dir)
	sub, err := Resolve(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("%w (directory %s)", err, dir)
	}
	return Load(fsys, sub)
}

// CheckFeatures compares a model's feature list with this build's and
// names the difference.
func CheckFeatures(got []string) error {
	want := features.Names()
	if slices.Equal(got, want) {
		return nil
	}
	var missing, extra, moved []string
	for i, w := range want {
		j := slices.Index(got, w)
		switch {
		case j < 0:
			missing = append(missing, w)
		case j != i:
			moved = append(moved, fmt.Sprintf("%s at %d, want %d", w, j, i))
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		parts = append(parts, "unknown "+strings.Join(extra, ", "))
	}
	if len(moved) > 0 {
		parts = append(parts, "out of order: "+strings.Join(moved, "; "))
	}
	return fmt.Errorf("the model's features differ from this build's (%s): retrain on a CSV from this build's `fintra guard features`", strings.Join(parts, "; "))
}

// Decide turns a probability into a decision name: "decline", "review" or
// "approve".
func (t Thresholds) Decide(p float64) string {
	switch {
	case math.IsNaN(p):
		return "review"
	case p >= t.Decline:
		return "decline"
	case p >= t.Review:
		return "review"
	}
	return "approve"
}
