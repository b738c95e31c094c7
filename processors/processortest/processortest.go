// Package processortest runs a processor's goka graph on goka's in-memory
// tester for the processors' own tests: the same graph constructor `fintra
// run` uses, no broker.
package processortest

import (
	"context"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"
)

// Run starts a processor of graph on tt and stops it when the test ends;
// the test fails if the processor cannot be built or stops with an error.
func Run(t testing.TB, tt *tester.Tester, graph *goka.GroupGraph) {
	t.Helper()
	proc, err := goka.NewProcessor(nil, graph, goka.WithTester(tt))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- proc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("processor %s: %v", graph.Group(), err)
		}
	})
}
