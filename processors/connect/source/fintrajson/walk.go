package fintrajson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/jsonpayload"
)

// walk decodes the payload's top-level object into r, recording unknown and
// duplicate keys in probs. Malformed JSON is returned as a fatal error.
//
// A json.Decoder token walk is the reference reading, but it costs about
// 6 µs for a typical payload: every scalar token is a full Decode into an
// interface, and in token mode the scanner formats an error string after
// each value. So a payload that encoding/json validates (json.Valid, which
// allocates nothing) is first split by splitValid, which relies on that
// validity and only finds the top-level keys and values; any payload it is
// not sure about (an escaped or unknown or repeated key) goes through the
// token walk, which alone produces the error messages. FuzzWalk checks that
// both readings agree.
func walk(b []byte, r *raw, probs *source.Problems) error {
	if len(b) > MaxPayload {
		return fatal("%d bytes is over the %d-byte limit", len(b), MaxPayload)
	}
	if !utf8.Valid(b) {
		return fatal("invalid UTF-8 at offset %d", jsonpayload.InvalidUTF8(b))
	}
	if json.Valid(b) && splitValid(b, r) {
		return nil
	}
	*r = raw{}
	return tokenWalk(b, r, probs)
}

// tokenWalk reads the payload with a json.Decoder token walk, reporting
// unknown and duplicate keys and malformed JSON.
func tokenWalk(b []byte, r *raw, probs *source.Problems) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err == io.EOF {
		return fatal("empty, not a JSON object")
	}
	if err != nil {
		return malformed(b, dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fatal("not a JSON object")
	}
	var unknown []string // unknown keys seen, to report a repeated one as duplicate
	for dec.More() {
		tok, err = dec.Token()
		if err != nil {
			return malformed(b, dec, err)
		}
		key, _ := tok.(string) // the decoder only yields strings as keys
		before := dec.InputOffset()
		v, err := readValue(dec)
		if err != nil {
			return malformed(b, dec, err)
		}
		if v.kind == kObject || v.kind == kArray {
			// The raw JSON, as splitValid keeps it: between the key and
			// the end of the value, less the colon and the white space.
			v.s = string(bytes.TrimLeft(b[before:dec.InputOffset()], " \t\r\n:"))
		}
		f, known := lookup(key)
		switch {
		case known && r.has(f):
			probs.Add(key, "duplicate key")
		case known:
			r.seen |= 1 << f
			r.vals[f] = v
		case slices.Contains(unknown, key):
			probs.Add(fieldName(key), "duplicate key")
		default:
			unknown = append(unknown, key)
			probs.Add(fieldName(key), "unknown field")
		}
	}
	if _, err = dec.Token(); err != nil { // the closing brace
		return malformed(b, dec, err)
	}
	off := dec.InputOffset()
	if _, err = dec.Token(); err != io.EOF {
		for off < int64(len(b)) && isSpace(b[off]) {
			off++
		}
		return fatal("trailing data after the JSON object at offset %d", off)
	}
	return nil
}

// readValue reads one value; an object or an array is skipped whole.
func readValue(dec *json.Decoder) (value, error) {
	tok, err := dec.Token()
	if err != nil {
		return value{}, err
	}
	switch t := tok.(type) {
	case string:
		return value{kind: kString, s: t}, nil
	case json.Number:
		return value{kind: kNumber, s: string(t)}, nil
	case bool:
		return value{kind: kBool}, nil
	case nil:
		return value{kind: kNull}, nil
	case json.Delim:
		k := kObject
		if t == '[' {
			k = kArray
		}
		for depth := 1; depth > 0; {
			tok, err := dec.Token()
			if err != nil {
				return value{}, err
			}
			if d, ok := tok.(json.Delim); ok {
				if d == '{' || d == '[' {
					depth++
				} else {
					depth--
				}
			}
		}
		return value{kind: k}, nil
	}
	return value{}, fmt.Errorf("unexpected token %v", tok)
}

// malformed reports a JSON syntax error at the offset where the decoder
// stopped: the start of the token it could not read.
func malformed(b []byte, dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), err == io.EOF:
		return fatal("malformed JSON: unexpected end at offset %d", len(b))
	case errors.As(err, &se):
		return fatal("malformed JSON at offset %d: %s", dec.InputOffset(), se.Error())
	default:
		return fatal("malformed JSON at offset %d: %s", dec.InputOffset(), err.Error())
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// splitValid reads the top-level object of b, which must be JSON that
// json.Valid accepted, into r. It reports false, leaving the payload to
// tokenWalk, when b is not an object or has a key that is escaped, unknown
// or repeated. Validity makes the grammar trivial: a string ends at the
// first unescaped quote, an object or array at its matching bracket outside
// strings, and anything else at the next ',' or '}'. Bounds are still
// checked, so that even a wrong caller cannot make it panic.
//
// The values are substrings of one copy of the payload: one allocation
// instead of one per field. They keep that copy (at most MaxPayload bytes)
// alive as long as the event, which connect emits and drops at once.
func splitValid(b []byte, r *raw) bool {
	s := string(b)
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return false
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return true
	}
	for i < len(s) {
		if s[i] != '"' {
			return false
		}
		end, escaped := stringEnd(s, i)
		if escaped || end < 0 {
			return false
		}
		f, known := lookup(s[i+1 : end-1])
		if !known || r.has(f) {
			return false
		}
		i = skipSpace(s, end)
		if i >= len(s) || s[i] != ':' {
			return false
		}
		i = skipSpace(s, i+1)
		if i >= len(s) {
			return false
		}
		var v value
		start := i
		switch c := s[i]; {
		case c == '"':
			end, escaped = stringEnd(s, i)
			if end < 0 {
				return false
			}
			v.kind = kString
			if escaped {
				if json.Unmarshal(b[start:end], &v.s) != nil {
					return false
				}
			} else {
				v.s = s[start+1 : end-1]
			}
			i = end
		case c == '{' || c == '[':
			v.kind = kObject
			if c == '[' {
				v.kind = kArray
			}
			if i = compositeEnd(s, i); i < 0 {
				return false
			}
			v.s = s[start:i] // the raw JSON, for "context"
		default:
			for i < len(s) && s[i] != ',' && s[i] != '}' && !isSpace(s[i]) {
				i++
			}
			switch lit := s[start:i]; lit {
			case "true", "false":
				v.kind = kBool
			case "null":
				v.kind = kNull
			default:
				v.kind, v.s = kNumber, lit
			}
		}
		r.seen |= 1 << f
		r.vals[f] = v
		i = skipSpace(s, i)
		if i >= len(s) {
			return false
		}
		switch s[i] {
		case '}':
			return true
		case ',':
			i = skipSpace(s, i+1)
		default:
			return false
		}
	}
	return false
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// stringEnd returns the index after the closing quote of the string that
// opens at b[i], and whether it holds a backslash escape; -1 if unclosed.
func stringEnd(s string, i int) (end int, escaped bool) {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return -1, escaped
}

// compositeEnd returns the index after the object or array that opens at
// b[i]; -1 if unclosed.
func compositeEnd(s string, i int) int {
	depth := 0
	for i < len(s) {
		switch s[i] {
		case '"':
			end, _ := stringEnd(s, i)
			if end < 0 {
				return -1
			}
			i = end
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
