package catalog

import (
	"bufio"
	"encoding/csv"
	"errors"
	"flag"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var updateReleasedIDs = flag.Bool("update-released-ids", false, "add the default catalog's new ids to testdata/released-ids.txt")

// line joins fields with tabs, so test lines stay readable.
func line(fields ...string) string { return strings.Join(fields, "\t") }

var (
	starbucksLine = line("starbucks", "merchant", "Starbucks", "starbucks.com", "FOOD_AND_DRINK_COFFEE", "5814", "XX", "STARBUCKS COFFEE|SBUX", "")
	squareLine    = line("square", "processor", "Square", "squareup.com", "GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "", "XX", "SQUARE INC", "SQ *|SQU*")
	tescoLine     = line("tesco-uk", "merchant", "Tesco", "tesco.com", "FOOD_AND_DRINK_GROCERIES", "5411", "GB", "TESCO STORES|TESCO EXPRESS", "")
)

func mustParse(t *testing.T, files map[string][]byte) *Catalog {
	t.Helper()
	c, err := Parse(files)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func loadDefault(t testing.TB) *Catalog {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return c
}

func TestDefaultCatalogCoversTheMarkets(t *testing.T) {
	c := loadDefault(t)
	if c.Len() < 4900 {
		t.Errorf("default catalog has %d entities, want at least 4900", c.Len())
	}
	byCountry := map[string]int{}
	byKind := map[Kind]int{}
	for _, e := range c.Entities() {
		byCountry[e.Country]++
		byKind[e.Kind]++
	}
	minimum := map[string]int{
		"US": 2900, "XX": 700, "GB": 500, "DE": 75, "FR": 65, "NL": 50, "ES": 50, "IT": 50,
		"SE": 30, "NO": 20, "DK": 20, "FI": 20, "IE": 40, "AU": 150, "NZ": 50,
	}
	for country, want := range minimum {
		if byCountry[country] < want {
			t.Errorf("%s has %d entities, want at least %d", country, byCountry[country], want)
		}
	}
	for _, kind := range []Kind{KindMerchant, KindProcessor, KindMarketplace} {
		if byKind[kind] == 0 {
			t.Errorf("no entity of kind %s", kind)
		}
	}
	t.Logf("%d entities, version %s, by kind %v", c.Len(), c.Version(), byKind)
}

func TestWellKnownIntermediaries(t *testing.T) {
	c := loadDefault(t)
	for _, tc := range []struct {
		id     string
		kind   Kind
		prefix string
	}{
		{"square", KindProcessor, "SQ *"},
		{"square", KindProcessor, "SQU*"},
		{"toast", KindProcessor, "TST*"},
		{"paypal", KindProcessor, "PAYPAL *"},
		{"paypal", KindProcessor, "PP*"},
		{"apple-services", KindProcessor, "APL*"},
		{"apple-services", KindProcessor, "APPLE.COM/BILL"},
		{"google-payments", KindProcessor, "GOOGLE *"},
		{"yardi", KindProcessor, "YSI*"},
		{"sumup", KindProcessor, "SUMUP *"},
		{"zettle", KindProcessor, "IZ *"},
		{"cash-app", KindProcessor, "CASH APP*"},
		{"amazon-marketplace", KindMarketplace, "AMZN MKTP US*"},
		{"doordash", KindMarketplace, "DD *"},
		{"doordash", KindMarketplace, "DOORDASH*"},
		{"uber", KindMarketplace, "UBER *TRIP"},
		{"uber-eats", KindMarketplace, "UBER *EATS"},
		{"lyft", KindMarketplace, "LYFT *"},
		{"grubhub", KindMarketplace, "GRUBHUB*"},
	} {
		e, ok := c.Entity(tc.id)
		if !ok {
			t.Errorf("%s is missing", tc.id)
			continue
		}
		if e.Kind != tc.kind {
			t.Errorf("%s is a %s, want %s", tc.id, e.Kind, tc.kind)
		}
		if !slices.Contains(e.Prefixes, tc.prefix) {
			t.Errorf("%s prefixes %q lack %q", tc.id, e.Prefixes, tc.prefix)
		}
	}
}

func TestWellKnownMerchants(t *testing.T) {
	c := loadDefault(t)
	for alias, id := range map[string]string{
		"MCDONALDS": "mcdonalds", "mc donalds": "mcdonalds", "WAL-MART": "walmart", "WM SUPERCENTER": "walmart",
		"AMZN": "amazon", "AMAZON.COM": "amazon", "HOME DEPOT": "the-home-depot", "COSTCO WHSE": "costco",
		"TESCO STORES": "tesco-uk", "CHICK FIL A": "chick-fil-a",
	} {
		e, ok := c.ByAlias(alias)
		if !ok || e.ID != id {
			t.Errorf("ByAlias(%q) = %q, %v; want %q", alias, e.ID, ok, id)
		}
	}
}

func TestParseReportsFileLineFieldAndRule(t *testing.T) {
	for _, tc := range []struct {
		name, line, field, rule string
	}{
		{"too few fields", "starbucks\tmerchant\tStarbucks", "line", "has 3 tab-separated fields; want 9"},
		{"too many fields", starbucksLine + "\textra", "line", "has 10 tab-separated fields"},
		{"id upper case", strings.Replace(starbucksLine, "starbucks", "Starbucks", 1), "id", "lowercase letters, digits"},
		{"id with space", strings.Replace(starbucksLine, "starbucks", "star bucks", 1), "id", "lowercase letters, digits"},
		{"id double dash", strings.Replace(starbucksLine, "starbucks", "star--bucks", 1), "id", "single '-'"},
		{"id empty", strings.Replace(starbucksLine, "starbucks", "", 1), "id", "lowercase letters"},
		{"unknown kind", strings.Replace(starbucksLine, "merchant", "shop", 1), "kind", `"shop" is not a kind; use merchant, processor or marketplace`},
		{"empty name", strings.Replace(starbucksLine, "\tStarbucks\t", "\t\t", 1), "name", "is empty"},
		{"website with scheme", strings.Replace(starbucksLine, "starbucks.com", "https://starbucks.com", 1), "website", "drop the scheme"},
		{"website with path", strings.Replace(starbucksLine, "starbucks.com", "starbucks.com/menu", 1), "website", "drop the path"},
		{"website with www", strings.Replace(starbucksLine, "starbucks.com", "www.starbucks.com", 1), "website", `drop the "www."`},
		{"website upper case", strings.Replace(starbucksLine, "starbucks.com", "Starbucks.com", 1), "website", "lower case"},
		{"website without tld", strings.Replace(starbucksLine, "starbucks.com", "starbucks", 1), "website", "needs a top-level domain"},
		{"website with space", strings.Replace(starbucksLine, "starbucks.com", "star bucks.com", 1), "website", "not allowed in a domain"},
		{"category lower case", strings.Replace(starbucksLine, "FOOD_AND_DRINK_COFFEE", "coffee", 1), "category", "upper-case letters and '_'"},
		{"category empty", strings.Replace(starbucksLine, "FOOD_AND_DRINK_COFFEE", "", 1), "category", "taxonomy.tsv"},
		{"mcc too short", strings.Replace(starbucksLine, "5814", "581", 1), "mcc", "4-digit"},
		{"mcc letters", strings.Replace(starbucksLine, "5814", "58a4", 1), "mcc", "4-digit"},
		{"country lower case", strings.Replace(starbucksLine, "\tXX\t", "\tus\t", 1), "country", "ISO 3166-1 alpha-2"},
		{"country three letters", strings.Replace(starbucksLine, "\tXX\t", "\tUSA\t", 1), "country", "ISO 3166-1 alpha-2"},
		{"country UK", strings.Replace(starbucksLine, "\tXX\t", "\tUK\t", 1), "country", "use GB"},
		{"empty alias", strings.Replace(starbucksLine, "STARBUCKS COFFEE|SBUX", "STARBUCKS COFFEE||SBUX", 1), "aliases", "stray '|'"},
		{"alias twice", strings.Replace(starbucksLine, "STARBUCKS COFFEE|SBUX", "SBUX|sbux", 1), "aliases", "listed twice"},
		{"alias repeats name", strings.Replace(starbucksLine, "STARBUCKS COFFEE|SBUX", "STARBUCKS", 1), "aliases", "repeats the name"},
		{"prefix on a merchant", starbucksLine + "SBX*", "prefixes", "only for processor and marketplace"},
		{"empty prefix", strings.Replace(squareLine, "SQ *|SQU*", "SQ *|", 1), "prefixes", "stray '|'"},
		{"prefix twice", strings.Replace(squareLine, "SQ *|SQU*", "SQ *|sq *", 1), "prefixes", "listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(map[string][]byte{"bad.tsv": []byte("# header\n\n" + tc.line + "\n")})
			assertLineError(t, err, "bad.tsv", 3, tc.field, tc.rule)
			if _, err := ParseLine(tc.line); err == nil || !strings.Contains(err.Error(), tc.rule) {
				t.Errorf("ParseLine error %v, want one containing %q", err, tc.rule)
			}
		})
	}
}

// assertLineError checks that err holds a *LineError at file:line for field
// whose message contains rule.
func assertLineError(t *testing.T, err error, file string, lineNo int, field, rule string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %s:%d %s: %s", file, lineNo, field, rule)
	}
	var lineErr *LineError
	if !errors.As(err, &lineErr) {
		t.Fatalf("error %v holds no *LineError", err)
	}
	var found []string
	for _, e := range unjoin(err) {
		if errors.As(e, &lineErr) && lineErr.File == file && lineErr.Line == lineNo && lineErr.Field == field && strings.Contains(lineErr.Rule, rule) {
			want := file + ":" + strconv.Itoa(lineNo) + ": " + field + ": "
			if !strings.Contains(e.Error(), want) {
				t.Errorf("message %q does not contain %q", e.Error(), want)
			}
			return
		}
		found = append(found, e.Error())
	}
	t.Errorf("no error at %s:%d %s containing %q; got:\n%s", file, lineNo, field, rule, strings.Join(found, "\n"))
}

func unjoin(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		return joined.Unwrap()
	}
	return []error{err}
}

