package guard_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/internal/telemetry"
	"github.com/fintraos/fintra/processors/guard"
	"github.com/fintraos/fintra/processors/guard/model"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
	"github.com/fintraos/fintra/topologies"
)

// onBroker runs the guard processor (reading core.transactions.v1) on the
// embedded broker with the same runtime options `fintra run` uses.
type onBroker struct {
	brokers []string
	client  *kgo.Client
	metrics *telemetry.Metrics
}

func startOnBroker(t testing.TB, m *model.Model) *onBroker {
	t.Helper()
	broker, err := topologies.StartEmbedded(topologies.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)
	brokers := broker.Brokers()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	const partitions = 4
	streams := []string{string(schemas.TopicCoreTransactions), string(schemas.TopicGuardScores), string(schemas.TopicGuardAlerts), string(guard.DLQ)}
	if _, err := adm.CreateTopics(ctx, partitions, 1, nil, streams...); err != nil {
		t.Fatal(err)
	}
	compact := "compact"
	if _, err := adm.CreateTopics(ctx, partitions, 1, map[string]*string{"cleanup.policy": &compact}, string(guard.Table)); err != nil {
		t.Fatal(err)
	}
	rt := topologies.Runtime{Brokers: brokers}
	opts, err := rt.ProcessorOptions(guard.Group)
	if err != nil {
		t.Fatal(err)
	}
	metrics := telemetry.New()
	deps := guard.Deps{FromCore: true, Model: model.NewCurrent(m), Metrics: metrics, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	proc, err := goka.NewProcessor(brokers, guard.Graph(deps), opts...)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- proc.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("processor: %v", err)
		}
	})
	return &onBroker{brokers: brokers, client: cl, metrics: metrics}
}

// history is n accepted transactions over accounts accounts, every fifth
// one at a gambling merchant.
func history(n, accounts int) []*fintrav1.AcceptedTransaction {
	out := make([]*fintrav1.AcceptedTransaction, n)
	seq := make([]uint64, accounts)
	for i := range n {
		a := i % accounts
		seq[a]++
		acct := fmt.Sprintf("acc-%04d", a)
		src := fmt.Sprintf("tx-%d", i)
		when := timestamppb.New(t0.Add(time.Duration(i) * 10 * time.Minute))
		mcc := "5411"
		if i%5 == 4 {
			mcc = "7995"
		}
		typ := fintrav1.EventType_EVENT_TYPE_TRANSACTION_CREATED
		out[i] = &fintrav1.AcceptedTransaction{
			EventId: schemas.EventID("fintra-json", acct, src, typ), AccountId: acct, Type: typ, Sequence: seq[a],
			Transaction: &fintrav1.Transaction{AccountId: acct, Source: "fintra-json", SourceTransactionId: src, AmountMinor: -int64(100 + i%900),
				Currency: "EUR", Status: fintrav1.TransactionStatus_TRANSACTION_STATUS_POSTED, OccurredAt: when, Mcc: mcc},
			OccurredAt: when, IngestedAt: when,
		}
	}
	return out
}

func (o *onBroker) produce(t testing.TB, txs []*fintrav1.AcceptedTransaction) {
	t.Helper()
	for _, at := range txs {
		b, err := proto.Marshal(at)
		if err != nil {
			t.Fatal(err)
		}
		o.client.Produce(context.Background(), &kgo.Record{Topic: string(schemas.TopicCoreTransactions), Key: []byte(at.GetAccountId()), Value: b},
			func(_ *kgo.Record, err error) {
				if err != nil {
					t.Errorf("produce: %v", err)
				}
			})
	}
	if err := o.client.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (o *onBroker) waitOut(t testing.TB, n uint64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	st := o.metrics.Stage(string(guard.Group))
	for st.Out.Load()+st.DLQ.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("guard emitted %d of %d scores in %s", st.Out.Load(), n, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestOnEmbeddedBroker: every transaction produced to core.transactions.v1
// comes out scored on guard.scores.v1, on the partition of its account
// (murmur2), and every review or decline as one alert.
func TestOnEmbeddedBroker(t *testing.T) {
	o := startOnBroker(t, testModel(t))
	txs := history(500, 40)
	o.produce(t, txs)
	o.waitOut(t, uint64(len(txs)), time.Minute)

	read, err := kgo.NewClient(kgo.SeedBrokers(o.brokers...), kgo.ConsumeTopics(string(schemas.TopicGuardScores), string(schemas.TopicGuardAlerts)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer read.Close()
	scored := map[string]*fintrav1.Score{}
	alerts := map[string]bool{}
	partitionOf := map[string]int32{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(scored) < len(txs) || len(alerts) < len(txs)/5 {
		fs := read.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %d scores and %d alerts: %v", len(scored), len(alerts), err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if p, ok := partitionOf[string(r.Key)]; ok && p != r.Partition && r.Topic == string(schemas.TopicGuardScores) {
				t.Errorf("account %s on partitions %d and %d", r.Key, p, r.Partition)
			}
			switch r.Topic {
			case string(schemas.TopicGuardScores):
				partitionOf[string(r.Key)] = r.Partition
				st := new(fintrav1.ScoredTransaction)
				if err := proto.Unmarshal(r.Value, st); err != nil {
					t.Fatal(err)
				}
				scored[st.GetEnriched().GetAccepted().GetEventId()] = st.GetScore()
			case string(schemas.TopicGuardAlerts):
				a := new(fintrav1.Alert)
				if err := proto.Unmarshal(r.Value, a); err != nil {
					t.Fatal(err)
				}
				if a.GetAlertId() != guard.AlertID(a.GetEventId()) {
					t.Errorf("alert id %s for event %s", a.GetAlertId(), a.GetEventId())
				}
				alerts[a.GetEventId()] = true
			}
		})
	}
	for i, at := range txs {
		s := scored[at.GetEventId()]
		wantAlert := i%5 == 4 // the gambling merchant: review
		if (s.GetDecision() != fintrav1.Decision_DECISION_APPROVE) != wantAlert || alerts[at.GetEventId()] != wantAlert {
			t.Errorf("transaction %d: %v, alert %v", i, s.GetDecision(), alerts[at.GetEventId()])
		}
	}
}

// BenchmarkProcessorOnEmbeddedBroker measures the processor's throughput
// on the embedded broker: AcceptedTransactions produced (acks=all) to
// core.transactions.v1, scored with the trained test model, state in
// memory storage, scores and alerts emitted. One op is one transaction.
func BenchmarkProcessorOnEmbeddedBroker(b *testing.B) {
	m, err := model.LoadDir("model/testdata/trained")
	if err != nil {
		b.Fatal(err)
	}
	o := startOnBroker(b, m)
	const warmup = 200
	txs := history(b.N+warmup, 1000)
	o.produce(b, txs[:warmup])
	o.waitOut(b, warmup, time.Minute)
	b.ResetTimer()
	start := time.Now()
	o.produce(b, txs[warmup:])
	o.waitOut(b, uint64(len(txs)), 10*time.Minute)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}
