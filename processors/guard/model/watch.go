package model

import (
	"context"
	"crypto/sha256"
	"io/fs"
	"log/slog"
	"path"
	"sync/atomic"
	"time"
)

// Current holds the model in use; a Watcher swaps it atomically, so a
// score never sees half a model and every score names the version that
// made it.
type Current struct {
	p atomic.Pointer[Model]
}

// NewCurrent returns a holder of m (which may be nil: no model yet).
func NewCurrent(m *Model) *Current {
	c := &Current{}
	c.p.Store(m)
	return c
}

// Load returns the model in use, or nil.
func (c *Current) Load() *Model { return c.p.Load() }

// Store replaces the model in use.
func (c *Current) Store(m *Model) { c.p.Store(m) }

// Watcher polls a model root (a directory with CURRENT and version
// directories, or one version directory) and rolls a new artifact out
// without a restart: when CURRENT, model.txt or meta.json changes, it
// loads the new model and swaps it in. A model that fails to load is
// logged and the old one stays.
type Watcher struct {
	FS   fs.FS
	Root string
	// Interval between polls. Default 5 s.
	Interval time.Duration
	Into     *Current
	Log      *slog.Logger
	last     [32]byte
}

// fingerprint hashes what decides the model, cheaply: CURRENT, and the
// files of the version it names.
func (w *Watcher) fingerprint() ([32]byte, string, error) {
	dir, err := Resolve(w.FS, w.Root)
	if err != nil {
		return [32]byte{}, "", err
	}
	h := sha256.New()
	h.Write([]byte(dir))
	for _, name := range []string{"model.txt", "meta.json"} {
		b, err := fs.ReadFile(w.FS, path.Join(dir, name))
		if err != nil {
			return [32]byte{}, "", err
		}
		h.Write(b)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, dir, nil
}

// Poll checks once and swaps in a changed model; it reports whether it did.
func (w *Watcher) Poll() (bool, error) {
	sum, dir, err := w.fingerprint()
	if err != nil {
		return false, err
	}
	if sum == w.last {
		return false, nil
	}
	m, err := Load(w.FS, dir)
	if err != nil {
		return false, err
	}
	w.last = sum
	old := w.Into.Load()
	w.Into.Store(m)
	if w.Log != nil && (old == nil || old.Version != m.Version || old.Digest != m.Digest) {
		from := "none"
		if old != nil {
			from = old.Version
		}
		w.Log.Info("guard model loaded", "from", from, "to", m.Version, "dir", dir)
	}
	return true, nil
}

// Run polls until ctx ends.
func (w *Watcher) Run(ctx context.Context) {
	iv := w.Interval
	if iv <= 0 {
		iv = 5 * time.Second
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	var lastErr string
	for {
		if _, err := w.Poll(); err != nil && w.Log != nil && err.Error() != lastErr {
			lastErr = err.Error()
			w.Log.Warn("guard model not reloaded; keeping the current one", "root", w.Root, "error", err)
		} else if err == nil {
			lastErr = ""
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
