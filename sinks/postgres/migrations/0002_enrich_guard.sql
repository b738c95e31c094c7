-- What enrich and guard add to a transaction: the resolved merchant and its
-- category, and the fraud score with its decision. NULL on rows written from
-- an earlier stage (core.transactions.v1) and on rows written before this
-- migration. Scores and confidences are probabilities, not money: double
-- precision is right for them.
ALTER TABLE transactions
    ADD COLUMN merchant_entity_id  text,
    ADD COLUMN merchant            text,
    ADD COLUMN merchant_website    text,
    ADD COLUMN marketplace         text,
    ADD COLUMN merchant_method     text,
    ADD COLUMN merchant_confidence double precision,
    ADD COLUMN category_primary    text,
    ADD COLUMN category_detailed   text,
    ADD COLUMN risk_score          double precision,
    ADD COLUMN risk_decision       text,
    ADD COLUMN risk_reasons        jsonb,
    ADD COLUMN model_version       text;

CREATE INDEX transactions_risk_decision ON transactions (risk_decision, occurred_at DESC)
    WHERE risk_decision IN ('review', 'decline');
