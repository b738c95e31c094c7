// Package synth generates a deterministic stream of fintra-json ingest
// payloads, for `fintra generate`, `fintra demo` and the benchmark harness.
//
// It models what the ingest edge really receives, so that every stage
// downstream is exercised by realistic data rather than uniform noise:
//
//   - Accounts with Zipf-distributed activity (a few busy accounts, a long
//     tail), each with a home country, city and currency: mostly USD, then
//     EUR, GBP, AUD, some CAD, JPY and CHF, and a few BHD, so that amounts
//     with 0, 2 and 3 decimals all occur. A profile is a pure function of
//     the seed and the account index, so a million accounts cost no memory.
//   - A catalog of about 265 well-known merchants across the US, Europe,
//     Australia, Canada, Japan and Bahrain, with MCCs, typical amounts and
//     descriptors shaped like real statement lines, processor prefixes and
//     noise included ("SQ *BLUE BOTTLE COFFEE SAN FRANCISCO CA",
//     "AMZN Mktp US*2K4RT5", "DD *DOORDASH BURGERKIN"), wrapped the way the
//     account's bank prints them ("PURCHASE AUTHORIZED ON 01/05 ...",
//     "CARD PAYMENT TO ...", "KARTENZAHLUNG ..."). Besides card purchases:
//     payroll, transfers in and out, rent, ATM withdrawals, fees, refunds
//     and interest.
//   - The card lifecycle: about 30% of purchases arrive pending, then
//     posted under a new id naming the pending one (restaurant bills with a
//     tip, fuel pre-authorizations with the real amount), or about 3% of
//     them expire and are removed.
//   - Event time that runs through a daily profile (quiet nights, lunch and
//     evening peaks) at about three transactions per account per day.
//   - Redeliveries (exact byte copies of recent valid payloads) and invalid
//     payloads (truncated, CSV or XML, float or string amounts, misspelled
//     currencies, missing fields, bad timestamps, unknown fields, arrays,
//     empty records) in exact, seeded proportions.
//
// The same Config always yields the same bytes. The generator streams: its
// memory is bounded (recent payloads for duplicates, open authorizations)
// whatever the number of events, and it writes JSON by hand, without
// reflection, at about a million payloads per second on one core
// (BenchmarkGenerator).
package synth
