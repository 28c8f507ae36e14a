-- Billing: prepaid wallets, the ledger, the hourly billing cursor, app suspensions, billing
-- notifications and the outbox of runtime jobs billing owes the worker.
-- Money is integer micro-units (1 USD = 1,000,000), signed: credits positive, charges negative.
-- Hours are UTC hours: [period_start, period_start + 1 hour).

-- One wallet per organization, created on first use. balance always equals the sum of the
-- organization's ledger entries: it is only changed in the transaction that inserts entries,
-- by exactly their sum.
CREATE TABLE wallets (
  org_id             uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE RESTRICT,
  balance            bigint NOT NULL DEFAULT 0,
  currency           text NOT NULL DEFAULT 'USD' CHECK (currency = 'USD'),
  -- set when the balance first covered less than 24 hours of the burn rate; cleared above it
  low_balance_since  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Append-only: UPDATE, DELETE and TRUNCATE are refused by triggers; corrections are new entries.
-- Charges name their app but have no foreign key to it: they outlive the app.
CREATE TABLE ledger_entries (
  id            bigserial PRIMARY KEY,
  org_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
  kind          text NOT NULL CHECK (kind IN ('charge', 'credit', 'adjustment')),
  amount        bigint NOT NULL,
  app_id        uuid,
  app_name      text,
  period_start  timestamptz,
  -- charges: process-microseconds run in the hour (seconds × quantity × 1e6, summed over types)
  usage_us      bigint CHECK (usage_us >= 0),
  description   text NOT NULL DEFAULT '',
  -- credits: the payment's reference (unique, so a retried payment credits once)
  reference     text UNIQUE,
  created_by    uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_entries_charge_key UNIQUE (app_id, kind, period_start),
  CONSTRAINT ledger_entries_charge_shape CHECK (
    kind <> 'charge' OR (app_id IS NOT NULL AND period_start IS NOT NULL AND usage_us IS NOT NULL AND amount < 0
      AND date_trunc('hour', period_start, 'UTC') = period_start)),
  CONSTRAINT ledger_entries_credit_shape CHECK (kind <> 'credit' OR amount > 0),
  CONSTRAINT ledger_entries_adjustment_shape CHECK (kind <> 'adjustment' OR amount <> 0)
);
CREATE INDEX ledger_entries_org_idx ON ledger_entries (org_id, id DESC);
CREATE INDEX ledger_entries_usage_idx ON ledger_entries (org_id, period_start) WHERE kind = 'charge';

CREATE FUNCTION ledger_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only: % is refused; record a correcting entry instead', TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_refuse_change();

-- The hourly billing cursor (one row). billed_through: start of the latest UTC hour billed.
-- events_seen: every formation event with an id at or below it was visible to a run that billed
-- through billed_through; a newer event timestamped in an hour already billed (late, backdated)
-- makes the next run go back to that hour (entries already there are kept by ON CONFLICT).
-- Hours before this migration are not billed: the first billable hour is the current one.
CREATE TABLE billing_state (
  id              boolean PRIMARY KEY DEFAULT true CHECK (id),
  billed_through  timestamptz NOT NULL,
  events_seen     bigint NOT NULL,
  last_run_at     timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO billing_state (billed_through, events_seen)
SELECT date_trunc('hour', now(), 'UTC') - interval '1 hour', coalesce((SELECT max(id) FROM formation_events), 0);

-- "What ran at the start of the hour" is the latest event per (app, type): one index probe each.
CREATE INDEX formation_events_app_type_ts_id_idx ON formation_events (app_id, type, ts DESC, id DESC);

-- Apps stopped because their organization's wallet ran out: what to restore on top-up.
CREATE TABLE app_suspensions (
  app_id           uuid PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
  org_id           uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  previous_status  text NOT NULL,
  formation        jsonb NOT NULL DEFAULT '{}',
  suspended_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX app_suspensions_org_idx ON app_suspensions (org_id);

CREATE TABLE billing_notifications (
  id          bigserial PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('low_balance', 'suspended', 'resumed')),
  message     text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz
);
CREATE INDEX billing_notifications_org_idx ON billing_notifications (org_id, id DESC);

-- 'formation' deploy jobs owed to the worker by suspensions and resumptions, written in the same
-- transaction; queued after commit and deleted once queued (a crash in between re-queues them:
-- applying a formation twice is harmless).
CREATE TABLE billing_outbox (
  id          bigserial PRIMARY KEY,
  app_id      uuid NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- false pauses the hourly billing job (hours are billed, in order, once it is true again, or by
-- POST /api/v1/admin/billing/run).
INSERT INTO settings (key, value) VALUES ('billing_enabled', 'true') ON CONFLICT (key) DO NOTHING;
