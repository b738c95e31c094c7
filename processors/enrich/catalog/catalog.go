// Package catalog is the merchant catalog the enrich processor resolves
// statement descriptors to: merchants, billers, employers and the payment
// intermediaries (processors and marketplaces) whose prefixes precede them.
//
// The catalog ships as tab-separated files under data/ (one entity per line,
// see docs/merchant-catalog.md), embedded in the binary and parsed once by
// Default. Runtime updates arrive as single lines (ParseLine) and are applied
// with With, which returns a new catalog: a Catalog is never mutated, so any
// number of goroutines may read one while an update builds the next.
package catalog

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

// Kind says how the resolver treats an entity found in a descriptor.
type Kind string

const (
	// KindMerchant is the party the customer paid (or was paid by).
	KindMerchant Kind = "merchant"
	// KindProcessor is a card acquirer, POS or payment gateway whose prefix
	// precedes the real seller ("SQ *BLUE BOTTLE"): the seller is the merchant.
	KindProcessor Kind = "processor"
	// KindMarketplace is a platform the customer deals with that names the
	// seller behind it ("DD *CHIPOTLE"): the platform is the merchant and the
	// seller is kept as the other party.
	KindMarketplace Kind = "marketplace"
)

// Columns names the tab-separated fields of a catalog line, in order.
var Columns = []string{"id", "kind", "name", "website", "category", "mcc", "country", "aliases", "prefixes"}

// minColumns is the number of fields a line needs: editors strip trailing
// tabs, so the two optional list columns may be missing at the end.
const minColumns = 7

// Entity is one catalog line.
type Entity struct {
	ID, Name, Website, Category, MCC, Country string
	Kind                                      Kind
	// Aliases are the other spellings statements print, as written in the
	// file; they are matched case-insensitively after collapsing whitespace
	// (see AliasKey).
	Aliases []string
	// Prefixes are the descriptor prefixes a processor or marketplace puts
	// before the seller's name, exactly as printed ("SQ *", "DD *").
	Prefixes []string
}

// Line is the entity as one catalog line: the inverse of ParseLine.
func (e Entity) Line() string {
	return strings.Join([]string{
		e.ID, string(e.Kind), e.Name, e.Website, e.Category, e.MCC, e.Country,
		strings.Join(e.Aliases, "|"), strings.Join(e.Prefixes, "|"),
	}, "\t")
}

func (e Entity) clone() Entity {
	e.Aliases = append([]string(nil), e.Aliases...)
	e.Prefixes = append([]string(nil), e.Prefixes...)
	return e
}

// LineError is one problem with one catalog line: where it is, which field,
// and the rule it breaks with the fix.
type LineError struct {
	File  string // empty for a line that came from ParseLine or With
	Line  int    // 1-based; 0 when the line has no file position
	ID    string // the entity's id when it is known
	Field string // a column name, or "line" for the line's shape
	Rule  string
}

func (e *LineError) Error() string {
	var where strings.Builder
	where.WriteString("catalog: ")
	if e.File != "" {
		fmt.Fprintf(&where, "%s:%d: ", e.File, e.Line)
	} else if e.ID != "" {
		fmt.Fprintf(&where, "entity %q: ", e.ID)
	}
	return where.String() + e.Field + ": " + e.Rule
}

// ParseLine parses one catalog line (the format of the data files and of the
// runtime update topic). A problem with any field is a *LineError; all of
// them are reported, joined.
func ParseLine(line string) (Entity, error) {
	e, problems := parseLine(line)
	if len(problems) > 0 {
		errs := make([]error, len(problems))
		for i, p := range problems {
			errs[i] = p
		}
		return e, errors.Join(errs...)
	}
	return e, nil
}

