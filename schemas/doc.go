// Package schemas is the contract package of the pipeline: the canonical
// event types (generated from schemas/proto into package fintrav1), the topic
// names, the deterministic event id, one generic goka codec for protobuf
// messages, and the JSON form of every event that the CLI prints.
package schemas
