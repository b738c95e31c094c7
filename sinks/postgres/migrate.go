package postgres

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the pg_advisory_xact_lock key that serializes schema
// changes of every fintra process on the database ("fintra" in ASCII).
const migrationLock int64 = 0x66696e747261

type migration struct {
	version int
	name    string
	sql     *template.Template
}

// migrations are the embedded files migrations/NNNN_name.sql in version
// order. They are templates of the partitioning mode: {{.Timescale}}.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		base := path.Base(name)
		prefix, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("postgres: migration %s is not named NNNN_name.sql", base)
		}
		text, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		tmpl, err := template.New(base).Option("missingkey=error").Parse(string(text))
		if err != nil {
			return nil, fmt.Errorf("postgres: migration %s: %w", base, err)
		}
		out = append(out, migration{version: version, name: base, sql: tmpl})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("postgres: migrations %s and %s have the same version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// migrate applies the migrations not yet recorded in schema_migrations,
// each in its own transaction under an advisory lock, so two processes
// starting at once apply each migration once. It returns the partitioning
// mode of the tables: the one they were created with, which for new tables
// is Timescale when the extension is available.
func migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (Mode, error) {
	ms, err := migrations()
	if err != nil {
		return "", err
	}
	inTx := func(f func(tx pgx.Tx) error) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
				return err
			}
			return f(tx)
		})
	}
	var timescale bool
	err = inTx(func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    int PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT exists(SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')").Scan(&timescale); err != nil {
			return err
		}
		if timescale {
			_, err := tx.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS timescaledb")
			return err
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("postgres: prepare migrations: %w", err)
	}
	for _, m := range ms {
		err := inTx(func(tx pgx.Tx) error {
			var applied bool
			if err := tx.QueryRow(ctx, "SELECT exists(SELECT 1 FROM schema_migrations WHERE version = $1)", m.version).Scan(&applied); err != nil || applied {
				return err
			}
			var sql bytes.Buffer
			if err := m.sql.Execute(&sql, struct{ Timescale bool }{timescale}); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, sql.String()); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())", m.version); err != nil {
				return err
			}
			log.Info("postgres migration applied", "version", m.version, "name", m.name, "timescale", timescale)
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
	}
	var partitioned bool
	if err := pool.QueryRow(ctx, "SELECT exists(SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'events'::regclass)").Scan(&partitioned); err != nil {
		return "", fmt.Errorf("postgres: partitioning of events: %w", err)
	}
	if partitioned {
		return ModeNative, nil
	}
	return ModeTimescale, nil
}

// month is the first instant of a UTC month, the lower bound of its
// partition.
type month struct {
	year int
	mon  time.Month
}

func monthOf(t time.Time) month {
	t = t.UTC()
	return month{t.Year(), t.Month()}
}

func (m month) start() time.Time { return time.Date(m.year, m.mon, 1, 0, 0, 0, 0, time.UTC) }

// suffix names the partition: events_y2026m01.
func (m month) suffix() string { return fmt.Sprintf("_y%04dm%02d", m.year, m.mon) }

// partitionDDL creates the month's partition of table if it is missing.
func (m month) partitionDDL(table string) string {
	const layout = "2006-01-02 15:04:05Z07:00"
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')",
		pgx.Identifier{table + m.suffix()}.Sanitize(), table, m.start().Format(layout), m.start().AddDate(0, 1, 0).Format(layout))
}

// ensurePartitions creates the monthly partitions of events and
// transactions a batch needs, before the batch's transaction: creating a
// partition locks its parent, which the write should not hold for longer
// than it must. The advisory lock keeps two writers from racing on the
// catalog.
func (s *Sink) ensurePartitions(ctx context.Context, months []month) error {
	var ddl []string
	var missing []month
	for _, m := range months {
		if !s.partitions[m] {
			missing = append(missing, m)
			ddl = append(ddl, m.partitionDDL("events"), m.partitionDDL("transactions"))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, strings.Join(ddl, ";\n"))
		return err
	})
	if err != nil {
		return fmt.Errorf("create partitions: %w", err)
	}
	for _, m := range missing {
		s.partitions[m] = true
	}
	s.log.Debug("postgres partitions ensured", "months", len(missing))
	return nil
}