func parseLine(line string) (Entity, []*LineError) {
	line = strings.TrimSuffix(line, "\r")
	fields := strings.Split(line, "\t")
	if len(fields) < minColumns || len(fields) > len(Columns) {
		return Entity{}, []*LineError{{Field: "line", Rule: fmt.Sprintf(
			"has %d tab-separated fields; want %d: %s (aliases and prefixes may be left off the end)",
			len(fields), len(Columns), strings.Join(Columns, " "))}}
	}
	for len(fields) < len(Columns) {
		fields = append(fields, "")
	}
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	e := Entity{
		ID: fields[0], Kind: Kind(fields[1]), Name: fields[2], Website: fields[3],
		Category: fields[4], MCC: fields[5], Country: fields[6],
		Aliases: splitList(fields[7]), Prefixes: splitList(fields[8]),
	}
	return e, validateEntity(e)
}

// splitList splits a '|'-separated column, keeping empty elements so that
// validation can point at a stray separator.
func splitList(field string) []string {
	if field == "" {
		return nil
	}
	parts := strings.Split(field, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// validateEntity checks the rules that concern one entity alone.
func validateEntity(e Entity) []*LineError {
	var problems []*LineError
	add := func(field, format string, args ...any) {
		problems = append(problems, &LineError{ID: e.ID, Field: field, Rule: fmt.Sprintf(format, args...)})
	}
	if !isSlug(e.ID) {
		add("id", "%q must be lowercase letters, digits and single '-' between them, such as \"tesco-uk\"", e.ID)
	}
	switch e.Kind {
	case KindMerchant, KindProcessor, KindMarketplace:
	default:
		add("kind", "%q is not a kind; use merchant, processor or marketplace", e.Kind)
	}
	if e.Name == "" {
		add("name", "is empty; write the brand as people write it, such as \"McDonald's\"")
	}
	if problem := checkWebsite(e.Website); problem != "" {
		add("website", "%q %s", e.Website, problem)
	}
	if !isCategoryCode(e.Category) {
		add("category", "%q must be a detailed code of upper-case letters and '_' from processors/enrich/category/taxonomy.tsv, such as FOOD_AND_DRINK_FAST_FOOD", e.Category)
	}
	if e.MCC != "" && !isDigits(e.MCC, 4) {
		add("mcc", "%q must be a 4-digit ISO 18245 merchant category code, such as 5814, or empty", e.MCC)
	}
	switch {
	case e.Country == "UK":
		add("country", "\"UK\" is not ISO 3166-1 alpha-2; use GB")
	case !isUpper(e.Country, 2):
		add("country", "%q must be an ISO 3166-1 alpha-2 code in upper case, such as US or GB, or XX for a global brand", e.Country)
	}
	seen := map[string]bool{}
	for _, alias := range e.Aliases {
		key := AliasKey(alias)
		switch {
		case key == "":
			add("aliases", "has an empty alias; remove the stray '|'")
		case seen[key]:
			add("aliases", "%q is listed twice (aliases compare case-insensitively)", alias)
		case key == AliasKey(e.Name):
			add("aliases", "%q repeats the name; the name is always matched, list only other spellings", alias)
		}
		seen[key] = true
	}
	if len(e.Prefixes) > 0 && e.Kind != KindProcessor && e.Kind != KindMarketplace {
		add("prefixes", "are only for processor and marketplace entities; this one is a %s, so move the forms to aliases", e.Kind)
	}
	seenPrefix := map[string]bool{}
	for _, prefix := range e.Prefixes {
		key := AliasKey(prefix)
		switch {
		case key == "":
			add("prefixes", "has an empty prefix; remove the stray '|'")
		case seenPrefix[key]:
			add("prefixes", "%q is listed twice", prefix)
		}
		seenPrefix[key] = true
	}
	return problems
}

// AliasKey is the form aliases and prefixes are compared in: upper case,
// runs of whitespace collapsed to one space, trimmed. The resolver should
// normalize a cleaned descriptor the same way before looking an alias up.
func AliasKey(s string) string {
	return strings.Join(strings.Fields(strings.ToUpper(s)), " ")
}

func isSlug(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func isCategoryCode(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r == '_') {
			return false
		}
	}
	return true
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isUpper(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// checkWebsite returns what is wrong with a website, or "" when it is empty
// or a bare lowercase domain name.
func checkWebsite(site string) string {
	const want = "must be a bare lowercase domain such as \"tesco.com\""
	switch {
	case site == "":
		return ""
	case strings.Contains(site, "://"):
		return want + ": drop the scheme"
	case strings.ContainsAny(site, "/?#"):
		return want + ": drop the path"
	case strings.Contains(site, ":"):
		return want + ": drop the port"
	case strings.HasPrefix(site, "www."):
		return want + ": drop the \"www.\""
	case site != strings.ToLower(site):
		return want + ": write it in lower case"
	}
	labels := strings.Split(site, ".")
	if len(labels) < 2 {
		return want + ": it needs a top-level domain"
	}
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return want + ": every dot-separated label is 1-63 characters and neither starts nor ends with '-'"
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return want + fmt.Sprintf(": %q is not allowed in a domain", r)
			}
		}
	}
	if tld := labels[len(labels)-1]; len(tld) < 2 || !isLetters(tld) {
		return want + fmt.Sprintf(": %q is not a top-level domain", tld)
	}
	return ""
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// Catalog is an immutable set of entities, built by Parse, Default or With;
// safe for concurrent use.
type Catalog struct {
	entities []Entity // sorted by ID
	byID     map[string]int
	byAlias  map[string]int // AliasKey(alias) -> index
	version  string
}

// Version is a stable hash of the catalog's content: it changes when any
// entity changes and not when files are reordered, split or commented.
func (c *Catalog) Version() string { return c.version }

// Len is the number of entities.
func (c *Catalog) Len() int { return len(c.entities) }

// Entities returns every entity, sorted by ID; the caller owns the slice.
func (c *Catalog) Entities() []Entity {
	out := make([]Entity, len(c.entities))
	for i, e := range c.entities {
		out[i] = e.clone()
	}
	return out
}

// Entity returns the entity with the given id.
func (c *Catalog) Entity(id string) (Entity, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Entity{}, false
	}
	return c.entities[i].clone(), true
}

