package source

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MaxProblems bounds the problems a Problems lists in one error, so that a
// payload with thousands of broken rows still gets a readable reason.
const MaxProblems = 50

// Problems collects the broken rules of one payload up to MaxProblems and
// counts the rest. Set Source and Field before use; the zero list is empty.
type Problems struct {
	// Source is the format's name, the ValidationError's Source.
	Source string
	// Field is where the "N more problems not listed" line goes: "payload"
	// for the JSON formats, "Document" for camt.
	Field string

	list    []FieldError
	dropped int
}

// Add records a broken rule; rule is a format only when args are given.
func (p *Problems) Add(field, rule string, args ...any) {
	if len(p.list) >= MaxProblems {
		p.dropped++
		return
	}
	if len(args) > 0 {
		rule = fmt.Sprintf(rule, args...)
	}
	p.list = append(p.list, FieldError{Field: field, Rule: rule})
}

// Append records problems already formed (stripe and adyen add their
// decoding errors this way), within the same MaxProblems bound as Add.
func (p *Problems) Append(list ...FieldError) {
	for _, e := range list {
		if len(p.list) >= MaxProblems {
			p.dropped++
			continue
		}
		p.list = append(p.list, e)
	}
}

// Len is the number of problems recorded, listed or not.
func (p *Problems) Len() int { return len(p.list) + p.dropped }

// Err returns a *ValidationError that lists the problems, followed by the
// count of those not listed, or nil when there are none.
func (p *Problems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	list := p.list
	if p.dropped > 0 {
		list = append(list, FieldError{Field: p.Field, Rule: fmt.Sprintf("%d more problems not listed", p.dropped)})
	}
	return &ValidationError{Source: p.Source, Problems: list}
}

// Fatal is a payload of format source that cannot be read at all: a
// *ValidationError with one problem, on field.
func Fatal(source, field, rule string, args ...any) error {
	return &ValidationError{Source: source, Problems: []FieldError{{Field: field, Rule: fmt.Sprintf(rule, args...)}}}
}

// quoteMax is where Quote cuts a value.
const quoteMax = 64

// Quote renders a value in a rule: single-quoted, cut after 64 bytes (at a
// rune start, marked "…"), and escaped as a Go string when it holds a
// control character or U+FFFD, which is also what invalid UTF-8 reads as.
func Quote(s string) string { return "'" + Printable(s, quoteMax) + "'" }

// Printable is the text of Quote, without the quotes, cut after max bytes.
func Printable(s string, max int) string { return printable(s, max, true) }

// QuoteControl is Quote that escapes s only when it holds a control
// character: U+FFFD and invalid UTF-8 stay as they are. fintrajson, stripe
// and adyen quote this way.
func QuoteControl(s string) string { return "'" + PrintableControl(s, quoteMax) + "'" }

// PrintableControl is the text of QuoteControl, without the quotes, cut
// after max bytes.
func PrintableControl(s string, max int) string { return printable(s, max, false) }

func printable(s string, max int, escapeFFFD bool) string {
	cut := false
	if len(s) > max {
		n := max
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s, cut = s[:n], true
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || escapeFFFD && r == utf8.RuneError {
			q := strconv.Quote(s)
			s = q[1 : len(q)-1]
			break
		}
	}
	if cut {
		s += "…"
	}
	return s
}
