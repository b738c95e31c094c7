package topologies

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"golang.org/x/sync/errgroup"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/sinks"
)

// SinkSpec is a sink and the topics it consumes.
type SinkSpec struct {
	Sink   sinks.Sink
	Topics []string
}

// group is the sink's consumer group (the runner's default).
func (s SinkSpec) group() string { return "sink-" + s.Sink.Name() }

// RunSinks runs one runner per sink until ctx ends; each stops after
// writing and committing what it holds.
func RunSinks(ctx context.Context, brokers []string, specs []SinkSpec, metrics *telemetry.Metrics, log *slog.Logger) error {
	if len(specs) == 0 {
		return nil
	}
	cl, adm, err := Admin(brokers)
	if err != nil {
		return err
	}
	defer cl.Close()
	g, gctx := errgroup.WithContext(ctx)
	groups := make([]string, 0, len(specs))
	for _, spec := range specs {
		groups = append(groups, spec.group())
	}
	// Each sink's lag (fintra_consumer_lag{group="sink-<name>"}): it grows
	// while a store is down and shrinks as the sink catches up.
	g.Go(func() error {
		watchLag(gctx, adm, groups, time.Second, Deps{Metrics: metrics})
		return nil
	})
	for _, spec := range specs {
		r, err := sinks.NewRunner(sinks.Config{Brokers: brokers, Topics: spec.Topics, Metrics: metrics, Log: log}, spec.Sink)
		if err != nil {
			return err
		}
		g.Go(func() error { return r.Run(gctx) })
	}
	return g.Wait()
}

// sinksCaughtUp reports whether every sink's group has committed up to the
// end of each of its topics.
func sinksCaughtUp(ctx context.Context, brokers []string, specs []SinkSpec) (bool, error) {
	if len(specs) == 0 {
		return true, nil
	}
	cl, adm, err := Admin(brokers)
	if err != nil {
		return false, err
	}
	defer cl.Close()
	for _, spec := range specs {
		ends, err := adm.ListEndOffsets(ctx, spec.Topics...)
		if err != nil {
			return false, err
		}
		committed, err := adm.FetchOffsets(ctx, spec.group())
		if err != nil {
			return false, nil // the group does not exist yet
		}
		behind := false
		ends.Each(func(o kadm.ListedOffset) {
			if o.Offset == 0 {
				return
			}
			c, ok := committed.Lookup(o.Topic, o.Partition)
			if !ok || c.At < o.Offset {
				behind = true
			}
		})
		if behind {
			return false, nil
		}
	}
	return true, nil
}

// CloseSinks closes every sink, reporting every failure.
func CloseSinks(specs []SinkSpec) error {
	var errs []error
	for _, s := range specs {
		if err := s.Sink.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close sink %s: %w", s.Sink.Name(), err))
		}
	}
	return errors.Join(errs...)
}
