package topologies

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"path/filepath"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"

	"github.com/fintraos/fintra/internal/murmur2"
)

// DefaultKafkaVersion is the Kafka protocol version goka's sarama client
// speaks by default. It is the newest that the embedded broker (kfake)
// answers correctly; docs/kfake-sarama.md says why. Real Kafka and Redpanda
// accept newer versions: set Runtime.KafkaVersion.
const DefaultKafkaVersion = "2.3.0"

// Runtime is the goka/sarama runtime configuration of every processor,
// emitter and view: the one place where it is set.
type Runtime struct {
	// Brokers are the seed brokers. Required.
	Brokers []string
	// KafkaVersion is the sarama protocol version, e.g. "2.3.0" or "3.6.0".
	// Default DefaultKafkaVersion.
	KafkaVersion string
	// StorageDir is where goka keeps LevelDB state; "" (the default) keeps
	// state in memory, rebuilt from the changelog topics at start.
	StorageDir string
	// Replication is the replication factor goka uses if it has to create a
	// topic itself (topics are normally provisioned beforehand). Default 1.
	Replication int
	// FlushFrequency is how long the producer waits to fill a batch.
	// Default 5ms: latency matters more than batch size here, and goka's
	// 100ms default adds a tenth of a second per hop.
	FlushFrequency time.Duration
	// FlushBytes sends a batch once it holds this many bytes. Default 64 KiB.
	FlushBytes int
	// ClientID prefixes every client id. Default "fintra".
	ClientID string
}

func (r *Runtime) setDefaults() {
	if r.KafkaVersion == "" {
		r.KafkaVersion = DefaultKafkaVersion
	}
	if r.Replication == 0 {
		r.Replication = 1
	}
	if r.FlushFrequency == 0 {
		r.FlushFrequency = 5 * time.Millisecond
	}
	if r.FlushBytes == 0 {
		r.FlushBytes = 64 << 10
	}
	if r.ClientID == "" {
		r.ClientID = "fintra"
	}
}

// Validate reports every problem of the configuration at once.
func (r Runtime) Validate() error {
	r.setDefaults()
	var errs []error
	if len(r.Brokers) == 0 {
		errs = append(errs, errors.New("brokers: none given; pass --brokers host:port[,host:port] or leave it out to use the embedded broker"))
	}
	for _, b := range r.Brokers {
		if !strings.Contains(b, ":") {
			errs = append(errs, fmt.Errorf("brokers: %q has no port; write it as host:port, e.g. localhost:9092", b))
		}
	}
	if _, err := sarama.ParseKafkaVersion(r.KafkaVersion); err != nil {
		errs = append(errs, fmt.Errorf("kafka-version: %q is not a Kafka version; write it as e.g. 2.3.0 or 3.6.0", r.KafkaVersion))
	}
	if r.Replication < 1 {
		errs = append(errs, fmt.Errorf("replication: %d must be at least 1", r.Replication))
	}
	if r.FlushFrequency < 0 {
		errs = append(errs, fmt.Errorf("flush-frequency: %s must not be negative", r.FlushFrequency))
	}
	return errors.Join(errs...)
}

// Hasher is the partitioner hash of every goka processor, emitter and view:
// Kafka's murmur2, so that franz-go, Java and librdkafka producers agree on
// partitions (goka's default, FNV-1a, does not).
func Hasher() func() hash.Hash32 { return murmur2.New }

// SaramaConfig returns a fresh sarama configuration: goka's defaults with
// acks from all in-sync replicas (goka's default is the leader only), an
// idempotent producer, consumption from the oldest offset for a new group
// (so nothing produced before a processor first starts is skipped),
// murmur2 partitioning and latency-tuned flushing.
func (r Runtime) SaramaConfig() (*sarama.Config, error) {
	r.setDefaults()
	if err := r.Validate(); err != nil {
		return nil, err
	}
	version, _ := sarama.ParseKafkaVersion(r.KafkaVersion)
	cfg := goka.DefaultConfig()
	cfg.Version = version
	cfg.ClientID = r.ClientID
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	// Idempotent: a batch whose acknowledgement is lost (a broker restart)
	// is retried, and without producer ids and sequence numbers Kafka
	// appends it twice; core.transactions.v1 then holds the same
	// acceptance twice and the lake (keyed by offsets) two rows
	// (TestFaultBrokerRestarted, docs/kafka.md). Sarama requires one
	// request in flight per broker for it.
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	cfg.Producer.Partitioner = sarama.NewCustomHashPartitioner(Hasher())
	cfg.Producer.Flush.Frequency = r.FlushFrequency
	cfg.Producer.Flush.Bytes = r.FlushBytes
	cfg.Producer.Compression = sarama.CompressionNone
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Interval = 200 * time.Millisecond
	cfg.Metadata.RefreshFrequency = 30 * time.Second
	return cfg, nil
}