// ByAlias returns the entity that claims an alias, compared as AliasKey does.
// Names are not aliases: several markets may share a brand name.
func (c *Catalog) ByAlias(alias string) (Entity, bool) {
	i, ok := c.byAlias[AliasKey(alias)]
	if !ok {
		return Entity{}, false
	}
	return c.entities[i].clone(), true
}

// located is an entity with where it came from, for error messages.
type located struct {
	entity Entity
	file   string // empty for an entity from an update or the current catalog
	line   int
	source string // where it came from when file is empty
}

func (l located) where() string {
	if l.file == "" {
		return l.source
	}
	return fmt.Sprintf("%s:%d", l.file, l.line)
}

// Parse builds a catalog from named files (name -> content). Every problem in
// every file is reported, each as a *LineError naming the file, line, field
// and rule, joined into one error.
func Parse(files map[string][]byte) (*Catalog, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var (
		entries  []located
		problems []error
	)
	for _, name := range names {
		for i, line := range strings.Split(string(files[name]), "\n") {
			trimmed := strings.TrimSpace(line)
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			e, lineProblems := parseLine(line)
			for _, p := range lineProblems {
				p.File, p.Line = name, i+1
				problems = append(problems, p)
			}
			if len(lineProblems) == 0 {
				entries = append(entries, located{entity: e, file: name, line: i + 1})
			}
		}
	}
	c, crossProblems := build(entries)
	problems = append(problems, crossProblems...)
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return c, nil
}

