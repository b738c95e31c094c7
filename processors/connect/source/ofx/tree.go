package ofx

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fintraos/fintra/processors/connect/source"
)

// node is an OFX element (a leaf with a value) or aggregate (a container).
type node struct {
	name    string
	text    string // character data directly inside, entity-decoded; trimmed on read
	more    []byte // text of an element made of several pieces (text and CDATA)
	kids    []*node
	parent  *node
	line    int  // line of the start tag, for messages
	hasText bool // non-blank character data or a CDATA section was seen
}

// child returns the first child named name, or nil.
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// val returns the trimmed value of the first child named name ("" when absent).
func (n *node) val(name string) string {
	if k := n.child(name); k != nil {
		return k.value()
	}
	return ""
}

func (n *node) value() string {
	if n.more != nil {
		return strings.TrimSpace(string(n.more))
	}
	return strings.TrimSpace(n.text)
}

// count returns how many children are named name.
func (n *node) count(name string) int {
	c := 0
	for _, k := range n.kids {
		if k.name == name {
			c++
		}
	}
	return c
}

// Limits of the tree builder. Bank and card statements nest 8 deep and
// investment statements 10; empty SGML elements without an end tag nest
// what follows them until they are closed, hence the margin.
const (
	maxDepth    = 48
	maxElements = 1 << 20
)

// aggregate reports whether name is an OFX aggregate this package reads or
// names in messages. Aggregates always have an end tag, so one that is
// closed implicitly (by its parent's end tag or the end of the document)
// is a broken document, not an SGML element without end tag.
func aggregate(name string) bool {
	switch name {
	case "OFX", "SIGNONMSGSRSV1", "SONRS", "STATUS", "FI",
		"BANKMSGSRSV1", "STMTTRNRS", "STMTRS", "BANKACCTFROM", "BANKTRANLIST", "STMTTRN",
		"CREDITCARDMSGSRSV1", "CCSTMTTRNRS", "CCSTMTRS", "CCACCTFROM",
		"LEDGERBAL", "AVAILBAL", "CURRENCY", "ORIGCURRENCY", "PAYEE",
		"INVSTMTMSGSRSV1", "INVSTMTTRNRS", "INVSTMTRS", "INVTRANLIST", "SECLISTMSGSRSV1", "SIGNUPMSGSRSV1":
		return true
	}
	return false
}

// builder turns OFX 1.x SGML or OFX 2.x XML into a tree. It is tolerant in
// the ways real files need: elements with or without end tags, empty
// elements, upper- or lower-case tag names, unknown entities and stray '<'
// kept as text. It rejects what would make the tree a guess: aggregates
// without end tags, end tags that close nothing, truncated documents.
type builder struct {
	s     string
	pos   int
	line  int
	stack []*node
	count int
	chunk []node // nodes are allocated in chunks: one allocation per 64
}

func (b *builder) newNode(name string, parent *node) (*node, error) {
	b.count++
	if b.count > maxElements {
		return nil, fmt.Errorf("more than %d elements", maxElements)
	}
	if len(b.chunk) == 0 {
		b.chunk = make([]node, 64)
	}
	n := &b.chunk[0]
	b.chunk = b.chunk[1:]
	n.name, n.parent, n.line = name, parent, b.line
	return n, nil
}

// parseTree reads s (decoded to UTF-8) from its first tag and returns the
// OFX root. line is the line number s starts on.
func parseTree(s string, line int) (*node, error) {
	b := &builder{s: s, line: line}
	doc := &node{name: "#document"}
	b.stack = append(make([]*node, 0, 16), doc)
	for b.pos < len(s) {
		i := strings.IndexByte(s[b.pos:], '<')
		if i < 0 {
			i = len(s) - b.pos
		}
		if i > 0 {
			if err := b.text(s[b.pos:b.pos+i], false); err != nil {
				return nil, err
			}
			b.pos += i
			continue
		}
		if err := b.markup(); err != nil {
			return nil, err
		}
	}
	for j := len(b.stack) - 1; j > 0; j-- {
		if n := b.stack[j]; aggregate(n.name) || len(n.kids) > 0 {
			return nil, fmt.Errorf("the document ends inside <%s> (line %d): truncated?", n.name, n.line)
		}
	}
	if len(doc.kids) == 0 {
		return nil, fmt.Errorf("no <OFX> element")
	}
	if len(doc.kids) > 1 || doc.kids[0].name != "OFX" {
		for _, k := range doc.kids {
			if k.name != "OFX" {
				return nil, fmt.Errorf("line %d: <%s> outside <OFX>", k.line, k.name)
			}
		}
		return nil, fmt.Errorf("line %d: a second <OFX> element", doc.kids[1].line)
	}
	return doc.kids[0], nil
}

