package merchant

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/fintraos/fintra/processors/enrich/catalog"
	"github.com/fintraos/fintra/processors/enrich/clean"
	fintrav1 "github.com/fintraos/fintra/schemas/fintrav1"
)

// DefaultThreshold is the least calibrated confidence a vector match needs.
// Measured on perturbed names of the 3,920-entity catalog (TestCalibration,
// each searched with and without its merchant in the index): at 0.5, 82% of
// accepted vector matches are right, 39% of the names whose merchant is
// indexed are accepted, and 7% of those whose merchant is missing are
// wrongly accepted (0.6: 86%, 33%, 4.6%; 0.4: 76%, 45%, 11%).
const DefaultThreshold = 0.5

// Options configures a Resolver. The zero value is usable.
type Options struct {
	// Threshold is the least calibrated confidence, in (0, 1], a nearest
	// neighbour needs to be accepted (default DefaultThreshold).
	Threshold float64
	// K is the number of neighbours searched per descriptor (default 10);
	// hits from another country than the input's are skipped, so K leaves
	// room for them.
	K int
}

func (o *Options) setDefaults() {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if o.K == 0 {
		o.K = 10
	}
}

// Validate reports every problem with the options.
func (o Options) Validate() error {
	var errs []error
	if o.Threshold < 0 || o.Threshold > 1 || math.IsNaN(o.Threshold) {
		errs = append(errs, fmt.Errorf("threshold %v: must be in (0, 1], e.g. %v", o.Threshold, DefaultThreshold))
	}
	if o.K < 0 || o.K > 1000 {
		errs = append(errs, fmt.Errorf("k %d: must be between 1 and 1000", o.K))
	}
	if len(errs) > 0 {
		return fmt.Errorf("merchant: %w", errors.Join(errs...))
	}
	return nil
}

// Confidences of the deterministic methods. Only a whole-descriptor alias
// match comes near certainty; a descriptor fallback is a low-confidence
// reading, never a fact.
const (
	confSource       = 0.97
	confExact        = 0.97
	confLeadingAlias = 0.85 // plus up to 0.1 for the share of the text the alias covers
	confInnerAlias   = 0.6
	confPlatform     = 0.95
	confDescriptor   = 0.2
	confSourceName   = 0.3 // the source's name for an entity the catalog lacks
	confVectorCap    = 0.9
)

// Resolver resolves descriptors against a catalog. It is safe for
// concurrent use; Update swaps the catalog atomically.
type Resolver struct {
	emb  Embedder
	idx  Index
	opts Options

	updateMu sync.Mutex // serializes Update
	state    atomic.Pointer[state]
}

// state is everything derived from one catalog version.
type state struct {
	cat      *catalog.Catalog
	cleaner  *clean.Cleaner
	entities map[string]catalog.Entity
	// aliases maps an alias key (see aliasKeys) to the entities claiming it.
	aliases map[string][]string
	// prefixes maps a compacted prefix to its processor or marketplace.
	prefixes map[string]string
}

// NewResolver indexes every entity's name and aliases with emb into idx and
// returns a Resolver over cat.
func NewResolver(cat *catalog.Catalog, emb Embedder, idx Index, opts Options) (*Resolver, error) {
	if cat == nil || emb == nil || idx == nil {
		return nil, errors.New("merchant: NewResolver needs a catalog, an embedder and an index (see catalog.Default, NewNgramEmbedder, NewMemoryIndex)")
	}
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	r := &Resolver{emb: emb, idx: idx, opts: opts}
	st := newState(cat)
	if err := r.index(context.Background(), st, cat.Entities()); err != nil {
		return nil, err
	}
	r.state.Store(st)
	return r, nil
}

// Threshold is the vector acceptance threshold in use.
func (r *Resolver) Threshold() float64 { return r.opts.Threshold }

// CatalogVersion is the version of the catalog in use.
func (r *Resolver) CatalogVersion() string { return r.state.Load().cat.Version() }

// Catalog is the catalog in use.
func (r *Resolver) Catalog() *catalog.Catalog { return r.state.Load().cat }

