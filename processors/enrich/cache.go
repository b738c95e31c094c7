package enrich

import (
	"container/list"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/fintraos/fintra/processors/enrich/clean"
	"github.com/fintraos/fintra/processors/enrich/merchant"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// cacheKey is the key of a resolution in the LRU and in MerchantsTable:
// the cleaned descriptor, plus what else changes the resolver's answer for
// the same text: the intermediary prefix cleaning removed ("SQ *" says
// Square is the processor), the source's merchant name and the country
// (the resolver filters the index by it). An empty key means the
// transaction names nothing to cache under.
func cacheKey(c clean.Cleaned, merchantName, country string) string {
	if c.Text == "" && merchantName == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(c.Text)
	if c.Prefix != "" {
		b.WriteString("|p=")
		b.WriteString(c.Prefix)
	}
	if merchantName != "" {
		b.WriteString("|n=")
		b.WriteString(strings.ToUpper(strings.Join(strings.Fields(merchantName), " ")))
	}
	if country != "" {
		b.WriteString("|c=")
		b.WriteString(strings.ToUpper(country))
	}
	return b.String()
}

// ResolutionCodec is the goka codec of enrich.resolutions.v1 and of
// MerchantsTable: a *merchant.Resolution as JSON. No protobuf message holds
// a whole Resolution (fintrav1.Merchant lacks the entity's default category
// and MCC, which categorization needs on a cache hit) and no schema may be
// added by this package, so the table stores the resolver's own type in
// its JSON form: it is read only by enrich, its values are small, and a
// JSON decode costs only on an LRU miss.
type ResolutionCodec struct{}

// Encode marshals a *merchant.Resolution.
func (ResolutionCodec) Encode(value any) ([]byte, error) {
	r, ok := value.(*merchant.Resolution)
	if !ok || r == nil {
		return nil, fmt.Errorf("enrich: resolution codec cannot encode %T", value)
	}
	return json.Marshal(resolutionJSON{
		EntityID: r.EntityID, Name: r.Name, Website: r.Website, Marketplace: r.Marketplace,
		MarketplaceEntityID: r.MarketplaceEntityID, Category: r.Category, MCC: r.MCC,
		Confidence: r.Confidence, Method: r.Method.String(), Cleaned: r.Cleaned, CatalogVersion: r.CatalogVersion,
	})
}

// Decode unmarshals a *merchant.Resolution.
func (ResolutionCodec) Decode(data []byte) (any, error) {
	var j resolutionJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("enrich: decode resolution: %w", err)
	}
	method, ok := fintrav1.MerchantMethod_value[j.Method]
	if !ok {
		return nil, fmt.Errorf("enrich: decode resolution: unknown method %q", j.Method)
	}
	return &merchant.Resolution{
		EntityID: j.EntityID, Name: j.Name, Website: j.Website, Marketplace: j.Marketplace,
		MarketplaceEntityID: j.MarketplaceEntityID, Category: j.Category, MCC: j.MCC,
		Confidence: j.Confidence, Method: fintrav1.MerchantMethod(method), Cleaned: j.Cleaned, CatalogVersion: j.CatalogVersion,
	}, nil
}

// resolutionJSON is the stored form; the method is its enum name so that
// `fintra tail` shows it readably.
type resolutionJSON struct {
	EntityID            string  `json:"entity_id,omitempty"`
	Name                string  `json:"name,omitempty"`
	Website             string  `json:"website,omitempty"`
	Marketplace         string  `json:"marketplace,omitempty"`
	MarketplaceEntityID string  `json:"marketplace_entity_id,omitempty"`
	Category            string  `json:"category,omitempty"`
	MCC                 string  `json:"mcc,omitempty"`
	Confidence          float64 `json:"confidence"`
	Method              string  `json:"method"`
	Cleaned             string  `json:"cleaned"`
	CatalogVersion      string  `json:"catalog_version"`
}

// exactKey is the key of the exact-descriptor LRU: the transaction's
// description, merchant name and country as they are. A repeat of the very
// same statement text (the common case: a store prints the same line every
// time) then skips cleaning, which costs more than the rest of a hit.
func exactKey(description, merchantName, country string) string {
	return description + "\x1f" + merchantName + "\x1f" + country
}

// exactEntry is what the exact-descriptor LRU remembers: the cleaning and
// the resolution.
type exactEntry struct {
	key     string
	cleaned clean.Cleaned
	res     *merchant.Resolution
}

// lru is a bounded, process-wide cache shared by every partition of the
// process; safe for concurrent use.
type lru[V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used; values are *lruEntry[V]
	byKey map[string]*list.Element
}

type lruEntry[V any] struct {
	key   string
	value V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, order: list.New(), byKey: make(map[string]*list.Element, min(max, 1<<16))}
}

// get returns the cached value. The caller must not modify what it points to.
func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry[V]).value, true
}

func (c *lru[V]) put(key string, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		el.Value.(*lruEntry[V]).value = value
		c.order.MoveToFront(el)
		return
	}
	c.byKey[key] = c.order.PushFront(&lruEntry[V]{key: key, value: value})
	if c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byKey, oldest.Value.(*lruEntry[V]).key)
	}
}
