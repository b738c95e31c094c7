package fintrajson

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/fintraos/fintra/processors/connect/source"
)

const schemaPath = "../../../../schemas/fintra-json.schema.json"

// schemaDoc is the part of the JSON Schema that the parser must agree with.
type schemaDoc struct {
	AdditionalProperties *bool `json:"additionalProperties"`
	Required             []string
	Properties           map[string]struct {
		MaxLength *int `json:"maxLength"`
	}
	AllOf []struct {
		If struct {
			Properties struct {
				Type struct {
					Const string `json:"const"`
				} `json:"type"`
			} `json:"properties"`
		} `json:"if"`
		Else struct {
			Required []string `json:"required"`
		} `json:"else"`
	} `json:"allOf"`
	Examples []json.RawMessage
}

func loadSchema(t *testing.T) schemaDoc {
	t.Helper()
	b, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc schemaDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	return doc
}

// TestSchemaMatchesParser keeps schemas/fintra-json.schema.json and the
// parser from drifting apart: same fields, same required fields for a
// created transaction, same length limits, and every example parses.
func TestSchemaMatchesParser(t *testing.T) {
	doc := loadSchema(t)

	if doc.AdditionalProperties == nil || *doc.AdditionalProperties {
		t.Error("schema must set additionalProperties: false (the parser rejects unknown fields)")
	}

	var schemaFields []string
	for name := range doc.Properties {
		schemaFields = append(schemaFields, name)
	}
	slices.Sort(schemaFields)
	parserFields := slices.Clone(fieldNames[:])
	slices.Sort(parserFields)
	if !slices.Equal(schemaFields, parserFields) {
		t.Errorf("schema properties %v\nparser fields     %v", schemaFields, parserFields)
	}

	// The top-level required fields hold for every type; a created (or
	// updated) transaction also needs the else branch of the "removed"
	// condition, since a removal carries only the ids.
	required := slices.Clone(doc.Required)
	found := false
	for _, c := range doc.AllOf {
		if c.If.Properties.Type.Const == "removed" {
			required = append(required, c.Else.Required...)
			found = true
		}
	}
	if !found {
		t.Error(`schema has no allOf condition on type "removed"`)
	}
	slices.Sort(required)
	var want []string
	for _, f := range requiredCreated {
		want = append(want, fieldNames[f])
	}
	slices.Sort(want)
	if !slices.Equal(required, want) {
		t.Errorf("schema requires %v for a created transaction, the parser %v", required, want)
	}
	for _, f := range []string{"account_id", "transaction_id"} {
		if !slices.Contains(doc.Required, f) {
			t.Errorf("schema does not require %s for every type", f)
		}
	}
	// Every field the parser requires, even for a removal, is in the list.
	var empty raw
	probs := source.Problems{Source: Name, Field: "payload"}
	check(&empty, &probs)
	var ve *source.ValidationError
	if !errors.As(probs.Err(), &ve) {
		t.Fatal("the parser requires nothing of an empty payload")
	}
	for _, p := range ve.Problems {
		if !slices.Contains(want, p.Field) {
			t.Errorf("the parser requires %s, which is not in requiredCreated", p.Field)
		}
	}

	for field, limit := range map[field]int{
		fTransactionID:        maxIDLen,
		fPendingTransactionID: maxIDLen,
		fDescription:          maxDescriptionLen,
		fMerchantName:         maxMerchantLen,
		fCity:                 maxCityLen,
		fReason:               maxReasonLen,
	} {
		p := doc.Properties[fieldNames[field]]
		if p.MaxLength == nil || *p.MaxLength != limit {
			t.Errorf("schema maxLength of %s is %v, the parser's limit %d", fieldNames[field], p.MaxLength, limit)
		}
	}

	if len(doc.Examples) == 0 {
		t.Error("schema has no examples")
	}
	for i, ex := range doc.Examples {
		if _, err := parse(ex); err != nil {
			t.Errorf("schema example %d does not parse: %v\n%s", i, err, ex)
		}
	}
}
