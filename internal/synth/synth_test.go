package synth

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func collect(t testing.TB, cfg Config) ([]Payload, Stats) {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ps []Payload
	for {
		p, ok := g.Next()
		if !ok {
			break
		}
		ps = append(ps, p)
	}
	if _, ok := g.Next(); ok {
		t.Fatal("Next returned a payload after the end")
	}
	return ps, g.Stats()
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Events: 5000, Seed: 42, DuplicateRatio: 0.05, InvalidRatio: 0.03}
	a, _ := collect(t, cfg)
	b, _ := collect(t, cfg)
	if len(a) != len(b) {
		t.Fatalf("lengths %d and %d", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i].Bytes, b[i].Bytes) || a[i].Key != b[i].Key || a[i].Kind != b[i].Kind {
			t.Fatalf("payload %d differs:\n%s\n%s", i, a[i].Bytes, b[i].Bytes)
		}
	}
	cfg.Seed = 43
	c, _ := collect(t, cfg)
	same := 0
	for i := range a {
		if bytes.Equal(a[i].Bytes, c[i].Bytes) {
			same++
		}
	}
	if same > len(a)/100 {
		t.Errorf("seeds 42 and 43 share %d of %d payloads", same, len(a))
	}
}

// The valid payloads of a seed do not depend on the ratios: a benchmark
// with duplicates and invalid payloads carries the same transactions as one
// without.
func TestValidStreamIndependentOfRatios(t *testing.T) {
	clean, _ := collect(t, Config{Events: 3000, Seed: 7, Accounts: 60})
	noisy, _ := collect(t, Config{Events: 3000, Seed: 7, Accounts: 60, DuplicateRatio: 0.2, InvalidRatio: 0.1})
	i := 0
	for _, p := range noisy {
		if p.Kind != KindValid {
			continue
		}
		if !bytes.Equal(p.Bytes, clean[i].Bytes) {
			t.Fatalf("valid payload %d differs:\n%s\n%s", i, p.Bytes, clean[i].Bytes)
		}
		i++
	}
}

func TestCounts(t *testing.T) {
	for _, tc := range []struct {
		events      int
		dup, inv    float64
		v, d, i     int
		description string
	}{
		{1000, 0, 0, 1000, 0, 0, "no noise"},
		{1000, 0.1, 0.05, 850, 100, 50, "both"},
		{999, 0.333, 0.001, 665, 333, 1, "rounding"},
		{10, 0.25, 0.25, 4, 3, 3, "halves round up"},
		{3, 0.5, 0, 1, 2, 0, "duplicates of the only valid payload"},
		{1, 0.5, 0, 1, 0, 0, "a lone duplicate has nothing to copy"},
		{2, 0.25, 0.25, 1, 0, 1, "duplicates give way to one valid payload"},
		{1, 0, 0.6, 0, 0, 1, "only invalid"},
		{100_000, 0.013, 0.0071, 97_990, 1300, 710, "large"},
	} {
		t.Run(tc.description, func(t *testing.T) {
			ps, st := collect(t, Config{Events: tc.events, Seed: 1, DuplicateRatio: tc.dup, InvalidRatio: tc.inv})
			if len(ps) != tc.events {
				t.Fatalf("%d payloads, want %d", len(ps), tc.events)
			}
			want := Stats{Valid: tc.v, Duplicates: tc.d, Invalid: tc.i}
			if st != want {
				t.Errorf("stats %+v, want %+v", st, want)
			}
			var got Stats
			for _, p := range ps {
				switch p.Kind {
				case KindValid:
					got.Valid++
				case KindDuplicate:
					got.Duplicates++
				case KindInvalid:
					got.Invalid++
				}
			}
			if got != want {
				t.Errorf("kinds %+v, want %+v", got, want)
			}
		})
	}
}

// Duplicates and invalid payloads are spread through the stream, not
// bunched at either end.
func TestSpread(t *testing.T) {
	ps, _ := collect(t, Config{Events: 20000, Seed: 3, DuplicateRatio: 0.1, InvalidRatio: 0.1})
	for q := range 4 {
		var d, i int
		for _, p := range ps[q*5000 : (q+1)*5000] {
			switch p.Kind {
			case KindDuplicate:
				d++
			case KindInvalid:
				i++
			}
		}
		if d < 350 || d > 650 || i < 350 || i > 650 {
			t.Errorf("quarter %d: %d duplicates and %d invalid, want about 500 each", q, d, i)
		}
	}
}

