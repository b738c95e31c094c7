package adyen

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fintraos/fintra/processors/connect/source"
)

// MaxPayload is the largest payload accepted, in bytes. Adyen batches up to
// a few dozen notification items; the cap only bounds what a broken
// producer can make us allocate.
const MaxPayload = 16 << 20

// maxDepth is the deepest JSON nesting accepted. Notifications nest about
// six levels (notificationItems[].NotificationRequestItem.amount); anything
// far deeper is not an Adyen notification.
const maxDepth = 32

// maxProblems bounds the problems listed in one error.
const maxProblems = 50

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

func (p *problems) empty() bool { return len(p.list) == 0 }

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

// fatal is a payload that cannot be read at all: one problem, on field.
func fatal(field, rule string, args ...any) error {
	return &source.ValidationError{Source: Name, Problems: []source.FieldError{{Field: field, Rule: fmt.Sprintf(rule, args...)}}}
}

// checkDocument rejects what must not reach encoding/json: oversized,
// invalid UTF-8, malformed or too deeply nested input.
func checkDocument(b []byte) error {
	if len(b) > MaxPayload {
		return fatal("payload", "%d bytes is over the %d-byte limit", len(b), MaxPayload)
	}
	if !utf8.Valid(b) {
		return fatal("payload", "invalid UTF-8")
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return fatal("payload", "empty, not a JSON object")
	}
	if !json.Valid(b) {
		var v any
		err := json.Unmarshal(b, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fatal("payload", "malformed JSON at offset %d: %s", se.Offset, se.Error())
		}
		return fatal("payload", "malformed JSON")
	}
	if d := depth(b); d > maxDepth {
		return fatal("payload", "JSON nested %d levels deep, over the limit of %d", d, maxDepth)
	}
	return nil
}

// depth is the deepest nesting of valid JSON b.
func depth(b []byte) int {
	d, max, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			d++
			if d > max {
				max = d
			}
		case c == '}' || c == ']':
			d--
		}
	}
	return max
}

// decodeError turns an encoding/json type error into a problem on its field.
func decodeError(prefix string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fatal(join(prefix, te.Field), "must be %s, not a JSON %s", jsonType(te.Type.String()), te.Value)
	}
	return fatal(prefix, "%s", err.Error())
}

func jsonType(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "a boolean"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "struct"), strings.Contains(goType, "."):
		return "an object"
	}
	return goType
}

func join(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	}
	return prefix + "." + field
}

// isNull reports whether a raw value is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// integer reads a raw value that must be a JSON integer fitting an int64.
func integer(p *problems, field string, raw json.RawMessage) (int64, bool) {
	if isNull(raw) {
		p.add(field, "required integer")
		return 0, false
	}
	s := string(raw)
	if s[0] != '-' && (s[0] < '0' || s[0] > '9') {
		p.add(field, "must be an integer, not %s", kindOf(raw))
		return 0, false
	}
	if strings.ContainsAny(s, ".eE") {
		p.add(field, "%s is not an integer", quote(s))
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		p.add(field, "%s does not fit in a signed 64-bit integer", quote(s))
		return 0, false
	}
	return n, true
}

func kindOf(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// quote renders a value in a message: single-quoted, escaped when it holds
// something unprintable, cut after 64 bytes.
func quote(s string) string {
	const max = 64
	cut := false
	if len(s) > max {
		n := max
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s, cut = s[:n], true
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			q := strconv.Quote(s)
			s = q[1 : len(q)-1]
			break
		}
	}
	if cut {
		s += "…"
	}
	return "'" + s + "'"
}
