// Package sourcetest is what the format parsers' tests share: golden files
// rewritten under -update, and events rendered as JSON lines. Like
// net/http/httptest it is imported only by _test.go files.
package sourcetest

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// update is registered once here, so that every test binary importing
// sourcetest accepts `go test -update`.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Update reports whether the test runs with -update: golden files are then
// written, not compared.
func Update() bool { return *update }

// Golden compares got with the file at path or, under -update, writes got
// to it.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)\n got: %s", err, got)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\n got: %s\nwant: %s", path, got, want)
	}
}

// Events renders events in their JSON form (schemas.MarshalJSON), one per
// line.
func Events(t testing.TB, events []*fintrav1.Event) []byte {
	t.Helper()
	var got []byte
	for _, ev := range events {
		line, err := schemas.MarshalJSON(ev)
		if err != nil {
			t.Fatal(err)
		}
		got = append(append(got, line...), '\n')
	}
	return got
}

// Rejection renders the error of a rejected payload as its golden line,
// after checking that it is a *source.ValidationError of format src with
// at least one problem.
func Rejection(t testing.TB, err error, src string) []byte {
	t.Helper()
	var ve *source.ValidationError
	if !errors.As(err, &ve) || ve.Source != src || len(ve.Problems) == 0 {
		t.Fatalf("Parse: %T %v, want a *source.ValidationError from %s", err, err, src)
	}
	return []byte(err.Error() + "\n")
}

// SharedData holds every format's fixtures, one directory per format.
const SharedData = "/work/shared/data"

// EachOtherFixture calls fn with the path and bytes of every fixture of
// SharedData (.json, .xml, .ofx, .qfx, .csv) outside the directories named
// own, so that a Detect can be shown not to claim another format's
// payloads. It skips the test when SharedData is absent and fails it when
// no fixture is found.
func EachOtherFixture(t *testing.T, own string, fn func(path string, b []byte)) {
	t.Helper()
	if _, err := os.Stat(SharedData); err != nil {
		t.Skipf("other formats' fixtures not available (%v): skipping the cross-format check", err)
	}
	n := 0
	err := filepath.WalkDir(SharedData, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == own {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".json", ".xml", ".ofx", ".qfx", ".csv":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		fn(path, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no other format's fixture found")
	}
}
