package benchmarks

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/internal/synth"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/topologies"
)

// Overhead is what the harness itself costs: its producer and a latency
// reader doing the same matching, at the same rate, against the embedded
// broker with no topology. The broker's own work for those two clients is
// included: in the pipeline runs it shares the process.
type Overhead struct {
	RateEPS       float64 `json:"rate_eps"`
	WindowSeconds float64 `json:"window_seconds"`
	CPUCores      float64 `json:"cpu_cores"`
	CPUPerEventUS float64 `json:"cpu_per_event_us"`
	// ShareOfPipelineCPU is CPUPerEventUS over the pipeline's CPU per
	// event at the same rate.
	ShareOfPipelineCPU float64 `json:"share_of_pipeline_cpu"`
	// ProducerToReaderMS is the latency floor: producer to a reader of
	// the first topic, no processing.
	ProducerToReaderMS Latency `json:"producer_to_reader_ms"`
}

func measureOverhead(ctx context.Context, opts Options, rate float64, window time.Duration, accounts int) (Overhead, error) {
	o := Overhead{RateEPS: rate}
	brokers := opts.Brokers
	if len(brokers) == 0 {
		embedded, stop, err := startBroker(opts.brokerOnDisk)
		if err != nil {
			return o, err
		}
		defer stop()
		brokers = embedded
	} else {
		if err := resetCluster(ctx, brokers); err != nil {
			return o, err
		}
		defer func() { _ = resetCluster(context.Background(), brokers) }()
	}
	// The producer writes where the pipeline's does, to connect.raw.v1,
	// which nothing consumes here but the reader.
	topic := string(schemas.TopicConnectRaw)
	cl, adm, err := topologies.Admin(brokers)
	if err != nil {
		return o, err
	}
	defer cl.Close()
	if _, err := topologies.Provision(ctx, adm, topologies.Catalog(topologies.CatalogConfig{})); err != nil {
		return o, err
	}
	gen, err := synth.New(synth.Config{Events: generatorEvents, Seed: 1, Accounts: accounts})
	if err != nil {
		return o, err
	}
	prod, err := topologies.NewIngest(brokers)
	if err != nil {
		return o, err
	}
	defer prod.Close()
	track := newTracker()
	phase := track.addPhase()

	readCtx, stopReader := context.WithCancel(ctx)
	readerDone := make(chan error, 1)
	go func() {
		rc, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(50*time.Millisecond))
		if err != nil {
			readerDone <- err
			return
		}
		defer rc.Close()
		for {
			fs := rc.PollFetches(readCtx)
			if readCtx.Err() != nil {
				readerDone <- nil
				return
			}
			now := time.Now()
			fs.EachRecord(func(r *kgo.Record) {
				acct := string(r.Key)
				track.score(payloadKey(acct, r.Value), acct, 0, now)
			})
		}
	}()

	sendTo := func(start, end time.Time, phaseOf func(time.Time) int) (int, error) {
		interval := time.Duration(float64(time.Second) / rate)
		n := 0
		for i := int64(0); ; i++ {
			slot := start.Add(time.Duration(i) * interval)
			if !slot.Before(end) {
				return n, nil
			}
			if err := sleep(ctx, time.Until(slot)); err != nil {
				return n, err
			}
			pl, ok := gen.Next()
			if !ok {
				return n, errors.New("benchmarks: the generator ran out of events")
			}
			track.sentPayload(payloadKey(pl.Key, pl.Bytes), slot, phaseOf(slot))
			prod.Send(ctx, pl.Key, pl.Bytes, "fintra-json")
			n++
		}
	}
	start := time.Now()
	warmEnd := start.Add(2 * time.Second)
	if _, err := sendTo(start, warmEnd, func(time.Time) int { return -1 }); err != nil {
		stopReader()
		return o, err
	}
	cpu0, t0 := CPUTime(), time.Now()
	n, err := sendTo(warmEnd, warmEnd.Add(window), func(time.Time) int { return phase })
	cpu1, t1 := CPUTime(), time.Now()
	stopReader()
	if rerr := <-readerDone; err == nil {
		err = rerr
	}
	if err != nil {
		return o, err
	}
	secs := t1.Sub(t0).Seconds()
	o.WindowSeconds = roundTo(secs, 2)
	o.CPUCores = roundTo((cpu1-cpu0).Seconds()/secs, 3)
	if n > 0 {
		o.CPUPerEventUS = roundTo(float64((cpu1-cpu0).Microseconds())/float64(n), 1)
	}
	o.ProducerToReaderMS, _ = track.latencies(phase)
	return o, nil
}