// EmbedderName names the embedding the index was built with.
func (r *Resolver) EmbedderName() string { return r.emb.Name() }

func newState(cat *catalog.Catalog) *state {
	ents := cat.Entities()
	var prefixes []string
	st := &state{cat: cat, entities: make(map[string]catalog.Entity, len(ents)), aliases: map[string][]string{}, prefixes: map[string]string{}}
	for _, e := range ents {
		st.entities[e.ID] = e
		for _, p := range e.Prefixes {
			prefixes = append(prefixes, p)
			st.prefixes[compactPrefix(p)] = e.ID
		}
	}
	st.cleaner = clean.New(prefixes)
	for _, e := range ents {
		for _, text := range entityTexts(e) {
			for _, key := range st.aliasKeys(text) {
				if ids := st.aliases[key]; len(ids) == 0 || ids[len(ids)-1] != e.ID {
					st.aliases[key] = append(ids, e.ID)
				}
			}
		}
	}
	return st
}

func entityTexts(e catalog.Entity) []string {
	return append([]string{e.Name}, e.Aliases...)
}

// aliasKeys are the forms an alias is looked up by: cleaned like a
// descriptor (so both sides lose the same noise), without a leading THE,
// and with its spaces removed ("DUKE ENERGY" matches "DUKEENERGY").
//
// Catalog prefixes are not stripped here: an intermediary's alias ("UBER
// EATS PENDING") must not become the word after its own prefix ("PENDING").
func (st *state) aliasKeys(text string) []string {
	c := clean.Descriptor(text)
	plain := plainKey(text)
	cleaned := c.Text
	if lossy(plain, cleaned) {
		cleaned = ""
	}
	var keys []string
	for _, k := range []string{cleaned, strings.TrimSpace(cleaned + " " + c.Location), plain} {
		k = strings.TrimPrefix(k, "THE ")
		if k == "" {
			continue
		}
		keys = append(keys, k)
		if compact := strings.ReplaceAll(k, " ", ""); compact != k && len(compact) >= 5 {
			keys = append(keys, compact)
		}
	}
	return keys
}

// lossy reports a cleaning that reduced a name to one generic word by
// dropping its number ("MARKET 32" is not "MARKET"): such a key would claim
// every descriptor containing the word.
func lossy(plain, cleaned string) bool {
	if cleaned == "" || strings.Contains(cleaned, " ") {
		return false
	}
	for _, t := range strings.Fields(plain) {
		if t != cleaned && strings.IndexFunc(t, unicode.IsDigit) >= 0 {
			return true
		}
	}
	return false
}

// plainKey upper-cases and keeps letters, digits and '&' only.
func plainKey(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToUpper(strings.ReplaceAll(s, "'", "")), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '&'
	}), " ")
}

func compactPrefix(p string) string {
	p = strings.Join(strings.Fields(strings.ToUpper(p)), " ")
	p = strings.ReplaceAll(p, " *", "*")
	return strings.ReplaceAll(p, "* ", "*")
}

// PointID is the stable id of an entity's indexed text.
func PointID(entityID, text string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(entityID))
	h.Write([]byte{0})
	h.Write([]byte(text))
	return h.Sum64()
}

// index embeds and upserts the texts of the given entities.
func (r *Resolver) index(ctx context.Context, st *state, ents []catalog.Entity) error {
	var points []Point
	var texts []string
	for _, e := range ents {
		seen := map[string]bool{}
		for _, t := range entityTexts(e) {
			key := st.cleaner.Clean(t).Text
			if key == "" {
				key = plainKey(t)
			}
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			points = append(points, Point{ID: PointID(e.ID, key), EntityID: e.ID, Text: key, Kind: string(e.Kind), Country: e.Country})
			texts = append(texts, key)
		}
	}
	const batch = 1024
	for start := 0; start < len(points); start += batch {
		end := min(start+batch, len(points))
		vecs, err := r.emb.Embed(ctx, texts[start:end])
		if err != nil {
			return fmt.Errorf("merchant: index the catalog with %s: %w", r.emb.Name(), err)
		}
		if len(vecs) != end-start {
			return fmt.Errorf("merchant: embedder %s returned %d vectors for %d texts", r.emb.Name(), len(vecs), end-start)
		}
		for i, v := range vecs {
			points[start+i].Vector = v
		}
		if err := r.idx.Upsert(ctx, points[start:end]); err != nil {
			return fmt.Errorf("merchant: index the catalog: %w", err)
		}
	}
	return nil
}

