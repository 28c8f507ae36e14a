-- The admin console: disabled users, deleted organizations (a tombstone keeps the ledger's
-- organization and the audit trail), where an activity came from, the record of billing runs,
-- and a daily rollup of the ledger so the overview answers fast whatever the ledger's size.

-- A disabled user's tokens and sessions are refused, and they cannot sign in.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- A deleted organization keeps its row (its ledger entries and activity point at it); its name is
-- freed by renaming it to a form no live organization can take (names never contain "~").
ALTER TABLE organizations ADD COLUMN deleted_at timestamptz;
ALTER TABLE organizations ADD COLUMN deleted_name text;

-- The client address of the request that caused the entry (null: the platform itself).
ALTER TABLE activity ADD COLUMN ip text;
CREATE INDEX activity_created_idx ON activity (created_at DESC, id DESC);
CREATE INDEX activity_user_idx ON activity (user_id, created_at DESC);
CREATE INDEX activity_action_idx ON activity (action, created_at DESC);

CREATE INDEX builds_created_idx ON builds (created_at);

-- Every billing run (the hourly job and "Run now"): when, what triggered it, its result or error.
CREATE TABLE billing_runs (
  id           bigserial PRIMARY KEY,
  trigger      text NOT NULL CHECK (trigger IN ('schedule', 'admin')),
  user_id      uuid REFERENCES users (id) ON DELETE SET NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL DEFAULT now(),
  ok           boolean NOT NULL,
  result       jsonb NOT NULL DEFAULT '{}',
  error        text
);
CREATE INDEX billing_runs_finished_idx ON billing_runs (finished_at DESC);

-- Sums of ledger entries per UTC day and kind (a charge counts on the day of the hour it bills,
-- anything else on the day it was recorded). The ledger is append-only, so an insert trigger (one
-- statement, whatever the number of rows) keeps this exact.
CREATE TABLE ledger_daily (
  day      date NOT NULL,
  kind     text NOT NULL,
  amount   bigint NOT NULL,
  entries  bigint NOT NULL,
  PRIMARY KEY (day, kind)
);

CREATE FUNCTION ledger_daily_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ledger_daily (day, kind, amount, entries)
  SELECT (coalesce(period_start, created_at) AT TIME ZONE 'UTC')::date, kind, sum(amount), count(*) FROM new_entries GROUP BY 1, 2
  ON CONFLICT (day, kind) DO UPDATE SET amount = ledger_daily.amount + EXCLUDED.amount, entries = ledger_daily.entries + EXCLUDED.entries;
  RETURN NULL;
END
$$;
CREATE TRIGGER ledger_entries_daily AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_daily_add();

INSERT INTO ledger_daily (day, kind, amount, entries)
SELECT (coalesce(period_start, created_at) AT TIME ZONE 'UTC')::date, kind, sum(amount), count(*) FROM ledger_entries GROUP BY 1, 2;
