package merchant

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/fintraos/fintra/processors/enrich/catalog"
	fintrav1 "github.com/fintraos/fintra/schemas/fintrav1"
)

// testCatalog is a small catalog in the shipped format.
const testCatalog = `# id	kind	name	website	category	mcc	country	aliases	prefixes
square	processor	Square	squareup.com	GENERAL_SERVICES_OTHER_GENERAL_SERVICES		XX	SQUARE INC	SQ *|SQ*
yardi	processor	Yardi RentCafe	yardi.com	RENT_AND_UTILITIES_RENT		US	YARDI|RENTCAFE	YSI*|YSI *
doordash	marketplace	DoorDash	doordash.com	FOOD_AND_DRINK_FAST_FOOD	5814	US	DOORDASH INC|DOORDASH.COM|DOORDASH DASHPASS	DD *|DD*|DOORDASH*|DD DOORDASH
apple-services	processor	Apple Services	apple.com	ENTERTAINMENT_OTHER_ENTERTAINMENT		XX	ITUNES.COM	APL*|APL*ITUNES.COM/BILL
blue-bottle	merchant	Blue Bottle Coffee	bluebottlecoffee.com	FOOD_AND_DRINK_COFFEE	5814	US	BLUE BOTTLE|BLUE BOTTLE COFFE	
burger-king	merchant	Burger King	bk.com	FOOD_AND_DRINK_FAST_FOOD	5814	XX	BURGERKING|BK	
petco	merchant	Petco	petco.com	GENERAL_MERCHANDISE_PET_SUPPLIES	5995	US	PETCO ANIMAL SUPPLIES|PETCO ANIMAL SUP	
weaver-street	merchant	Weaver Street Market	weaverstreetmarket.coop	FOOD_AND_DRINK_GROCERIES	5411	US	WEAVER STREET MKT	
trader-joes	merchant	Trader Joe's	traderjoes.com	FOOD_AND_DRINK_GROCERIES	5411	US	TRADER JOES|TRADER JOE S	
tesco	merchant	Tesco	tesco.com	FOOD_AND_DRINK_GROCERIES	5411	GB	TESCO STORES	
duke-energy	merchant	Duke Energy	duke-energy.com	RENT_AND_UTILITIES_GAS_AND_ELECTRICITY	4900	US	DUKE ENERGY PAYMENT	
handels	merchant	Handel's Homemade Ice Cream	handelsicecream.com	FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK	5812	US	HANDELS ICE CREAM	
netflix	merchant	Netflix	netflix.com	ENTERTAINMENT_TV_AND_MOVIES	4899	XX	NETFLIX.COM	
`