// Update applies a runtime catalog change: upserted entities replace their
// old versions (index points included), deleted ids disappear, and later
// resolutions carry the new catalog version. Resolutions running during an
// update use the old catalog or the new one, never a mix.
func (r *Resolver) Update(ctx context.Context, upserts []catalog.Entity, deletes []string) error {
	r.updateMu.Lock()
	defer r.updateMu.Unlock()
	old := r.state.Load()
	next, err := old.cat.With(upserts, deletes)
	if err != nil {
		return fmt.Errorf("merchant: update the catalog: %w", err)
	}
	st := newState(next)
	changed := append([]string(nil), deletes...)
	for _, e := range upserts {
		changed = append(changed, e.ID)
	}
	if err := r.idx.Delete(ctx, changed); err != nil {
		return fmt.Errorf("merchant: update the index: %w", err)
	}
	var fresh []catalog.Entity
	for _, e := range upserts {
		if ne, ok := st.entities[e.ID]; ok {
			fresh = append(fresh, ne)
		}
	}
	if err := r.index(ctx, st, fresh); err != nil {
		return err
	}
	r.state.Store(st)
	return nil
}

// pending is one input on its way through Resolve.
type pending struct {
	in      Input
	cleaned clean.Cleaned
	res     Resolution
	done    bool
	// intermediary is the processor whose seller is being resolved.
	intermediary *catalog.Entity
	// query is the text to search for when no exact rule decided.
	query string
}

// Resolve resolves a batch: one Embed and one Search call for the inputs
// that no exact rule decided. The result has one Resolution per input, in
// order.
func (r *Resolver) Resolve(ctx context.Context, inputs []Input) ([]Resolution, error) {
	st := r.state.Load()
	ps := make([]pending, len(inputs))
	var queries []int
	for i, in := range inputs {
		p := &ps[i]
		p.in = in
		st.decide(p)
		if !p.done && p.query != "" {
			queries = append(queries, i)
		}
	}
	if len(queries) > 0 {
		texts := make([]string, len(queries))
		for j, i := range queries {
			texts[j] = ps[i].query
		}
		vecs, err := r.emb.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("merchant: embed %d descriptors: %w", len(texts), err)
		}
		hits, err := r.idx.Search(ctx, vecs, r.opts.K, Filter{})
		if err != nil {
			return nil, fmt.Errorf("merchant: search %d descriptors: %w", len(texts), err)
		}
		for j, i := range queries {
			st.acceptNeighbour(&ps[i], hits[j], r.opts.Threshold)
		}
	}
	out := make([]Resolution, len(ps))
	for i := range ps {
		p := &ps[i]
		if !p.done {
			st.fallback(p)
		}
		p.res.Cleaned = p.cleaned.Text
		p.res.CatalogVersion = st.cat.Version()
		if p.res.MCC == "" {
			p.res.MCC = p.in.MCC
		}
		out[i] = p.res
	}
	return out, nil
}

