package features

import (
	"fmt"
	"slices"
	"strings"
)

// MarkdownTable renders Table as the feature table of docs/guard.md; a
// test keeps the document in step with the code.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| # | feature | meaning | window | unit |\n|---|---|---|---|---|\n")
	for i, f := range Table {
		fmt.Fprintf(&b, "| %d | `%s` | %s | %s | %s |\n", i, f.Name, esc(f.Meaning), esc(f.Window), esc(f.Unit))
	}
	return b.String()
}

// RiskMarkdown renders the merchant category risk tables.
func RiskMarkdown() string {
	var b strings.Builder
	b.WriteString("| MCC | risk |\n|---|---|\n")
	for _, k := range sortedKeys(mccRisk) {
		fmt.Fprintf(&b, "| %s | %g |\n", k, mccRisk[k])
	}
	b.WriteString("\n| category (detailed or primary) | risk |\n|---|---|\n")
	for _, k := range sortedKeys(categoryRisk) {
		fmt.Fprintf(&b, "| %s | %g |\n", k, categoryRisk[k])
	}
	fmt.Fprintf(&b, "\nMCCs 3000–3299 (airlines) score as 3000, 3500–3999 (hotels) as 7011; anything else %g.\n", DefaultCategoryRisk)
	return b.String()
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func esc(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