func TestParseChecksRulesAcrossEntitiesAndFiles(t *testing.T) {
	costco := line("costco", "merchant", "Costco", "costco.com", "GENERAL_MERCHANDISE_SUPERSTORES", "5300", "US", "COSTCO WHSE", "")
	for _, tc := range []struct {
		name     string
		files    map[string][]byte
		file     string
		lineNo   int
		field    string
		rule     string
		problems int
	}{
		{
			name:  "id defined in two files",
			files: map[string][]byte{"a.tsv": []byte(starbucksLine), "b.tsv": []byte("# b\n" + strings.Replace(starbucksLine, "STARBUCKS COFFEE|SBUX", "", 1))},
			file:  "b.tsv", lineNo: 2, field: "id", rule: `"starbucks" is already defined at a.tsv:1`, problems: 1,
		},
		{
			name:  "alias claimed by two entities, compared case-insensitively after collapsing whitespace",
			files: map[string][]byte{"a.tsv": []byte(costco + "\n" + strings.Replace(starbucksLine, "SBUX", "costco   whse", 1))},
			file:  "a.tsv", lineNo: 2, field: "aliases", rule: `"costco   whse" is already claimed by costco (a.tsv:1)`, problems: 1,
		},
		{
			name:  "prefix claimed by two intermediaries",
			files: map[string][]byte{"a.tsv": []byte(squareLine + "\n" + line("toast", "processor", "Toast", "toasttab.com", "GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "", "XX", "", "TST*|sq *"))},
			file:  "a.tsv", lineNo: 2, field: "prefixes", rule: `"sq *" is already claimed by square`, problems: 1,
		},
		{
			name: "every problem is reported, not only the first",
			files: map[string][]byte{
				"a.tsv": []byte(strings.Replace(starbucksLine, "5814", "58", 1) + "\n" + strings.Replace(tescoLine, "GB", "UK", 1)),
				"b.tsv": []byte("x\ty"),
			},
			file: "a.tsv", lineNo: 2, field: "country", rule: "use GB", problems: 3,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.files)
			assertLineError(t, err, tc.file, tc.lineNo, tc.field, tc.rule)
			if got := len(unjoin(err)); got != tc.problems {
				t.Errorf("%d problems reported, want %d: %v", got, tc.problems, err)
			}
		})
	}
}

func TestParseAcceptsCommentsBlankLinesCRLFAndMissingTrailingColumns(t *testing.T) {
	c := mustParse(t, map[string][]byte{"a.tsv": []byte("# id\tkind\n\n  \r\n" + starbucksLine + "\r\n" + line("walmart", "merchant", "Walmart", "walmart.com", "GENERAL_MERCHANDISE_SUPERSTORES", "5311", "US") + "\n")})
	if c.Len() != 2 {
		t.Fatalf("Len = %d, want 2", c.Len())
	}
	e, _ := c.Entity("starbucks")
	if want := []string{"STARBUCKS COFFEE", "SBUX"}; !reflect.DeepEqual(e.Aliases, want) {
		t.Errorf("aliases %q, want %q", e.Aliases, want)
	}
	if w, _ := c.Entity("walmart"); w.Aliases != nil || w.Prefixes != nil {
		t.Errorf("walmart without list columns has aliases %q prefixes %q", w.Aliases, w.Prefixes)
	}
}

func TestParseLineAndLineRoundTrip(t *testing.T) {
	for _, l := range []string{starbucksLine, squareLine, tescoLine, line("irs", "merchant", "IRS", "irs.gov", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT", "", "US", "", "")} {
		e, err := ParseLine(l)
		if err != nil {
			t.Fatalf("ParseLine(%q): %v", l, err)
		}
		if got := e.Line(); got != l {
			t.Errorf("Line() = %q, want %q", got, l)
		}
	}
	for _, e := range loadDefault(t).Entities() {
		back, err := ParseLine(e.Line())
		if err != nil {
			t.Fatalf("ParseLine(%q): %v", e.Line(), err)
		}
		if !reflect.DeepEqual(back, e) {
			t.Fatalf("round trip of %s changed it:\n got %#v\nwant %#v", e.ID, back, e)
		}
	}
}

// The data files are kept in canonical form, so that a line an engineer
// copies from a file is exactly what Line prints and the topic carries.
func TestDataFilesAreCanonical(t *testing.T) {
	files, err := readData(dataFS)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no data files embedded")
	}
	for name, content := range files {
		for i, l := range strings.Split(string(content), "\n") {
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			e, err := ParseLine(l)
			if err != nil {
				t.Errorf("%s:%d: %v", name, i+1, err)
				continue
			}
			if e.Line() != l {
				t.Errorf("%s:%d: not canonical:\n got %q\nwant %q", name, i+1, l, e.Line())
			}
		}
	}
}

func TestCategoriesAreInTheTaxonomy(t *testing.T) {
	f, err := os.Open("../category/taxonomy.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := map[string]bool{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if l := scanner.Text(); l != "" && !strings.HasPrefix(l, "#") {
			known[strings.SplitN(l, "\t", 2)[0]] = true
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	if len(known) < 50 {
		t.Fatalf("read only %d categories from the taxonomy", len(known))
	}
	for _, e := range loadDefault(t).Entities() {
		if !known[e.Category] {
			t.Errorf("%s: category %s is not in processors/enrich/category/taxonomy.tsv", e.ID, e.Category)
		}
	}
}

// The MCC list is greggles/mcc-codes (see testdata/mcc-greggles/PROVENANCE.md).
func TestMCCsAreKnownCodes(t *testing.T) {
	f, err := os.Open("testdata/mcc-greggles/mcc_codes.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, row := range rows[1:] {
		known[row[0]] = true
	}
	for _, e := range loadDefault(t).Entities() {
		if e.MCC != "" && !known[e.MCC] {
			t.Errorf("%s: mcc %s is not in the ISO 18245 list", e.ID, e.MCC)
		}
	}
}

// Ids are what events carry, so an id once shipped must stay. The test
// fails when a released id disappears; run with -update-released-ids after
// adding entities.
func TestReleasedIDsAreNeverDropped(t *testing.T) {
	const path = "testdata/released-ids.txt"
	c := loadDefault(t)
	content, err := os.ReadFile(path)
	if err != nil && !(*updateReleasedIDs && errors.Is(err, os.ErrNotExist)) {
		t.Fatalf("%v (run go test -run TestReleasedIDsAreNeverDropped -update-released-ids)", err)
	}
	released := map[string]bool{}
	for _, id := range strings.Fields(string(content)) {
		released[id] = true
		if _, ok := c.Entity(id); !ok {
			t.Errorf("released id %q is gone; ids are never dropped or renamed (restore the entity)", id)
		}
	}
	if !*updateReleasedIDs {
		return
	}
	for _, e := range c.Entities() {
		released[e.ID] = true
	}
	ids := make([]string, 0, len(released))
	for id := range released {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if err := os.WriteFile(path, []byte(strings.Join(ids, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestEntitiesAreSortedAndCopies(t *testing.T) {
	c := mustParse(t, map[string][]byte{"a.tsv": []byte(tescoLine + "\n" + starbucksLine + "\n" + squareLine)})
	var ids []string
	for _, e := range c.Entities() {
		ids = append(ids, e.ID)
	}
	if want := []string{"square", "starbucks", "tesco-uk"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
	c.Entities()[1].Aliases[0] = "CHANGED"
	e, _ := c.Entity("starbucks")
	e.Aliases[1] = "CHANGED"
	if again, _ := c.Entity("starbucks"); again.Aliases[0] != "STARBUCKS COFFEE" || again.Aliases[1] != "SBUX" {
		t.Errorf("a caller's change reached the catalog: %q", again.Aliases)
	}
	if _, ok := c.Entity("nope"); ok {
		t.Error("Entity(nope) found something")
	}
}

func TestWithAppliesUpdates(t *testing.T) {
	base := mustParse(t, map[string][]byte{"a.tsv": []byte(starbucksLine + "\n" + squareLine + "\n" + tescoLine)})
	renamed, err := ParseLine(strings.Replace(starbucksLine, "STARBUCKS COFFEE|SBUX", "STARBUCKS COFFEE|SBUX|STARBUCKS RESERVE", 1))
	if err != nil {
		t.Fatal(err)
	}
	added, err := ParseLine(line("costco", "merchant", "Costco", "costco.com", "GENERAL_MERCHANDISE_SUPERSTORES", "5300", "US", "COSTCO WHSE|SBUX STORE", ""))
	if err != nil {
		t.Fatal(err)
	}
	next, err := base.With([]Entity{renamed, added}, []string{"tesco-uk", "never-existed"})
	if err != nil {
		t.Fatalf("With: %v", err)
	}
	if next.Len() != 3 {
		t.Errorf("Len = %d, want 3", next.Len())
	}
	if _, ok := next.Entity("tesco-uk"); ok {
		t.Error("tesco-uk was not deleted")
	}
	if e, ok := next.ByAlias("starbucks reserve"); !ok || e.ID != "starbucks" {
		t.Errorf("the replaced starbucks alias resolves to %q, %v", e.ID, ok)
	}
	if e, ok := next.ByAlias("COSTCO WHSE"); !ok || e.ID != "costco" {
		t.Errorf("the added costco alias resolves to %q, %v", e.ID, ok)
	}
	if _, ok := base.Entity("tesco-uk"); !ok || base.Len() != 3 {
		t.Error("With changed the catalog it was called on")
	}
	if _, ok := base.ByAlias("STARBUCKS RESERVE"); ok {
		t.Error("With changed the original catalog's aliases")
	}
}

func TestWithRejectsBadUpdates(t *testing.T) {
	base := mustParse(t, map[string][]byte{"a.tsv": []byte(starbucksLine + "\n" + squareLine)})
	starbucks, _ := base.Entity("starbucks")
	badWebsite := starbucks
	badWebsite.Website = "http://starbucks.com"
	thief := Entity{ID: "sbux-fan", Kind: KindMerchant, Name: "Fan", Category: "FOOD_AND_DRINK_COFFEE", Country: "US", Aliases: []string{"sbux"}}
	prefixThief := Entity{ID: "sq-clone", Kind: KindProcessor, Name: "Clone", Category: "GENERAL_SERVICES_OTHER_GENERAL_SERVICES", Country: "US", Prefixes: []string{"SQ *"}}
	for _, tc := range []struct {
		name    string
		upserts []Entity
		deletes []string
		field   string
		rule    string
	}{
		{"invalid field", []Entity{badWebsite}, nil, "website", "drop the scheme"},
		{"alias of a kept entity", []Entity{thief}, nil, "aliases", `"sbux" is already claimed by starbucks (the current catalog)`},
		{"prefix of a kept entity", []Entity{prefixThief}, nil, "prefixes", `"SQ *" is already claimed by square`},
		{"upserted twice", []Entity{starbucks, starbucks}, nil, "id", "upserted twice"},
		{"upserted and deleted", []Entity{starbucks}, []string{"starbucks"}, "id", "both upserted and deleted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next, err := base.With(tc.upserts, tc.deletes)
			if next != nil {
				t.Error("With returned a catalog along with the error")
			}
			var lineErr *LineError
			if !errors.As(err, &lineErr) || lineErr.Field != tc.field || !strings.Contains(lineErr.Rule, tc.rule) {
				t.Fatalf("error %v, want %s: ...%s", err, tc.field, tc.rule)
			}
			if !strings.HasPrefix(lineErr.Error(), "catalog: entity ") {
				t.Errorf("message %q does not name the entity", lineErr.Error())
			}
		})
	}
	// The alias moves when its old owner gives it up in the same update.
	released := starbucks
	released.Aliases = []string{"STARBUCKS COFFEE"}
	if _, err := base.With([]Entity{released, thief}, nil); err != nil {
		t.Errorf("moving an alias in one update: %v", err)
	}
}

func TestVersionFollowsContentOnly(t *testing.T) {
	one := mustParse(t, map[string][]byte{"a.tsv": []byte(starbucksLine + "\n" + squareLine + "\n" + tescoLine)})
	shuffled := mustParse(t, map[string][]byte{
		"z.tsv": []byte("# comments and blank lines do not count\n\n" + tescoLine + "\n" + starbucksLine),
		"b.tsv": []byte(squareLine + "\n"),
	})
	if one.Version() != shuffled.Version() {
		t.Errorf("the same entities in another order have versions %s and %s", one.Version(), shuffled.Version())
	}
	if !strings.HasPrefix(one.Version(), "cat-") || len(one.Version()) != len("cat-")+12 {
		t.Errorf("version %q is not cat- and 12 hex digits", one.Version())
	}
	changed := mustParse(t, map[string][]byte{"a.tsv": []byte(strings.Replace(starbucksLine, "5814", "5812", 1) + "\n" + squareLine + "\n" + tescoLine)})
	if changed.Version() == one.Version() {
		t.Error("changing an mcc kept the version")
	}
	noop, err := one.With(nil, []string{"never-existed"})
	if err != nil {
		t.Fatal(err)
	}
	if noop.Version() != one.Version() {
		t.Error("a no-op update changed the version")
	}
	starbucks, _ := one.Entity("starbucks")
	same, err := one.With([]Entity{starbucks}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if same.Version() != one.Version() {
		t.Error("upserting an unchanged entity changed the version")
	}
	deleted, err := one.With(nil, []string{"tesco-uk"})
	if err != nil {
		t.Fatal(err)
	}
	if deleted.Version() == one.Version() {
		t.Error("a delete kept the version")
	}
}

func TestDefaultIsSharedAndSafeForConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	catalogs := make([]*Catalog, 8)
	for i := range catalogs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := loadDefault(t)
			c.Entities()
			c.ByAlias("AMZN")
			catalogs[i] = c
		}()
	}
	wg.Wait()
	for _, c := range catalogs[1:] {
		if c != catalogs[0] {
			t.Fatal("Default parsed the data more than once")
		}
	}
}

func BenchmarkParseDefaultData(b *testing.B) {
	files, err := readData(dataFS)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(files); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWithOneUpsert(b *testing.B) {
	c := loadDefault(b)
	e, ok := c.Entity("starbucks")
	if !ok {
		b.Fatal("no starbucks")
	}
	e.Aliases = append(e.Aliases, "STARBUCKS RESERVE ROASTERY")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.With([]Entity{e}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
