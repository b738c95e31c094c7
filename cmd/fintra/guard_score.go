package main

import (
	"flag"
	"fmt"
)

type scoreFlags struct {
	format *string
	model  *string
}

func registerScoreFlags(fs *flag.FlagSet) *scoreFlags {
	return &scoreFlags{
		format: fs.String("format", "fintra-json", "score: format of FILE: fintra-json or aws-fraud-csv"),
		model:  fs.String("model", "", "score: model directory (model.txt, meta.json); default ml/models/guard/<CURRENT>"),
	}
}

func (s *scoreFlags) run(inv invocation, path string) error {
	return fmt.Errorf("guard score: not built yet")
}
