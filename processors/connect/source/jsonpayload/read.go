package jsonpayload

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/fintraos/fintra/processors/connect/source"
)

// KindOf names the JSON type of a raw value for messages: "a string",
// "an object", "null"...
func KindOf(v json.RawMessage) string {
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

// IsNull reports whether a raw value is absent or JSON null.
func IsNull(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }

// Object decodes v, which must be a JSON object, into a map.
func Object(v json.RawMessage, path string, probs *source.Problems) (map[string]json.RawMessage, bool) {
	if len(v) == 0 || v[0] != '{' {
		probs.Add(path, "must be an object, not %s", KindOf(v))
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		probs.Add(path, "%s", err.Error())
		return nil, false
	}
	return m, true
}

// Array decodes v, which must be a JSON array (or null: none), into its elements.
func Array(v json.RawMessage, path string, probs *source.Problems) []json.RawMessage {
	if IsNull(v) {
		return nil
	}
	if v[0] != '[' {
		probs.Add(path, "must be an array, not %s", KindOf(v))
		return nil
	}
	var a []json.RawMessage
	if err := json.Unmarshal(v, &a); err != nil {
		probs.Add(path, "%s", err.Error())
		return nil
	}
	return a
}

// String returns the string at m[key], whose path is path+key; null
// counts as absent. A missing required string and a value of another type
// are problems. The document must have passed CheckObject.
func String(m map[string]json.RawMessage, path, key string, required bool, probs *source.Problems) (string, bool) {
	v := m[key]
	if IsNull(v) {
		if required {
			probs.Add(path+key, "required string")
		}
		return "", false
	}
	if v[0] != '"' {
		probs.Add(path+key, "must be a string, not %s", KindOf(v))
		return "", false
	}
	// The document is valid UTF-8 JSON (CheckObject): a string without
	// escapes is its bytes between the quotes, no need to decode it again.
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), true
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		probs.Add(path+key, "%s", err.Error())
		return "", false
	}
	return s, true
}

// Bool returns the boolean at m[key], which is required.
func Bool(m map[string]json.RawMessage, path, key string, probs *source.Problems) (bool, bool) {
	switch v := m[key]; string(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	case "", "null":
		probs.Add(path+key, "required boolean")
	default:
		probs.Add(path+key, "must be a boolean, not %s", KindOf(v))
	}
	return false, false
}

// Integer reads a raw value that must be a JSON integer fitting an int64.
// The document must have passed a check (valid JSON).
func Integer(raw json.RawMessage, field string, probs *source.Problems) (int64, bool) {
	if IsNull(raw) {
		probs.Add(field, "required integer")
		return 0, false
	}
	s := string(raw)
	if s[0] != '-' && (s[0] < '0' || s[0] > '9') {
		probs.Add(field, "must be an integer, not %s", KindOf(raw))
		return 0, false
	}
	if strings.ContainsAny(s, ".eE") {
		probs.Add(field, "%s is not an integer", source.Quote(s))
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		probs.Add(field, "%s does not fit in a signed 64-bit integer", source.Quote(s))
		return 0, false
	}
	return n, true
}

// Timestamp parses an RFC 3339 date-time into UTC.
func Timestamp(path, s string, probs *source.Problems) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		probs.Add(path, "%s is not an RFC 3339 date-time", source.Quote(s))
		return time.Time{}, false
	}
	return inRange(path, s, t.UTC(), probs)
}

// Date parses an ISO 8601 calendar date (YYYY-MM-DD) as 00:00 UTC.
func Date(path, s string, probs *source.Problems) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		probs.Add(path, "%s is not an ISO 8601 date (YYYY-MM-DD)", source.Quote(s))
		return time.Time{}, false
	}
	return inRange(path, s, t, probs)
}

// inRange rejects times a protobuf Timestamp cannot hold (UTC years
// 0001..9999), which Go's parser accepts ("0000-01-01").
func inRange(path, s string, t time.Time, probs *source.Problems) (time.Time, bool) {
	if y := t.Year(); y < 1 || y > 9999 {
		probs.Add(path, "%s is outside the years 0001..9999 (UTC)", source.Quote(s))
		return time.Time{}, false
	}
	return t, true
}
