package topologies

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Embedded is the in-process Kafka-protocol broker (franz-go's kfake) used
// whenever no --brokers is given.
type Embedded struct {
	cluster *kfake.Cluster
}

// EmbeddedConfig configures the embedded broker.
type EmbeddedConfig struct {
	// Port to listen on, on 127.0.0.1; 0 (default) picks a free one.
	Port int
	// DataDir persists the log across restarts when set; default in memory.
	DataDir string
}

// StartEmbedded starts the embedded broker.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.Ports(cfg.Port)}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("topologies: start embedded broker: %w", err)
	}
	return &Embedded{cluster: c}, nil
}

// Brokers are the addresses to connect to.
func (e *Embedded) Brokers() []string { return e.cluster.ListenAddrs() }

// Close stops the broker.
func (e *Embedded) Close() { e.cluster.Close() }
