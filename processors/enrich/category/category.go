// Package category holds the two-level category taxonomy (taxonomy.tsv: a
// primary such as FOOD_AND_DRINK and a detailed category such as
// FOOD_AND_DRINK_COFFEE), the map from ISO 18245 merchant category codes to
// detailed categories, and Decide, which categorizes one transaction.
//
// Decide applies its rules in this order, the first that fires wins:
//
//  1. income: payroll phrasing, or a credit from a merchant whose default
//     category is income (method "income");
//  2. transfers: transfer phrasing, in or out by the sign (method "transfer");
//  3. bank fees: fee phrasing on a debit (method "fee");
//  4. refunds: a reversal, a linked refund, refund phrasing, or a credit at
//     a merchant (method "refund"); the category is the merchant's, because
//     a refund of groceries reduces grocery spending;
//  5. the MCC the source gave (method "mcc");
//  6. the merchant's default category from the catalog (method "merchant");
//  7. keywords in the cleaned descriptor (method "keyword");
//  8. otherwise the fallback: GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE
//     for a debit and INCOME_OTHER_INCOME / TRANSFER_IN_OTHER_TRANSFER_IN for
//     a credit, with method "none" and confidence 0, so that every event has
//     a valid category and a consumer can tell the guess by its method.
package category

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed taxonomy.tsv
var taxonomyTSV []byte

// Code is one detailed category of the taxonomy.
type Code struct {
	// Detailed is the detailed code, e.g. FOOD_AND_DRINK_COFFEE.
	Detailed string
	// Primary is its primary, e.g. FOOD_AND_DRINK.
	Primary string
	// Description is the human reading, e.g. "food and drink: coffee".
	Description string
}

var (
	codes     []Code
	byDetail  = map[string]Code{}
	primaries = map[string]bool{}
)

func init() {
	var err error
	codes, err = parseTaxonomy(taxonomyTSV)
	if err != nil {
		// The taxonomy is compiled in; a broken one is a build defect.
		panic(err)
	}
	for _, c := range codes {
		byDetail[c.Detailed] = c
		primaries[c.Primary] = true
	}
}

func parseTaxonomy(data []byte) ([]Code, error) {
	var out []Code
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("category: taxonomy.tsv line %d: want detailed<TAB>primary<TAB>description, got %d fields", line, len(f))
		}
		c := Code{Detailed: f[0], Primary: f[1], Description: f[2]}
		if !strings.HasPrefix(c.Detailed, c.Primary+"_") {
			return nil, fmt.Errorf("category: taxonomy.tsv line %d: %s must start with its primary %s followed by '_'", line, c.Detailed, c.Primary)
		}
		if seen[c.Detailed] {
			return nil, fmt.Errorf("category: taxonomy.tsv line %d: %s is listed twice", line, c.Detailed)
		}
		seen[c.Detailed] = true
		out = append(out, c)
	}
	return out, sc.Err()
}

// Known reports whether code is a detailed or a primary category.
func Known(code string) bool {
	_, ok := byDetail[code]
	return ok || primaries[code]
}

// Primary returns the primary of a detailed code, the code itself for a
// primary, and "" for an unknown code.
func Primary(code string) string {
	if c, ok := byDetail[code]; ok {
		return c.Primary
	}
	if primaries[code] {
		return code
	}
	return ""
}

// Describe returns the description of a detailed code ("" if unknown).
func Describe(code string) string { return byDetail[code].Description }

// All returns every detailed category in taxonomy order.
func All() []Code { return append([]Code(nil), codes...) }

// Primaries returns the primary categories, sorted.
func Primaries() []string {
	out := make([]string, 0, len(primaries))
	for p := range primaries {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
