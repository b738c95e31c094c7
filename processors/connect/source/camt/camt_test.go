package camt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/sourcetest"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// ingestedAt and origin stand in for the Kafka record of every test payload.
var (
	ingestedAt = time.Date(2026, 3, 16, 9, 26, 53, 0, time.UTC)
	origin     = &fintrav1.Origin{Topic: string(schemas.TopicConnectRaw), Partition: 3, Offset: 42}
)

func parse(b []byte) ([]*fintrav1.Event, error) {
	return New().Parse(source.Payload{Bytes: b, Origin: origin, IngestedAt: ingestedAt})
}

// fixtures are every XML input of testdata (the upstream genkgo/camt
// fixtures) and testdata/synthetic (hand-written edge cases).
func fixtures(t testing.TB) []string {
	var all []string
	for _, pattern := range []string{"testdata/*.xml", "testdata/synthetic/*.xml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, m...)
	}
	if len(all) < 26 {
		t.Fatalf("only %d fixtures in testdata", len(all))
	}
	return all
}

func TestParserInterface(t *testing.T) {
	var p source.Parser = New()
	if p.Name() != "camt" || p.Framing() != source.FramingDocument {
		t.Errorf("Name, Framing = %q, %v", p.Name(), p.Framing())
	}
	if _, ok := p.(source.Detector); !ok {
		t.Error("Parser is not a source.Detector")
	}
	if _, err := source.NewRegistry(p); err != nil {
		t.Fatal(err)
	}
}

// TestGolden parses every fixture into <file>.golden.jsonl (events in their
// JSON form, one per line) or, when it is rejected, <file>.golden.err (the
// error). go test -update rewrites the golden files.
func TestGolden(t *testing.T) {
	for _, in := range fixtures(t) {
		t.Run(strings.TrimPrefix(in, "testdata/"), func(t *testing.T) {
			b, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			events, perr := parse(b)
			okFile, errFile := in+".golden.jsonl", in+".golden.err"
			var got []byte
			golden, stale := okFile, errFile
			if perr != nil {
				golden, stale = errFile, okFile
				got = sourcetest.Rejection(t, perr, Name)
			} else {
				got = sourcetest.Events(t, events)
			}
			if sourcetest.Update() {
				os.Remove(stale)
			} else if _, err := os.Stat(stale); err == nil {
				t.Errorf("%s exists but Parse gave the other outcome (go test -update rewrites it)", stale)
			}
			sourcetest.Golden(t, golden, got)
		})
	}
}
