-- Tables of the PostgreSQL sink. Money is bigint minor units, never numeric
-- or float. events and transactions are partitioned by occurred_at (monthly
-- native range partitions, or Timescale hypertables), so their primary key
-- includes it; an event's occurred_at never changes, so (event_id,
-- occurred_at) identifies an event as well as event_id does.

CREATE TABLE events (
    event_id              uuid        NOT NULL,
    account_id            text        NOT NULL,
    type                  text        NOT NULL,
    occurred_at           timestamptz NOT NULL,
    ingested_at           timestamptz,
    source                text,
    source_transaction_id text,
    amount_minor          bigint,
    currency              char(3),
    payload               jsonb       NOT NULL,
    PRIMARY KEY (event_id, occurred_at)
){{if not .Timescale}} PARTITION BY RANGE (occurred_at){{end}};

CREATE TABLE transactions (
    event_id              uuid        NOT NULL,
    account_id            text        NOT NULL,
    type                  text        NOT NULL,
    status                text        NOT NULL,
    source                text        NOT NULL,
    source_transaction_id text        NOT NULL,
    amount_minor          bigint      NOT NULL,
    currency              char(3)     NOT NULL,
    occurred_at           timestamptz NOT NULL,
    posted_at             timestamptz,
    description           text,
    merchant_name         text,
    mcc                   text,
    balance_posted_minor  bigint,
    balance_pending_minor bigint,
    sequence              bigint      NOT NULL,
    accepted_at           timestamptz,
    PRIMARY KEY (event_id, occurred_at)
){{if not .Timescale}} PARTITION BY RANGE (occurred_at){{end}};

CREATE INDEX transactions_account_occurred ON transactions (account_id, occurred_at DESC);
CREATE INDEX events_account_occurred ON events (account_id, occurred_at DESC);

{{if .Timescale -}}
SELECT create_hypertable('events', 'occurred_at', chunk_time_interval => INTERVAL '1 month', if_not_exists => TRUE);
SELECT create_hypertable('transactions', 'occurred_at', chunk_time_interval => INTERVAL '1 month', if_not_exists => TRUE);
{{- else -}}
-- Monthly partitions are created on demand by the sink; the default
-- partition only catches what it did not foresee.
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE TABLE transactions_default PARTITION OF transactions DEFAULT;
{{- end}}

-- accounts holds the latest balance per account and currency: a row is
-- replaced only by one with a higher sequence, so a replay or an older
-- batch arriving late never moves a balance backwards.
CREATE TABLE accounts (
    account_id    text        NOT NULL,
    currency      char(3)     NOT NULL,
    balance_minor bigint      NOT NULL,
    pending_minor bigint      NOT NULL,
    sequence      bigint      NOT NULL,
    updated_at    timestamptz,
    PRIMARY KEY (account_id, currency)
);

-- daily_spend is money out per account, UTC day and currency. Every
-- accepted event is a row of transactions, so a transaction that was
-- pending, posted and corrected has several: only its latest state counts,
-- and only if it is posted.
CREATE VIEW daily_spend AS
SELECT account_id,
       (occurred_at AT TIME ZONE 'UTC')::date AS day,
       currency,
       sum(-amount_minor)::bigint AS spend_minor
FROM (
    SELECT DISTINCT ON (account_id, source, source_transaction_id)
           account_id, occurred_at, currency, amount_minor, status
    FROM transactions
    ORDER BY account_id, source, source_transaction_id, sequence DESC
) latest
WHERE status = 'posted' AND amount_minor < 0
GROUP BY account_id, day, currency;