// decide runs the exact rules; it leaves p.query set when a vector search
// should follow.
func (st *state) decide(p *pending) {
	p.cleaned = st.cleaner.Clean(p.in.Descriptor)
	text := p.cleaned.Text
	full := strings.TrimSpace(text + " " + p.cleaned.Location)

	// The source's own merchant name, when the catalog knows it.
	if p.in.MerchantName != "" {
		if e, ok := st.lookup(p.in.MerchantName, p.in.Country); ok {
			st.setEntity(p, e, fintrav1.MerchantMethod_MERCHANT_METHOD_SOURCE, confSource)
			return
		}
	}

	// An intermediary prefix: a catalog prefix, or a generic "XXX*" whose
	// XXX the catalog knows.
	if p.cleaned.Prefix != "" {
		var inter catalog.Entity
		var known bool
		if p.cleaned.PrefixKnown {
			inter, known = st.byPrefix(p.cleaned.Prefix)
		} else {
			inter, known = st.lookup(strings.TrimSuffix(p.cleaned.Prefix, "*"), p.in.Country)
		}
		switch {
		case known && inter.Kind == catalog.KindMarketplace:
			// The platform is the merchant; the seller is the other party,
			// unless the rest is the platform's own billing text
			// ("AMZN MKTP US*2K4L81 AMZN.COM/BILL").
			st.setEntity(p, inter, fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT, confPlatform)
			text = st.trimEntity(text, inter.ID, p.in.Country)
			if seller, ok := st.lookup(text, p.in.Country); ok {
				if seller.ID != inter.ID && !sameSite(seller.Website, inter.Website) {
					p.res.Marketplace, p.res.MarketplaceEntityID = seller.Name, seller.ID
				}
			} else if readsAsName(text) {
				p.res.Marketplace = titleCase(text)
			}
			return
		case known && inter.Kind == catalog.KindProcessor:
			// The seller is the merchant; the processor is the other party.
			// When no seller name follows, the processor is all there is.
			p.intermediary = &inter
			if !readsAsName(text) {
				st.setEntity(p, inter, fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT, confExact)
				p.intermediary = nil
				return
			}
		case known:
			// "MERCHANT*ORDER DETAIL": the merchant put its own name first.
			st.setEntity(p, inter, fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT, confExact)
			return
		case !p.cleaned.PrefixKnown && (text == "" || letterCount(p.cleaned.Prefix) >= 4):
			// An unknown "NAME*DETAIL": the name before the star is the
			// better guess at the merchant than the detail after it.
			text = plainKey(strings.TrimSuffix(p.cleaned.Prefix, "*"))
			full = text
		}
	}

	if text == "" {
		p.query = ""
		return
	}
	country := p.in.Country
	if p.cleaned.Flags.Has(clean.Foreign) {
		country = "" // the statement says the purchase was abroad: any market
	}
	if e, conf, ok := st.aliasMatch(text, full, country); ok {
		st.setEntity(p, e, fintrav1.MerchantMethod_MERCHANT_METHOD_EXACT, conf)
		return
	}
	p.query = text
}

// setEntity fills the resolution from an entity, keeping a processor
// found earlier as the other party.
func (st *state) setEntity(p *pending, e catalog.Entity, method fintrav1.MerchantMethod, conf float64) {
	p.done = true
	p.res.EntityID, p.res.Name, p.res.Website = e.ID, e.Name, e.Website
	p.res.Category, p.res.MCC = e.Category, e.MCC
	p.res.Method, p.res.Confidence = method, conf
	if p.intermediary != nil && p.intermediary.ID != e.ID {
		p.res.Marketplace, p.res.MarketplaceEntityID = p.intermediary.Name, p.intermediary.ID
	}
}

func (st *state) byPrefix(printed string) (catalog.Entity, bool) {
	id, ok := st.prefixes[compactPrefix(printed)]
	if !ok {
		return catalog.Entity{}, false
	}
	e, ok := st.entities[id]
	return e, ok
}

// trimEntity removes a leading run of words that names the given entity:
// "DD *DOORDASH BURGERKING" repeats the platform before the seller.
func (st *state) trimEntity(text, id, country string) string {
	tokens := strings.Fields(text)
	for n := len(tokens) - 1; n >= 1; n-- {
		if e, ok := st.lookup(strings.Join(tokens[:n], " "), country); ok && e.ID == id {
			return strings.Join(tokens[n:], " ")
		}
	}
	return text
}

