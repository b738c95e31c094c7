package topologies

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/fintraos/fintra/internal/murmur2"
	"github.com/fintraos/fintra/processors/views"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/sinks"
	"github.com/fintraos/fintra/sinks/lake"
	"github.com/fintraos/fintra/sinks/postgres"
	"github.com/fintraos/fintra/sinks/redis"
	"github.com/fintraos/fintra/sinks/sinktest"
)

// kafkaTestVersion is the sarama protocol version the real-broker tests
// speak: the newest sarama v1.45.1 knows, which Apache Kafka 4.1 accepts
// (TestKafkaSaramaProtocolVersions and docs/kafka.md record which work).
const kafkaTestVersion = "4.0.0"

// kafkaBrokers returns FINTRA_KAFKA_BROKERS, the real Apache Kafka broker
// that deploy/local/kafka.sh starts. Without it the test skips with the way
// to get one, except when its tier was asked for (FINTRA_TEST_KAFKA, set by
// make test-kafka and make test-faults) under CI, where it fails: `make
// test` under CI skips these, its own tier runs them. It also takes the broker for
// the test: the real-broker tests reuse the catalog's fixed topic and group
// names, so two test processes on one broker (two engineers, or kafka and
// faults at once) would see each other's records; they wait for each other.
func kafkaBrokers(t testing.TB) []string {
	t.Helper()
	v := os.Getenv("FINTRA_KAFKA_BROKERS")
	if v == "" {
		msg := "FINTRA_KAFKA_BROKERS not set: run deploy/local/kafka.sh up && eval \"$(deploy/local/kafka.sh env)\" (make test-kafka does)"
		if os.Getenv("CI") != "" && os.Getenv("FINTRA_TEST_KAFKA") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	brokers := strings.Split(v, ",")
	lockBroker(t, brokers)
	return brokers
}

// lockBroker holds an exclusive file lock named after the brokers until the
// test ends.
func lockBroker(t testing.TB, brokers []string) {
	t.Helper()
	name := strings.NewReplacer(":", "_", ",", "+", "/", "_").Replace(strings.Join(brokers, ","))
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "fintra-kafka-test-"+name+".lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("lock the broker for this test: %v", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Logf("waited %s for another test process to release the broker", waited.Round(time.Millisecond))
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}

// kafkaGroups are the consumer groups the pipeline and its sinks use.
func kafkaGroups() []string {
	var groups []string
	for _, p := range Processors() {
		groups = append(groups, p.Name)
	}
	return append(groups, "sink-postgres", "sink-redis", "sink-lake")
}

// resetKafka deletes the catalog's topics and the pipeline's consumer
// groups on the real broker and provisions the topics afresh, so that a
// test starts from empty topics and no committed offsets. A group that
// still has members (a process left running by an earlier, aborted test)
// fails the test: its records would mix with this test's.
func resetKafka(t testing.TB, brokers []string, catalog CatalogConfig) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, adm, err := Admin(brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// A group whose member was killed stays non-empty until the member's
	// session times out (10 s for goka, 45 s for franz-go): wait for it.
	for {
		groups, err := adm.DeleteGroups(ctx, kafkaGroups()...)
		if err != nil {
			t.Fatalf("delete groups: %v", err)
		}
		var busy []string
		for g, r := range groups {
			switch {
			case r.Err == nil || errors.Is(r.Err, kerr.GroupIDNotFound):
			case errors.Is(r.Err, kerr.NonEmptyGroup):
				busy = append(busy, g)
			default:
				t.Fatalf("delete group %s: %v", g, r.Err)
			}
		}
		if len(busy) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("groups %v still have members after a minute: is a fintra process from an earlier run still running? stop it, or deploy/local/kafka.sh reset", busy)
		case <-time.After(500 * time.Millisecond):
		}
	}
	topics := Catalog(catalog)
	names := make([]string, len(topics))
	for i, tp := range topics {
		names[i] = tp.Name
	}
	// The sinks' dead-letter topics are created by their runners, not
	// provisioned: deleted with the rest.
	deleted := slices.Clone(names)
	for _, sink := range []string{"postgres", "redis", "lake"} {
		deleted = append(deleted, sinks.DLQTopic(sink))
	}
	if _, err := adm.DeleteTopics(ctx, deleted...); err != nil {
		t.Fatalf("delete topics: %v", err)
	}
	// Deletion is asynchronous: wait until no topic is listed any more,
	// or creating it again fails with "marked for deletion".
	for {
		listed, err := adm.ListTopics(ctx, deleted...)
		if err != nil {
			t.Fatalf("list topics: %v", err)
		}
		left := 0
		for _, d := range listed {
			if d.Err == nil {
				left++
			}
		}
		if left == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d topics still listed a minute after their deletion", left)
		case <-time.After(100 * time.Millisecond):
		}
	}
	for {
		_, err := Provision(ctx, adm, topics)
		if err == nil {
			if err := waitLeaders(ctx, cl, names...); err != nil {
				t.Fatal(err)
			}
			return
		}
		if !errors.Is(err, kerr.TopicAlreadyExists) && !errors.Is(err, kerr.UnknownTopicOrPartition) {
			t.Fatalf("provision: %v", err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("provision: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitLeaders waits until every partition of the topics has a leader that
// answers for it. Kafka creates topics asynchronously: CreateTopics returns
// before the partitions have leaders, and even once the metadata names a
// leader, that broker may still answer NOT_LEADER_OR_FOLLOWER until it has
// applied the change. goka, unlike franz-go, does not retry that answer to
// the offset lookup it starts a partition with: it fails the processor
// ("Tried to send a message to a replica that is not the leader"). kfake
// creates topics synchronously, so only the real broker shows it. The
// metadata is asked for with a raw request: kadm's ListTopics answers from
// the client's metadata cache, up to 5 s old.
func waitLeaders(ctx context.Context, cl *kgo.Client, topics ...string) error {
	req := kmsg.NewPtrMetadataRequest()
	for _, name := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(name)
		req.Topics = append(req.Topics, rt)
	}
	for {
		resp, err := req.RequestWith(ctx, cl)
		if err == nil {
			missing := len(topics) - len(resp.Topics)
			for _, tp := range resp.Topics {
				if tp.ErrorCode != 0 || len(tp.Partitions) == 0 {
					missing++
					continue
				}
				for _, p := range tp.Partitions {
					if p.ErrorCode != 0 || p.Leader < 0 {
						missing++
					}
				}
			}
			if missing == 0 {
				missing, err = partitionsNotAnswering(ctx, cl, topics)
				if err == nil && missing == 0 {
					return nil
				}
			}
			if err == nil {
				err = fmt.Errorf("%d topics or partitions have no leader yet", missing)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("topics %v: %w (%w)", topics, err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// partitionsNotAnswering counts the partitions whose leader does not answer
// a ListOffsets request for them.
func partitionsNotAnswering(ctx context.Context, cl *kgo.Client, topics []string) (int, error) {
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topics...)
	if err != nil {
		return 0, err
	}
	missing := 0
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			missing++
		}
	})
	return missing, nil
}

// TestKafkaSaramaProtocolVersions runs goka (topic manager, emitter,
// processor with a group table and its changelog, view) at each sarama
// protocol version against the real broker and records which work; the
// newest must, since the other real-broker tests use it. docs/kafka.md
// explains the failures.
func TestKafkaSaramaProtocolVersions(t *testing.T) {
	brokers := kafkaBrokers(t)
	// want: whether goka works at the version against Apache Kafka 4.1.
	versions := []struct {
		version string
		works   bool
	}{
		// sarama below 1.1 asks for DescribeConfigs v0 (goka checks a table's
		// cleanup policy with it), which Kafka 4.0 removed (KIP-896): the
		// broker closes the connection, sarama reports EOF.
		{"0.11.0.0", false},
		{"1.0.0", false},
		{"2.0.0", true},
		{"2.1.0", true},
		{"2.3.0", true},
		{"2.4.0", true},
		{"2.8.0", true},
		{"3.0.0", true},
		{"3.6.0", true},
		{"3.9.0", true},
		{kafkaTestVersion, true},
	}
	for _, v := range versions {
		t.Run(v.version, func(t *testing.T) {
			start := time.Now()
			err := gokaRoundTrip(brokers, v.version, 200)
			t.Logf("sarama %s against %s: %v in %s", v.version, brokers[0], errOrOK(err), time.Since(start).Round(time.Millisecond))
			if v.works && err != nil {
				t.Errorf("sarama %s should work against Kafka 4.1: %v", v.version, err)
			}
			if !v.works && err == nil {
				t.Errorf("sarama %s worked against this broker; docs/kafka.md says it fails: update both", v.version)
			}
		})
	}
}

func errOrOK(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// gokaRoundTrip emits n counts over 20 keys into a fresh topic, counts
// them in a goka processor's group table and reads the totals back through
// a goka view, all at sarama protocol version.
func gokaRoundTrip(brokers []string, version string, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	rt := Runtime{Brokers: brokers, KafkaVersion: version}
	tag := fmt.Sprintf("kafkaprobe-%s-%d", strings.ReplaceAll(version, ".", "_"), time.Now().UnixNano())
	input, group := goka.Stream(tag+".in"), goka.Group(tag)
	cl, adm, err := Admin(brokers)
	if err != nil {
		return err
	}
	defer cl.Close()
	defer func() {
		_, _ = adm.DeleteGroup(context.Background(), string(group))
		_, _ = adm.DeleteTopics(context.Background(), string(input), string(goka.GroupTable(group)))
	}()

	// Provisioned like the catalog's topics: the broker does not create
	// topics on first use, and goka must not start before they have
	// leaders (waitLeaders).
	for _, topic := range []string{string(input), string(goka.GroupTable(group))} {
		if r, err := adm.CreateTopic(ctx, 12, 1, nil, topic); err != nil || r.Err != nil {
			return fmt.Errorf("create %s: %w", topic, errors.Join(err, r.Err))
		}
	}
	if err := waitLeaders(ctx, cl, string(input), string(goka.GroupTable(group))); err != nil {
		return err
	}
	eopts, err := rt.EmitterOptions()
	if err != nil {
		return err
	}
	em, err := goka.NewEmitter(brokers, input, new(codec.Int64), eopts...)
	if err != nil {
		return fmt.Errorf("emitter: %w", err)
	}
	for i := range n {
		em.Emit(fmt.Sprintf("key-%02d", i%20), int64(1))
	}
	if err := em.Finish(); err != nil {
		return fmt.Errorf("emitter: %w", err)
	}

	var mu sync.Mutex
	var counted int
	popts, err := rt.ProcessorOptions(group)
	if err != nil {
		return err
	}
	proc, err := goka.NewProcessor(brokers, goka.DefineGroup(group,
		goka.Input(input, new(codec.Int64), func(ctx goka.Context, msg any) {
			sum, _ := ctx.Value().(int64)
			ctx.SetValue(sum + msg.(int64))
			mu.Lock()
			counted++
			mu.Unlock()
		}),
		goka.Persist(new(codec.Int64)),
	), popts...)
	if err != nil {
		return fmt.Errorf("processor: %w", err)
	}
	pctx, stopProc := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- proc.Run(pctx) }()
	for {
		mu.Lock()
		c := counted
		mu.Unlock()
		if c >= n {
			break
		}
		select {
		case err := <-done:
			stopProc()
			return fmt.Errorf("processor: %w", err)
		case <-ctx.Done():
			stopProc()
			<-done
			return fmt.Errorf("processor counted %d of %d: %w", c, n, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	stopProc()
	if err := <-done; err != nil {
		return fmt.Errorf("processor stop: %w", err)
	}

	vopts, err := rt.ViewOptions()
	if err != nil {
		return err
	}
	view, err := goka.NewView(brokers, goka.GroupTable(group), new(codec.Int64), vopts...)
	if err != nil {
		return fmt.Errorf("view: %w", err)
	}
	stopView, err := RunView(ctx, view)
	if err != nil {
		return err
	}
	defer func() { _ = stopView() }()
	var total int64
	for i := range 20 {
		v, err := view.Get(fmt.Sprintf("key-%02d", i))
		if err != nil {
			return fmt.Errorf("view get: %w", err)
		}
		c, _ := v.(int64)
		total += c
	}
	if total != int64(n) {
		return fmt.Errorf("view sums %d counts, want %d", total, n)
	}
	return nil
}

// TestKafkaPartitioningAgrees checks on the real broker that franz-go's
// default partitioner and the goka emitter (the runtime's murmur2 hasher)
// put every key where Kafka's murmur2 says, and that a goka view finds
// every key franz-go wrote into a table.
func TestKafkaPartitioningAgrees(t *testing.T) {
	brokers := kafkaBrokers(t)
	const n, partitions = 2000, 12
	ctx := context.Background()
	tag := fmt.Sprintf("kafkapartitioning-%d", time.Now().UnixNano())
	viaFranz, viaGoka, table := tag+".franz", tag+".goka", tag+"-table"
	cl, adm, err := Admin(brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	defer adm.DeleteTopics(context.Background(), viaFranz, viaGoka, table)
	for _, topic := range []string{viaFranz, viaGoka, table} {
		if r, err := adm.CreateTopic(ctx, partitions, 1, nil, topic); err != nil || r.Err != nil {
			t.Fatalf("create %s: %v %v", topic, err, r.Err)
		}
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("acc-%06d", i)
	}
	var recs []*kgo.Record
	for _, k := range keys {
		recs = append(recs, &kgo.Record{Topic: viaFranz, Key: []byte(k), Value: []byte(k)}, &kgo.Record{Topic: table, Key: []byte(k), Value: []byte("v-" + k)})
	}
	results := cl.ProduceSync(ctx, recs...)
	if err := results.FirstErr(); err != nil {
		t.Fatal(err)
	}
	franzPartition := map[string]int32{}
	for _, r := range results {
		if r.Record.Topic == viaFranz {
			franzPartition[string(r.Record.Key)] = r.Record.Partition
		}
	}
	rt := Runtime{Brokers: brokers, KafkaVersion: kafkaTestVersion}
	eopts, err := rt.EmitterOptions()
	if err != nil {
		t.Fatal(err)
	}
	em, err := goka.NewEmitter(brokers, goka.Stream(viaGoka), new(codec.String), eopts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		em.Emit(k, k)
	}
	if err := em.Finish(); err != nil {
		t.Fatal(err)
	}
	gokaPartition := map[string]int32{}
	for _, r := range readTopic(t, brokers, viaGoka) {
		gokaPartition[string(r.Key)] = r.Partition
	}
	mismatches := 0
	for _, k := range keys {
		want := murmur2.Partition([]byte(k), partitions)
		if franzPartition[k] != want || gokaPartition[k] != want {
			if mismatches++; mismatches <= 5 {
				t.Errorf("key %s: franz-go partition %d, goka emitter %d, murmur2 %d", k, franzPartition[k], gokaPartition[k], want)
			}
		}
	}
	vopts, err := rt.ViewOptions()
	if err != nil {
		t.Fatal(err)
	}
	view, err := goka.NewView(brokers, goka.Table(table), new(codec.String), vopts...)
	if err != nil {
		t.Fatal(err)
	}
	stop, err := RunView(ctx, view)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, k := range keys {
		if v, err := view.Get(k); err == nil && v == "v-"+k {
			found++
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("view: %v", err)
	}
	t.Logf("%d keys: %d on another partition than murmur2's; the goka view found %d of the %d rows franz-go wrote", n, mismatches, found, n)
	if mismatches > 0 || found != n {
		t.Fatalf("%d keys on different partitions, %d of %d table rows found", mismatches, found, n)
	}
}

// optionalServer returns the environment variable naming a store's
// server, or "" (logged) when it is not set; under CI a missing server
// fails the test, as sinktest.Server does.
func optionalServer(t testing.TB, env string) string {
	t.Helper()
	if os.Getenv("CI") != "" {
		return sinktest.Server(t, env)
	}
	v := os.Getenv(env)
	if v == "" {
		t.Logf("%s not set: that sink is left out (deploy/local/services.sh up && eval \"$(deploy/local/services.sh env)\" adds it)", env)
	}
	return v
}

// kafkaStores are the sinks a real-broker test runs (PostgreSQL, Redis and
// the Parquet lake, each when its server is configured; the lake falls
// back to a local directory) and readers of what they stored, all under
// names unique to the test run, removed when it ends.
type kafkaStores struct {
	specs []SinkSpec
	// proxies cut a store away from its sink (proxied stores only), by
	// store name: "postgres", "redis", "lake".
	proxies map[string]*sinktest.Proxy

	pg     *pgx.Conn
	schema string
	rc     *goredis.Client
	prefix string
	s3     *s3.Client
	bucket string
	lakeAt string // S3 key prefix, or the local directory
}

// openKafkaStores opens the sinks. With proxied, every networked store is
// reached through a sinktest.Proxy that the test can cut.
func openKafkaStores(t *testing.T, tag string, proxied bool) *kafkaStores {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := &kafkaStores{proxies: map[string]*sinktest.Proxy{}}
	route := func(name, rawURL string) string {
		if !proxied {
			return rawURL
		}
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatalf("%s URL %q: %v", name, rawURL, err)
		}
		p := sinktest.NewProxy(t, u.Host)
		st.proxies[name] = p
		u.Host = p.Addr()
		return u.String()
	}

	if pgURL := optionalServer(t, "FINTRA_PG_URL"); pgURL != "" {
		st.schema = tag
		conn, err := pgx.Connect(ctx, pgURL)
		if err != nil {
			t.Fatal(err)
		}
		st.pg = conn
		t.Cleanup(func() {
			_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+tag+" CASCADE")
			conn.Close(context.Background())
		})
		pg, err := postgres.Open(ctx, route("postgres", pgURL), log, postgres.Options{Schema: tag})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pg.Close() })
		st.specs = append(st.specs, SinkSpec{Sink: pg, Topics: []string{string(schemas.TopicCoreEvents), string(schemas.TopicCoreTransactions)}})
	}

	if redisURL := optionalServer(t, "FINTRA_REDIS_URL"); redisURL != "" {
		st.prefix = "fintra:test:" + tag + ":"
		opts, err := goredis.ParseURL(redisURL)
		if err != nil {
			t.Fatal(err)
		}
		st.rc = goredis.NewClient(opts)
		t.Cleanup(func() {
			if keys, _ := st.rc.Keys(context.Background(), st.prefix+"*").Result(); len(keys) > 0 {
				st.rc.Del(context.Background(), keys...)
			}
			st.rc.Close()
		})
		rd, err := redis.Open(ctx, route("redis", redisURL), log, redis.Options{KeyPrefix: st.prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rd.Close() })
		st.specs = append(st.specs, SinkSpec{Sink: rd, Topics: []string{string(views.Table)}})
	}

	lakeURL, lakeOpts := "", lake.Options{}
	if endpoint := optionalServer(t, "FINTRA_S3_ENDPOINT"); endpoint != "" {
		bucketURL := os.Getenv("FINTRA_S3_URL")
		if bucketURL == "" {
			bucketURL = "s3://fintra-lake"
		}
		st.bucket = strings.TrimPrefix(strings.SplitN(strings.TrimPrefix(bucketURL, "s3://"), "/", 2)[0], "s3://")
		st.lakeAt = "test/" + tag + "/"
		lakeURL = "s3://" + st.bucket + "/" + st.lakeAt
		lakeOpts.PathStyle = os.Getenv("FINTRA_S3_PATH_STYLE") == "true"
		lakeOpts.Endpoint = route("lake", endpoint)
		cfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		st.s3 = s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = lakeOpts.PathStyle
		})
		t.Cleanup(func() {
			for _, k := range st.lakeKeys(t) {
				_, _ = st.s3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(k)})
			}
		})
	} else {
		st.lakeAt = t.TempDir()
		lakeURL = "file://" + st.lakeAt
	}
	lk, err := lake.Open(ctx, lakeURL, lakeOpts, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lk.Close() })
	st.specs = append(st.specs, SinkSpec{Sink: lk, Topics: []string{string(schemas.TopicCoreTransactions)}})
	return st
}

