// Package models embeds the model artifacts ml/ publishes under
// ml/models/guard (CURRENT and one directory per version with model.txt,
// meta.json, model.onnx and parity.json), so that the fintra binary scores
// with the current model without a file on disk.
//
// The pattern is "*" rather than "guard" because go:embed fails the build
// on a pattern that matches nothing: with "*" the package builds before
// the first artifact exists, and then embeds the guard directory with it.
package models

import (
	"embed"
	"io/fs"
)

//go:embed *
var files embed.FS

// GuardRoot is the directory of the guard artifacts inside FS.
const GuardRoot = "guard"

// FS returns the embedded artifacts.
func FS() fs.FS { return files }

// HasGuard reports whether a guard model was embedded: ml/models/guard/
// CURRENT existed when the binary was built.
func HasGuard() bool {
	_, err := fs.Stat(files, GuardRoot+"/CURRENT")
	return err == nil
}
