// Package guard scores every transaction for fraud.
//
//   - Reads:   enrich.transactions.v1 (EnrichedTransaction), or
//     core.transactions.v1 (AcceptedTransaction, wrapped with no merchant)
//     when Deps.FromCore is set; keyed by account_id.
//   - Writes:  guard.scores.v1 (ScoredTransaction, every transaction),
//     guard.alerts.v1 (Alert, for review and decline), guard.dlq.v1
//     (undecodable or misrouted input, untouched, with the reason).
//   - Keys by: account_id.
//   - State:   features.State per account in guard-table (windows, running
//     statistics, recent merchants/devices/countries, last location), in a
//     versioned binary encoding (features.Codec).
//
// The model is a LightGBM model evaluated in Go (package model); a
// model.Watcher swaps a new artifact in without a restart. docs/guard.md
// has the features, the rules and the decisions.
package guard