func TestFirstPayloadIsNeverADuplicate(t *testing.T) {
	for seed := range int64(200) {
		ps, _ := collect(t, Config{Events: 4, Seed: seed, DuplicateRatio: 0.74})
		if ps[0].Kind == KindDuplicate {
			t.Fatalf("seed %d: first payload is a duplicate", seed)
		}
	}
}

func TestDuplicatesCopyEarlierValidPayloads(t *testing.T) {
	ps, st := collect(t, Config{Events: 20000, Seed: 5, DuplicateRatio: 0.15, InvalidRatio: 0.05})
	if st.Duplicates != 3000 {
		t.Fatalf("%d duplicates", st.Duplicates)
	}
	seen := map[string]string{} // payload -> key
	for i, p := range ps {
		switch p.Kind {
		case KindValid:
			seen[string(p.Bytes)] = p.Key
		case KindDuplicate:
			key, ok := seen[string(p.Bytes)]
			if !ok {
				t.Fatalf("payload %d is a duplicate of no earlier valid payload: %s", i, p.Bytes)
			}
			if key != p.Key {
				t.Fatalf("payload %d: key %q, the original had %q", i, p.Key, key)
			}
		}
	}
}

func TestValidPayloads(t *testing.T) {
	ps, _ := collect(t, Config{Events: 60000, Seed: 11, Accounts: 3000})
	seen := map[string]bool{}
	types := map[string]int{}
	for i, p := range ps {
		if err := check(p.Bytes); err != nil {
			t.Fatalf("payload %d: %v\n%s", i, err, p.Bytes)
		}
		w, _ := decodeStrict(p.Bytes)
		again, err := reencode(w)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, p.Bytes) {
			t.Fatalf("payload %d does not round-trip through encoding/json:\n%s\n%s", i, p.Bytes, again)
		}
		if !amountIsInteger(p.Bytes) {
			t.Fatalf("payload %d: amount_minor is not a JSON integer: %s", i, p.Bytes)
		}
		if p.Key != *w.AccountID {
			t.Fatalf("payload %d: key %q, account_id %q", i, p.Key, *w.AccountID)
		}
		if bytes.ContainsAny(p.Bytes, "\n\r") || !utf8.Valid(p.Bytes) {
			t.Fatalf("payload %d: newline or invalid UTF-8: %q", i, p.Bytes)
		}
		if w.AmountMinor != nil && *w.AmountMinor == 0 {
			t.Fatalf("payload %d: zero amount: %s", i, p.Bytes)
		}
		id := *w.AccountID + "/" + *w.TransactionID
		if w.typ() != "removed" && seen[id] {
			t.Fatalf("payload %d: transaction id %s used twice", i, id)
		}
		seen[id] = true
		types[w.typ()+"/"+str(w.Status)]++
	}
	for _, want := range []string{"created/pending", "created/posted", "updated/posted", "removed/"} {
		if types[want] == 0 {
			t.Errorf("no %s payload in %v", want, types)
		}
	}
}

func TestInvalidPayloadsBreakARule(t *testing.T) {
	g, err := New(Config{Events: 1000, Seed: 9, Accounts: 500})
	if err != nil {
		t.Fatal(err)
	}
	for f := flawNone + 1; f < numFlaws; f++ {
		for range 200 {
			p := g.flawed(f)
			if err := check(p.Bytes); err == nil {
				t.Fatalf("%v: payload passes the rules: %s", f, p.Bytes)
			}
			if bytes.ContainsAny(p.Bytes, "\n\r") || p.Bytes == nil {
				t.Fatalf("%v: newline or nil bytes: %q", f, p.Bytes)
			}
			if (f == flawNoAccount) != (p.Key == "") {
				t.Fatalf("%v: key %q", f, p.Key)
			}
			if p.Key != "" && !bytes.Contains(p.Bytes, []byte(p.Key)) && f != flawEmpty && f != flawTruncated {
				t.Fatalf("%v: key %q not in the payload: %s", f, p.Key, p.Bytes)
			}
		}
	}
	// And through Next, with the flaws drawn at random.
	ps, st := collect(t, Config{Events: 5000, Seed: 9, InvalidRatio: 0.5})
	for _, p := range ps {
		if err := check(p.Bytes); (err != nil) != (p.Kind == KindInvalid) {
			t.Fatalf("kind %v, check %v: %s", p.Kind, err, p.Bytes)
		}
	}
	if st.Invalid != 2500 {
		t.Errorf("%d invalid", st.Invalid)
	}
}