func (b *builder) top() *node { return b.stack[len(b.stack)-1] }

// advance moves past n bytes, counting lines.
func (b *builder) advance(n int) {
	b.line += strings.Count(b.s[b.pos:b.pos+n], "\n")
	b.pos += n
}

// text records character data; cdata is a CDATA section's content, kept
// even when blank.
func (b *builder) text(raw string, cdata bool) error {
	t := raw
	if !cdata {
		t = strings.TrimSpace(raw)
	}
	top := b.top()
	switch {
	case t == "" && !cdata:
	case len(b.stack) == 1:
		return fmt.Errorf("line %d: text %s outside <OFX>", b.line, source.Quote(t))
	case len(top.kids) > 0:
		// Character data between the children of an aggregate carries
		// nothing OFX defines; it is ignored.
	default:
		if !cdata {
			t = unescape(t)
		}
		switch {
		case t == "":
		case top.more != nil:
			top.more = append(top.more, t...)
		case top.hasText:
			// Appending to a string copies it: a value split into a
			// million pieces would take quadratic time.
			top.more = append(append(make([]byte, 0, 2*(len(top.text)+len(t))), top.text...), t...)
		default:
			top.text = t
		}
		top.hasText = true
	}
	b.line += strings.Count(raw, "\n")
	return nil
}

