package features

import (
	"math"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Feature is one model input: its name (the CSV column and the model's
// feature name), what it means, the window it looks at, its unit and how
// it is computed from the state before the transaction.
type Feature struct {
	Name    string
	Meaning string
	Window  string
	Unit    string
	Func    func(*calc) float64
}

// NumFeatures is the length of a Vector.
const NumFeatures = 29

// Table is every feature, in model order: the one definition that the
// feature code, the training CSV, the model's meta.json and docs/guard.md
// all follow. Append new features at the end; a model names the features
// it was trained on, and the loader refuses one that disagrees.
var Table = [NumFeatures]Feature{
	{"amount_log1p", "log(1 + |amount|), the amount itself", "this transaction", "ln(minor units)",
		func(c *calc) float64 { return math.Log1p(float64(c.in.abs())) }},
	{"amount_zscore", "(|amount| − running mean) / running standard deviation, Welford over every earlier transaction; 0 before two", "all history", "standard deviations",
		(*calc).zscore},
	{"amount_mean_log1p", "log(1 + running mean of |amount|)", "all history", "ln(minor units)",
		func(c *calc) float64 { return math.Log1p(c.s.Mean) }},
	{"is_credit", "1 if money comes into the account", "this transaction", "0/1",
		func(c *calc) float64 { return b2f(c.in.AmountMinor > 0) }},
	{"count_10m", "earlier transactions", "10 min (10 × 1 min buckets)", "count",
		func(c *calc) float64 { return float64(c.totals[w10m].count) }},
	{"sum_10m", "Σ |amount| of earlier transactions", "10 min (10 × 1 min buckets)", "minor units",
		func(c *calc) float64 { return float64(c.totals[w10m].sum) }},
	{"count_1h", "earlier transactions", "1 h (12 × 5 min buckets)", "count",
		func(c *calc) float64 { return float64(c.totals[w1h].count) }},
	{"sum_1h", "Σ |amount| of earlier transactions", "1 h (12 × 5 min buckets)", "minor units",
		func(c *calc) float64 { return float64(c.totals[w1h].sum) }},
	{"count_24h", "earlier transactions", "24 h (24 × 1 h buckets)", "count",
		func(c *calc) float64 { return float64(c.totals[w24h].count) }},
	{"sum_24h", "Σ |amount| of earlier transactions", "24 h (24 × 1 h buckets)", "minor units",
		func(c *calc) float64 { return float64(c.totals[w24h].sum) }},
	{"count_7d", "earlier transactions", "7 d (28 × 6 h buckets)", "count",
		func(c *calc) float64 { return float64(c.totals[w7d].count) }},
	{"sum_7d", "Σ |amount| of earlier transactions", "7 d (28 × 6 h buckets)", "minor units",
		func(c *calc) float64 { return float64(c.totals[w7d].sum) }},
	{"seconds_since_prev", "event time since the latest earlier transaction; −1 for the first, 0 if this one is older", "previous transaction", "seconds",
		func(c *calc) float64 {
			if c.s.N == 0 {
				return -1
			}
			return float64(max(0, c.unix-c.s.Last))
		}},
	{"prior_transactions", "transactions folded in before this one", "all history", "count",
		func(c *calc) float64 { return float64(c.s.N) }},
	{"account_age_days", "event time since the account's first transaction", "all history", "days",
		func(c *calc) float64 {
			if c.s.N == 0 {
				return 0
			}
			return float64(max(0, c.unix-c.s.First)) / 86400
		}},
	{"has_location", "1 if the transaction has a card-present location (channel card-present or ATM with has_location)", "this transaction", "0/1",
		func(c *calc) float64 { return b2f(c.in.cardPresentLocation()) }},
	{"distance_km", "haversine distance from the previous card-present location; 0 unless both exist", "previous card-present transaction", "km",
		func(c *calc) float64 { km, _ := c.travel(); return km }},
	{"speed_kmh", "distance_km / time since that location (at least 1 min)", "previous card-present transaction", "km/h",
		func(c *calc) float64 { _, kmh := c.travel(); return kmh }},
	{"new_merchant", "1 if the merchant (entity id, else name, else descriptor without digits) is not among the account's last 256", "last 256 merchants", "0/1",
		func(c *calc) float64 { return c.isNew(seenMerchant, hashKey(c.in.MerchantKey)) }},
	{"new_country", "1 if the country (transaction country, else card-not-present billing country) is not among the last 32", "last 32 countries", "0/1",
		func(c *calc) float64 { return c.isNew(seenCountry, inputKeys(c.in)[seenCountry]) }},
	{"new_device", "1 if context.device_id is set and not among the last 16", "last 16 devices", "0/1",
		func(c *calc) float64 { return c.isNew(seenDevice, hashKey(c.in.DeviceID)) }},
	{"new_ip", "1 if context.ip_address is set and not among the last 32", "last 32 IP addresses", "0/1",
		func(c *calc) float64 { return c.isNew(seenIP, hashKey(c.in.IPAddress)) }},
	{"new_email_domain", "1 if context.email_domain is set and not among the last 16", "last 16 email domains", "0/1",
		func(c *calc) float64 { return c.isNew(seenEmailDomain, hashKey(c.in.EmailDomain)) }},
	{"card_not_present", "1 if context.channel is card-not-present", "this transaction", "0/1",
		func(c *calc) float64 { return b2f(c.in.Channel == fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT) }},
	{"merchant_category_risk", "prior risk of the MCC, else of the category (docs/guard.md lists the table)", "this transaction", "0–1",
		func(c *calc) float64 { return CategoryRisk(c.in.MCC, c.in.CategoryDetailed, c.in.CategoryPrimary) }},
	{"hour_of_day", "UTC hour of the event time, with minutes as a fraction", "this transaction", "hours",
		func(c *calc) float64 { return hourAngle(c.in.At) / (2 * math.Pi) * 24 }},
	{"hour_deviation", "circular distance from the account's mean hour × the concentration R of its hours (0 = no habit)", "all history", "hours (0–12)",
		(*calc).hourDeviation},
	{"declined_24h", "earlier declined authorisations (context.declined)", "24 h (24 × 1 h buckets)", "count",
		func(c *calc) float64 { return float64(c.totals[w24h].declined) }},
	{"reversed_24h", "earlier reversals (transaction.reversal)", "24 h (24 × 1 h buckets)", "count",
		func(c *calc) float64 { return float64(c.totals[w24h].reversed) }},
}

// Names returns the feature names in model order.
func Names() []string {
	names := make([]string, NumFeatures)
	for i := range Table {
		names[i] = Table[i].Name
	}
	return names
}

// Index returns the position of a feature by name, or -1.
func Index(name string) int {
	for i := range Table {
		if Table[i].Name == name {
			return i
		}
	}
	return -1
}
