package schemas

import "github.com/lovoo/goka"

// Topic names (contract: DESIGN.md §3). Every per-account topic is keyed by
// account_id and partitioned with Kafka's murmur2.
const (
	// TopicConnectRaw carries raw connector payloads; header HeaderSource names the format.
	TopicConnectRaw goka.Stream = "connect.raw.v1"
	// TopicConnectDLQ carries payloads connect could not parse or validate, untouched.
	TopicConnectDLQ goka.Stream = "connect.dlq.v1"
	// TopicConnectConnections carries connection notices (Event with a
	// ConnectionEvent payload, keyed by connection id), such as a Plaid
	// webhook saying new transactions can be fetched.
	TopicConnectConnections goka.Stream = "connect.connections.v1"
	// TopicCoreEvents carries canonical events (Event).
	TopicCoreEvents goka.Stream = "core.events.v1"
	// TopicCoreDLQ carries canonical events the ledger could not apply.
	TopicCoreDLQ goka.Stream = "core.dlq.v1"
	// TopicCoreTransactions carries accepted, deduplicated transactions (AcceptedTransaction).
	TopicCoreTransactions goka.Stream = "core.transactions.v1"
	// TopicEnrichTransactions carries accepted transactions with their
	// merchant entity and category (EnrichedTransaction).
	TopicEnrichTransactions goka.Stream = "enrich.transactions.v1"
	// TopicEnrichCatalog carries merchant catalog updates, keyed by entity
	// id (a catalog line as the value, empty to delete); enrich applies them
	// at runtime without re-resolving old transactions.
	TopicEnrichCatalog goka.Stream = "enrich.catalog.v1"
	// TopicGuardScores carries every enriched transaction with its fraud
	// score, decision, reasons and model version (ScoredTransaction).
	TopicGuardScores goka.Stream = "guard.scores.v1"
	// TopicGuardAlerts carries an Alert for every review or decline decision.
	TopicGuardAlerts goka.Stream = "guard.alerts.v1"
)

// Record headers.
const (
	// HeaderSource names the ingest format of a connect.raw.v1 payload.
	HeaderSource = "fintra-source"
	// HeaderError is the reason a record was dead-lettered.
	HeaderError = "fintra-error"
	// HeaderStage is the processor that dead-lettered a record.
	HeaderStage = "fintra-stage"
	// HeaderOrigin is "topic/partition/offset" of the record that was dead-lettered.
	HeaderOrigin = "fintra-origin"
	// HeaderProducedAt is the producer's wall-clock send time in Unix
	// nanoseconds; stages use it for end-to-end latency.
	HeaderProducedAt = "fintra-produced-at"
)

// DLQTopic returns the dead-letter topic of a stage: "<stage>.dlq.v1".
func DLQTopic(stage string) goka.Stream {
	return goka.Stream(stage + ".dlq.v1")
}
