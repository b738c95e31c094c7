package serve

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"

	"github.com/fintraos/fintra/processors/views"
)

// NewGokaView returns a goka view of views.Table whose values are the
// stored bytes (the views' JSON, not re-encoded), for NewGokaStore. Pass
// the runtime's options: topologies.Runtime{...}.ViewOptions(). Run it
// (view.Run(ctx)) beside the server, and stop the server before the view.
func NewGokaView(brokers []string, opts ...goka.ViewOption) (*goka.View, error) {
	v, err := goka.NewView(brokers, views.Table, new(codec.Bytes), opts...)
	if err != nil {
		return nil, fmt.Errorf("serve: view of %s: %w", views.Table, err)
	}
	return v, nil
}

// GokaStore reads views-table through a goka view, held in memory by the
// process: no Redis needed, at the cost of loading the whole table at start
// (until then View returns ErrNotReady). Safe for concurrent use.
type GokaStore struct {
	view *goka.View
	// loaded is set once every partition has loaded: after that a
	// partition's catch-up briefly reports "connecting" again, which must
	// not turn the API away (goka v1.1.14, PartitionTable.load).
	loaded atomic.Bool
}

var (
	_ Store   = (*GokaStore)(nil)
	_ Readier = (*GokaStore)(nil)
)

// NewGokaStore reads through view, a goka view of views.Table built with
// the runtime's ViewOptions (partitioning must be murmur2, like the
// processors'). Its codec is codec.Bytes (NewGokaView) or views.Codec.
// The caller runs the view.
func NewGokaStore(view *goka.View) *GokaStore { return &GokaStore{view: view} }

// View returns the JSON of the account's view.
func (s *GokaStore) View(_ context.Context, accountID string) ([]byte, error) {
	if err := s.ready(); err != nil {
		return nil, err
	}
	v, err := s.view.Get(accountID)
	if err != nil {
		return nil, fmt.Errorf("serve: view get %s: %w", accountID, err)
	}
	switch v := v.(type) {
	case nil:
		return nil, fmt.Errorf("%w: no row %s in %s", ErrNotFound, accountID, s.view.Topic())
	case []byte:
		if v == nil {
			return nil, fmt.Errorf("%w: no row %s in %s", ErrNotFound, accountID, s.view.Topic())
		}
		return v, nil
	case *views.View:
		return views.Codec{}.Encode(v)
	default:
		return nil, fmt.Errorf("serve: %s holds %T, not a view: build the view with codec.Bytes or views.Codec", s.view.Topic(), v)
	}
}

// Ready reports whether the view has loaded the table.
func (s *GokaStore) Ready(context.Context) error { return s.ready() }

func (s *GokaStore) ready() error {
	// View.Get refuses to read before the view runs and after it stops.
	switch s.view.CurrentState() {
	case goka.ViewStateIdle, goka.ViewStateInitializing:
		return fmt.Errorf("%w: %s is still loading", ErrNotReady, s.view.Topic())
	}
	if s.loaded.Load() {
		return nil
	}
	if !s.view.Recovered() {
		return fmt.Errorf("%w: %s is still loading", ErrNotReady, s.view.Topic())
	}
	s.loaded.Store(true)
	return nil
}