// builders returns goka builders that each take a copy of the sarama
// configuration: goka's *WithConfig builders write the client id into the
// shared config, which races when several clients start at once.
type builders struct {
	cfg      *sarama.Config
	tmConfig *goka.TopicManagerConfig
}

func (r Runtime) builders() (builders, error) {
	cfg, err := r.SaramaConfig()
	if err != nil {
		return builders{}, err
	}
	r.setDefaults()
	tm := goka.NewTopicManagerConfig()
	tm.Table.Replication = r.Replication
	tm.Stream.Replication = r.Replication
	tm.Stream.Retention = 7 * 24 * time.Hour
	return builders{cfg: cfg, tmConfig: tm}, nil
}

func (b builders) copyWith(clientID string) *sarama.Config {
	c := *b.cfg
	c.ClientID = clientID
	return &c
}

func (b builders) producer(brokers []string, clientID string, hasher func() hash.Hash32) (goka.Producer, error) {
	c := b.copyWith(clientID)
	c.Producer.Partitioner = sarama.NewCustomHashPartitioner(hasher)
	return goka.NewProducer(brokers, c)
}

func (b builders) consumerGroup(brokers []string, group, clientID string) (sarama.ConsumerGroup, error) {
	return sarama.NewConsumerGroup(brokers, group, b.copyWith(clientID))
}

func (b builders) consumer(brokers []string, clientID string) (sarama.Consumer, error) {
	return sarama.NewConsumer(brokers, b.copyWith(clientID))
}

func (b builders) topicManager(brokers []string) (goka.TopicManager, error) {
	return goka.NewTopicManager(brokers, b.copyWith("fintra-topic-manager"), b.tmConfig)
}

func (r Runtime) storage(group goka.Group) storage.Builder {
	if r.StorageDir == "" {
		return storage.MemoryBuilder()
	}
	return storage.DefaultBuilder(filepath.Join(r.StorageDir, string(group)))
}

// ProcessorOptions are the options of every goka processor.
func (r Runtime) ProcessorOptions(group goka.Group) ([]goka.ProcessorOption, error) {
	b, err := r.builders()
	if err != nil {
		return nil, err
	}
	r.setDefaults()
	return []goka.ProcessorOption{
		goka.WithHasher(Hasher()),
		goka.WithClientID(r.ClientID + "-" + string(group)),
		goka.WithProducerBuilder(b.producer),
		goka.WithConsumerGroupBuilder(b.consumerGroup),
		goka.WithConsumerSaramaBuilder(b.consumer),
		goka.WithTopicManagerBuilder(b.topicManager),
		goka.WithStorageBuilder(r.storage(group)),
		// Nil (empty) payloads reach the callbacks, which dead-letter
		// them: goka's default silently drops them.
		goka.WithNilHandling(goka.NilProcess),
	}, nil
}

// EmitterOptions are the options of every goka emitter.
func (r Runtime) EmitterOptions() ([]goka.EmitterOption, error) {
	b, err := r.builders()
	if err != nil {
		return nil, err
	}
	r.setDefaults()
	return []goka.EmitterOption{
		goka.WithEmitterHasher(Hasher()),
		goka.WithEmitterClientID(r.ClientID + "-emitter"),
		goka.WithEmitterProducerBuilder(b.producer),
		goka.WithEmitterTopicManagerBuilder(b.topicManager),
	}, nil
}

// ViewOptions are the options of every goka view (table lookups from
// outside a processor).
func (r Runtime) ViewOptions() ([]goka.ViewOption, error) {
	b, err := r.builders()
	if err != nil {
		return nil, err
	}
	r.setDefaults()
	return []goka.ViewOption{
		goka.WithViewHasher(Hasher()),
		goka.WithViewClientID(r.ClientID + "-view"),
		goka.WithViewConsumerSaramaBuilder(b.consumer),
		goka.WithViewTopicManagerBuilder(b.topicManager),
		goka.WithViewStorageBuilder(storage.MemoryBuilder()),
	}, nil
}

// RunView runs view in the background and returns once every partition of
// it has loaded its table and the view is running; stop ends the view and returns view.Run's error.
// Wait for this rather than view.WaitRunning: goka v1.1.14 merges a view's
// state only from the partitions that have reported one, so WaitRunning can
// fire when the first partition has loaded and the others have not started.
func RunView(ctx context.Context, view *goka.View) (stop func() error, err error) {
	vctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- view.Run(vctx) }()
	stop = func() error {
		cancel()
		return <-done
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !view.Recovered() || view.CurrentState() != goka.ViewStateRunning {
		select {
		case err := <-done:
			cancel()
			if err == nil {
				err = errors.New("stopped")
			}
			return nil, fmt.Errorf("topologies: view of %s stopped before it loaded: %w", view.Topic(), err)
		case <-ctx.Done():
			cancel()
			<-done
			return nil, fmt.Errorf("topologies: view of %s still loading: %w", view.Topic(), ctx.Err())
		case <-tick.C:
		}
	}
	return stop, nil
}