func newTestResolver(t testing.TB) *Resolver {
	t.Helper()
	cat, err := catalog.Parse(map[string][]byte{"test.tsv": []byte(testCatalog)})
	if err != nil {
		t.Fatal(err)
	}
	emb, _ := NewNgramEmbedder(0)
	idx, _ := NewMemoryIndex(emb.Dim())
	r, err := NewResolver(cat, emb, idx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestResolve(t *testing.T) {
	r := newTestResolver(t)
	tests := []struct {
		name        string
		in          Input
		entity      string
		merchant    string
		marketplace string
		method      fintrav1.MerchantMethod
	}{
		{"processor prefix: the seller", Input{Descriptor: "SQ *BLUE BOTTLE COFFE Oakland CA"}, "blue-bottle", "Blue Bottle Coffee", "Square", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
		{"processor with unknown seller", Input{Descriptor: "YSI*Allora Bella Terra TX 01/18"}, "", "Allora Bella", "Yardi RentCafe", fintrav1.MerchantMethod_MERCHANT_METHOD_DESCRIPTOR},
		{"marketplace prefix: the platform", Input{Descriptor: "DOORDASH*ZEEKS PIZZA"}, "doordash", "DoorDash", "Zeeks Pizza", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
		{"marketplace with a known seller", Input{Descriptor: "DD DOORDASH BURGERKING"}, "doordash", "DoorDash", "Burger King", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
		{"the platform's own text is no seller", Input{Descriptor: "DOORDASH*DOORDASH.COM"}, "doordash", "DoorDash", "", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
		{"a processor alone", Input{Descriptor: "APL*ITUNES.COM/BILL 866-712-7753 CA"}, "apple-services", "Apple Services", "", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
		{"payroll: the employer", Input{Descriptor: "EARLY PAY: PETCO ANIMAL SUP DIRECT DEP 661021916777KVV 012243"}, "petco", "Petco", "", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
		{"alias then city", Input{Descriptor: "PURCHASE AUTHORIZED ON 03/14 TRADER JOE S #552 AUSTIN TX S463073123456789 CARD 4421"}, "trader-joes", "Trader Joe's", "", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
		{"glued words", Input{Descriptor: "DUKEENERGY-FL DUKEENERGY FEB 02 2901845272002"}, "duke-energy", "Duke Energy", "", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
		{"merchant's own star", Input{Descriptor: "NETFLIX.COM*PREMIUM"}, "netflix", "Netflix", "", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
		{"source name", Input{Descriptor: "POS 1234 XYZ", MerchantName: "Tesco Stores", Country: "GB"}, "tesco", "Tesco", "", fintrav1.MerchantMethod_MERCHANT_METHOD_SOURCE},
		{"a foreign namesake is not a partial match", Input{Descriptor: "TESCO STORES LONDON", Country: "US"}, "", "Tesco Stores London", "", fintrav1.MerchantMethod_MERCHANT_METHOD_DESCRIPTOR},
		{"unless the statement says abroad", Input{Descriptor: "TESCO STORES LONDON INTERNATIONAL TRANSACTION", Country: "US"}, "tesco", "Tesco", "", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
		{"the whole alias crosses borders", Input{Descriptor: "TESCO STORES", Country: "US"}, "tesco", "Tesco", "", fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT},
		{"source name for an unknown merchant", Input{Descriptor: "POS 1234 JTTYS BGLS", MerchantName: "Jetties Bagels"}, "", "Jetties Bagels", "", fintrav1.MerchantMethod_MERCHANT_METHOD_DESCRIPTOR},
		{"nearest neighbour", Input{Descriptor: "CHECKCARD 0322 HANDELS HOMEMADE MCKINNEY TX XXXXX4332XXXXXXXXXX0322"}, "handels", "Handel's Homemade Ice Cream", "", fintrav1.MerchantMethod_MERCHANT_METHOD_VECTOR},
		{"business name not in the catalog", Input{Descriptor: "RAZORZ BARBERSHOP"}, "", "Razorz Barbershop", "", fintrav1.MerchantMethod_MERCHANT_METHOD_DESCRIPTOR},
		{"transfer to a person", Input{Descriptor: "ZELLE TO JANE DOE ON 03/02"}, "", "", "", fintrav1.MerchantMethod_MERCHANT_METHOD_UNRESOLVED},
		{"only noise", Input{Descriptor: "CHECK # 1716"}, "", "", "", fintrav1.MerchantMethod_MERCHANT_METHOD_UNRESOLVED},
		{"empty", Input{}, "", "", "", fintrav1.MerchantMethod_MERCHANT_METHOD_UNRESOLVED},
	}
	inputs := make([]Input, len(tests))
	for i, tt := range tests {
		inputs[i] = tt.in
	}
	got, err := r.Resolve(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tests) {
		t.Fatalf("%d resolutions for %d inputs", len(got), len(tests))
	}
	for i, tt := range tests {
		g := got[i]
		if g.EntityID != tt.entity || g.Name != tt.merchant || g.Marketplace != tt.marketplace || g.Method != tt.method {
			t.Errorf("%s: Resolve(%q) = entity %q name %q marketplace %q %v (%.2f, cleaned %q); want %q %q %q %v",
				tt.name, tt.in.Descriptor, g.EntityID, g.Name, g.Marketplace, g.Method, g.Confidence, g.Cleaned, tt.entity, tt.merchant, tt.marketplace, tt.method)
		}
		if g.CatalogVersion != r.CatalogVersion() {
			t.Errorf("%s: catalog version %q", tt.name, g.CatalogVersion)
		}
		switch g.Method {
		case fintrav1.MerchantMethod_MERCHANT_METHOD_UNRESOLVED:
			if g.Confidence != 0 {
				t.Errorf("%s: unresolved with confidence %v", tt.name, g.Confidence)
			}
		case fintrav1.MerchantMethod_MERCHANT_METHOD_DESCRIPTOR:
			if g.Confidence > 0.3 {
				t.Errorf("%s: a descriptor guess with confidence %v", tt.name, g.Confidence)
			}
		case fintrav1.MerchantMethod_MERCHANT_METHOD_VECTOR:
			if g.Confidence < r.Threshold() || g.Confidence >= confExact {
				t.Errorf("%s: vector confidence %v outside [threshold, exact)", tt.name, g.Confidence)
			}
		}
	}
}

func TestUpdate(t *testing.T) {
	r := newTestResolver(t)
	ctx := context.Background()
	before := r.CatalogVersion()
	zeeks, err := catalog.ParseLine("zeeks-pizza\tmerchant\tZeeks Pizza\tzeekspizza.com\tFOOD_AND_DRINK_RESTAURANT\t5812\tUS\tZEEKS\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Update(ctx, []catalog.Entity{zeeks}, []string{"netflix"}); err != nil {
		t.Fatal(err)
	}
	if r.CatalogVersion() == before {
		t.Error("the catalog version did not change")
	}
	got, err := r.Resolve(ctx, []Input{{Descriptor: "ZEEKS PIZZA SEATTLE WA"}, {Descriptor: "NETFLIX.COM"}, {Descriptor: "DOORDASH*ZEEKS PIZZA"}})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].EntityID != "zeeks-pizza" {
		t.Errorf("the upserted entity is not found: %+v", got[0])
	}
	if got[1].EntityID == "netflix" {
		t.Errorf("the deleted entity is still found: %+v", got[1])
	}
	if got[2].EntityID != "doordash" || got[2].MarketplaceEntityID != "zeeks-pizza" {
		t.Errorf("the seller behind the platform is not the new entity: %+v", got[2])
	}
	// The index lost every point of the deleted entity.
	vecs, _ := r.emb.Embed(ctx, []string{"NETFLIX"})
	hits, _ := r.idx.Search(ctx, vecs, 50, Filter{})
	for _, h := range hits[0] {
		if h.EntityID == "netflix" {
			t.Errorf("index still holds %+v", h)
		}
	}
	version := r.CatalogVersion()
	if err := r.Update(ctx, []catalog.Entity{{ID: "Not A Slug", Name: "x"}}, nil); err == nil {
		t.Error("an invalid entity was accepted")
	}
	if r.CatalogVersion() != version {
		t.Error("a failed update changed the catalog")
	}
}

// TestConcurrentResolveAndUpdate is for -race: resolutions during updates
// see one catalog or the other.
func TestConcurrentResolveAndUpdate(t *testing.T) {
	r := newTestResolver(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err := r.Resolve(ctx, []Input{{Descriptor: "SQ *BLUE BOTTLE"}, {Descriptor: "HANDELS HOMEMADE"}}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		_ = g
	}
	for i := range 20 {
		e, _ := catalog.ParseLine("extra\tmerchant\tExtra Shop\textra.com\tGENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE\t\tUS\tEXTRA SHOP " + strings.Repeat("X", i%3+1) + "\t")
		if err := r.Update(ctx, []catalog.Entity{e}, nil); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

func TestOptionsValidate(t *testing.T) {
	err := Options{Threshold: 1.5, K: -1}.Validate()
	if err == nil || !strings.Contains(err.Error(), "threshold") || !strings.Contains(err.Error(), "k -1") {
		t.Errorf("Validate() = %v, want both problems", err)
	}
	if _, err := NewResolver(nil, nil, nil, Options{}); err == nil {
		t.Error("NewResolver(nil...) succeeded")
	}
}

func TestNgramEmbedder(t *testing.T) {
	e, err := NewNgramEmbedder(0)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := e.Embed(context.Background(), []string{"WEAVER STREET MARKET", "weaver street market", "WEAVER STREET MKT", "MARKET STREET WEAVER", ""})
	if dot(v[0], v[1]) < 0.999 {
		t.Error("the embedding depends on case")
	}
	if s := dot(v[0], v[2]); s < 0.5 {
		t.Errorf("an abbreviation is far: %v", s)
	}
	if dot(v[0], v[3]) > 0.95 {
		t.Error("word order does not count")
	}
	for _, x := range v[4] {
		if x != 0 {
			t.Fatal("the empty text has a direction")
		}
	}
	if _, err := NewNgramEmbedder(3); err == nil {
		t.Error("dimension 3 accepted")
	}
}

func TestMemoryIndex(t *testing.T) {
	ctx := context.Background()
	x, _ := NewMemoryIndex(2)
	err := x.Upsert(ctx, []Point{
		{ID: 1, EntityID: "a", Text: "A", Kind: "merchant", Country: "US", Vector: []float32{1, 0}},
		{ID: 2, EntityID: "b", Text: "B", Kind: "merchant", Country: "GB", Vector: []float32{0.6, 0.8}},
		{ID: 3, EntityID: "c", Text: "C", Kind: "processor", Country: "US", Vector: []float32{0, 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	hits, err := x.Search(ctx, [][]float32{{1, 0}, {0, 2}}, 2, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if hits[0][0].EntityID != "a" || hits[0][1].EntityID != "b" || hits[1][0].EntityID != "c" || len(hits[0]) != 2 {
		t.Errorf("Search = %+v", hits)
	}
	hits, _ = x.Search(ctx, [][]float32{{1, 0}}, 5, Filter{Countries: []string{"GB"}})
	if len(hits[0]) != 1 || hits[0][0].EntityID != "b" {
		t.Errorf("country filter: %+v", hits)
	}
	hits, _ = x.Search(ctx, [][]float32{{1, 0}}, 5, Filter{Kinds: []string{"processor"}})
	if len(hits[0]) != 1 || hits[0][0].EntityID != "c" {
		t.Errorf("kind filter: %+v", hits)
	}
	// Upsert by ID replaces; Delete removes by entity.
	x.Upsert(ctx, []Point{{ID: 1, EntityID: "a", Text: "A2", Vector: []float32{0, 1}}})
	x.Delete(ctx, []string{"c"})
	hits, _ = x.Search(ctx, [][]float32{{0, 1}}, 5, Filter{})
	if x.Len() != 2 || hits[0][0].Text != "A2" {
		t.Errorf("after upsert and delete: %d points, %+v", x.Len(), hits)
	}
	if _, err := x.Search(ctx, [][]float32{{1, 0, 0}}, 1, Filter{}); err == nil {
		t.Error("a query of another dimension was searched")
	}
	if err := x.Upsert(ctx, []Point{{ID: 9, Vector: []float32{1}}}); err == nil {
		t.Error("a point of another dimension was indexed")
	}
}

func TestHTTPEmbedder(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.URL.Path != "/v1/embed" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		var body struct{ Texts []string }
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		calls++
		vecs := make([][]float32, len(body.Texts))
		for i, t := range body.Texts {
			vecs[i] = []float32{float32(len(t)), 1, 0}
		}
		json.NewEncoder(w).Encode(map[string]any{"model": "minilm-test", "vectors": vecs})
	}))
	defer srv.Close()
	ctx := context.Background()
	e, err := NewHTTPEmbedder(ctx, srv.URL+"/", HTTPOptions{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "http:minilm-test/3" || e.Dim() != 3 {
		t.Errorf("Name %q Dim %d", e.Name(), e.Dim())
	}
	v, err := e.Embed(ctx, []string{"a", "bb", "ccc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 3 || v[2][0] != 3 || calls != 3 { // the probe, then two batches
		t.Errorf("Embed = %v after %d calls", v, calls)
	}
	if _, err := NewHTTPEmbedder(ctx, "localhost:8000", HTTPOptions{}); err == nil {
		t.Error("a URL without a scheme was accepted")
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"model":"m","vectors":[]}`))
	}))
	defer bad.Close()
	if _, err := NewHTTPEmbedder(ctx, bad.URL, HTTPOptions{}); err == nil || !strings.Contains(err.Error(), "0 vectors for 1 texts") {
		t.Errorf("a short answer: %v", err)
	}
}

// TestPlaceIsNoMerchant: an alias found in the place a statement prints
// after the seller ("NEW YORK" of New York & Company) does not resolve.
func TestPlaceIsNoMerchant(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	st := newState(cat)
	for _, c := range []struct{ text, location string }{
		{"JOES DINER NEW YORK", ""},
		{"JOES DINER", "NEW YORK NY"},
	} {
		full := strings.TrimSpace(c.text + " " + c.location)
		if e, conf, ok := st.aliasMatch(c.text, full, "US"); ok && e.ID == "new-york-and-company" {
			t.Errorf("%q (location %q) matched %s at %.2f", c.text, c.location, e.ID, conf)
		}
	}
	// Inside the name, a two-word alias still counts.
	if e, _, ok := st.aliasMatch("PAYMENT BEST BUY STORE", "PAYMENT BEST BUY STORE", "US"); !ok || e.ID != "best-buy" {
		t.Errorf("inner alias: %v %v", e.ID, ok)
	}
}