func TestLifecycle(t *testing.T) {
	ps, _ := collect(t, Config{Events: 200_000, Seed: 13, DuplicateRatio: 0.02})
	type open struct {
		account, occurredAt, desc string
		amount                    int64
	}
	pendings := map[string]open{}
	settled := map[string]bool{}
	var created, pendingN, posted, removed, tipped int
	for i, p := range ps {
		if p.Kind != KindValid {
			continue
		}
		w, err := decodeStrict(p.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		switch w.typ() {
		case "created":
			created++
			if *w.Status == "pending" {
				pendingN++
				pendings[*w.TransactionID] = open{*w.AccountID, *w.OccurredAt, str(w.Description), *w.AmountMinor}
			}
		case "updated":
			posted++
			id := *w.PendingTransactionID
			o, ok := pendings[id]
			switch {
			case !ok:
				t.Fatalf("payload %d posts %s, which never arrived pending: %s", i, id, p.Bytes)
			case o.account != *w.AccountID:
				t.Fatalf("payload %d posts %s of %s for %s", i, id, o.account, *w.AccountID)
			case settled[id]:
				t.Fatalf("payload %d settles %s again", i, id)
			case o.occurredAt != *w.OccurredAt || o.desc != str(w.Description):
				t.Fatalf("payload %d: posting differs from its pending beyond the amount: %s", i, p.Bytes)
			case *w.PostedAt < *w.OccurredAt:
				t.Fatalf("payload %d: posted before it occurred: %s", i, p.Bytes)
			}
			if o.amount != *w.AmountMinor {
				tipped++
			}
			settled[id] = true
		case "removed":
			removed++
			id := *w.TransactionID
			if o, ok := pendings[id]; !ok || o.account != *w.AccountID || settled[id] {
				t.Fatalf("payload %d removes %s, which is not an open pending transaction of %s", i, id, *w.AccountID)
			}
			if str(w.Reason) != "authorization expired" {
				t.Fatalf("payload %d: reason %q", i, str(w.Reason))
			}
			settled[id] = true
		}
	}
	// About 80% of transactions are card purchases, 30% of those pending.
	if share := float64(pendingN) / float64(created); share < 0.2 || share > 0.3 {
		t.Errorf("%.3f of new transactions pending, want about 0.25", share)
	}
	if share := float64(removed) / float64(removed+posted); share < 0.015 || share > 0.05 {
		t.Errorf("%.3f of settled pendings expired, want about 0.03", share)
	}
	if tipped == 0 {
		t.Error("no posting differs from its pending amount (tips, fuel)")
	}
	if open := pendingN - posted - removed; open <= 0 || open > pendingCap {
		t.Errorf("%d pending transactions left open", open)
	}
}

func TestZipfSkew(t *testing.T) {
	ps, _ := collect(t, Config{Events: 100_000, Seed: 17})
	perAccount := map[string]int{}
	for _, p := range ps {
		perAccount[p.Key]++
	}
	counts := make([]int, 0, len(perAccount))
	for _, n := range perAccount {
		counts = append(counts, n)
	}
	slices.Sort(counts)
	slices.Reverse(counts)
	accounts := 100_000 / 50
	top := 0
	for _, n := range counts[:accounts/10] {
		top += n
	}
	share := float64(top) / float64(len(ps))
	if share < 0.3 {
		t.Errorf("top 10%% of accounts have %.2f of the transactions, want well over 0.1", share)
	}
	if busiest := float64(counts[0]) / float64(len(ps)); busiest > 0.05 {
		t.Errorf("the busiest account has %.3f of the transactions", busiest)
	}
	t.Logf("top 10%% of %d accounts: %.2f of transactions; %d accounts active", accounts, share, len(perAccount))
}

func TestClock(t *testing.T) {
	ps, _ := collect(t, Config{Events: 200_000, Seed: 19})
	var last string
	var hours [24]int
	var first time.Time
	for i, p := range ps {
		w, _ := decodeStrict(p.Bytes)
		now := str(w.OccurredAt) // the stream clock, except for postings
		if w.typ() == "updated" {
			now = *w.PostedAt
		}
		if now < last {
			t.Fatalf("payload %d goes back in time: %s after %s", i, now, last)
		}
		last = now
		ts, _ := time.Parse(time.RFC3339, now)
		if i == 0 {
			first = ts
		}
		hours[ts.Hour()]++
	}
	if !first.Equal(DefaultStart) && first.Sub(DefaultStart) > time.Hour {
		t.Errorf("first transaction at %v, long after the start", first)
	}
	end, _ := time.Parse(time.RFC3339, last)
	if days := end.Sub(DefaultStart).Hours() / 24; days < 7 || days > 30 {
		t.Errorf("200k events span %.1f days, want several", days)
	}
	if night, lunch := hours[2]+hours[3]+hours[4], hours[12]+hours[13]; lunch < 5*night {
		t.Errorf("%d transactions at lunch, %d at night: no daily profile", lunch, night)
	}
}

func TestStart(t *testing.T) {
	start := time.Date(2030, 6, 1, 12, 0, 0, 0, time.FixedZone("X", 3600))
	ps, _ := collect(t, Config{Events: 10, Seed: 1, Start: start})
	w, _ := decodeStrict(ps[0].Bytes)
	ts, err := time.Parse(time.RFC3339, *w.OccurredAt)
	if err != nil || ts.Before(start) || ts.Sub(start) > 24*time.Hour {
		t.Errorf("first transaction at %s, start %v", *w.OccurredAt, start)
	}
}

func TestCurrencies(t *testing.T) {
	ps, _ := collect(t, Config{Events: 100_000, Seed: 23, Accounts: 5000})
	byAccount := map[string]string{}
	byCurrency := map[string]int{}
	var jpyCoffee, bhdSeen bool
	for _, p := range ps {
		w, _ := decodeStrict(p.Bytes)
		if w.Currency == nil {
			continue
		}
		if c, ok := byAccount[*w.AccountID]; ok && c != *w.Currency {
			t.Fatalf("%s pays in %s and %s", *w.AccountID, c, *w.Currency)
		}
		byAccount[*w.AccountID] = *w.Currency
		byCurrency[*w.Currency]++
		if *w.Currency == "JPY" && strings.Contains(str(w.Description), "STARBUCKS") {
			// ¥300 to ¥2,100: no minor unit.
			if a := -*w.AmountMinor; a < 300 || a > 2500 {
				t.Errorf("JPY coffee for %d: %s", a, p.Bytes)
			}
			jpyCoffee = true
		}
		if *w.Currency == "BHD" {
			bhdSeen = true
		}
	}
	for c := range currencies {
		if byCurrency[currencies[c].code] == 0 {
			t.Errorf("no %s payload: %v", currencies[c].code, byCurrency)
		}
	}
	if byCurrency["USD"] < byCurrency["EUR"] || byCurrency["BHD"] > byCurrency["GBP"] {
		t.Errorf("currency mix %v", byCurrency)
	}
	if !jpyCoffee || !bhdSeen {
		t.Errorf("no JPY coffee or no BHD")
	}
}

// Memory stays bounded with a million accounts and authorizations that
// take longer to settle than the stream lasts.
func TestBoundedState(t *testing.T) {
	g, err := New(Config{Events: 400_000, Seed: 29, Accounts: MaxAccounts, DuplicateRatio: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, ok := g.Next(); !ok {
			break
		}
		if len(g.pend) > pendingCap {
			t.Fatalf("%d open pendings", len(g.pend))
		}
	}
	if len(g.pend) != pendingCap && len(g.pend) != pendingCap-1 {
		t.Errorf("%d open pendings at the end: expected the cap to be reached", len(g.pend))
	}
	if len(g.ring) != ringSize {
		t.Errorf("ring of %d", len(g.ring))
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string // one substring per expected problem; none: valid
	}{
		{"minimal", Config{Events: 1}, nil},
		{"full", Config{Events: 10, Seed: -3, DuplicateRatio: 0.5, InvalidRatio: 0.49, Accounts: MaxAccounts, Start: DefaultStart}, nil},
		{"no events", Config{}, []string{"events 0: must be > 0"}},
		{"negative events", Config{Events: -5}, []string{"events -5: must be > 0"}},
		{"duplicate ratio", Config{Events: 1, DuplicateRatio: 1.5}, []string{"duplicate-ratio 1.5: must be in [0, 1)"}},
		{"duplicate ratio one", Config{Events: 1, DuplicateRatio: 1}, []string{"duplicate-ratio 1: must be in [0, 1)"}},
		{"invalid ratio", Config{Events: 1, InvalidRatio: -0.1}, []string{"invalid-ratio -0.1: must be in [0, 1)"}},
		{"NaN", Config{Events: 1, InvalidRatio: math.NaN()}, []string{"invalid-ratio NaN: must be in [0, 1)"}},
		{"sum", Config{Events: 1, DuplicateRatio: 0.6, InvalidRatio: 0.4}, []string{"duplicate-ratio 0.6 + invalid-ratio 0.4 = 1: must be < 1"}},
		{"accounts", Config{Events: 1, Accounts: -1}, []string{"accounts -1: must be > 0, or 0 for the default"}},
		{"too many accounts", Config{Events: 1, Accounts: MaxAccounts + 1}, []string{"accounts 1000001: must be at most 1000000"}},
		{"start", Config{Events: 1, Start: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)}, []string{"start 1969-12-31T00:00:00Z: year must be in [1970, 9000]"}},
		{"all at once", Config{Events: 0, DuplicateRatio: 2, InvalidRatio: -1, Accounts: -2},
			[]string{"events 0", "duplicate-ratio 2", "invalid-ratio -1", "accounts -2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			_, newErr := New(tc.cfg)
			if len(tc.want) == 0 {
				if err != nil || newErr != nil {
					t.Fatalf("Validate: %v; New: %v", err, newErr)
				}
				return
			}
			if err == nil || newErr == nil {
				t.Fatalf("Validate: %v; New: %v; want %q", err, newErr, tc.want)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Errorf("%d problems, want %d: %v", len(lines), len(tc.want), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
			if !strings.HasPrefix(newErr.Error(), "synth: ") {
				t.Errorf("New: %v", newErr)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	for _, tc := range []struct{ events, accounts int }{{1, 10}, {499, 10}, {5000, 100}, {100_000_000, MaxAccounts}} {
		if got := (Config{Events: tc.events}).withDefaults().Accounts; got != tc.accounts {
			t.Errorf("events %d: %d accounts, want %d", tc.events, got, tc.accounts)
		}
	}
	g, err := New(Config{Events: 1, Accounts: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := g.Next()
	if p.Key != "acc-000000" {
		t.Errorf("single account: key %q", p.Key)
	}
}

// Every template of every merchant and country expands, for every city,
// without a placeholder left and without a newline.
func TestTemplates(t *testing.T) {
	g, err := New(Config{Events: 1, Seed: 31})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for idx := 0; seen < int(numCountries) && idx < 100_000; idx++ {
		a := g.account(idx)
		if a.cc != seen%int(numCountries) {
			continue
		}
		seen++
		var ts []template
		c := a.ctry
		for _, group := range [][]template{c.salary, c.transferIn, c.transferOut, c.rent, c.atm, c.fee, c.interest} {
			ts = append(ts, group...)
		}
		for _, wrap := range slices.Concat(c.styles, c.refund) {
			for _, mi := range merchantsIn[a.cc] {
				for _, inner := range merchants[mi].tmpls {
					x := descCtx{r: g.desc, a: &a, loc: &c.cities[int(mi)%len(c.cities)], merch: int(mi), at: g.start, inner: inner}
					out := g.expand(nil, wrap, &x)
					if bytes.ContainsAny(out, "{}\n") || !utf8.Valid(out) || len(out) == 0 {
						t.Fatalf("%s: %q", c.code, out)
					}
				}
			}
		}
		for _, tmpl := range ts {
			x := descCtx{r: g.desc, a: &a, loc: a.home, at: g.start, inner: template{{lit: "X"}}}
			if out := g.expand(nil, tmpl, &x); bytes.ContainsAny(out, "{}\n") || !utf8.Valid(out) || len(out) == 0 {
				t.Fatalf("%s: %q", c.code, out)
			}
		}
	}
	if seen < int(numCountries) {
		t.Fatalf("found accounts in %d countries", seen)
	}
	for c := range numCountries {
		if len(merchantsIn[c]) == 0 || len(refundsIn[c]) == 0 {
			t.Errorf("%s: no merchants or no refunds", countries[c].code)
		}
	}
}

func TestAppendQuoted(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "tab\tnew\nline\r", "\x00\x01\x1f\b\f", "H&M <b>",
		"Zürich", "ﾃﾞﾋﾞｯﾄ", "\u2028\u2029", "bad \xff utf8 \xe2\x82", "emoji 🙂", "\x7f"} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := appendQuoted(nil, s); string(got) != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("appendQuoted(%q) = %s, encoding/json %s", s, got, want.String())
		}
		if got := appendQuoted(nil, []byte(s)); string(got) != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("appendQuoted([]byte(%q)) = %s", s, got)
		}
	}
}

func TestTimeFormat(t *testing.T) {
	var c calendar
	for _, unix := range []int64{0, 951782400, 1767571200, 1767600802, 4102444799, 4107542400, 253402300799} {
		want := time.Unix(unix, 0).UTC()
		if got := string(c.appendTime(nil, unix)); got != want.Format(time.RFC3339) {
			t.Errorf("%d: %s, want %s", unix, got, want.Format(time.RFC3339))
		}
		if d := c.date(unix); d.weekday != int(want.Weekday()) {
			t.Errorf("%d: weekday %d, want %d", unix, d.weekday, want.Weekday())
		}
	}
	for days := int64(0); days < 40000; days += 17 {
		y, m, d := civil(days)
		want := time.Unix(days*86400, 0).UTC()
		if y != want.Year() || m != int(want.Month()) || d != want.Day() {
			t.Fatalf("civil(%d) = %d-%d-%d, want %v", days, y, m, d, want)
		}
	}
}

func TestAmounts(t *testing.T) {
	for _, tc := range []struct {
		v    int64
		exp  int
		want string
	}{{-1250, 2, "-12.50"}, {1200, 0, "1200"}, {5250, 3, "5.250"}, {-5, 2, "-0.05"}, {0, 2, "0.00"}} {
		if got := string(appendMajor(nil, tc.v, tc.exp)); got != tc.want {
			t.Errorf("appendMajor(%d, %d) = %s, want %s", tc.v, tc.exp, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v    int64
		exp  int
		want string
	}{{-1250, 2, "-12.5"}, {-1200, 2, "-12.5"}, {1200, 0, "1200.5"}, {-5250, 3, "-5.25"}, {-1234, 2, "-12.34"}} {
		if got := string(appendFloatAmount(nil, tc.v, tc.exp)); got != tc.want {
			t.Errorf("appendFloatAmount(%d, %d) = %s, want %s", tc.v, tc.exp, got, tc.want)
		}
	}
	usd, jpy, chf, bhd := &currencies[curUSD], &currencies[curJPY], &currencies[curCHF], &currencies[curBHD]
	for _, tc := range []struct {
		c         *currency
		usd       float64
		minor     int64
		charm     int64
		preauthed int64
	}{
		{usd, 15.49, 1549, 1499, 10000},
		{jpy, 15.49, 2324, 2290, 20000},
		{chf, 15.49, 1365, 1395, 9000},
		{bhd, 15.49, 5825, 5790, 40000},
	} {
		if got := tc.c.minor(tc.usd); got != tc.minor {
			t.Errorf("%s minor(%v) = %d, want %d", tc.c.code, tc.usd, got, tc.minor)
		}
		if got := tc.c.charm(tc.minor); got != tc.charm {
			t.Errorf("%s charm(%d) = %d, want %d", tc.c.code, tc.minor, got, tc.charm)
		}
		if got := preauth(tc.c); got != tc.preauthed {
			t.Errorf("%s preauth = %d, want %d", tc.c.code, got, tc.preauthed)
		}
	}
}

func BenchmarkGenerator(b *testing.B) {
	for _, bc := range []struct {
		name     string
		dup, inv float64
	}{{"valid", 0, 0}, {"noisy", 0.05, 0.02}} {
		b.Run(bc.name, func(b *testing.B) {
			g, err := New(Config{Events: b.N, Seed: 1, Accounts: 100_000, DuplicateRatio: bc.dup, InvalidRatio: bc.inv})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var size int
			for range b.N {
				p, _ := g.Next()
				size += len(p.Bytes)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payloads/s")
			b.ReportMetric(float64(size)/float64(b.N), "B/payload")
		})
	}
}
