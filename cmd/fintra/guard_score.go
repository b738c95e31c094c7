package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fintraos/fintra/processors/guard"
	"github.com/fintraos/fintra/processors/guard/model"
	"github.com/fintraos/fintra/processors/guard/replay"
)

type scoreFlags struct {
	format  *string
	model   *string
	review  *float64
	decline *float64
}

func registerScoreFlags(fs *flag.FlagSet) *scoreFlags {
	return &scoreFlags{
		format:  fs.String("format", "fintra-json", "score: format of FILE: fintra-json (payloads, one per line or a JSON array) or aws-fraud-csv"),
		model:   fs.String("model", "", "score: model directory: a version directory (model.txt, meta.json) or a root with CURRENT; default the model built into the binary, else ml/models/guard"),
		review:  fs.Float64("review-threshold", 0, "score: probability at or above which a transaction goes to review (default: the model's meta.json)"),
		decline: fs.Float64("decline-threshold", 0, "score: probability at or above which a transaction is declined (default: the model's meta.json)"),
	}
}

func (s *scoreFlags) loadModel() (*model.Model, error) {
	if *s.model != "" {
		return model.LoadDir(*s.model)
	}
	m, err := guard.EmbeddedModel()
	if err != nil || m != nil {
		return m, err
	}
	dir := filepath.Join("ml", "models", "guard")
	if _, err := os.Stat(dir); err == nil {
		return model.LoadDir(dir)
	}
	return nil, errUsage{"no model: none was built into this binary and ml/models/guard does not exist here; give --model DIR"}
}

func (s *scoreFlags) run(inv invocation, path string) error {
	if *s.format != "fintra-json" && *s.format != "aws-fraud-csv" {
		return usageErrorf("--format %q: use fintra-json or aws-fraud-csv", *s.format)
	}
	var th *model.Thresholds
	if *s.review != 0 || *s.decline != 0 {
		if *s.review == 0 || *s.decline == 0 {
			return usageErrorf("give both --review-threshold and --decline-threshold, or neither")
		}
		th = &model.Thresholds{Review: *s.review, Decline: *s.decline}
	}
	m, err := s.loadModel()
	if err != nil {
		var ue errUsage
		if errors.As(err, &ue) {
			return err
		}
		return fmt.Errorf("load model: %w", err)
	}
	scorer, err := guard.NewScorer(model.NewCurrent(m), th, guard.Rules{})
	if err != nil {
		return errUsage{err.Error()}
	}
	records, err := readHistory(inv, *s.format, path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(inv.stdout, 1<<16)
	if err := replay.Score(w, records, scorer, time.Now); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(inv.stderr, "guard score: %d transactions scored with model %s\n", len(records), m.Version)
	return nil
}