// lakeKeys lists the lake's objects (S3 keys, or file paths).
func (st *kafkaStores) lakeKeys(t testing.TB) []string {
	t.Helper()
	var keys []string
	if st.s3 == nil {
		err := filepath.WalkDir(st.lakeAt, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".parquet") {
				keys = append(keys, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	pages := s3.NewListObjectsV2Paginator(st.s3, &s3.ListObjectsV2Input{Bucket: aws.String(st.bucket), Prefix: aws.String(st.lakeAt)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list the lake: %v", err)
		}
		for _, o := range page.Contents {
			if strings.HasSuffix(aws.ToString(o.Key), ".parquet") {
				keys = append(keys, aws.ToString(o.Key))
			}
		}
	}
	return keys
}

func (st *kafkaStores) lakeObject(t testing.TB, key string) []byte {
	t.Helper()
	if st.s3 == nil {
		b, err := os.ReadFile(key)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	out, err := st.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(st.bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	return b
}

// verify checks the stores against the ledger of summary: every accepted
// transaction once (no duplicate event_id) in PostgreSQL and the lake,
// their sums equal, the accounts table and the Redis views holding the
// ledger's balances. It returns a line for the log.
func (st *kafkaStores) verify(t *testing.T, s Summary) string {
	t.Helper()
	ctx := context.Background()
	var parts []string
	ledger := map[string][2]int64{}
	for cur, posted := range s.PostedMinorByCurrency {
		ledger[cur] = [2]int64{posted, s.PendingMinorByCurrency[cur]}
	}
	pgSums := map[string]int64{}
	if st.pg != nil {
		var rows, distinct, events int64
		if err := st.pg.QueryRow(ctx, "SELECT count(*), count(DISTINCT event_id) FROM "+st.schema+".transactions").Scan(&rows, &distinct); err != nil {
			t.Fatal(err)
		}
		if err := st.pg.QueryRow(ctx, "SELECT count(*) FROM "+st.schema+".events").Scan(&events); err != nil {
			t.Fatal(err)
		}
		if rows != s.Accepted || distinct != rows || events != s.Accepted {
			t.Errorf("PostgreSQL: %d transaction rows (%d distinct event ids), %d event rows; want %d accepted, each once", rows, distinct, events, s.Accepted)
		}
		sums, err := pgx.CollectRows(mustQuery(t, st.pg, "SELECT currency, sum(amount_minor)::bigint FROM "+st.schema+".transactions WHERE amount_minor IS NOT NULL GROUP BY 1"), pgx.RowToStructByPos[struct {
			Currency string
			Sum      int64
		}])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sums {
			pgSums[r.Currency] = r.Sum
		}
		accounts, err := pgx.CollectRows(mustQuery(t, st.pg, "SELECT currency, sum(balance_minor)::bigint, sum(pending_minor)::bigint FROM "+st.schema+".accounts GROUP BY 1"), pgx.RowToStructByPos[struct {
			Currency        string
			Posted, Pending int64
		}])
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][2]int64{}
		for _, r := range accounts {
			got[r.Currency] = [2]int64{r.Posted, r.Pending}
		}
		if !maps.Equal(got, ledger) {
			t.Errorf("PostgreSQL accounts (posted, pending) by currency %v; the ledger %v", got, ledger)
		}
		parts = append(parts, fmt.Sprintf("PostgreSQL %d transactions, %d events", rows, events))
	}
	if st.rc != nil {
		views, got := redisViewBalances(t, ctx, st.rc, st.prefix)
		if views != s.Accounts || !maps.Equal(got, ledger) {
			t.Errorf("Redis: %d views for %d ledger accounts; balances %v, the ledger %v", views, s.Accounts, got, ledger)
		}
		parts = append(parts, fmt.Sprintf("Redis %d views", views))
	}
	keys := st.lakeKeys(t)
	seen := map[string]bool{}
	lakeSums := map[string]int64{}
	var lakeRows int64
	for _, k := range keys {
		rows, err := lake.ReadRows(st.lakeObject(t, k))
		if err != nil {
			t.Fatalf("lake object %s: %v", k, err)
		}
		for _, r := range rows {
			lakeRows++
			seen[r.EventID] = true
			lakeSums[r.Currency] += r.AmountMinor
		}
	}
	if lakeRows != s.Accepted || int64(len(seen)) != lakeRows {
		t.Errorf("lake: %d rows (%d distinct event ids) in %d objects; want %d accepted, each once", lakeRows, len(seen), len(keys), s.Accepted)
	}
	if st.pg != nil && !maps.Equal(pgSums, lakeSums) {
		t.Errorf("transaction sums by currency: PostgreSQL %v, lake %v", pgSums, lakeSums)
	}
	where := "local"
	if st.s3 != nil {
		where = "S3"
	}
	parts = append(parts, fmt.Sprintf("%s lake %d rows in %d objects", where, lakeRows, len(keys)))
	return strings.Join(parts, "; ")
}

func mustQuery(t testing.TB, conn *pgx.Conn, sql string) pgx.Rows {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

var (
	referenceMu sync.Mutex
	references  = map[[2]int64]Summary{}
)

// embeddedReference is the summary of the same payloads through the whole
// pipeline on the embedded broker: what the real broker has to match.
func embeddedReference(t *testing.T, events int, seed int64) Summary {
	t.Helper()
	referenceMu.Lock()
	defer referenceMu.Unlock()
	if s, ok := references[[2]int64{int64(events), seed}]; ok {
		return s
	}
	s, err := Demo(context.Background(), DemoConfig{Events: events, Seed: seed, DuplicateRatio: 0.02, InvalidRatio: 0.01,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("reference run on the embedded broker: %v", err)
	}
	references[[2]int64{int64(events), seed}] = s
	return s
}

// sameOutcome compares what two runs of the same payloads did: the counts,
// the records per topic, the dead-letter reasons and the ledger.
func sameOutcome(t *testing.T, what string, want, got Summary) {
	t.Helper()
	if got.Produced != want.Produced || got.Accepted != want.Accepted || got.Duplicates != want.Duplicates || got.DLQ != want.DLQ || got.Accounts != want.Accounts {
		t.Errorf("%s: produced %d, accepted %d, duplicates %d, dead letters %d, accounts %d; the embedded broker: %d, %d, %d, %d, %d",
			what, got.Produced, got.Accepted, got.Duplicates, got.DLQ, got.Accounts, want.Produced, want.Accepted, want.Duplicates, want.DLQ, want.Accounts)
	}
	if !maps.Equal(got.Topics, want.Topics) {
		t.Errorf("%s: records per topic %v; the embedded broker %v", what, got.Topics, want.Topics)
	}
	if !maps.Equal(got.DLQReasons, want.DLQReasons) {
		t.Errorf("%s: dead-letter reasons %v; the embedded broker %v", what, got.DLQReasons, want.DLQReasons)
	}
	if !maps.Equal(got.PostedMinorByCurrency, want.PostedMinorByCurrency) || !maps.Equal(got.PendingMinorByCurrency, want.PendingMinorByCurrency) {
		t.Errorf("%s: ledger posted %v pending %v; the embedded broker posted %v pending %v", what, got.PostedMinorByCurrency, got.PendingMinorByCurrency, want.PostedMinorByCurrency, want.PendingMinorByCurrency)
	}
}

// TestKafkaPipelineWithSinksMatchesEmbedded runs every registered
// processor and the configured sinks against the real broker and checks
// that the outcome equals the embedded broker's, record for record and
// minor unit for minor unit, and that the stores hold it exactly once.
func TestKafkaPipelineWithSinksMatchesEmbedded(t *testing.T) {
	brokers := kafkaBrokers(t)
	const events, seed = 6000, 21
	want := embeddedReference(t, events, seed)
	resetKafka(t, brokers, CatalogConfig{})
	st := openKafkaStores(t, fmt.Sprintf("kafkatest_%d", time.Now().UnixNano()), false)
	got, err := Demo(context.Background(), DemoConfig{Events: events, Seed: seed, DuplicateRatio: 0.02, InvalidRatio: 0.01,
		Brokers: brokers, KafkaVersion: kafkaTestVersion, Sinks: st.specs, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	sameOutcome(t, "Kafka", want, got)
	stored := st.verify(t, got)
	t.Logf("Kafka %s, sarama %s, %d processors: %d payloads in %.2fs (%.0f/s; the embedded broker without sinks %.0f/s): %d accepted, %d duplicates, %d dead letters, %d accounts; %s",
		brokers[0], kafkaTestVersion, len(Processors()), got.Produced, got.ElapsedSeconds, got.ThroughputEPS, want.ThroughputEPS, got.Accepted, got.Duplicates, got.DLQ, got.Accounts, stored)
}
