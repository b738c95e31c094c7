package lake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// sums are per-currency totals of amount_minor, and the row count.
type sums struct {
	Sum   map[string]int64 `json:"sum"`
	Count int64            `json:"count"`
}

// writeLedger writes n transactions over 3 partitions, in batches of 150
// per partition, the later half first and then everything again with other
// boundaries, as a replay would, and returns what the store must hold.
func writeLedger(t testing.TB, s *Sink, n int) sums {
	t.Helper()
	want := sums{Sum: map[string]int64{}}
	var byPart [3][]*kgo.Record
	for i, r := range transactionRecords(topic, n) {
		p := int32(i % 3)
		r.Partition, r.Offset = p, int64(len(byPart[p]))
		byPart[p] = append(byPart[p], r)
		at := transaction(i)
		want.Sum[at.GetTransaction().GetCurrency()] += at.GetTransaction().GetAmountMinor()
		want.Count++
	}
	batches := func(size int) [][]*kgo.Record {
		var out [][]*kgo.Record
		for start := 0; start < len(byPart[0]); start += size {
			var b []*kgo.Record
			for p := range byPart {
				b = append(b, byPart[p][start:min(start+size, len(byPart[p]))]...)
			}
			out = append(out, b)
		}
		return out
	}
	first := batches(150)
	for _, b := range first[len(first)/2:] {
		write(t, s, b)
	}
	for _, b := range first[:len(first)/2] {
		write(t, s, b)
	}
	for _, b := range batches(97) {
		write(t, s, b)
	}
	return want
}

// genericSums reads every object with parquet-go's untyped row reader, by
// column name, not through the Row struct.
func genericSums(t testing.TB, s *Sink) sums {
	t.Helper()
	ctx := context.Background()
	keys, err := s.store.List(ctx, Table+"/")
	if err != nil {
		t.Fatal(err)
	}
	got := sums{Sum: map[string]int64{}}
	for _, k := range keys {
		data, err := s.store.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		amount, ok1 := f.Schema().Lookup("amount_minor")
		currency, ok2 := f.Schema().Lookup("currency")
		if !ok1 || !ok2 {
			t.Fatalf("%s: no amount_minor or currency column", k)
		}
		for _, rg := range f.RowGroups() {
			rows := rg.Rows()
			buf := make([]parquet.Row, 64)
			for {
				n, err := rows.ReadRows(buf)
				for _, row := range buf[:n] {
					var cur string
					var amt int64
					for _, v := range row {
						switch v.Column() {
						case amount.ColumnIndex:
							amt = v.Int64()
						case currency.ColumnIndex:
							cur = v.String()
						}
					}
					got.Sum[cur] += amt
					got.Count++
				}
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			_ = rows.Close()
		}
	}
	return got
}

func sameSums(t testing.TB, reader string, got, want sums) {
	t.Helper()
	if got.Count != want.Count || len(got.Sum) != len(want.Sum) {
		t.Fatalf("%s: %d rows, sums %v; want %d rows, %v", reader, got.Count, got.Sum, want.Count, want.Sum)
	}
	for cur, w := range want.Sum {
		if got.Sum[cur] != w {
			t.Fatalf("%s: %s sums to %d, want %d", reader, cur, got.Sum[cur], w)
		}
	}
}

// pyarrowScript reads every Parquet file under a directory with pyarrow,
// checks the column types and prints per-currency sums.
const pyarrowScript = `
import glob, json, sys
import pyarrow as pa, pyarrow.parquet as pq
files = glob.glob(sys.argv[1] + "/transactions/dt=*/*.parquet")
t = pa.concat_tables([pq.read_table(f) for f in files])
s = t.schema
assert s.field("amount_minor").type == pa.int64(), s.field("amount_minor").type
assert s.field("occurred_at").type == pa.timestamp("us", tz="UTC"), s.field("occurred_at").type
assert s.field("score").type == pa.float64()
assert t.column("score").null_count == t.num_rows
assert pq.ParquetFile(files[0]).metadata.row_group(0).column(0).compression == "ZSTD"
out = {}
for cur, amt in zip(t.column("currency").to_pylist(), t.column("amount_minor").to_pylist()):
    out[cur] = out.get(cur, 0) + amt
print(json.dumps({"sum": out, "count": t.num_rows}))
`

// python is the interpreter to read with: FINTRA_PYTHON, else python3.
func python() string {
	if p := os.Getenv("FINTRA_PYTHON"); p != "" {
		return p
	}
	return "python3"
}

// TestReadBackIndependently reads the files with readers other than the
// sink's: parquet-go's untyped reader and, when installed, pyarrow. The
// per-currency sums of amount_minor equal the records'.
func TestReadBackIndependently(t *testing.T) {
	dir := t.TempDir()
	s := openFile(t, dir, Options{})
	want := writeLedger(t, s, 1500)
	sameSums(t, "parquet-go generic reader", genericSums(t, s), want)

	t.Run("pyarrow", func(t *testing.T) {
		if err := exec.Command(python(), "-c", "import pyarrow").Run(); err != nil {
			t.Skipf("pyarrow is not installed for %s (%v): pip install pyarrow==26.0.1, or set FINTRA_PYTHON to an interpreter that has it", python(), err)
		}
		out, err := exec.Command(python(), "-c", pyarrowScript, dir).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("pyarrow: %v: %s", err, ee.Stderr)
			}
			t.Fatal(err)
		}
		var got sums
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("pyarrow printed %q: %v", out, err)
		}
		sameSums(t, "pyarrow", got, want)
		entries, _ := filepath.Glob(filepath.Join(dir, "transactions", "dt=*", "*.parquet"))
		t.Logf("pyarrow read %d rows from %d files: %s", got.Count, len(entries), strings.TrimSpace(string(out)))
	})
}
