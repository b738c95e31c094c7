package jsonpayload

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fintraos/fintra/processors/connect/source"
)

func TestChecks(t *testing.T) {
	deep := strings.Repeat("[", 5) + strings.Repeat("]", 5)
	for _, tc := range []struct{ in, object, document string }{
		{`{"a":1}`, "", ""},
		{`[]`, "payload: not a JSON object", ""},
		{" ", "payload: empty, not a JSON object", "payload: empty, not a JSON object"},
		{"{\"a\":\"\xff\"}", "payload: invalid UTF-8 at offset 6", "payload: invalid UTF-8"},
		{`{"a":}`, "payload: malformed JSON at offset 6: invalid character '}' looking for beginning of value", "payload: malformed JSON at offset 6: invalid character '}' looking for beginning of value"},
		{`{"a":` + deep + `}`, "payload: nesting deeper than 4 levels at offset 8", "payload: JSON nested 6 levels deep, over the limit of 4"},
		{strings.Repeat(" ", 65) + "{}", "payload: 67 bytes is over the 64-byte limit", "payload: 67 bytes is over the 64-byte limit"},
	} {
		errText := func(err error) string {
			if err == nil {
				return ""
			}
			return err.Error()
		}
		if got := errText(CheckObject("x", []byte(tc.in), 64, 4)); got != tc.object {
			t.Errorf("CheckObject(%q) = %q, want %q", tc.in, got, tc.object)
		}
		if got := errText(CheckDocument("x", []byte(tc.in), 64, 4)); got != tc.document {
			t.Errorf("CheckDocument(%q) = %q, want %q", tc.in, got, tc.document)
		}
	}
}

func TestEachKey(t *testing.T) {
	var got []string
	EachKey([]byte(` { "a" : [1,{"b":"]"}], "c\"d":"x" , "e":null,"f"`), func(k, v []byte) bool {
		got = append(got, string(k)+"="+string(v))
		return true
	})
	if want := `a=[1,{"b":"]"}]|c\"d="x"|e=null`; strings.Join(got, "|") != want {
		t.Errorf("EachKey = %q, want %q", strings.Join(got, "|"), want)
	}
}

func TestReaders(t *testing.T) {
	p := source.Problems{Source: "x", Field: "payload"}
	m := map[string]json.RawMessage{"s": json.RawMessage(`"a\u00e9"`), "n": json.RawMessage(`12`), "b": json.RawMessage(`true`), "f": json.RawMessage(`1.5`)}
	if s, ok := String(m, "o.", "s", true, &p); !ok || s != "aé" {
		t.Errorf("String = %q %v", s, ok)
	}
	if n, ok := Integer(m["n"], "o.n", &p); !ok || n != 12 {
		t.Errorf("Integer = %d %v", n, ok)
	}
	if b, ok := Bool(m, "o.", "b", &p); !ok || !b {
		t.Errorf("Bool = %v %v", b, ok)
	}
	String(m, "o.", "n", true, &p)
	String(m, "o.", "missing", true, &p)
	Integer(m["f"], "o.f", &p)
	Bool(m, "o.", "s", &p)
	Timestamp("o.t", "0000-01-01T00:00:00Z", &p)
	Date("o.d", "2026-02-30", &p)
	want := "o.n: must be a string, not a number; o.missing: required string; o.f: '1.5' is not an integer; " +
		"o.s: must be a boolean, not a string; o.t: '0000-01-01T00:00:00Z' is outside the years 0001..9999 (UTC); " +
		"o.d: '2026-02-30' is not an ISO 8601 date (YYYY-MM-DD)"
	if err := p.Err(); err == nil || err.Error() != want {
		t.Errorf("problems:\n got %v\nwant %s", err, want)
	}
	if got := DecodeError("x", "data", json.Unmarshal([]byte(`{"id":1}`), &struct {
		ID string `json:"id"`
	}{})).Error(); got != "data.id: must be a string, not a JSON number" {
		t.Errorf("DecodeError = %q", got)
	}
}
