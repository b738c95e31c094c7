package topologies

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/sinks/postgres"
	"github.com/fintraos/fintra/sinks/sinktest"
)

func pgURL(t *testing.T) string { return sinktest.Server(t, "FINTRA_PG_URL") }

// TestIntegrationDemoWithPostgresIsExactAndRepeatable runs the demo with
// the PostgreSQL sink twice on the same tables: the rows equal the
// summary's accepted count, the accounts table equals the ledger, and the
// second run (the same payloads through a new broker) changes nothing.
func TestIntegrationDemoWithPostgresIsExactAndRepeatable(t *testing.T) {
	url := pgURL(t)
	ctx := context.Background()
	schema := fmt.Sprintf("demo_test_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	defer conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")

	type state struct {
		transactions, events int64
		balances             map[string][2]int64
	}
	read := func() state {
		s := state{balances: map[string][2]int64{}}
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+schema+".transactions").Scan(&s.transactions); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+schema+".events").Scan(&s.events); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.Query(ctx, "SELECT currency, sum(balance_minor)::bigint, sum(pending_minor)::bigint FROM "+schema+".accounts GROUP BY 1")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var cur string
			var posted, pending int64
			if err := rows.Scan(&cur, &posted, &pending); err != nil {
				t.Fatal(err)
			}
			s.balances[cur] = [2]int64{posted, pending}
		}
		return s
	}

	var first state
	for run := 1; run <= 2; run++ {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		pg, err := postgres.Open(ctx, url, log, postgres.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		s, err := Demo(ctx, DemoConfig{Events: 3000, Seed: 9, DuplicateRatio: 0.02, InvalidRatio: 0.01, Log: log,
			Sinks: []SinkSpec{{Sink: pg, Topics: []string{string(schemas.TopicCoreEvents), string(schemas.TopicCoreTransactions)}}}})
		pg.Close()
		if err != nil {
			t.Fatal(err)
		}
		got := read()
		if got.transactions != s.Accepted || got.events != s.Accepted {
			t.Errorf("run %d: %d transaction rows and %d event rows, want the %d accepted", run, got.transactions, got.events, s.Accepted)
		}
		for cur, posted := range s.PostedMinorByCurrency {
			if b := got.balances[cur]; b[0] != posted || b[1] != s.PendingMinorByCurrency[cur] {
				t.Errorf("run %d: %s accounts posted %d pending %d, ledger %d %d", run, cur, b[0], b[1], posted, s.PendingMinorByCurrency[cur])
			}
		}
		if run == 1 {
			first = got
			continue
		}
		if got.transactions != first.transactions || got.events != first.events || fmt.Sprint(got.balances) != fmt.Sprint(first.balances) {
			t.Errorf("the second run changed the tables: %+v, then %+v", first, got)
		}
	}
}
