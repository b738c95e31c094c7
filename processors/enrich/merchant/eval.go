package merchant

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// OurSystem is the name of this resolver in an Evaluation.
const OurSystem = "fintra"

// Evaluation is the merchant evaluation of a labelled descriptor set
// against its labels and against the predictions of published systems.
type Evaluation struct {
	Rows           int       `json:"rows"`
	Threshold      float64   `json:"threshold"`
	CatalogVersion string    `json:"catalog_version"`
	Embedder       string    `json:"embedder"`
	Commit         string    `json:"commit,omitempty"`
	Convention     string    `json:"convention"`
	CategoryNote   string    `json:"category_note"`
	Systems        []System  `json:"systems"`
	Predictions    []EvalRow `json:"predictions"`
	// NanosPerDescriptor is the mean wall time of our resolution, the
	// whole batch divided by its rows.
	NanosPerDescriptor int64 `json:"nanos_per_descriptor"`
}

// System is one system's accuracy; nil means it does not predict that field.
type System struct {
	Name             string   `json:"name"`
	MerchantAccuracy *float64 `json:"merchant_accuracy"`
	WebsiteAccuracy  *float64 `json:"website_accuracy"`
}

// EvalRow is our prediction for one row and whether it matched the labels.
type EvalRow struct {
	Descriptor      string  `json:"descriptor"`
	LabelMerchant   string  `json:"label_merchant"`
	LabelWebsite    string  `json:"label_website"`
	Merchant        string  `json:"merchant"`
	EntityID        string  `json:"entity_id"`
	Website         string  `json:"website"`
	Marketplace     string  `json:"marketplace"`
	Confidence      float64 `json:"confidence"`
	Method          string  `json:"method"`
	Cleaned         string  `json:"cleaned"`
	MerchantCorrect bool    `json:"merchant_correct"`
	WebsiteCorrect  bool    `json:"website_correct"`
}

// The conventions this evaluation scores by, written into its output.
const (
	evalConvention = "merchant = the platform when the descriptor shows a marketplace (DoorDash for DOORDASH*ZEEKS PIZZA, as the labels do); " +
		"merchant = the seller behind a payment processor prefix (SQ *, TST*, YSI*...), the processor being the marketplace field; " +
		"a label of None expects no merchant; merchants compare case-insensitively against any ' | '-separated alias; websites as bare domains."
	evalCategoryNote = "no category accuracy: the labels use Ntropy's 47 consumer labels, which mix the kind of merchant with the purpose " +
		"of the payment (Brigit is 'Loan repayment', Yardi 'Rent and property management fee', a card fee abroad 'Bank fee') and include " +
		"labels with no counterpart in this taxonomy ('Not enough information', 'Reversal / adjustment', 'Other consumer services'); a mapping " +
		"written while looking at these 50 rows would measure the mapping, not the categorizer."
)

// Evaluate resolves every labelled descriptor and scores it and the
// published systems' predictions. labels is the labelled CSV (columns
// description, country, merchant_correct, website_correct); predictions has
// the same rows plus prediction_merchant_<system> and
// prediction_website_<system> columns.
func Evaluate(ctx context.Context, r *Resolver, labels, predictions io.Reader) (*Evaluation, error) {
	lab, err := readCSV(labels, "labels")
	if err != nil {
		return nil, err
	}
	pred, err := readCSV(predictions, "predictions")
	if err != nil {
		return nil, err
	}
	if len(lab.rows) != len(pred.rows) {
		return nil, fmt.Errorf("merchant: eval: %d labelled rows but %d prediction rows: give the two files of one data set", len(lab.rows), len(pred.rows))
	}
	for _, col := range []string{"description", "merchant_correct", "website_correct"} {
		if _, ok := lab.col[col]; !ok {
			return nil, fmt.Errorf("merchant: eval: the labels file has no %q column", col)
		}
	}
	inputs := make([]Input, len(lab.rows))
	for i, row := range lab.rows {
		inputs[i] = Input{Descriptor: lab.get(row, "description"), Country: lab.get(row, "country")}
		if got := pred.get(pred.rows[i], "description"); got != inputs[i].Descriptor {
			return nil, fmt.Errorf("merchant: eval: row %d differs between the files (%q, %q): give the two files of one data set", i+2, inputs[i].Descriptor, got)
		}
	}
	start := time.Now()
	res, err := r.Resolve(ctx, inputs)
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)

	ev := &Evaluation{
		Rows: len(inputs), Threshold: r.Threshold(), CatalogVersion: r.CatalogVersion(), Embedder: r.EmbedderName(),
		Convention: evalConvention, CategoryNote: evalCategoryNote,
	}
	if len(inputs) > 0 {
		ev.NanosPerDescriptor = elapsed.Nanoseconds() / int64(len(inputs))
	}
	var merchantRight, websiteRight int
	for i, row := range lab.rows {
		wantMerchant, wantSite := lab.get(row, "merchant_correct"), lab.get(row, "website_correct")
		x := res[i]
		er := EvalRow{
			Descriptor: inputs[i].Descriptor, LabelMerchant: wantMerchant, LabelWebsite: wantSite,
			Merchant: x.Name, EntityID: x.EntityID, Website: x.Website, Marketplace: x.Marketplace,
			Confidence: x.Confidence, Method: MethodName(x.Method), Cleaned: x.Cleaned,
			MerchantCorrect: MerchantMatches(wantMerchant, x.Name),
			WebsiteCorrect:  WebsiteMatches(wantSite, x.Website),
		}
		if er.MerchantCorrect {
			merchantRight++
		}
		if er.WebsiteCorrect {
			websiteRight++
		}
		ev.Predictions = append(ev.Predictions, er)
	}
	ev.Systems = append(ev.Systems, System{Name: OurSystem, MerchantAccuracy: share(merchantRight, len(inputs)), WebsiteAccuracy: share(websiteRight, len(inputs))})
	for _, name := range pred.systems() {
		s := System{Name: name}
		for _, field := range []string{"merchant", "website"} {
			col := "prediction_" + field + "_" + name
			if _, ok := pred.col[col]; !ok {
				continue
			}
			right := 0
			for i, row := range pred.rows {
				got := pred.get(row, col)
				if field == "merchant" && MerchantMatches(lab.get(lab.rows[i], "merchant_correct"), got) ||
					field == "website" && WebsiteMatches(lab.get(lab.rows[i], "website_correct"), got) {
					right++
				}
			}
			if field == "merchant" {
				s.MerchantAccuracy = share(right, len(pred.rows))
			} else {
				s.WebsiteAccuracy = share(right, len(pred.rows))
			}
		}
		ev.Systems = append(ev.Systems, s)
	}
	return ev, nil
}

