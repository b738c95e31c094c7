// Package postgres is the PostgreSQL (and TimescaleDB) sink. It writes the
// canonical events of core.events.v1 to the table events, and the accepted
// transactions of core.transactions.v1 to transactions and the latest
// balance per account and currency to accounts. Each batch is copied into
// temporary tables and inserted with ON CONFLICT DO NOTHING in one
// transaction, so a batch is durable when it commits and a replay changes
// nothing. Schema changes are versioned migrations applied by Open.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/sinks"
)

// Options configures a Sink. The zero value is the production setup.
type Options struct {
	// Schema is the PostgreSQL schema of the sink's tables, created if it
	// does not exist. Default "": the connection's default schema (its
	// search_path, usually public).
	Schema string
	// EventsTopic is the topic whose records (Event) go to events.
	// Default core.events.v1.
	EventsTopic string
	// TransactionsTopic is the topic whose records go to transactions and
	// accounts: a transaction stage after the ledger. Default
	// core.transactions.v1.
	TransactionsTopic string
	// TransactionsStage is the stage whose message the transactions topic
	// carries (core.transactions.v1: AcceptedTransaction,
	// enrich.transactions.v1: EnrichedTransaction, guard.scores.v1:
	// ScoredTransaction). Default: TransactionsTopic itself; set it when the
	// topic has another name (a mirror, a test topic).
	TransactionsStage string
}

func (o *Options) setDefaults() {
	if o.EventsTopic == "" {
		o.EventsTopic = string(schemas.TopicCoreEvents)
	}
	if o.TransactionsTopic == "" {
		o.TransactionsTopic = string(schemas.TopicCoreTransactions)
	}
	if o.TransactionsStage == "" {
		o.TransactionsStage = o.TransactionsTopic
	}
}

// Validate lists every problem of the options.
func (o Options) Validate() error {
	var errs []error
	if o.EventsTopic == o.TransactionsTopic {
		errs = append(errs, fmt.Errorf("postgres: events and transactions read the same topic %q", o.EventsTopic))
	}
	if !schemas.IsTransactionStage(o.TransactionsStage) {
		errs = append(errs, fmt.Errorf("postgres: transactions stage %q is not a transaction topic: set TransactionsStage to %s, %s or %s, the stage whose message the topic %q carries",
			o.TransactionsStage, schemas.TopicCoreTransactions, schemas.TopicEnrichTransactions, schemas.TopicGuardScores, o.TransactionsTopic))
	}
	if len(o.Schema) > 63 {
		errs = append(errs, fmt.Errorf("postgres: schema name %q is longer than PostgreSQL's 63 bytes", o.Schema))
	}
	if strings.ContainsRune(o.Schema, 0) {
		errs = append(errs, errors.New("postgres: schema name contains a NUL byte"))
	}
	return errors.Join(errs...)
}

// Mode is how events and transactions are partitioned.
type Mode string

const (
	// ModeTimescale: hypertables on occurred_at (the timescaledb extension
	// is available).
	ModeTimescale Mode = "timescale"
	// ModeNative: native monthly range partitions on occurred_at, created
	// on demand, plus a default partition.
	ModeNative Mode = "native"
)

// Sink is the PostgreSQL sink. Write is not safe for concurrent use; the
// runner calls it from one goroutine.
type Sink struct {
	pool *pgxpool.Pool
	opts Options
	log  *slog.Logger
	mode Mode

	partitions map[month]bool // monthly partitions known to exist
}

var _ sinks.Sink = (*Sink)(nil)

// Open connects to url (a PostgreSQL connection string), creates the schema
// if one is named, and applies the migrations that are not applied yet.
func Open(ctx context.Context, url string, log *slog.Logger, opts Options) (*Sink, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.Schema != "" {
		if err := createSchema(ctx, cfg.ConnConfig, opts.Schema); err != nil {
			return nil, err
		}
		// public stays on the path for extensions' functions (Timescale's
		// create_hypertable); the sink's own tables are found first.
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize() + ", public"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Sink{pool: pool, opts: opts, log: log, partitions: map[month]bool{}}
	if s.mode, err = migrate(ctx, pool, log); err != nil {
		pool.Close()
		return nil, err
	}
	log.Info("postgres sink ready", "schema", opts.Schema, "partitioning", s.mode,
		"events_topic", opts.EventsTopic, "transactions_topic", opts.TransactionsTopic)
	return s, nil
}

func createSchema(ctx context.Context, cfg *pgx.ConnConfig, schema string) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	// Two processes creating the same schema at once would race on the
	// catalog's unique index: serialize them.
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize())
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: create schema %s: %w", schema, err)
	}
	return nil
}