// build checks the rules that span entities (unique ids, aliases and
// prefixes) and indexes the result.
func build(entries []located) (*Catalog, []error) {
	var problems []error
	fail := func(at located, field, format string, args ...any) {
		problems = append(problems, &LineError{File: at.file, Line: at.line, ID: at.entity.ID, Field: field, Rule: fmt.Sprintf(format, args...)})
	}
	byID := make(map[string]located, len(entries))
	aliasOwner := map[string]located{}
	prefixOwner := map[string]located{}
	for _, at := range entries {
		e := at.entity
		if first, dup := byID[e.ID]; dup {
			fail(at, "id", "%q is already defined at %s; ids are unique across all files and never reused", e.ID, first.where())
			continue
		}
		byID[e.ID] = at
		for _, alias := range e.Aliases {
			key := AliasKey(alias)
			if owner, taken := aliasOwner[key]; taken && owner.entity.ID != e.ID {
				fail(at, "aliases", "%q is already claimed by %s (%s); an alias names one entity, so leave an ambiguous form on neither", alias, owner.entity.ID, owner.where())
				continue
			}
			aliasOwner[key] = at
		}
		for _, prefix := range e.Prefixes {
			key := AliasKey(prefix)
			if owner, taken := prefixOwner[key]; taken && owner.entity.ID != e.ID {
				fail(at, "prefixes", "%q is already claimed by %s (%s); a prefix names one intermediary", prefix, owner.entity.ID, owner.where())
				continue
			}
			prefixOwner[key] = at
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	c := &Catalog{
		entities: make([]Entity, 0, len(byID)),
		byID:     make(map[string]int, len(byID)),
		byAlias:  make(map[string]int, len(aliasOwner)),
	}
	for _, at := range byID {
		c.entities = append(c.entities, at.entity.clone())
	}
	sort.Slice(c.entities, func(i, j int) bool { return c.entities[i].ID < c.entities[j].ID })
	hash := sha256.New()
	for i, e := range c.entities {
		c.byID[e.ID] = i
		for _, alias := range e.Aliases {
			c.byAlias[AliasKey(alias)] = i
		}
		hash.Write([]byte(e.Line()))
		hash.Write([]byte{'\n'})
	}
	c.version = "cat-" + hex.EncodeToString(hash.Sum(nil))[:12]
	return c, nil
}

// With returns a new catalog with the deletes removed and the upserts added
// or replacing the entity with the same id, validated by the same rules as
// Parse. Deleting an id the catalog does not hold is not an error, so a
// replayed delete is harmless. c itself is unchanged.
func (c *Catalog) With(upserts []Entity, deletes []string) (*Catalog, error) {
	var problems []error
	deleted := make(map[string]bool, len(deletes))
	for _, id := range deletes {
		deleted[id] = true
	}
	upserted := make(map[string]bool, len(upserts))
	for _, e := range upserts {
		switch {
		case upserted[e.ID]:
			problems = append(problems, &LineError{ID: e.ID, Field: "id", Rule: "is upserted twice in one update; send one line per entity"})
		case deleted[e.ID]:
			problems = append(problems, &LineError{ID: e.ID, Field: "id", Rule: "is both upserted and deleted in one update; send one or the other"})
		}
		upserted[e.ID] = true
		for _, p := range validateEntity(e) {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	// Kept entities go first: a conflict is reported against the later
	// claimant, which should be the update, not the data already accepted.
	entries := make([]located, 0, len(c.entities)+len(upserts))
	for _, e := range c.entities {
		if !deleted[e.ID] && !upserted[e.ID] {
			entries = append(entries, located{entity: e, source: "the current catalog"})
		}
	}
	for _, e := range upserts {
		entries = append(entries, located{entity: e.clone(), source: "this update"})
	}
	next, crossProblems := build(entries)
	if len(crossProblems) > 0 {
		return nil, errors.Join(crossProblems...)
	}
	return next, nil
}

//go:embed data/*.tsv
var dataFS embed.FS

var (
	defaultOnce    sync.Once
	defaultCatalog *Catalog
	defaultErr     error
)

// Default is the catalog shipped in data/*.tsv, parsed on first use.
func Default() (*Catalog, error) {
	defaultOnce.Do(func() {
		files, err := readData(dataFS)
		if err != nil {
			defaultErr = err
			return
		}
		defaultCatalog, defaultErr = Parse(files)
	})
	return defaultCatalog, defaultErr
}

func readData(fsys fs.FS) (map[string][]byte, error) {
	names, err := fs.Glob(fsys, "data/*.tsv")
	if err != nil {
		return nil, fmt.Errorf("catalog: list data files: %w", err)
	}
	files := make(map[string][]byte, len(names))
	for _, name := range names {
		content, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("catalog: read %s: %w", name, err)
		}
		files[path.Base(name)] = content
	}
	return files, nil
}
