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

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Name is the format's name: the fintra-source header value and the source
// of every event it produces.
const Name = "ofx"

// MaxPayload is the largest document accepted, in bytes: years of a busy
// account's statements fit in a tenth of it.
const MaxPayload = 16 << 20

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
	m := mapper{payload: p, seen: map[seenKey]seenTx{}, probs: source.Problems{Source: Name, Field: "payload"}}
	m.document(root)
	if err := m.probs.Err(); err != nil {
		return nil, err
	}
	if m.events == nil {
		m.events = []*fintrav1.Event{}
	}
	return m.events, nil
}

// fatal is a document that cannot be read at all: one problem, on "payload".
func fatal(rule string, args ...any) error { return source.Fatal(Name, "payload", rule, args...) }
