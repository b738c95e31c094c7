package merchant

import (
	"context"
	"testing"
)

// BenchmarkResolveExact is one descriptor decided by an alias (no search).
func BenchmarkResolveExact(b *testing.B) {
	r := defaultResolver(b)
	in := []Input{{Descriptor: "PURCHASE AUTHORIZED ON 03/14 STARBUCKS STORE 12345 SEATTLE WA S463073123456789 CARD 4421"}}
	ctx := context.Background()
	res, _ := r.Resolve(ctx, in)
	if res[0].Method.String() != "MERCHANT_METHOD_EXACT" {
		b.Fatalf("not an exact match: %+v", res[0])
	}
	for b.Loop() {
		r.Resolve(ctx, in)
	}
}

// BenchmarkResolveVector is one descriptor of a merchant missing from the
// catalog: cleaning, alias lookups, an embedding, a search of the whole
// index and the descriptor fallback.
func BenchmarkResolveVector(b *testing.B) {
	r := defaultResolver(b)
	in := []Input{{Descriptor: "CHECKCARD 0412 BLUMENTHAL FLORIST DENVER CO XXXXX1234XXXXXXXXXX5678"}}
	ctx := context.Background()
	res, _ := r.Resolve(ctx, in)
	if m := res[0].Method.String(); m != "MERCHANT_METHOD_DESCRIPTOR" && m != "MERCHANT_METHOD_VECTOR" {
		b.Fatalf("not a searched descriptor: %+v", res[0])
	}
	for b.Loop() {
		r.Resolve(ctx, in)
	}
}

// BenchmarkResolveBatch is 64 mixed descriptors per call, reported per descriptor.
func BenchmarkResolveBatch(b *testing.B) {
	r := defaultResolver(b)
	base := []string{
		"PURCHASE AUTHORIZED ON 03/14 STARBUCKS STORE 12345 SEATTLE WA",
		"CHECKCARD 0412 BLUMENTHAL FLORIST DENVER CO",
		"SQ *BLUE BOTTLE COFFEE OAKLAND CA",
		"DOORDASH*ZEEKS PIZZA",
	}
	in := make([]Input, 64)
	for i := range in {
		in[i] = Input{Descriptor: base[i%len(base)]}
	}
	ctx := context.Background()
	for b.Loop() {
		r.Resolve(ctx, in)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(in)), "ns/descriptor")
}

func BenchmarkEmbed(b *testing.B) {
	e, _ := NewNgramEmbedder(0)
	texts := []string{"BLUMENTHAL FLORIST"}
	ctx := context.Background()
	for b.Loop() {
		e.Embed(ctx, texts)
	}
}

// BenchmarkMemoryIndexSearch is one query over the default catalog's points.
func BenchmarkMemoryIndexSearch(b *testing.B) {
	r := defaultResolver(b)
	ctx := context.Background()
	vecs, _ := r.emb.Embed(ctx, []string{"BLUMENTHAL FLORIST"})
	b.ReportMetric(float64(r.idx.(*MemoryIndex).Len()), "points")
	for b.Loop() {
		r.idx.Search(ctx, vecs, 10, Filter{})
	}
}
