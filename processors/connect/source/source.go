// Package source defines what an ingest format is to the connect processor:
// a Parser that turns one raw payload into canonical events, or rejects it
// with a reason that names the field and the rule. One package per format
// lives beside this one (fintrajson, and the connector formats).
package source

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Framing says how a stream of bytes is cut into payloads when it does not
// come as Kafka records (fintra normalize, fintra produce).
type Framing int

const (
	// FramingLines is one payload per line (JSON lines).
	FramingLines Framing = iota
	// FramingDocument is one payload per file (an XML or OFX statement).
	FramingDocument
)

// Payload is one raw record as it arrived on connect.raw.v1, or one line or
// file read offline.
type Payload struct {
	Bytes []byte
	// Key is the record key (a connection or account id); may be empty.
	Key string
	// Origin is where the record was read from; nil offline.
	Origin *fintrav1.Origin
	// IngestedAt is the record's timestamp on connect.raw.v1 (or the time it
	// was read offline); parsers copy it into Event.ingested_at.
	IngestedAt time.Time
}

// Parser turns one payload of a format into canonical events.
//
// Parse must be deterministic: the same payload yields the same events with
// the same event ids (schemas.EventID), whatever the time. A payload it
// cannot turn into events is rejected with an error, preferably a
// *ValidationError; connect then dead-letters the payload with err.Error()
// as the reason. Parse must not panic on any input.
type Parser interface {
	// Name is the format's name, the value of the fintra-source header.
	Name() string
	// Framing says how offline input is cut into payloads.
	Framing() Framing
	Parse(p Payload) ([]*fintrav1.Event, error)
}

// Detector is implemented by parsers that can recognise their format from
// the content alone; `--source auto` asks each in turn.
type Detector interface {
	// Detect reports whether payload looks like this format. It must be
	// cheap (a look at the first bytes or top-level keys) and must not
	// claim another format's payloads.
	Detect(payload []byte) bool
}

// AccountID is the canonical account id of an account known to a source
// by sourceAccountID: "<source>:<id>", with every character outside
// [A-Za-z0-9._:@-] replaced by '_' so that it is a valid key everywhere.
// Connectors that know no better mapping use it, so that the same source
// account always lands on the same ledger account.
func AccountID(source, sourceAccountID string) string {
	b := []byte(source + ":" + sourceAccountID)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == ':', c == '@', c == '-':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

// FieldError is one broken rule: "amount_minor: required integer".
type FieldError struct {
	// Field is the JSON path or element of the payload, e.g. "amount_minor"
	// or "Stmt[0].Ntry[3].Amt".
	Field string
	// Rule says what the field must be, with the offending value quoted when
	// that helps: "'EURO' is not an ISO 4217 code".
	Rule string
}

func (e FieldError) Error() string {
	if e.Field == "" {
		return e.Rule
	}
	return e.Field + ": " + e.Rule
}

// ValidationError lists every broken rule of a payload, not only the first,
// so that a producer fixes them all at once.
type ValidationError struct {
	Source   string
	Problems []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Error()
	}
	return strings.Join(parts, "; ")
}

// Add records a broken rule.
func (e *ValidationError) Add(field, rule string, args ...any) {
	e.Problems = append(e.Problems, FieldError{Field: field, Rule: fmt.Sprintf(rule, args...)})
}

// Err returns e when it holds problems and nil otherwise.
func (e *ValidationError) Err() error {
	if len(e.Problems) == 0 {
		return nil
	}
	return e
}

// ErrUnknownSource is returned by Registry.Lookup for a format nobody registered.
var ErrUnknownSource = errors.New("unknown source format")

// Registry maps a format name to its parser.
type Registry struct {
	parsers map[string]Parser
}

// NewRegistry registers parsers under their names; a name registered twice
// is a programming error.
func NewRegistry(parsers ...Parser) (*Registry, error) {
	r := &Registry{parsers: make(map[string]Parser, len(parsers))}
	for _, p := range parsers {
		if p.Name() == AutoName {
			return nil, fmt.Errorf("source: %q is reserved for detection", AutoName)
		}
		if _, dup := r.parsers[p.Name()]; dup {
			return nil, fmt.Errorf("source: parser %q registered twice", p.Name())
		}
		r.parsers[p.Name()] = p
	}
	return r, nil
}

// Lookup returns the parser of a format, or an error that lists the known ones.
func (r *Registry) Lookup(name string) (Parser, error) {
	if p, ok := r.parsers[name]; ok {
		return p, nil
	}
	if name == AutoName {
		return auto{r}, nil
	}
	if name == "" {
		return nil, fmt.Errorf("%w: no %s header; known formats: %s", ErrUnknownSource, "fintra-source", strings.Join(r.Names(), ", "))
	}
	return nil, fmt.Errorf("%w %q; known formats: %s", ErrUnknownSource, name, strings.Join(r.Names(), ", "))
}

// Names lists the registered formats, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.parsers))
	for n := range r.parsers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Stamp sets what every event of a payload takes from the payload itself:
// the ingestion time and, for a record read from Kafka, its origin (copied,
// so that no two events share a message).
func (p Payload) Stamp(ev *fintrav1.Event) {
	ev.IngestedAt = timestamppb.New(p.IngestedAt)
	if o := p.Origin; o != nil {
		ev.Origin = &fintrav1.Origin{Topic: o.GetTopic(), Partition: o.GetPartition(), Offset: o.GetOffset()}
	}
}
