package features

import (
	"math"
	"testing"
	"time"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func tx(offset time.Duration, amount int64) Input {
	return Input{At: t0.Add(offset), AmountMinor: amount, Currency: "USD"}
}

func with(in Input, f func(*Input)) Input { f(&in); return in }

// run folds a sequence into a fresh state and returns each transaction's
// features.
func run(seq []Input) []Vector {
	s := NewState()
	out := make([]Vector, len(seq))
	for i, in := range seq {
		out[i] = Update(s, in)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestFeatures(t *testing.T) {
	cp := func(lat, lon float64) func(*Input) {
		return func(in *Input) {
			in.Channel = fintrav1.Channel_CHANNEL_CARD_PRESENT
			in.HasLocation, in.Latitude, in.Longitude = true, lat, lon
		}
	}
	cases := []struct {
		feature string
		seq     []Input
		want    []float64
	}{
		{"amount_log1p", []Input{tx(0, -999), tx(time.Minute, 0)}, []float64{math.Log(1000), 0}},
		{"amount_zscore", []Input{tx(0, -100), tx(1, -300), tx(2, -200), tx(3, -500)},
			// before the third: mean 200, sd 141.4; before the fourth: mean 200, sd 100
			[]float64{0, 0, 0, 3}},
		{"is_credit", []Input{tx(0, 5), tx(1, -5)}, []float64{1, 0}},
		{"count_10m", []Input{tx(0, -1), tx(5*time.Minute, -1), tx(9*time.Minute, -1), tx(20*time.Minute, -1)}, []float64{0, 1, 2, 0}},
		{"sum_10m", []Input{tx(0, -100), tx(5*time.Minute, 250), tx(9*time.Minute, -1), tx(20*time.Minute, -1)}, []float64{0, 100, 350, 0}},
		{"count_1h", []Input{tx(0, -1), tx(30*time.Minute, -1), tx(56*time.Minute, -1), tx(61*time.Minute, -1), tx(3*time.Hour, -1)}, []float64{0, 1, 2, 2, 0}},
		{"sum_24h", []Input{tx(0, -100), tx(23*time.Hour, -200), tx(24*time.Hour+30*time.Minute, -5)}, []float64{0, 100, 200}},
		{"count_7d", []Input{tx(0, -1), tx(6*24*time.Hour, -1), tx(7*24*time.Hour+6*time.Hour, -1)}, []float64{0, 1, 1}},
		{"seconds_since_prev", []Input{tx(0, -1), tx(90*time.Second, -1), tx(30*time.Second, -1)}, []float64{-1, 90, 0}},
		{"prior_transactions", []Input{tx(0, -1), tx(1, -1), tx(2, -1)}, []float64{0, 1, 2}},
		{"account_age_days", []Input{tx(0, -1), tx(36*time.Hour, -1)}, []float64{0, 1.5}},
		{"has_location", []Input{with(tx(0, -1), cp(1, 2)), tx(1, -1)}, []float64{1, 0}},
		// New York to Los Angeles: 3,936 km in one hour.
		{"distance_km", []Input{with(tx(0, -1), cp(40.7128, -74.0060)), tx(time.Minute, -1), with(tx(time.Hour, -1), cp(34.0522, -118.2437))},
			[]float64{0, 0, 3935.7517}},
		{"speed_kmh", []Input{with(tx(0, -1), cp(40.7128, -74.0060)), with(tx(30*time.Minute, -1), cp(34.0522, -118.2437)), with(tx(30*time.Minute+1, -1), cp(34.0522, -118.2437))},
			[]float64{0, 7871.5034, 0}},
		{"new_merchant", []Input{
			with(tx(0, -1), func(in *Input) { in.MerchantKey = "a" }),
			with(tx(1, -1), func(in *Input) { in.MerchantKey = "b" }),
			with(tx(2, -1), func(in *Input) { in.MerchantKey = "a" }),
			tx(3, -1),
		}, []float64{1, 1, 0, 0}},
		{"new_country", []Input{
			with(tx(0, -1), func(in *Input) { in.Country = "US" }),
			with(tx(1, -1), func(in *Input) { in.Country = "us" }),
			with(tx(2, -1), func(in *Input) { in.Country = "RU" }),
		}, []float64{1, 0, 1}},
		{"new_device", []Input{
			with(tx(0, -1), func(in *Input) { in.DeviceID = "d1" }),
			with(tx(1, -1), func(in *Input) { in.DeviceID = "d1" }),
			with(tx(2, -1), func(in *Input) { in.DeviceID = "d2" }),
		}, []float64{1, 0, 1}},
		{"new_ip", []Input{
			with(tx(0, -1), func(in *Input) { in.IPAddress = "10.0.0.1" }),
			with(tx(1, -1), func(in *Input) { in.IPAddress = "10.0.0.1" }),
		}, []float64{1, 0}},
		{"new_email_domain", []Input{
			with(tx(0, -1), func(in *Input) { in.EmailDomain = "example.com" }),
			tx(1, -1),
			with(tx(2, -1), func(in *Input) { in.EmailDomain = "example.com" }),
		}, []float64{1, 0, 0}},
		{"card_not_present", []Input{with(tx(0, -1), func(in *Input) { in.Channel = fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT }), tx(1, -1)}, []float64{1, 0}},
		{"merchant_category_risk", []Input{
			with(tx(0, -1), func(in *Input) { in.MCC = "7995" }),
			with(tx(1, -1), func(in *Input) { in.MCC = "5411" }),
			with(tx(2, -1), func(in *Input) { in.CategoryPrimary = "FOOD_AND_DRINK" }),
			tx(3, -1),
			with(tx(4, -1), func(in *Input) { in.CategoryDetailed = "FOOD_AND_DRINK_COFFEE" }),
			with(tx(5, -1), func(in *Input) { in.CategoryDetailed = "ENTERTAINMENT_CASINOS_AND_GAMBLING" }),
		}, []float64{0.95, 0.05, 0.1, DefaultCategoryRisk, 0.1, 0.95}},
		{"hour_of_day", []Input{tx(90*time.Minute, -1)}, []float64{13.5}},
		// Three purchases at noon, then one at midnight: 12 h from a
		// perfectly regular habit (R = 1); then one at 18:00 against a
		// mean of noon with R = 0.5.
		{"hour_deviation", []Input{tx(0, -1), tx(24*time.Hour, -1), tx(48*time.Hour, -1), tx(60*time.Hour, -1), tx(78*time.Hour, -1)},
			[]float64{0, 0, 0, 12, 3}},
		{"declined_24h", []Input{
			with(tx(0, -1), func(in *Input) { in.Declined = true }),
			with(tx(time.Hour, -1), func(in *Input) { in.Declined = true }),
			tx(2*time.Hour, -1),
			tx(26*time.Hour, -1),
		}, []float64{0, 1, 2, 0}},
		{"reversed_24h", []Input{with(tx(0, 1), func(in *Input) { in.Reversal = true }), tx(1, -1)}, []float64{0, 1}},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.feature] = true
		t.Run(c.feature, func(t *testing.T) {
			i := Index(c.feature)
			if i < 0 {
				t.Fatalf("no feature %q", c.feature)
			}
			for j, v := range run(c.seq) {
				if got := v[i]; !near(got, c.want[j]) && math.Abs(got-c.want[j]) > 1e-3 {
					t.Errorf("transaction %d: %s = %v, want %v", j, c.feature, got, c.want[j])
				}
			}
		})
	}
	for _, f := range Table {
		if f.Name == "" || f.Func == nil || f.Meaning == "" || f.Unit == "" || f.Window == "" {
			t.Errorf("feature %+v is incomplete", f.Name)
		}
		if !covered[f.Name] && f.Name != "amount_mean_log1p" && f.Name != "count_24h" && f.Name != "sum_1h" && f.Name != "sum_7d" {
			t.Errorf("feature %s has no handcrafted sequence", f.Name)
		}
	}
}

// TestWindowRingReuse: a bucket slot reused a full turn later forgets what
// it held; a late event older than the slot's bucket is dropped from the
// window rather than overwriting newer data.
func TestWindowRingReuse(t *testing.T) {
	s := NewState()
	Fold(s, tx(0, -100))
	Fold(s, tx(10*time.Minute, -7)) // same 1-min slot, next turn
	v := Compute(s, tx(10*time.Minute+30*time.Second, -1))
	if got := v[Index("count_10m")]; got != 1 {
		t.Errorf("count_10m = %v, want 1 (the first turn expired)", got)
	}
	if got := v[Index("sum_10m")]; got != 7 {
		t.Errorf("sum_10m = %v, want 7", got)
	}
	Fold(s, tx(0, -1000)) // late: its slot now holds a newer bucket
	v = Compute(s, tx(10*time.Minute+30*time.Second, -1))
	if got := v[Index("sum_10m")]; got != 7 {
		t.Errorf("after a late event sum_10m = %v, want 7", got)
	}
	if got := v[Index("prior_transactions")]; got != 3 {
		t.Errorf("prior_transactions = %v, want 3", got)
	}
}

func TestSeenSetIsBounded(t *testing.T) {
	s := NewState()
	for i := range 300 {
		Fold(s, with(tx(time.Duration(i)*time.Second, -1), func(in *Input) { in.MerchantKey = string(rune('A' + i)) }))
	}
	first := with(tx(time.Hour, -1), func(in *Input) { in.MerchantKey = "A" })
	if got := Compute(s, first)[Index("new_merchant")]; got != 1 {
		t.Errorf("the oldest of 300 merchants is still remembered (new_merchant = %v); the set keeps 256", got)
	}
	last := with(tx(time.Hour, -1), func(in *Input) { in.MerchantKey = string(rune('A' + 299)) })
	if got := Compute(s, last)[Index("new_merchant")]; got != 0 {
		t.Errorf("the latest merchant is forgotten (new_merchant = %v)", got)
	}
}

func TestCodecRoundTrip(t *testing.T) {
	s := NewState()
	empty := s.Encode()
	if back, err := Decode(empty); err != nil || back.N != 0 {
		t.Fatalf("empty state: %v", err)
	}
	seq := []Input{
		with(tx(0, -1234), func(in *Input) {
			in.MerchantKey, in.Country, in.DeviceID, in.IPAddress, in.EmailDomain = "m", "US", "d", "1.2.3.4", "x.org"
			in.Channel, in.HasLocation, in.Latitude, in.Longitude = fintrav1.Channel_CHANNEL_CARD_PRESENT, true, 51.5, -0.12
			in.Declined = true
		}),
		with(tx(3*time.Hour, 5000), func(in *Input) { in.Reversal = true }),
		tx(-48*time.Hour, -1),
		tx(5*24*time.Hour, -77),
	}
	for _, in := range seq {
		Fold(s, in)
	}
	s.Sequence = 300
	enc := s.Encode()
	back, err := Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	probe := tx(5*24*time.Hour+time.Minute, -10)
	if a, b := Compute(s, probe), Compute(back, probe); a != b {
		t.Errorf("decoded state computes\n%v\nwant\n%v", b, a)
	}
	if back.Sequence != 300 {
		t.Errorf("sequence %d after the round trip", back.Sequence)
	}
	if string(back.Encode()) != string(enc) {
		t.Error("re-encoding differs")
	}
	t.Logf("state of %d transactions: %d bytes", len(seq), len(enc))
	for cut := 0; cut < len(enc); cut++ {
		if _, err := Decode(enc[:cut]); err == nil {
			t.Errorf("a state cut at %d bytes decodes", cut)
		}
	}
	bad := append([]byte{99}, enc[1:]...)
	if _, err := Decode(bad); err == nil {
		t.Error("unknown version decodes")
	}
}

func TestFromEnriched(t *testing.T) {
	et := &fintrav1.EnrichedTransaction{
		Accepted: &fintrav1.AcceptedTransaction{Transaction: &fintrav1.Transaction{
			AmountMinor: -500, Currency: "EUR", Description: "CARD PAYMENT TO REWE 1234 BERLIN 05/01",
			Context: &fintrav1.PaymentContext{Channel: fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT, BillingCountry: "DE", EmailDomain: "Example.COM"},
		}},
	}
	in := FromEnriched(et, t0)
	if !in.At.Equal(t0) || in.MerchantKey != "desc:CARD PAYMENT TO REWE BERLIN /" || in.Country != "DE" || in.EmailDomain != "example.com" {
		t.Errorf("input = %+v", in)
	}
	et.Merchant = &fintrav1.Merchant{EntityId: "rewe", Name: "REWE"}
	if in := FromEnriched(et, t0); in.MerchantKey != "id:rewe" {
		t.Errorf("merchant key = %q, want the entity id", in.MerchantKey)
	}
}
