// Package views keeps the read model an app shows for an account: balances,
// the last transactions, this month's spend and the open alerts.
//
//   - Reads:   core.transactions.v1 (AcceptedTransaction, keyed by account_id).
//   - Writes:  views.dlq.v1 (undecodable or misrouted transactions, with the
//     reason); nothing else: the view is published through the changelog of
//     views-table, which sinks/redis copies to Redis.
//   - Keys by: account_id.
//   - State:   View per account in views-table, stored as its JSON form (Codec)
//     rather than protobuf so that the table value, the changelog record and
//     the Redis value are the same bytes an app reads: the sink copies them
//     without re-encoding, and no second schema has to be kept in step.
package views
