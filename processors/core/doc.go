// Package core is the ledger: it accepts each canonical event once and keeps
// every account's balances exact.
//
//   - Reads:   core.events.v1 (Event, keyed by account_id).
//   - Writes:  core.transactions.v1 (AcceptedTransaction with the balance after it);
//     core.dlq.v1 (undecodable events and lifecycle violations, such as a
//     removal of a transaction the ledger never saw, with the reason).
//   - Keys by: account_id.
//   - State:   LedgerState per account in core-table: balances per currency (posted
//     and pending), a bounded window of accepted event ids for deduplication,
//     the open pending transactions and the most recently settled ones.
package core
