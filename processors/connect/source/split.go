package source

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// Position locates a payload in an offline input.
type Position struct {
	// Line is the 1-based line of a FramingLines payload; 0 for a whole
	// document, which prints as "document".
	Line int
	// Offset is the byte offset where the payload starts.
	Offset int64
}

func (p Position) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%d", p.Line)
	}
	return "document"
}

// MaxLine is the longest line Split accepts: far above any one payload, so
// that a line this long is a framing mistake (a document fed as lines).
const MaxLine = 16 << 20

// Split cuts r into payloads by framing and calls fn for each, in order.
// Blank lines are skipped. fn's error stops the split and is returned.
func Split(r io.Reader, f Framing, fn func(pos Position, payload []byte) error) error {
	if f == FramingDocument {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		return fn(Position{}, b)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	var line int
	var offset int64
	for sc.Scan() {
		line++
		b := sc.Bytes()
		start := offset
		offset += int64(len(b)) + 1
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if err := fn(Position{Line: line, Offset: start}, b); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("source: line %d: %w", line+1, err)
	}
	return nil
}
