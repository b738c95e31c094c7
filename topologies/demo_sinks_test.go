package topologies

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"

	"github.com/fintraos/fintra/processors/views"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/sinks/lake"
	"github.com/fintraos/fintra/sinks/postgres"
	"github.com/fintraos/fintra/sinks/redis"
	"github.com/fintraos/fintra/sinks/sinktest"
)

// sumParquet reads the lake with pyarrow, a reader that shares no code
// with the sink, and sums amount_minor per currency.
const sumParquet = `
import glob, json, sys
import pyarrow.parquet as pq
out, n = {}, 0
for f in glob.glob(sys.argv[1] + "/**/*.parquet", recursive=True):
    t = pq.read_table(f, columns=["currency", "amount_minor"])
    n += t.num_rows
    for c, a in zip(t.column("currency").to_pylist(), t.column("amount_minor").to_pylist()):
        out[c] = out.get(c, 0) + a
print(json.dumps({"rows": n, "sum": out}))
`

// stores is what the three stores hold after a demo, summed per currency.
type stores struct {
	PGRows, ParquetRows int64
	RedisViews          int
	PGSums, ParquetSums map[string]int64
	// Accounts and Views are (posted, pending) per currency.
	Accounts, Views map[string][2]int64
}

// TestIntegrationDemoWithAllSinksAgrees runs the demo with PostgreSQL,
// Redis and the Parquet lake, twice over the same stores: the transaction
// rows equal the accepted count in PostgreSQL and in the lake (read by
// pyarrow), their per-currency sums are equal, the accounts table, the
// Redis views and the ledger hold the same balances, and the second run
// (the same payloads through a new broker) changes none of it.
func TestIntegrationDemoWithAllSinksAgrees(t *testing.T) {
	pgURL := sinktest.Server(t, "FINTRA_PG_URL")
	redisURL := sinktest.Server(t, "FINTRA_REDIS_URL")
	python := os.Getenv("FINTRA_PYTHON")
	if python == "" {
		python = "python3"
	}
	if err := exec.Command(python, "-c", "import pyarrow").Run(); err != nil {
		msg := "pyarrow is not installed for " + python + " (make pyarrow installs it)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tag := fmt.Sprintf("alltest_%d", time.Now().UnixNano())
	lakeDir := t.TempDir()
	prefix := "fintra:test:" + tag + ":"

	pg, err := postgres.Open(ctx, pgURL, log, postgres.Options{Schema: tag, TransactionsTopic: string(schemas.TopicGuardScores)})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	rd, err := redis.Open(ctx, redisURL, log, redis.Options{KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	lk, err := lake.Open(ctx, "file://"+lakeDir, lake.Options{Topic: string(schemas.TopicGuardScores)}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	defer conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+tag+" CASCADE")
	ropts, err := goredis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rc := goredis.NewClient(ropts)
	defer rc.Close()
	defer func() {
		if keys, _ := rc.Keys(ctx, prefix+"*").Result(); len(keys) > 0 {
			rc.Del(ctx, keys...)
		}
	}()

	var first stores
	for run := 1; run <= 2; run++ {
		s, err := Demo(ctx, DemoConfig{Events: 4000, Seed: 13, DuplicateRatio: 0.02, InvalidRatio: 0.01, Log: log, Sinks: []SinkSpec{
			{Sink: pg, Topics: []string{string(schemas.TopicCoreEvents), string(schemas.TopicGuardScores)}},
			{Sink: rd, Topics: []string{string(views.Table)}},
			{Sink: lk, Topics: []string{string(schemas.TopicGuardScores)}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		got := readStores(t, ctx, conn, rc, tag, prefix, python, lakeDir)
		if got.PGRows != s.Accepted || got.ParquetRows != s.Accepted {
			t.Errorf("run %d: accepted %d; PostgreSQL transactions %d rows; Parquet %d rows", run, s.Accepted, got.PGRows, got.ParquetRows)
		}
		// Every row went through enrich and guard: categorized and scored.
		var scored, categorized, alerts int64
		if err := conn.QueryRow(ctx, "SELECT count(risk_score), count(category_primary), count(*) FILTER (WHERE risk_decision IN ('review', 'decline')) FROM "+tag+".transactions").Scan(&scored, &categorized, &alerts); err != nil {
			t.Fatal(err)
		}
		if scored != s.Accepted || categorized != s.Accepted || alerts != s.Topics[string(schemas.TopicGuardAlerts)] {
			t.Errorf("run %d: of %d rows %d scored and %d categorized, want all; %d review or decline, want the %d alerts", run, s.Accepted, scored, categorized, alerts, s.Topics[string(schemas.TopicGuardAlerts)])
		}
		if got.RedisViews != s.Accounts {
			t.Errorf("run %d: %d Redis views for %d ledger accounts", run, got.RedisViews, s.Accounts)
		}
		for cur, v := range got.PGSums {
			if got.ParquetSums[cur] != v {
				t.Errorf("run %d: %s transactions sum %d in PostgreSQL, %d in Parquet", run, cur, v, got.ParquetSums[cur])
			}
		}
		for cur, posted := range s.PostedMinorByCurrency {
			want := [2]int64{posted, s.PendingMinorByCurrency[cur]}
			if got.Accounts[cur] != want || got.Views[cur] != want {
				t.Errorf("run %d: %s (posted, pending): ledger %v, accounts %v, Redis views %v", run, cur, want, got.Accounts[cur], got.Views[cur])
			}
		}
		if run == 1 {
			first = got
			t.Logf("%d accepted; %d PostgreSQL rows; %d Parquet rows; %d Redis views; sums %v", s.Accepted, got.PGRows, got.ParquetRows, got.RedisViews, got.PGSums)
			continue
		}
		a, _ := json.Marshal(first)
		b, _ := json.Marshal(got)
		if string(a) != string(b) {
			t.Errorf("the second run changed the stores:\n%s\n%s", a, b)
		}
	}
}

func readStores(t *testing.T, ctx context.Context, conn *pgx.Conn, rc *goredis.Client, schema, prefix, python, lakeDir string) stores {
	t.Helper()
	st := stores{PGSums: map[string]int64{}, Accounts: map[string][2]int64{}}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+schema+".transactions").Scan(&st.PGRows); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, "SELECT currency, sum(amount_minor)::bigint FROM "+schema+".transactions WHERE amount_minor IS NOT NULL GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		var v int64
		if err := rows.Scan(&c, &v); err != nil {
			t.Fatal(err)
		}
		st.PGSums[c] = v
	}
	rows.Close()
	rows, err = conn.Query(ctx, "SELECT currency, sum(balance_minor)::bigint, sum(pending_minor)::bigint FROM "+schema+".accounts GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		var p, q int64
		if err := rows.Scan(&c, &p, &q); err != nil {
			t.Fatal(err)
		}
		st.Accounts[c] = [2]int64{p, q}
	}
	rows.Close()

	out, err := exec.Command(python, "-c", sumParquet, lakeDir).Output()
	if err != nil {
		t.Fatalf("pyarrow: %v", err)
	}
	var parquet struct {
		Rows int64            `json:"rows"`
		Sum  map[string]int64 `json:"sum"`
	}
	if err := json.Unmarshal(out, &parquet); err != nil {
		t.Fatalf("pyarrow printed %q: %v", out, err)
	}
	st.ParquetRows, st.ParquetSums = parquet.Rows, parquet.Sum

	st.RedisViews, st.Views = redisViewBalances(t, ctx, rc, prefix)
	return st
}

// redisViewBalances reads every view the Redis sink wrote under prefix and
// sums their balances: (posted, pending) minor units per currency.
func redisViewBalances(t *testing.T, ctx context.Context, rc *goredis.Client, prefix string) (views int, sums map[string][2]int64) {
	t.Helper()
	keys, err := rc.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	sums = map[string][2]int64{}
	for _, k := range keys {
		b, err := rc.Get(ctx, k).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Balances []struct {
				Currency     string `json:"currency"`
				AmountMinor  int64  `json:"amount_minor"`
				PendingMinor int64  `json:"pending_minor"`
			} `json:"balances"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("Redis %s: %v", k, err)
		}
		for _, bal := range v.Balances {
			c := sums[bal.Currency]
			sums[bal.Currency] = [2]int64{c[0] + bal.AmountMinor, c[1] + bal.PendingMinor}
		}
	}
	return len(keys), sums
}