func isNameStart(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

func isNameByte(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == ':'
}

// markup reads what starts at the '<' at b.pos.
func (b *builder) markup() error {
	rest := b.s[b.pos:]
	switch {
	case strings.HasPrefix(rest, "<![CDATA["):
		end := strings.Index(rest[9:], "]]>") + 9
		if end < 9 {
			return fmt.Errorf("line %d: unterminated CDATA section", b.line)
		}
		if err := b.text(rest[9:end], true); err != nil {
			return err
		}
		b.pos += end + 3
		return nil
	case strings.HasPrefix(rest, "<!--"):
		return b.skipTo(4, "-->", "comment")
	case strings.HasPrefix(rest, "<!"):
		return b.skipTo(2, ">", "declaration")
	case strings.HasPrefix(rest, "<?"):
		return b.skipTo(2, "?>", "processing instruction")
	case len(rest) > 2 && rest[1] == '/' && isNameStart(rest[2]):
		return b.endTag()
	case len(rest) > 1 && isNameStart(rest[1]):
		return b.startTag()
	}
	// A '<' that starts no tag ("AMOUNT < 5" in a memo) is text.
	if err := b.text("<", false); err != nil {
		return err
	}
	b.pos++
	return nil
}

// skipTo skips markup that opens with n bytes and ends with end.
func (b *builder) skipTo(n int, end, what string) error {
	i := strings.Index(b.s[b.pos+n:], end)
	if i < 0 {
		return fmt.Errorf("line %d: unterminated %s", b.line, what)
	}
	b.advance(n + i + len(end))
	return nil
}

// tagName reads a name at b.s[i:] and returns it upper-cased with its end.
func (b *builder) tagName(i int) (string, int) {
	j := i
	for j < len(b.s) && isNameByte(b.s[j]) {
		j++
	}
	name := b.s[i:j]
	for k := 0; k < len(name); k++ {
		if c := name[k]; c >= 'a' && c <= 'z' {
			return strings.ToUpper(name), j
		}
	}
	return name, j
}

// tagEnd finds the '>' that ends the tag whose name ends at j; attributes
// (OFX defines none) are skipped. selfClosing is an XML "<NAME/>".
func (b *builder) tagEnd(j int, name string) (end int, selfClosing bool, err error) {
	k := strings.IndexAny(b.s[j:], "<>")
	if k < 0 || b.s[j+k] == '<' {
		return 0, false, fmt.Errorf("line %d: tag <%s has no closing '>'", b.line, name)
	}
	end = j + k
	return end, k > 0 && b.s[end-1] == '/', nil
}

func (b *builder) startTag() error {
	name, j := b.tagName(b.pos + 1)
	end, selfClosing, err := b.tagEnd(j, name)
	if err != nil {
		return err
	}
	top := b.top()
	if len(b.stack) > 1 && top.hasText && len(top.kids) == 0 {
		// An element with a value and no end tag ends where the next tag starts.
		if aggregate(top.name) {
			return fmt.Errorf("line %d: aggregate <%s> holds text %s", top.line, top.name, source.Quote(top.value()))
		}
		if err := b.implicitClose(name); err != nil {
			return err
		}
		top = b.top()
	}
	n, err := b.newNode(name, top)
	if err != nil {
		return err
	}
	top.kids = append(top.kids, n)
	b.advance(end + 1 - b.pos)
	if selfClosing {
		n.hasText = true // an empty element: it holds nothing more
		return nil
	}
	if len(b.stack) > maxDepth {
		return fmt.Errorf("line %d: elements nested deeper than %d", b.line, maxDepth)
	}
	b.stack = append(b.stack, n)
	return nil
}

func (b *builder) endTag() error {
	name, j := b.tagName(b.pos + 2)
	end, _, err := b.tagEnd(j, "/"+name)
	if err != nil {
		return err
	}
	i := len(b.stack) - 1
	for i > 0 && b.stack[i].name != name {
		i--
	}
	if i == 0 {
		return fmt.Errorf("line %d: </%s> closes no open element", b.line, name)
	}
	for len(b.stack)-1 > i {
		if err := b.implicitClose("/" + name); err != nil {
			return err
		}
	}
	b.stack = b.stack[:i]
	b.advance(end + 1 - b.pos)
	return nil
}

// implicitClose ends the element on top of the stack that has no end tag.
// An SGML element without a value and without an end tag has swallowed the
// elements that followed it: they belong to its parent, after it.
func (b *builder) implicitClose(by string) error {
	n := b.top()
	if aggregate(n.name) {
		return fmt.Errorf("line %d: <%s> (line %d) has no end tag before <%s>", b.line, n.name, n.line, by)
	}
	b.stack = b.stack[:len(b.stack)-1]
	if len(n.kids) > 0 {
		p := n.parent
		for _, k := range n.kids {
			k.parent = p
		}
		p.kids = append(p.kids, n.kids...)
		n.kids = nil
	}
	return nil
}

// unescape decodes the XML/SGML character references OFX files use; an
// '&' that starts none (a raw "AT&T" in SGML) is kept as is.
func unescape(s string) string {
	i := strings.IndexByte(s, '&')
	if i < 0 {
		return s
	}
	var out strings.Builder
	out.Grow(len(s))
	out.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c != '&' {
			out.WriteByte(c)
			i++
			continue
		}
		if j := strings.IndexByte(s[i:], ';'); j > 1 && j <= 10 {
			if r, ok := entity(s[i+1 : i+j]); ok {
				out.WriteRune(r)
				i += j + 1
				continue
			}
		}
		out.WriteByte('&')
		i++
	}
	return out.String()
}

func entity(name string) (rune, bool) {
	switch name {
	case "amp":
		return '&', true
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	case "nbsp":
		return '\u00a0', true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if name[1] == 'x' || name[1] == 'X' {
		n, err = strconv.ParseUint(name[2:], 16, 32)
	} else {
		n, err = strconv.ParseUint(name[1:], 10, 32)
	}
	if err != nil || n == 0 || n > utf8.MaxRune || !utf8.ValidRune(rune(n)) {
		return 0, false
	}
	return rune(n), true
}
