package enrich

import (
	"context"
	"testing"

	"github.com/fintraos/fintra/processors/enrich/clean"
	"github.com/fintraos/fintra/processors/enrich/merchant"
)

// benchDescriptors are realistic statement descriptors (synth's forms).
var benchDescriptors = []string{
	"PURCHASE AUTHORIZED ON 01/05 CHICK-FIL-A #01618 PHOENIX AZ",
	"STARBUCKS #04395 AUSTIN TX",
	"CHIPOTLE MEX GR ONLINE",
	"UBER* EATS GXPVOBFR",
	"POS DEBIT TRADER JOES #768",
	"SQ *BLUE BOTTLE OAKLAND CA",
	"DOORDASH*ZEEKS PIZZA",
	"STARBUKS COFEE 0815 PORTLAND OR",
}

// BenchmarkLRUHit is a hit in the exact-descriptor LRU (a repeat of the
// same statement text): the lookup, without cleaning.
func BenchmarkLRUHit(b *testing.B) {
	c := newLRU[exactEntry](1000)
	for _, d := range benchDescriptors {
		cl := clean.Descriptor(d)
		c.put(exactKey(d, "", "US"), exactEntry{key: cacheKey(cl, "", "US"), cleaned: cl, res: &merchant.Resolution{EntityID: d}})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := benchDescriptors[i%len(benchDescriptors)]
		if _, ok := c.get(exactKey(d, "", "US")); !ok {
			b.Fatal("miss")
		}
	}
}

// BenchmarkLRUHitCleaned is a hit in the cache-key LRU (the same merchant
// under a different statement text, e.g. another store number): cleaning
// the descriptor into its key and the lookup.
func BenchmarkLRUHitCleaned(b *testing.B) {
	c := newLRU[*merchant.Resolution](1000)
	for _, d := range benchDescriptors {
		c.put(cacheKey(clean.Descriptor(d), "", "US"), &merchant.Resolution{EntityID: d})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := benchDescriptors[i%len(benchDescriptors)]
		if _, ok := c.get(cacheKey(clean.Descriptor(d), "", "US")); !ok {
			b.Fatal("miss")
		}
	}
}

// BenchmarkTableHit is a hit in enrich-merchants-table after an LRU miss:
// the key, decoding the stored JSON value (goka's in-memory storage read is
// a map lookup and not included) and filling the LRU.
func BenchmarkTableHit(b *testing.B) {
	r, _ := NewTestResolver(b, 0)
	inputs := make([]merchant.Input, len(benchDescriptors))
	for i, d := range benchDescriptors {
		inputs[i] = merchant.Input{Descriptor: d, Country: "US"}
	}
	res, err := r.Resolve(context.Background(), inputs)
	if err != nil {
		b.Fatal(err)
	}
	stored := make([][]byte, len(res))
	for i := range res {
		if stored[i], err = (ResolutionCodec{}).Encode(&res[i]); err != nil {
			b.Fatal(err)
		}
	}
	c := newLRU[*merchant.Resolution](1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % len(benchDescriptors)
		key := cacheKey(clean.Descriptor(benchDescriptors[j]), "", "US")
		v, err := ResolutionCodec{}.Decode(stored[j])
		if err != nil {
			b.Fatal(err)
		}
		c.put(key, v.(*merchant.Resolution))
	}
}

// BenchmarkMiss is a miss resolved in the callback by the default resolver
// (shipped catalog, n-gram embedder, in-process index), one descriptor per
// Resolve call as the synchronous path does it.
func BenchmarkMiss(b *testing.B) {
	r, _ := NewTestResolver(b, 0)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := benchDescriptors[i%len(benchDescriptors)]
		if _, err := r.Resolve(ctx, []merchant.Input{{Descriptor: d, Country: "US"}}); err != nil {
			b.Fatal(err)
		}
	}
}
