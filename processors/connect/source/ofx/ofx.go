// Package ofx parses OFX and QFX statement downloads, format "ofx": OFX
// 1.x (SGML, elements with or without end tags) and OFX 2.x (XML). Every
// STMTTRN of a bank (STMTRS) or credit card (CCSTMTRS) statement becomes
// one posted transaction; a document with several statements yields the
// events of each. Investment statements, server errors and broken
// documents are rejected with a reason that names the element and the
// rule. The mapping is documented in README.md.
package ofx

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Name is the format's name: the fintra-source header value and the source
// of every event it produces.
const Name = "ofx"

// MaxPayload is the largest document accepted, in bytes: years of a busy
// account's statements fit in a tenth of it.
const MaxPayload = 16 << 20

// maxProblems bounds the problems listed in one error.
const maxProblems = 50

// Parser parses OFX documents. It holds no state; one Parser may be used
// from many goroutines.
type Parser struct{}

// New returns the OFX parser.
func New() *Parser { return &Parser{} }

// Name returns "ofx".
func (*Parser) Name() string { return Name }

// Framing is one payload per file: an OFX document.
func (*Parser) Framing() source.Framing { return source.FramingDocument }

// detectWindow is how far into a payload Detect looks for <OFX> or <?OFX.
const detectWindow = 1024

// Detect reports whether payload is an OFX document: after an optional
// byte order mark and blanks it starts with the OFX 1.x header
// "OFXHEADER:", or it starts with '<' and "<?OFX" or "<OFX>" appears in
// its first KiB (OFX 2.x, or a document without header). camt and other
// XML documents have neither.
func (*Parser) Detect(payload []byte) bool {
	b := bytes.TrimPrefix(payload, utf8BOM)
	b = b[skipSpace(b, 0):]
	if hasPrefixFold(b, "OFXHEADER") {
		rest := b[len("OFXHEADER"):]
		rest = rest[skipSpace(rest, 0):]
		return len(rest) > 0 && rest[0] == ':'
	}
	if len(b) == 0 || b[0] != '<' {
		return false
	}
	head := b[:min(len(b), detectWindow)]
	return bytes.Contains(head, []byte("<?OFX")) || bytes.Contains(head, []byte("<OFX>"))
}

// Parse turns one OFX document into one event per statement transaction,
// in document order, or returns a *source.ValidationError that lists every
// broken rule. A document whose statements hold no transactions yields no
// events and no error.
func (*Parser) Parse(p source.Payload) ([]*fintrav1.Event, error) {
	if len(p.Bytes) > MaxPayload {
		return nil, fatal("%d bytes is over the %d-byte limit", len(p.Bytes), MaxPayload)
	}
	h, start, err := readHeader(p.Bytes)
	if err != nil {
		return nil, fatal("%v", err)
	}
	body, err := decode(p.Bytes[start:], h.charset)
	if err != nil {
		return nil, fatal("%v", err)
	}
	root, err := parseTree(body, 1+bytes.Count(p.Bytes[:start], []byte("\n")))
	if err != nil {
		return nil, fatal("%v", err)
	}
	m := mapper{payload: p, seen: map[seenKey]seenTx{}}
	m.document(root)
	if err := m.probs.err(); err != nil {
		return nil, err
	}
	if m.events == nil {
		m.events = []*fintrav1.Event{}
	}
	return m.events, nil
}

// problems collects broken rules up to maxProblems and counts the rest.
type problems struct {
	list    []source.FieldError
	dropped int
}

func (p *problems) add(field, rule string, args ...any) {
	if len(p.list) >= maxProblems {
		p.dropped++
		return
	}
	if len(args) > 0 {
		rule = fmt.Sprintf(rule, args...)
	}
	p.list = append(p.list, source.FieldError{Field: field, Rule: rule})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	list := p.list
	if p.dropped > 0 {
		list = append(list, source.FieldError{Field: "payload", Rule: fmt.Sprintf("%d more problems not listed", p.dropped)})
	}
	return &source.ValidationError{Source: Name, Problems: list}
}

// fatal is a document that cannot be read at all: one problem, on "payload".
func fatal(rule string, args ...any) error {
	return &source.ValidationError{Source: Name, Problems: []source.FieldError{{Field: "payload", Rule: fmt.Sprintf(rule, args...)}}}
}

// quote renders a value in a message: single-quoted, escaped when it holds
// something unprintable, cut after 64 bytes.
func quote(s string) string { return "'" + printable(s, 64) + "'" }

func printable(s string, max int) string {
	cut := false
	if len(s) > max {
		n := max
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s, cut = s[:n], true
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
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
