package source

import (
	"errors"
	"strings"
	"testing"
)

func TestProblems(t *testing.T) {
	p := Problems{Source: "camt", Field: "Document"}
	if p.Err() != nil || p.Len() != 0 {
		t.Fatalf("empty: %v, %d", p.Err(), p.Len())
	}
	for i := 0; i < MaxProblems+3; i++ {
		p.Add("f", "bad %d", i)
	}
	p.Add("g", "100% literal") // no args: not a format
	var ve *ValidationError
	if !errors.As(p.Err(), &ve) || ve.Source != "camt" {
		t.Fatalf("Err() = %T %v", p.Err(), p.Err())
	}
	if p.Len() != MaxProblems+4 || len(ve.Problems) != MaxProblems+1 {
		t.Fatalf("Len %d, listed %d", p.Len(), len(ve.Problems))
	}
	if got := ve.Problems[MaxProblems].Error(); got != "Document: 4 more problems not listed" {
		t.Errorf("last problem %q", got)
	}
	p.Append(FieldError{Field: "x", Rule: "appended"})
	if !strings.HasSuffix(p.Err().Error(), "; Document: 5 more problems not listed") || strings.Contains(p.Err().Error(), "appended") {
		t.Errorf("Append past the bound must be counted, not listed: %v", p.Err())
	}
	if got := Fatal("ofx", "payload", "%d bytes", 3).Error(); got != "payload: 3 bytes" {
		t.Errorf("Fatal: %q", got)
	}
}

func TestQuote(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	for _, tc := range []struct{ in, quote, control string }{
		{"EUR", "'EUR'", "'EUR'"},
		{"a\nb", `'a\nb'`, `'a\nb'`},
		{"a\"\ufffd", "'a\\\"\ufffd'", "'a\"\ufffd'"},
		{"\xff", `'\xff'`, "'\xff'"},
		{long, "'" + strings.Repeat("é", 32) + "…'", "'" + strings.Repeat("é", 32) + "…'"},
	} {
		if got := Quote(tc.in); got != tc.quote {
			t.Errorf("Quote(%q) = %q, want %q", tc.in, got, tc.quote)
		}
		if got := QuoteControl(tc.in); got != tc.control {
			t.Errorf("QuoteControl(%q) = %q, want %q", tc.in, got, tc.control)
		}
	}
	if got := Printable("abcdef", 3); got != "abc…" {
		t.Errorf("Printable cut: %q", got)
	}
}

func TestAppendKeepsTheBound(t *testing.T) {
	p := Problems{Source: "x", Field: "payload"}
	for range MaxProblems + 3 {
		p.Append(FieldError{Field: "f", Rule: "r"})
	}
	err := p.Err().(*ValidationError)
	if n := len(err.Problems); n != MaxProblems+1 || err.Problems[n-1].Rule != "3 more problems not listed" {
		t.Fatalf("%d problems, last %v", n, err.Problems[n-1])
	}
}
