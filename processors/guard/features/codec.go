package features

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// CodecVersion is the first byte of an encoded State. A new layout gets a
// new version, and Decode keeps reading the old ones, so a table written
// by an older guard still loads.
const CodecVersion byte = 1

// Encoding is hand-written rather than gob or JSON: a state is written on
// every transaction (table and changelog), and only the buckets and keys
// in use are stored. Layout (v1): version, then uvarints/varints and
// little-endian float64s:
//
//	first, last (varint) · n, sequence (uvarint) · mean, m2, hourCos, hourSin (f64)
//	hasLoc (byte) [locAt (varint) · lat, lon (f64)]
//	per window: live buckets (uvarint), then per bucket: idx (varint),
//	  count, declined, reversed, sum (uvarint)
//	per seen set: next, n (uvarint), then n keys (8 bytes each)

// Append appends the encoding of s to b.
func (s *State) Append(b []byte) []byte {
	b = append(b, CodecVersion)
	b = binary.AppendVarint(b, s.First)
	b = binary.AppendVarint(b, s.Last)
	b = binary.AppendUvarint(b, s.N)
	b = binary.AppendUvarint(b, s.Sequence)
	for _, f := range [...]float64{s.Mean, s.M2, s.HourCos, s.HourSin} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	if s.HasLoc {
		b = append(b, 1)
		b = binary.AppendVarint(b, s.LocAt)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.LocLat))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.LocLon))
	} else {
		b = append(b, 0)
	}
	for i := range s.windows {
		w := &s.windows[i]
		live := 0
		for _, bk := range w.buckets {
			if bk.count > 0 {
				live++
			}
		}
		b = binary.AppendUvarint(b, uint64(live))
		for _, bk := range w.buckets {
			if bk.count == 0 {
				continue
			}
			b = binary.AppendVarint(b, bk.idx)
			b = binary.AppendUvarint(b, uint64(bk.count))
			b = binary.AppendUvarint(b, uint64(bk.declined))
			b = binary.AppendUvarint(b, uint64(bk.reversed))
			b = binary.AppendUvarint(b, bk.sum)
		}
	}
	for i := range s.seen {
		ss := &s.seen[i]
		b = binary.AppendUvarint(b, uint64(ss.next))
		b = binary.AppendUvarint(b, uint64(ss.n))
		for _, k := range ss.keys[:ss.n] {
			b = binary.LittleEndian.AppendUint64(b, k)
		}
	}
	return b
}

// Encode returns the encoding of s.
func (s *State) Encode() []byte { return s.Append(make([]byte, 0, 256)) }

// errTruncated is what a short or damaged encoding yields.
var errTruncated = errors.New("truncated")

type reader struct {
	b   []byte
	err error
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) uvarint(limit uint64) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	if v > limit {
		r.err = fmt.Errorf("value %d above %d", v, limit)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) u64() uint64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.err = errTruncated
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *reader) f64() float64 { return math.Float64frombits(r.u64()) }

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 1 {
		r.err = errTruncated
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

// Decode reads a State written by Append, of any version this package
// knows.
func Decode(data []byte) (*State, error) {
	if len(data) == 0 {
		return nil, errors.New("features: decode state: empty value")
	}
	if data[0] != CodecVersion {
		return nil, fmt.Errorf("features: decode state: version %d is unknown (this build reads version %d): run the guard build that wrote it, or delete guard-table to rebuild the state", data[0], CodecVersion)
	}
	s := NewState()
	r := reader{b: data[1:]}
	s.First = r.varint()
	s.Last = r.varint()
	s.N = r.uvarint(math.MaxUint64)
	s.Sequence = r.uvarint(math.MaxUint64)
	s.Mean, s.M2, s.HourCos, s.HourSin = r.f64(), r.f64(), r.f64(), r.f64()
	if r.byte() == 1 {
		s.HasLoc = true
		s.LocAt = r.varint()
		s.LocLat, s.LocLon = r.f64(), r.f64()
	}
	for i := range s.windows {
		w := &s.windows[i]
		n := int64(len(w.buckets))
		live := r.uvarint(uint64(n))
		for range live {
			bk := bucket{idx: r.varint()}
			bk.count = uint32(r.uvarint(math.MaxUint32))
			bk.declined = uint16(r.uvarint(math.MaxUint16))
			bk.reversed = uint16(r.uvarint(math.MaxUint16))
			bk.sum = r.uvarint(math.MaxUint64)
			if r.err != nil {
				break
			}
			w.buckets[((bk.idx%n)+n)%n] = bk
		}
	}
	for i := range s.seen {
		ss := &s.seen[i]
		size := uint64(len(ss.keys))
		ss.next = int(r.uvarint(size - 1))
		ss.n = int(r.uvarint(size))
		for j := 0; j < ss.n && r.err == nil; j++ {
			ss.keys[j] = r.u64()
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d bytes after the state", len(r.b))
	}
	if r.err != nil {
		return nil, fmt.Errorf("features: decode state (version %d): %w", CodecVersion, r.err)
	}
	return s, nil
}

// Codec is the goka codec of guard-table: a *State in the encoding above.
type Codec struct{}

// Encode encodes a *State.
func (Codec) Encode(value any) ([]byte, error) {
	s, ok := value.(*State)
	if !ok || s == nil {
		return nil, fmt.Errorf("features: codec cannot encode %T", value)
	}
	return s.Encode(), nil
}

// Decode decodes a *State.
func (Codec) Decode(data []byte) (any, error) { return Decode(data) }
