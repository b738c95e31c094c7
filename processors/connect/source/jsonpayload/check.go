package jsonpayload

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/fintraos/fintra/processors/connect/source"
)

// CheckObject applies the rules a plaid or up payload must pass before it
// is decoded: at most maxBytes bytes, UTF-8, JSON syntax, nesting at most
// maxDepth levels, one top-level object. The UTF-8 and depth problems give
// the offset. The error is a *source.ValidationError of format src with one
// problem on "payload".
func CheckObject(src string, b []byte, maxBytes, maxDepth int) error {
	if err := checkSize(src, b, maxBytes); err != nil {
		return err
	}
	if !utf8.Valid(b) {
		return source.Fatal(src, "payload", "invalid UTF-8 at offset %d", InvalidUTF8(b))
	}
	if err := checkSyntax(src, b); err != nil {
		return err
	}
	if off := tooDeep(b, maxDepth); off >= 0 {
		return source.Fatal(src, "payload", "nesting deeper than %d levels at offset %d", maxDepth, off)
	}
	if b[SkipSpace(b, 0)] != '{' {
		return source.Fatal(src, "payload", "not a JSON object")
	}
	return nil
}

// CheckDocument rejects what must not reach encoding/json in a stripe or
// adyen payload: over maxBytes bytes, invalid UTF-8, malformed, or nested
// deeper than maxDepth levels. It does not require an object: the caller's
// decoding says what else the document is. The error is a
// *source.ValidationError of format src with one problem on "payload".
func CheckDocument(src string, b []byte, maxBytes, maxDepth int) error {
	if err := checkSize(src, b, maxBytes); err != nil {
		return err
	}
	if !utf8.Valid(b) {
		return source.Fatal(src, "payload", "invalid UTF-8")
	}
	if err := checkSyntax(src, b); err != nil {
		return err
	}
	if d := depth(b); d > maxDepth {
		return source.Fatal(src, "payload", "JSON nested %d levels deep, over the limit of %d", d, maxDepth)
	}
	return nil
}

func checkSize(src string, b []byte, maxBytes int) error {
	if len(b) > maxBytes {
		return source.Fatal(src, "payload", "%d bytes is over the %d-byte limit", len(b), maxBytes)
	}
	return nil
}

// checkSyntax rejects an empty or malformed document (b is valid UTF-8).
func checkSyntax(src string, b []byte) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return source.Fatal(src, "payload", "empty, not a JSON object")
	}
	if !json.Valid(b) {
		var v json.RawMessage
		err := json.Unmarshal(b, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return source.Fatal(src, "payload", "malformed JSON at offset %d: %s", se.Offset, se.Error())
		}
		return source.Fatal(src, "payload", "malformed JSON")
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

// InvalidUTF8 returns the offset of the first byte of b that is not valid
// UTF-8, or len(b).
func InvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// DecodeError turns an error of encoding/json decoding the value at prefix
// into a *source.ValidationError of format src with one problem: a type
// error on its field, anything else on prefix.
func DecodeError(src, prefix string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return source.Fatal(src, Join(prefix, te.Field), "must be %s, not a JSON %s", jsonType(te.Type.String()), te.Value)
	}
	return source.Fatal(src, prefix, "%s", err.Error())
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

// Join is the dotted path of field in the object at prefix; either may be
// empty.
func Join(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	}
	return prefix + "." + field
}
