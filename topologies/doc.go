// Package topologies assembles the pipeline: the one explicit registry of
// processors, the topic catalog and its idempotent provisioning, the
// goka/sarama runtime configuration, the embedded Kafka-protocol broker,
// the graph rendering (Mermaid, DOT, JSON) and the run lifecycle.
//
// To add a processor, add one line to Processors; its topics are derived
// from its graph and provisioned with the others.
package topologies
