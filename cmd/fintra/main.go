// Command fintra runs and inspects the FintraOS Stream pipeline. It only
// parses flags and calls packages: see topologies, processors and schemas.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func commands() []command {
	return []command{
		generateCommand(), normalizeCommand(), produceCommand(), runCommand(), demoCommand(),
		topologyCommand(), topicsCommand(), tailCommand(), dlqCommand(), ingestCommand(), serveCommand(), sinkCommand(), guardCommand(),
		merchantCommand(), catalogCommand(), benchCommand(),
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout, cmds)
		return 0
	}
	i := commandIndex(cmds, args[0])
	if i < 0 {
		fmt.Fprintf(stderr, "fintra: unknown command %q\n\n", args[0])
		printUsage(stderr, cmds)
		return 2
	}
	c := cmds[i]
	fs := newFlagSet(c)
	runFn := c.flags(fs)
	positional, err := parse(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		fmt.Fprintf(stderr, "fintra %s: %s\nRun 'fintra %s --help' for usage.\n", c.name, err, c.name)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runFn(invocation{ctx: ctx, stdout: stdout, stderr: stderr, args: positional}); err != nil {
		var ue errUsage
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "fintra %s: %s\nRun 'fintra %s --help' for usage.\n", c.name, ue.msg, c.name)
			return 2
		}
		var ex exitError
		if errors.As(err, &ex) {
			return ex.code
		}
		fmt.Fprintf(stderr, "fintra %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

// exitError ends the command with a status and no further message: the
// command already explained itself.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func commandIndex(cmds []command, name string) int {
	for i, c := range cmds {
		if c.name == name {
			return i
		}
	}
	return -1
}

func printUsage(w io.Writer, cmds []command) {
	fmt.Fprint(w, `fintra — FintraOS Stream: a Kafka-native pipeline for financial transaction events.

Usage: fintra <command> [flags] [arguments]

Commands:
`)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Without --brokers, run and demo start an embedded Kafka-protocol broker in
the process. Every flag can also be set as FINTRA_<FLAG> (FINTRA_BROKERS,
FINTRA_METRICS_ADDR, ...). Run 'fintra <command> --help' for a command's flags.
`)
}

// invocation is what a command runs with: the context that ends on SIGINT
// or SIGTERM, the output streams and the arguments after the flags.
type invocation struct {
	ctx            context.Context
	stdout, stderr io.Writer
	args           []string
}

// logger returns the process logger: text on stderr, level from --log-level.
func logger(stderr io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, usageErrorf("--log-level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: l})), nil
}
