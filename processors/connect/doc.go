// Package connect is the ingest edge of the pipeline.
//
//   - Reads:   connect.raw.v1 (raw payload bytes; header fintra-source names the format).
//   - Writes:  core.events.v1 (one canonical Event per transaction, keyed by account_id);
//     connect.connections.v1 (connection notices such as Plaid webhooks, keyed by connection id);
//     connect.dlq.v1 (every payload it cannot parse or validate, with its original
//     bytes and headers, plus fintra-error, fintra-stage and fintra-origin).
//   - Keys by: account_id on output; input keys are whatever the producer chose.
//   - State:   none. Parsing is a pure function of the payload, so a redelivered
//     payload yields the same events with the same ids, which core deduplicates.
package connect