func share(right, n int) *float64 {
	if n == 0 {
		return nil
	}
	v := float64(right) / float64(n)
	return &v
}

// MerchantMatches compares a prediction with a label case-insensitively,
// against any alias of a ' | '-separated label. A label of None expects no
// merchant.
func MerchantMatches(label, predicted string) bool {
	predicted = strings.TrimSpace(predicted)
	if isNone(predicted) {
		predicted = ""
	}
	for _, want := range strings.Split(label, "|") {
		want = strings.TrimSpace(want)
		if isNone(want) {
			want = ""
		}
		if strings.EqualFold(want, predicted) {
			return true
		}
	}
	return false
}

// WebsiteMatches compares bare domains: no scheme, no www., no path.
func WebsiteMatches(label, predicted string) bool {
	got := BareDomain(predicted)
	for _, want := range strings.Split(label, "|") {
		if BareDomain(want) == got {
			return true
		}
	}
	return false
}

// BareDomain reduces "https://www.goodygoody.com/" to "goodygoody.com".
func BareDomain(site string) string {
	s := strings.ToLower(strings.TrimSpace(site))
	if isNone(s) {
		return ""
	}
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "www.")
}

func isNone(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none", "n/a", "null":
		return true
	}
	return false
}

// MethodName is the short lowercase name of a method: exact, vector,
// source, descriptor or unresolved.
func MethodName(m interface{ String() string }) string {
	return strings.ToLower(strings.TrimPrefix(m.String(), "MERCHANT_METHOD_"))
}

type table struct {
	col  map[string]int
	rows [][]string
}

func (t table) get(row []string, col string) string {
	i, ok := t.col[col]
	if !ok || i >= len(row) {
		return ""
	}
	return row[i]
}

// systems lists the system names of prediction_merchant_* and
// prediction_website_* columns, in column order.
func (t table) systems() []string {
	type named struct {
		name string
		at   int
	}
	seen := map[string]int{}
	for col, i := range t.col {
		for _, p := range []string{"prediction_merchant_", "prediction_website_", "prediction_labels_"} {
			if name, ok := strings.CutPrefix(col, p); ok {
				if at, dup := seen[name]; !dup || i < at {
					seen[name] = i
				}
			}
		}
	}
	var list []named
	for name, at := range seen {
		list = append(list, named{name, at})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].at < list[j].at })
	out := make([]string, len(list))
	for i, n := range list {
		out[i] = n.name
	}
	return out
}

func readCSV(r io.Reader, what string) (table, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return table{}, fmt.Errorf("merchant: eval: read the %s CSV: %w", what, err)
	}
	if len(rows) == 0 {
		return table{}, errors.New("merchant: eval: the " + what + " CSV is empty: it needs a header row")
	}
	t := table{col: map[string]int{}, rows: rows[1:]}
	for i, name := range rows[0] {
		t.col[strings.TrimSpace(name)] = i
	}
	if _, ok := t.col["description"]; !ok {
		return table{}, fmt.Errorf("merchant: eval: the %s CSV has no description column (header %q)", what, rows[0])
	}
	return t, nil
}
