package murmur2

import (
	"fmt"
	"hash"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Vectors from Kafka's UtilsTest.testMurmur2 (signed int32 results of
// Utils.murmur2).
var kafkaVectors = []struct {
	key  string
	want int32
}{
	{"21", -973932308},
	{"foobar", -790332482},
	{"a-little-bit-long-string", -985981536},
	{"a-little-bit-longer-string", -1486304829},
	{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
	{"abc", 479470107},
}

func TestKafkaVectors(t *testing.T) {
	for _, v := range kafkaVectors {
		if got := int32(Hash([]byte(v.key))); got != v.want {
			t.Errorf("Hash(%q) = %d, want %d", v.key, got, v.want)
		}
		if got, want := Sum([]byte(v.key)), uint32(v.want)&0x7fffffff; got != want {
			t.Errorf("Sum(%q) = %d, want %d", v.key, got, want)
		}
	}
}

func TestHasher(t *testing.T) {
	h := New()
	for _, v := range kafkaVectors {
		h.Reset()
		// Write in pieces: the result must not depend on chunking.
		for i := 0; i < len(v.key); i += 3 {
			h.Write([]byte(v.key[i:min(i+3, len(v.key))]))
		}
		want := uint32(v.want) & 0x7fffffff
		if got := h.Sum32(); got != want {
			t.Errorf("New().Sum32 after %q = %d, want %d", v.key, got, want)
		}
		if int32(h.Sum32()) < 0 {
			t.Errorf("Sum32 negative as int32 for %q", v.key)
		}
		b := h.Sum([]byte{0xaa})
		if len(b) != 5 || b[0] != 0xaa || uint32(b[1])<<24|uint32(b[2])<<16|uint32(b[3])<<8|uint32(b[4]) != want {
			t.Errorf("Sum(prefix) = %x", b)
		}
	}
	h.Reset()
	if got := h.Sum32(); got != Sum(nil) {
		t.Errorf("empty Sum32 = %d, want %d", got, Sum(nil))
	}
}

// gokaLookup mirrors goka v1.1.14 View.hash / Processor.hash.
func gokaLookup(newHasher func() hash.Hash32, key string, n int32) int32 {
	h := newHasher()
	h.Write([]byte(key))
	hash := int32(h.Sum32())
	if hash < 0 {
		hash = -hash
	}
	return hash % n
}

func TestAgreesWithFranzGoAndSarama(t *testing.T) {
	const n = 12
	kp := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	sp := sarama.NewCustomHashPartitioner(New)("t")
	var counts [n]int
	for i := range 100_000 {
		key := fmt.Sprintf("acc-%06d", i)
		want := Partition([]byte(key), n)
		counts[want]++
		if got := int32(kp.Partition(&kgo.Record{Key: []byte(key)}, n)); got != want {
			t.Fatalf("%s: franz-go partition %d, Partition %d", key, got, want)
		}
		got, err := sp.Partition(&sarama.ProducerMessage{Topic: "t", Key: sarama.StringEncoder(key)}, n)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%s: sarama partition %d, Partition %d", key, got, want)
		}
		if got := gokaLookup(New, key, n); got != want {
			t.Fatalf("%s: goka lookup partition %d, Partition %d", key, got, want)
		}
	}
	for p, c := range counts {
		if c < 100_000/n*9/10 {
			t.Errorf("partition %d got only %d keys", p, c)
		}
	}
}

func BenchmarkSum(b *testing.B) {
	key := []byte("acc-000042")
	b.SetBytes(int64(len(key)))
	for b.Loop() {
		Sum(key)
	}
}

func BenchmarkHasher(b *testing.B) {
	key := []byte("acc-000042")
	h := New()
	b.SetBytes(int64(len(key)))
	for b.Loop() {
		h.Reset()
		h.Write(key)
		h.Sum32()
	}
}

// rawHasher is murmur2 without the mask, to show why New masks.
type rawHasher struct{ digest }

func (r *rawHasher) Sum32() uint32 { return Hash(r.buf) }

func TestUnmaskedHasherDisagrees(t *testing.T) {
	const n = 12
	sp := sarama.NewCustomHashPartitioner(func() hash.Hash32 { return &rawHasher{} })("t")
	diff := 0
	for i := range 1000 {
		key := fmt.Sprintf("acc-%06d", i)
		got, err := sp.Partition(&sarama.ProducerMessage{Topic: "t", Key: sarama.StringEncoder(key)}, n)
		if err != nil {
			t.Fatal(err)
		}
		if got != Partition([]byte(key), n) {
			diff++
		}
	}
	if diff == 0 {
		t.Fatal("expected an unmasked murmur2 hasher to disagree with Kafka for some keys")
	}
	t.Logf("unmasked hasher disagrees with Kafka on %d/1000 keys", diff)
}
