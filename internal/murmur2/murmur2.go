// Package murmur2 implements Kafka's default key hash (murmur2 with seed
// 0x9747b28c, as used by the Java client's BuiltInPartitioner, franz-go's
// StickyKeyPartitioner and librdkafka's murmur2_random) and a hash.Hash32
// that makes goka place keys on the same partitions as those clients.
//
// Kafka computes partition = (murmur2(key) & 0x7fffffff) % numPartitions.
//
// goka takes a func() hash.Hash32 (goka.WithHasher, WithViewHasher,
// WithEmitterHasher) and derives a partition from Sum32 in two ways:
//
//   - producing: sarama.NewCustomHashPartitioner, which computes
//     p := int32(Sum32()) % n; if p < 0 { p = -p }
//   - lookups (View.hash, Processor.hash): h := int32(Sum32());
//     if h < 0 { h = -h }; h % n
//
// Both equal |int32(h)| % n (they differ only for h == 0x80000000, where
// the lookup path yields a negative partition). Kafka instead clears the sign
// bit, so for a negative int32 goka and Kafka disagree: h = 0xffffffff (-1)
// gives |-1| % 12 = 1 in goka but 0x7fffffff % 12 = 7 in Kafka. New
// therefore returns a hasher whose Sum32 is already masked with 0x7fffffff:
// the value is non-negative as an int32, both goka paths reduce to h % n,
// and that is exactly Kafka's partition.
package murmur2

import "hash"

const (
	seed uint32 = 0x9747b28c
	m    uint32 = 0x5bd1e995
	r           = 24
)

// Hash returns Kafka's murmur2 of key (unmasked; Java's Utils.murmur2
// returns the same bits as a signed int).
func Hash(key []byte) uint32 {
	h := seed ^ uint32(len(key))
	for len(key) >= 4 {
		k := uint32(key[0]) | uint32(key[1])<<8 | uint32(key[2])<<16 | uint32(key[3])<<24
		key = key[4:]
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch len(key) {
	case 3:
		h ^= uint32(key[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(key[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(key[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// Sum returns murmur2(key) & 0x7fffffff, Kafka's "toPositive" key hash.
func Sum(key []byte) uint32 { return Hash(key) & 0x7fffffff }

// Partition returns the partition Kafka's default partitioner picks for a
// non-nil key among n partitions. It panics if n <= 0.
func Partition(key []byte, n int32) int32 { return int32(Sum(key) % uint32(n)) }

// New returns a hash.Hash32 whose Sum32 is Sum(written bytes), for use with
// goka.WithHasher / WithViewHasher / WithEmitterHasher. murmur2 mixes the
// total length in first, so the hasher buffers what is written until Sum32.
// It is not safe for concurrent use (neither is any hash.Hash).
func New() hash.Hash32 { return &digest{} }

type digest struct{ buf []byte }

func (d *digest) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	return len(p), nil
}

func (d *digest) Sum32() uint32 { return Sum(d.buf) }

// Sum appends the big-endian Sum32 to b, like hash/fnv.
func (d *digest) Sum(b []byte) []byte {
	s := d.Sum32()
	return append(b, byte(s>>24), byte(s>>16), byte(s>>8), byte(s))
}

func (d *digest) Reset()         { d.buf = d.buf[:0] }
func (d *digest) Size() int      { return 4 }
func (d *digest) BlockSize() int { return 4 }
