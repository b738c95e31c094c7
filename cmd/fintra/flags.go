package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one subcommand: its flags, a one-line summary and what it runs.
type command struct {
	name    string
	summary string
	usage   string // the argument synopsis after the command name
	help    string // a paragraph on what it does
	flags   func(fs *flag.FlagSet) func(inv invocation) error
}

// errUsage marks a wrong invocation: the message is printed with a hint to
// --help and the exit status is 2.
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error { return errUsage{fmt.Sprintf(format, args...)} }

// parse parses a subcommand's flags, then fills every flag not given on the
// command line from FINTRA_<FLAG> (dashes become underscores), so that
// configuration works by flags or environment alike.
//
// Flags may come before or after positional arguments ("dlq list --brokers
// x" and "dlq --brokers x list" alike); the positional ones are returned.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			positional = append(positional, args[1:]...)
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		env := "FINTRA_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v (it sets --%s)", env, v, err, f.Name))
			}
		}
	})
	if len(errs) > 0 {
		return nil, errUsage{errors.Join(errs...).Error()}
	}
	return positional, nil
}

// newFlagSet returns a flag set that prints nothing by itself: run prints
// --help to stdout and a parse error, with a hint, to stderr.
func newFlagSet(c command) *flag.FlagSet {
	fs := flag.NewFlagSet("fintra "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: fintra %s %s\n\n%s\n", c.name, c.usage, c.help)
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintf(out, "\nFlags (each can also be set as FINTRA_<FLAG>, e.g. FINTRA_BROKERS):\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// listFlag is a comma-separated list flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	*l = nil
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}
