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

// TestIntegrationDemoWithAllSinksAgrees runs the demo with PostgreSQL, Redis
// and the Parquet lake: the transaction rows equal the accepted count in
// PostgreSQL and in the lake (read by pyarrow), their per-currency sums are
// equal, and the accounts table, the Redis views and the ledger hold the
// same balances.
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

	pg, err := postgres.Open(ctx, pgURL, log, postgres.Options{Schema: tag})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	rd, err := redis.Open(ctx, redisURL, log, redis.Options{KeyPrefix: "fintra:test:" + tag + ":"})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	lk, err := lake.Open(ctx, "file://"+lakeDir, lake.Options{}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()

	s, err := Demo(ctx, DemoConfig{Events: 4000, Seed: 13, DuplicateRatio: 0.02, InvalidRatio: 0.01, Log: log, Sinks: []SinkSpec{
		{Sink: pg, Topics: []string{string(schemas.TopicCoreEvents), string(schemas.TopicCoreTransactions)}},
		{Sink: rd, Topics: []string{string(views.Table)}},
		{Sink: lk, Topics: []string{string(schemas.TopicCoreTransactions)}},
	}})
	if err != nil {
		t.Fatal(err)
	}

	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	defer conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+tag+" CASCADE")
	var pgRows int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+tag+".transactions").Scan(&pgRows); err != nil {
		t.Fatal(err)
	}
	pgSums := map[string]int64{}
	rows, err := conn.Query(ctx, "SELECT currency, sum(amount_minor)::bigint FROM "+tag+".transactions WHERE amount_minor IS NOT NULL GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		var v int64
		if err := rows.Scan(&c, &v); err != nil {
			t.Fatal(err)
		}
		pgSums[c] = v
	}
	rows.Close()
	accounts := map[string][2]int64{}
	rows, err = conn.Query(ctx, "SELECT currency, sum(balance_minor)::bigint, sum(pending_minor)::bigint FROM "+tag+".accounts GROUP BY 1")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		var p, q int64
		if err := rows.Scan(&c, &p, &q); err != nil {
			t.Fatal(err)
		}
		accounts[c] = [2]int64{p, q}
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

	rc := goredis.NewClient(mustRedisOptions(t, redisURL))
	defer rc.Close()
	keys, err := rc.Keys(ctx, "fintra:test:"+tag+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Del(ctx, keys...)
	viewSums := map[string][2]int64{}
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
			t.Fatal(err)
		}
		for _, bal := range v.Balances {
			cur := viewSums[bal.Currency]
			viewSums[bal.Currency] = [2]int64{cur[0] + bal.AmountMinor, cur[1] + bal.PendingMinor}
		}
	}

	if pgRows != s.Accepted || parquet.Rows != s.Accepted {
		t.Errorf("accepted %d; PostgreSQL transactions %d rows; Parquet %d rows", s.Accepted, pgRows, parquet.Rows)
	}
	if len(keys) != s.Accounts {
		t.Errorf("%d Redis views for %d ledger accounts", len(keys), s.Accounts)
	}
	for cur, v := range pgSums {
		if parquet.Sum[cur] != v {
			t.Errorf("%s: transactions sum %d in PostgreSQL, %d in Parquet", cur, v, parquet.Sum[cur])
		}
	}
	for cur, posted := range s.PostedMinorByCurrency {
		want := [2]int64{posted, s.PendingMinorByCurrency[cur]}
		if accounts[cur] != want || viewSums[cur] != want {
			t.Errorf("%s (posted, pending): ledger %v, accounts %v, Redis views %v", cur, want, accounts[cur], viewSums[cur])
		}
	}
	t.Logf("%d accepted; %d PostgreSQL rows; %d Parquet rows; %d Redis views; sums %v", s.Accepted, pgRows, parquet.Rows, len(keys), pgSums)
}

func mustRedisOptions(t *testing.T, redisURL string) *goredis.Options {
	t.Helper()
	o, err := goredis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