// sameSite compares two websites by their registrable part, roughly: the
// last two labels of the host ("amazon.com" for "www.amazon.com").
func sameSite(a, b string) bool {
	host := func(s string) string {
		s = strings.ToLower(s)
		if i := strings.IndexAny(s, "/?#"); i >= 0 {
			s = s[:i]
		}
		labels := strings.Split(s, ".")
		if len(labels) > 2 {
			labels = labels[len(labels)-2:]
		}
		return strings.Join(labels, ".")
	}
	return a != "" && host(a) == host(b)
}

// lookup finds the entity whose alias is the whole of text.
func (st *state) lookup(text, country string) (catalog.Entity, bool) {
	for _, key := range st.aliasKeys(text) {
		if e, ok := st.pick(st.aliases[key], country, true); ok {
			return e, true
		}
	}
	return catalog.Entity{}, false
}

// pick chooses among the entities sharing an alias: the input's country,
// then a global one, then (only when the whole text is the alias, and no
// other namesake competes) an entity of another country. A partial match
// ("COSTA" in "COSTA DEL SOL LATINO") is too weak to send a purchase abroad,
// unless the statement says it was abroad (decide then passes no country).
func (st *state) pick(ids []string, country string, whole bool) (catalog.Entity, bool) {
	if len(ids) == 0 {
		return catalog.Entity{}, false
	}
	best := -1
	for i, id := range ids {
		c := st.entities[id].Country
		switch {
		case country != "" && c == country:
			return st.entities[id], true
		case best < 0 && (c == "XX" || c == "" || country == ""):
			best = i
		}
	}
	if best >= 0 {
		return st.entities[ids[best]], true
	}
	if whole && len(ids) == 1 {
		return st.entities[ids[0]], true
	}
	return catalog.Entity{}, false
}

// aliasMatch looks for an alias that is the whole cleaned text, else its
// longest leading run of words (statements append cities, store names and
// ids), else the longest run of two or more words inside it that does not
// end it.
func (st *state) aliasMatch(text, full, country string) (catalog.Entity, float64, bool) {
	if ids := st.aliases[strings.TrimPrefix(text, "THE ")]; len(ids) > 0 {
		if e, ok := st.pick(ids, country, true); ok {
			return e, confExact, true
		}
	}
	tokens := strings.Fields(strings.TrimPrefix(full, "THE "))
	textLen := len(strings.Fields(text))
	for n := len(tokens); n >= 1; n-- {
		key := strings.Join(tokens[:n], " ")
		if n == 1 && letterCount(key) < 3 {
			continue
		}
		if e, ok := st.pick(st.aliasesOf(key), country, false); ok {
			cover := math.Min(1, float64(n)/float64(max(textLen, 1)))
			return e, confLeadingAlias + 0.1*cover, true
		}
	}
	bestLen := 0
	var best catalog.Entity
	for i := 1; i < len(tokens); i++ {
		for n := len(tokens) - i; n >= 1; n-- {
			key := strings.Join(tokens[i:i+n], " ")
			// One word inside a descriptor is too weak a sign ("MARKET"),
			// and the place is no merchant: a run into the location the
			// cleaner found, or one that ends the descriptor, where
			// statements print it ("JOES DINER NEW YORK" is not New York &
			// Company).
			if len(key) <= bestLen || n == 1 || i+n > textLen || i+n == len(tokens) {
				continue
			}
			if e, ok := st.pick(st.aliasesOf(key), country, false); ok {
				best, bestLen = e, len(key)
			}
		}
	}
	if bestLen > 0 {
		return best, confInnerAlias, true
	}
	return catalog.Entity{}, 0, false
}

func (st *state) aliasesOf(key string) []string {
	if ids := st.aliases[key]; len(ids) > 0 {
		return ids
	}
	if compact := strings.ReplaceAll(key, " ", ""); len(compact) >= 5 {
		return st.aliases[compact]
	}
	return nil
}

