package topologies

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"
)

// RunConfig is what `fintra run` and `fintra demo` start.
type RunConfig struct {
	Runtime Runtime
	Catalog CatalogConfig
	// Processors selects processors by name; empty runs all of them.
	Processors []string
	// Provision creates missing topics before starting. Default true via
	// the CLI; tests may provision once themselves.
	Provision bool
	// LagInterval is how often consumer lag is measured. Default 1s.
	LagInterval time.Duration
}

// Select returns the registered processors named in names (all when
// empty), or an error naming the unknown ones and the known ones.
func Select(names []string) ([]Processor, error) {
	all := Processors()
	if len(names) == 0 {
		return all, nil
	}
	var out []Processor
	var unknown []string
	for _, n := range names {
		i := slices.IndexFunc(all, func(p Processor) bool { return p.Name == n })
		if i < 0 {
			unknown = append(unknown, n)
			continue
		}
		out = append(out, all[i])
	}
	if len(unknown) > 0 {
		known := make([]string, len(all))
		for i, p := range all {
			known[i] = p.Name
		}
		return nil, fmt.Errorf("processors: unknown %s; registered processors are: %s", strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return out, nil
}

// Admin returns a franz-go client and its admin for the brokers.
func Admin(brokers []string) (*kgo.Client, *kadm.Client, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return nil, nil, fmt.Errorf("topologies: connect to %s: %w", strings.Join(brokers, ","), err)
	}
	return cl, kadm.NewClient(cl), nil
}

// Run provisions the topics, starts the selected processors and blocks
// until ctx ends or a processor fails. On cancellation every processor
// finishes the messages in flight, commits its offsets and flushes its
// producer before Run returns (goka's graceful stop).
func Run(ctx context.Context, cfg RunConfig, deps Deps) error {
	deps.setDefaults()
	if err := cfg.Runtime.Validate(); err != nil {
		return err
	}
	selected, err := Select(cfg.Processors)
	if err != nil {
		return err
	}
	cl, adm, err := Admin(cfg.Runtime.Brokers)
	if err != nil {
		return err
	}
	defer cl.Close()
	if cfg.Provision {
		created, err := Provision(ctx, adm, Catalog(cfg.Catalog))
		if err != nil {
			return err
		}
		if len(created) > 0 {
			deps.Log.Info("provisioned topics", "created", created)
		}
	}

	deps.runtime = &cfg.Runtime
	if err := deps.forProcessors(selected); err != nil {
		return err
	}

	// Sidecars (a catalog follower, a model watcher, a view a processor
	// reads) start first and stop only after every processor stopped, so
	// no processor reads a closed view; one that fails stops the processors.
	procCtx, stopProcs := context.WithCancel(ctx)
	defer stopProcs()
	sideCtx, stopSidecars := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSidecars()
	var sidecars errgroup.Group
	var sidecarErr error
	var sidecarOnce sync.Once
	for _, p := range selected {
		if p.Sidecar == nil {
			continue
		}
		sidecars.Go(func() error {
			if err := p.Sidecar(sideCtx, deps); err != nil && sideCtx.Err() == nil {
				sidecarOnce.Do(func() { sidecarErr = fmt.Errorf("processor %s: %w", p.Name, err) })
				stopProcs()
			}
			return nil
		})
	}
	defer func() {
		stopSidecars()
		_ = sidecars.Wait()
	}()

	g, gctx := errgroup.WithContext(procCtx)
	var groups []string
	for _, p := range selected {
		opts, err := cfg.Runtime.ProcessorOptions(goka.Group(p.Name))
		if err != nil {
			return err
		}
		opts = append(opts, goka.WithLogger(gokaLogger{deps.Log.With("processor", p.Name)}))
		proc, err := goka.NewProcessor(cfg.Runtime.Brokers, p.Graph(deps), opts...)
		if err != nil {
			return fmt.Errorf("topologies: processor %s: %w", p.Name, err)
		}
		groups = append(groups, p.Name)
		g.Go(func() error {
			deps.Log.Info("processor started", "processor", p.Name)
			err := proc.Run(gctx)
			// A stop requested before the processor finished starting
			// (say, while recovering its table) is still a clean stop.
			if err != nil && !errors.Is(err, context.Canceled) && procCtx.Err() == nil {
				return fmt.Errorf("processor %s: %w", p.Name, err)
			}
			deps.Log.Info("processor stopped", "processor", p.Name)
			return nil
		})
	}
	g.Go(func() error {
		watchLag(gctx, adm, groups, cfg.LagInterval, deps)
		return nil
	})
	err = g.Wait()
	stopSidecars()
	_ = sidecars.Wait()
	if err == nil && sidecarErr != nil && ctx.Err() == nil {
		err = sidecarErr
	}
	return err
}

// watchLag publishes each group's lag per topic until ctx ends.
func watchLag(ctx context.Context, adm *kadm.Client, groups []string, every time.Duration, deps Deps) {
	if every == 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		lags, err := adm.Lag(ctx, groups...)
		if err != nil {
			continue
		}
		for group, gl := range lags {
			for topic, tl := range gl.Lag.TotalByTopic() {
				deps.Metrics.SetLag(group, topic, tl.Lag)
			}
		}
	}
}

// gokaLogger sends goka's messages to slog at debug level: they are
// operational chatter (rebalances, recovery progress), and errors reach us
// through Run's return value.
type gokaLogger struct{ log *slog.Logger }

func (l gokaLogger) Print(v ...any)                 { l.log.Debug(fmt.Sprint(v...)) }
func (l gokaLogger) Println(v ...any)               { l.log.Debug(strings.TrimSuffix(fmt.Sprintln(v...), "\n")) }
func (l gokaLogger) Printf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
