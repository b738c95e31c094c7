package synth

// pending is an authorization waiting to be posted or to expire. It keeps
// what is needed to write the posting later: the descriptor is rebuilt from
// dseed, so an entry stays small (the heap holds up to pendingCap of them).
type pending struct {
	due    float64 // stream clock (seconds since Start) at which it settles
	seq    uint64  // transaction number of the pending transaction
	dseed  uint64  // seed of its descriptor
	final  int64   // amount of the posting (a tip or the real fuel amount may differ from the pending one)
	authAt int64   // occurred_at of the pending transaction, Unix seconds
	acct   int32
	merch  uint16
	expire bool // removed ("authorization expired") instead of posted
}

// pendingHeap is a min-heap on (due, seq). container/heap would box every
// entry in an interface; this is the hot path.
type pendingHeap []pending

func (h pendingHeap) less(i, j int) bool {
	if h[i].due != h[j].due {
		return h[i].due < h[j].due
	}
	return h[i].seq < h[j].seq
}

func (h *pendingHeap) push(p pending) {
	*h = append(*h, p)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !s.less(i, parent) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h *pendingHeap) pop() pending {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s.less(l, m) {
			m = l
		}
		if r < len(s) && s.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
