package merchant

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/resolve.golden from the current resolver")

// TestGolden resolves testdata/descriptors.txt against the test catalog and
// compares with testdata/resolve.golden, one line per descriptor.
func TestGolden(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "descriptors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var inputs []Input
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			inputs = append(inputs, Input{Descriptor: line, Country: "US"})
		}
	}
	res, err := newTestResolver(t).Resolve(context.Background(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# descriptor | merchant | entity | marketplace | method | confidence | cleaned\n")
	for i, r := range res {
		fmt.Fprintf(&b, "%s | %s | %s | %s | %s | %.2f | %s\n", inputs[i].Descriptor, r.Name, r.EntityID, r.Marketplace, MethodName(r.Method), r.Confidence, r.Cleaned)
	}
	golden := filepath.Join("testdata", "resolve.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	gotLines, wantLines := strings.Split(b.String(), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("line %d:\n got  %s\n want %s", i+1, g, w)
		}
	}
	if t.Failed() {
		t.Log("if the change is intended, rewrite with -update and review the diff")
	}
}