// Name is "postgres".
func (s *Sink) Name() string { return "postgres" }

// Mode says how events and transactions are partitioned.
func (s *Sink) Mode() Mode { return s.mode }

// Close closes the pool.
func (s *Sink) Close() error {
	s.pool.Close()
	return nil
}

// Write writes the batch in one transaction. Records that cannot be decoded
// are returned in a *sinks.RejectedError after the rest is committed; a
// database error is returned as is, for the runner to retry the batch.
func (s *Sink) Write(ctx context.Context, batch []*kgo.Record) error {
	var (
		rows     rows
		rejected sinks.RejectedError
	)
	for _, r := range batch {
		var err error
		switch r.Topic {
		case s.opts.EventsTopic:
			err = rows.addEvent(r.Value)
		case s.opts.TransactionsTopic:
			err = rows.addTransaction(s.opts.TransactionsStage, r.Value)
		default:
			err = fmt.Errorf("postgres: no table for topic %q", r.Topic)
		}
		if err != nil {
			rejected.Records = append(rejected.Records, sinks.Rejected{Record: r, Reason: err})
		}
	}
	if err := s.write(ctx, &rows); err != nil {
		return fmt.Errorf("postgres: write %d records: %w", len(batch), err)
	}
	if len(rejected.Records) > 0 {
		return &rejected
	}
	return nil
}

func (s *Sink) write(ctx context.Context, rows *rows) error {
	if len(rows.events) == 0 && len(rows.transactions) == 0 {
		return nil
	}
	if s.mode == ModeNative {
		if err := s.ensurePartitions(ctx, rows.months()); err != nil {
			return err
		}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var insert []string
		if len(rows.events) > 0 {
			if err := copyTemp(ctx, tx, "events", eventColumns, rows.events); err != nil {
				return err
			}
			insert = append(insert, insertFrom("events", eventColumns))
		}
		if len(rows.transactions) > 0 {
			if err := copyTemp(ctx, tx, "transactions", transactionColumns, rows.transactions); err != nil {
				return err
			}
			insert = append(insert, insertFrom("transactions", transactionColumns))
		}
		if len(rows.accounts) > 0 {
			if err := copyTemp(ctx, tx, "accounts", accountColumns, rows.accountRows()); err != nil {
				return err
			}
			insert = append(insert, upsertAccounts)
		}
		// No arguments: one round trip in the simple protocol.
		_, err := tx.Exec(ctx, strings.Join(insert, ";\n"))
		return err
	})
}

func copyTemp(ctx context.Context, tx pgx.Tx, table string, columns []string, data [][]any) error {
	// LIKE copies the columns and NOT NULL constraints, not the
	// partitioning or keys: a plain table the batch is checked against.
	if _, err := tx.Exec(ctx, fmt.Sprintf("CREATE TEMP TABLE batch_%s (LIKE %s) ON COMMIT DROP", table, table)); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"batch_" + table}, columns, pgx.CopyFromRows(data))
	return err
}

func insertFrom(table string, columns []string) string {
	cols := strings.Join(columns, ", ")
	// Partitioning forces the key (event_id, occurred_at), but the same
	// event can arrive with another occurred_at: a removal sent without one
	// is stamped with its ingestion time, so a second ingestion of the same
	// payload (a new Kafka record, not a redelivery) differs there. The
	// NOT EXISTS probe on the key's leading column keeps event_id unique
	// across partitions; ON CONFLICT still covers a redelivered batch.
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM batch_%s b WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE t.event_id = b.event_id) ON CONFLICT (event_id, occurred_at) DO NOTHING", table, cols, cols, table, table)
}

// upsertAccounts replaces a balance only with a newer one. The batch holds
// one row per (account, currency): DO UPDATE may not touch a row twice.
const upsertAccounts = `INSERT INTO accounts (account_id, currency, balance_minor, pending_minor, sequence, updated_at)
SELECT account_id, currency, balance_minor, pending_minor, sequence, updated_at FROM batch_accounts
ON CONFLICT (account_id, currency) DO UPDATE SET
    balance_minor = EXCLUDED.balance_minor,
    pending_minor = EXCLUDED.pending_minor,
    sequence = EXCLUDED.sequence,
    updated_at = EXCLUDED.updated_at
WHERE accounts.sequence < EXCLUDED.sequence`
