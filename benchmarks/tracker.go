package benchmarks

import (
	"bytes"
	"strconv"
	"sync"
	"time"
)

// tracker matches the records the latency reader sees on guard.scores.v1
// and the views-table changelog with the payloads the harness sent. No
// stage copies the producer's fintra-produced-at header to its output
// (goka's ctx.Emit sends none), so the harness keeps each payload's
// intended send time itself, keyed by account and source transaction id,
// and the score carries both. The view is matched by (account, ledger
// sequence), which the score names.
type tracker struct {
	mu sync.Mutex
	// sent: account/transaction id → intended send times, oldest first (a
	// pending and its posting may share the transaction id).
	sent map[string][]sentAt
	// scored: account/sequence → the score's payload, for the view.
	scored map[string]sentAt
	// viewFirst: account/sequence → arrival of a view the reader saw
	// before its score (the two topics are fetched independently).
	viewFirst map[string]time.Time
	// phases[i] holds the latencies of payloads sent in phase i's window.
	phases []*phaseLatency
	// Reads count what the reader consumed, to know when it has caught up.
	scoresRead, viewsRead int64
	unmatched             int64
}

// sentAt is a payload's intended send time and the phase window it was
// sent in (-1: a warm-up or a drain, not measured).
type sentAt struct {
	intended int64
	phase    int
}

type phaseLatency struct {
	scores, views *Histogram
}

func newTracker() *tracker {
	return &tracker{sent: map[string][]sentAt{}, scored: map[string]sentAt{}, viewFirst: map[string]time.Time{}}
}

// addPhase opens the latency histograms of a new phase and returns its index.
func (t *tracker) addPhase() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.phases = append(t.phases, &phaseLatency{scores: NewHistogram(), views: NewHistogram()})
	return len(t.phases) - 1
}

// payloadKey is "account/transaction id" of a fintra-json payload, read
// without decoding it: the harness must cost as little as possible.
func payloadKey(account string, payload []byte) string {
	const field = `"transaction_id":"`
	i := bytes.Index(payload, []byte(field))
	if i < 0 {
		return ""
	}
	rest := payload[i+len(field):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return account + "/" + string(rest[:j])
}

func (t *tracker) sentPayload(key string, intended time.Time, phase int) {
	if key == "" {
		return
	}
	t.mu.Lock()
	t.sent[key] = append(t.sent[key], sentAt{intended: intended.UnixNano(), phase: phase})
	t.mu.Unlock()
}

// score records a score seen at arrival for the payload key, with the
// ledger sequence that names its view.
func (t *tracker) score(key, account string, sequence uint64, arrival time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.scoresRead++
	q := t.sent[key]
	if len(q) == 0 {
		t.unmatched++
		return
	}
	s := q[0]
	if len(q) == 1 {
		delete(t.sent, key)
	} else {
		t.sent[key] = q[1:]
	}
	if s.phase >= 0 {
		t.phases[s.phase].scores.Record(arrival.Sub(time.Unix(0, s.intended)))
	}
	vk := account + "/" + strconv.FormatUint(sequence, 10)
	if at, ok := t.viewFirst[vk]; ok {
		delete(t.viewFirst, vk)
		if s.phase >= 0 {
			t.phases[s.phase].views.Record(at.Sub(time.Unix(0, s.intended)))
		}
		return
	}
	t.scored[vk] = s
}

// view records a view written for the account at the ledger sequence.
func (t *tracker) view(account string, sequence uint64, arrival time.Time) {
	vk := account + "/" + strconv.FormatUint(sequence, 10)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.viewsRead++
	s, ok := t.scored[vk]
	if !ok {
		t.viewFirst[vk] = arrival
		return
	}
	delete(t.scored, vk)
	if s.phase >= 0 {
		t.phases[s.phase].views.Record(arrival.Sub(time.Unix(0, s.intended)))
	}
}

func (t *tracker) reads() (scores, views int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.scoresRead, t.viewsRead
}

func (t *tracker) latencies(phase int) (scores, views Latency) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.phases[phase]
	return p.scores.Summary(), p.views.Summary()
}

// viewSequence reads the "sequence" of a views-table value (views.View's
// JSON, whose third field it is) without decoding the whole view.
func viewSequence(value []byte) (uint64, bool) {
	const field = `"sequence":`
	i := bytes.Index(value, []byte(field))
	if i < 0 {
		return 0, false
	}
	rest := value[i+len(field):]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	v, err := strconv.ParseUint(string(rest[:n]), 10, 64)
	return v, err == nil
}
