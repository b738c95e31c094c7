package plaid

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/fintraos/fintra/processors/connect/source"
)

// MaxPayload is the largest payload accepted, in bytes. A /transactions/sync
// page holds at most 500 transactions (about 1 MiB); this leaves room for a
// /transactions/get page and still bounds what one record can cost.
const MaxPayload = 16 << 20

// maxDepth is the deepest nesting accepted. Plaid's deepest documented
// shape is four levels (page, added[], transaction, counterparties[], {}).
const maxDepth = 16

// maxProblems bounds the problems listed in one error.
const maxProblems = 50

// problems collects broken rules up to maxProblems and counts the rest.
type problems struct {
	list    []source.FieldError
	dropped int
}

func (p *problems) add(f, rule string, args ...any) {
	if len(p.list) >= maxProblems {
		p.dropped++
		return
	}
	if len(args) > 0 {
		rule = fmt.Sprintf(rule, args...)
	}
	p.list = append(p.list, source.FieldError{Field: f, Rule: rule})
}

func (p *problems) count() int { return len(p.list) + p.dropped }

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

// fatal is a payload that cannot be read at all: one problem, on "payload".
func fatal(rule string, args ...any) error {
	return &source.ValidationError{Source: Name, Problems: []source.FieldError{{Field: "payload", Rule: fmt.Sprintf(rule, args...)}}}
}

// checkDocument applies the rules every payload must pass before it is
// decoded: size, UTF-8, JSON syntax, nesting depth, one top-level object.
func checkDocument(b []byte) error {
	if len(b) > MaxPayload {
		return fatal("%d bytes is over the %d-byte limit", len(b), MaxPayload)
	}
	if !utf8.Valid(b) {
		return fatal("invalid UTF-8 at offset %d", invalidUTF8(b))
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return fatal("empty, not a JSON object")
	}
	if !json.Valid(b) {
		var v json.RawMessage
		err := json.Unmarshal(b, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fatal("malformed JSON at offset %d: %s", se.Offset, se.Error())
		}
		return fatal("malformed JSON")
	}
	if off := tooDeep(b, maxDepth); off >= 0 {
		return fatal("nesting deeper than %d levels at offset %d", maxDepth, off)
	}
	if b[skipSpace(b, 0)] != '{' {
		return fatal("not a JSON object")
	}
	return nil
}

// tooDeep returns the offset where valid JSON b nests deeper than max, or -1.
func tooDeep(b []byte, max int) int {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = stringEnd(b, i) - 1
			if i < 0 {
				return -1
			}
		case '{', '[':
			depth++
			if depth > max {
				return i
			}
		case '}', ']':
			depth--
		}
	}
	return -1
}

func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string that
// opens at b[i]; -1 if unclosed.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index after the JSON value that starts at b[i]
// (which need not be valid JSON: Detect runs on anything); -1 if it does
// not end.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = stringEnd(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i]) {
		i++
	}
	return i
}

// eachKey calls fn with every top-level key of the object in b (raw, still
// escaped) and its raw value, until fn returns false. It allocates nothing
// and reads b once, so Detect can use it on anything.
func eachKey(b []byte, fn func(key, val []byte) bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return
	}
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		end := stringEnd(b, i)
		if end < 0 {
			return
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return
		}
		i = skipSpace(b, i+1)
		vend := valueEnd(b, i)
		if vend < 0 {
			return
		}
		if !fn(key, b[i:vend]) {
			return
		}
		i = skipSpace(b, vend)
		if i >= len(b) || b[i] != ',' {
			return
		}
		i = skipSpace(b, i+1)
	}
}

// kindOf names the JSON type of a raw value for messages.
func kindOf(v json.RawMessage) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
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

func isNull(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }

// object decodes v, which must be a JSON object, into a map.
func object(v json.RawMessage, path string, probs *problems) (map[string]json.RawMessage, bool) {
	if len(v) == 0 || v[0] != '{' {
		probs.add(path, "must be an object, not %s", kindOf(v))
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		probs.add(path, "%s", err.Error())
		return nil, false
	}
	return m, true
}

// array decodes v, which must be a JSON array (or null: none), into its elements.
func array(v json.RawMessage, path string, probs *problems) []json.RawMessage {
	if isNull(v) {
		return nil
	}
	if v[0] != '[' {
		probs.add(path, "must be an array, not %s", kindOf(v))
		return nil
	}
	var a []json.RawMessage
	if err := json.Unmarshal(v, &a); err != nil {
		probs.add(path, "%s", err.Error())
		return nil
	}
	return a
}

// str returns the string at m[key]; null counts as absent. A missing
// required string and a value of another type are problems.
func str(m map[string]json.RawMessage, path, key string, required bool, probs *problems) (string, bool) {
	v := m[key]
	if isNull(v) {
		if required {
			probs.add(path+key, "required string")
		}
		return "", false
	}
	if v[0] != '"' {
		probs.add(path+key, "must be a string, not %s", kindOf(v))
		return "", false
	}
	// The document is valid UTF-8 JSON (checkDocument): a string without
	// escapes is its bytes between the quotes, no need to decode it again.
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), true
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		probs.add(path+key, "%s", err.Error())
		return "", false
	}
	return s, true
}

// boolean returns the boolean at m[key], which is required.
func boolean(m map[string]json.RawMessage, path, key string, probs *problems) (bool, bool) {
	switch v := m[key]; string(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	case "", "null":
		probs.add(path+key, "required boolean")
	default:
		probs.add(path+key, "must be a boolean, not %s", kindOf(v))
	}
	return false, false
}

// timestamp parses an RFC 3339 date-time into UTC.
func timestamp(path, s string, probs *problems) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		probs.add(path, "%s is not an RFC 3339 date-time", quote(s))
		return time.Time{}, false
	}
	return inRange(path, s, t.UTC(), probs)
}

// inRange rejects times a protobuf Timestamp cannot hold (UTC years
// 0001..9999), which Go's parser accepts ("0000-01-01").
func inRange(path, s string, t time.Time, probs *problems) (time.Time, bool) {
	if y := t.Year(); y < 1 || y > 9999 {
		probs.add(path, "%s is outside the years 0001..9999 (UTC)", quote(s))
		return time.Time{}, false
	}
	return t, true
}

// date parses an ISO 8601 calendar date (YYYY-MM-DD) as 00:00 UTC.
func date(path, s string, probs *problems) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		probs.add(path, "%s is not an ISO 8601 date (YYYY-MM-DD)", quote(s))
		return time.Time{}, false
	}
	return inRange(path, s, t, probs)
}

// quote renders a value in a message: single-quoted, escaped when it holds
// something unprintable, cut when long.
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
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
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