// acceptNeighbour takes the best hit of the input's country (or a global
// one) when its calibrated confidence reaches the threshold.
func (st *state) acceptNeighbour(p *pending, hits []Hit, threshold float64) {
	var top *Hit
	var second float32
	for i := range hits {
		h := &hits[i]
		e, ok := st.entities[h.EntityID]
		if !ok || p.in.Country != "" && e.Country != p.in.Country && e.Country != "XX" && e.Country != "" {
			continue
		}
		if top == nil {
			top = h
			continue
		}
		if h.EntityID != top.EntityID {
			second = h.Score
			break
		}
	}
	if top == nil {
		return
	}
	conf := Calibrate(top.Score, top.Score-second, leadAgrees(p.query, top.Text))
	if conf < threshold {
		return
	}
	st.setEntity(p, st.entities[top.EntityID], fintrav1.MerchantMethod_MERCHANT_METHOD_VECTOR, conf)
}

// Calibration of the vector match, fitted by TestCalibration (run it with
// -calibrate to refit) on perturbed catalog aliases: a logistic function of
// the cosine of the best hit, its margin over the best hit of another
// entity, and whether the query and the hit begin with the same word stem
// (statements keep the start of a name and cut its end).
const (
	calBias   = -3.35
	calScore  = 0.31
	calMargin = 10.74
	calLead   = 2.70
)

// Calibrate turns a nearest neighbour's cosine score, its margin over the
// next entity and the lead-word agreement into a confidence in
// [0, confVectorCap]: a vector match is never as certain as an exact alias.
func Calibrate(score, margin float32, leadAgrees bool) float64 {
	z := calBias + calScore*float64(score) + calMargin*float64(margin)
	if leadAgrees {
		z += calLead
	}
	return confVectorCap / (1 + math.Exp(-z))
}

// leadAgrees reports whether the first words of a and b share their first
// three letters (or one is a prefix of the other when shorter).
func leadAgrees(a, b string) bool {
	fa, fb := firstWord(a), firstWord(b)
	if fa == "" || fb == "" {
		return false
	}
	n := min(3, len(fa), len(fb))
	return fa[:n] == fb[:n]
}

func firstWord(s string) string {
	s = strings.TrimPrefix(s, "THE ")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

// fallback names the merchant from the descriptor itself when it reads like
// a business, else leaves it unresolved.
func (st *state) fallback(p *pending) {
	text := p.query
	if text == "" {
		text = p.cleaned.Text
	}
	f := p.cleaned.Flags
	if name := strings.TrimSpace(p.in.MerchantName); readsAsName(strings.ToUpper(name)) && !f.Has(clean.Transfer) {
		// The source's own name for a merchant the catalog lacks reads
		// better than the descriptor, and is no more certain.
		p.res.Name = name
		p.res.Method = fintrav1.MerchantMethod_MERCHANT_METHOD_DESCRIPTOR
		p.res.Confidence = confSourceName
		if p.intermediary != nil {
			p.res.Marketplace, p.res.MarketplaceEntityID = p.intermediary.Name, p.intermediary.ID
		}
		return
	}
	business := readsAsName(text) && !f.Has(clean.Transfer) && !f.Has(clean.ATM) && !f.Has(clean.Check)
	if !business {
		p.res.Method = fintrav1.MerchantMethod_MERCHANT_METHOD_UNRESOLVED
		p.res.Confidence = 0
		if p.intermediary != nil {
			p.res.Marketplace, p.res.MarketplaceEntityID = p.intermediary.Name, p.intermediary.ID
		}
		return
	}
	p.res.Name = titleCase(text)
	p.res.Method = fintrav1.MerchantMethod_MERCHANT_METHOD_DESCRIPTOR
	p.res.Confidence = confDescriptor
	if p.intermediary != nil {
		p.res.Marketplace, p.res.MarketplaceEntityID = p.intermediary.Name, p.intermediary.ID
	}
}

// readsAsName: at least one word of three letters or more.
func readsAsName(text string) bool {
	for _, w := range strings.Fields(text) {
		if letterCount(w) >= 3 {
			return true
		}
	}
	return false
}

func letterCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// titleCase turns "BEANS & BREWS COFFEE" into "Beans & Brews Coffee".
func titleCase(text string) string {
	words := strings.Fields(strings.ToLower(text))
	for i, w := range words {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	return strings.Join(words, " ")
}
