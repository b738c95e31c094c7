package camt

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits of the element tree. A camt.053 entry nests at most ~20 elements
// deep (Document/.../TxDtls/RmtInf/Strd/RfrdDocInf/Tp/CdOrPrtry/Cd), so
// anything beyond maxDepth is not a bank statement. maxNodes bounds the
// memory of the retained tree (elements in skipped subtrees are not
// counted): a 16 MiB statement of ~8000 entries keeps well under it.
const (
	maxDepth = 48
	maxNodes = 1 << 20
)

// node is one retained element: its local name (namespaces are ignored so
// that every schema version shares one code path), its Ccy attribute (the
// only attribute the mapping reads) and its character data.
type node struct {
	name string
	ccy  string
	text string
	kids []*node
}

// skipped are subtrees the mapping never reads; they are walked (and their
// depth checked) but not kept, which keeps the tree small.
var skipped = map[string]bool{
	"PstlAdr": true, "RltdAgts": true, "Strd": true, "BkTxCd": true,
	"Chrgs": true, "Tax": true, "RltdDts": true, "RltdPric": true,
	"RltdQties": true, "FinInstrmId": true, "CardTx": true, "TxsSummry": true,
	"Intrst": true, "Avlbty": true, "Svcr": true, "Ownr": true, "MsgRcpt": true,
	"OrgnlBizQry": true, "RtrInf": true, "CorpActn": true, "SfkpgAcct": true,
	"CshDpst": true, "Card": true, "AddtlDataSetInf": true, "SplmtryData": true,
	"CtctDtls": true, "DbtrAcct": true, "CdtrAcct": true, "UltmtDbtrAcct": true,
	"UltmtCdtrAcct": true, "TradgPty": true, "InitgPty": true,
}

// child returns the first child called name, or nil; nil-safe.
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

// at follows a path of child names from n; nil when any step is missing.
func (n *node) at(path ...string) *node {
	for _, p := range path {
		n = n.child(p)
	}
	return n
}

// currency is the Ccy attribute; "" for a missing element.
func (n *node) currency() string {
	if n == nil {
		return ""
	}
	return n.ccy
}

// all returns the children called name, in document order.
func (n *node) all(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

// str is the trimmed text at path ("" when absent): XML Schema collapses
// the whitespace of every simple type camt uses for codes, ids and amounts.
func (n *node) str(path ...string) string {
	n = n.at(path...)
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.text)
}

// rootNamespace is the namespace of the root element and its local name.
type root struct {
	space, local string
}

// readTree parses b into the retained element tree. It enforces maxDepth
// and maxNodes and reports the root element's name and namespace.
func readTree(b []byte) (*node, root, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = charsetReader
	var (
		stack []*node
		top   *node
		rt    root
		nodes int
		skip  int // depth inside a skipped subtree; 0 when not skipping
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, rt, fmt.Errorf("malformed XML at line %d: %s", se.Line, se.Msg)
			}
			return nil, rt, fmt.Errorf("malformed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack)+skip >= maxDepth {
				return nil, rt, fmt.Errorf("elements nested deeper than %d levels", maxDepth)
			}
			if top == nil && len(stack) == 0 && skip == 0 {
				rt = root{space: t.Name.Space, local: t.Name.Local}
			} else if len(stack) == 0 && skip == 0 {
				return nil, rt, errors.New("more than one root element")
			}
			if skip > 0 || skipped[t.Name.Local] {
				skip++
				continue
			}
			nodes++
			if nodes > maxNodes {
				return nil, rt, fmt.Errorf("more than %d elements", maxNodes)
			}
			n := &node{name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Local == "Ccy" && a.Name.Space == "" {
					n.ccy = strings.TrimSpace(a.Value)
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else {
				top = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if skip == 0 && len(stack) > 0 {
				n := stack[len(stack)-1]
				// Only leaves carry values; the indentation between
				// children is not kept.
				if len(n.kids) == 0 {
					n.text += string(t)
				}
			}
		}
	}
	if top == nil {
		return nil, rt, errors.New("no root element: not an XML document")
	}
	return top, rt, nil
}

// charsetReader accepts the encodings a camt file is found in: UTF-8 (the
// ISO 20022 rule, handled by encoding/xml itself), US-ASCII and ISO-8859-1.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii", "utf8":
		return in, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
		b, err := io.ReadAll(io.LimitReader(in, MaxPayload+1))
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b)+len(b)/8)
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("encoding %q is not supported (UTF-8, US-ASCII, ISO-8859-1)", label)
}

// sniffRoot returns the local name and namespace of the first element of
// b without decoding the rest (b may be cut mid-document).
func sniffRoot(b []byte) (local, ns string, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = charsetReader
	for range 64 {
		tok, err := d.RawToken()
		if err != nil {
			return "", "", false
		}
		se, isStart := tok.(xml.StartElement)
		if !isStart {
			continue
		}
		for _, a := range se.Attr {
			if se.Name.Space == "" && a.Name.Space == "" && a.Name.Local == "xmlns" ||
				se.Name.Space != "" && a.Name.Space == "xmlns" && a.Name.Local == se.Name.Space {
				return se.Name.Local, a.Value, true
			}
		}
		return se.Name.Local, "", true
	}
	return "", "", false
}
