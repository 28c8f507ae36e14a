-- Issue 15: unbilled organizations, a grace period before suspension, and suspensions that know
-- why they happened.

-- An unbilled organization's usage is metered (ledger entries of kind 'usage', amount 0) but
-- never charged, and its apps are never suspended for an empty wallet. Set by a platform admin;
-- the first admin's organization is unbilled on a fresh install (setup).
ALTER TABLE organizations ADD COLUMN unbilled boolean NOT NULL DEFAULT false;

-- The grace period: set when a debit takes the wallet to zero or below (the organization is
-- warned then), cleared when a credit brings it above zero. Once grace_ends_at has passed and the
-- balance is still not above zero, a billing run suspends the organization's apps; the columns
-- stay set while they are suspended (grace_started_at is when the wallet ran out).
ALTER TABLE wallets
  ADD COLUMN grace_started_at timestamptz,
  ADD COLUMN grace_ends_at timestamptz,
  ADD CONSTRAINT wallets_grace_shape CHECK ((grace_started_at IS NULL) = (grace_ends_at IS NULL));
CREATE INDEX wallets_grace_ends_idx ON wallets (grace_ends_at) WHERE grace_ends_at IS NOT NULL;
-- Wallets whose apps were suspended before grace periods existed: they ran out when suspended.
UPDATE wallets w SET grace_started_at = s.since, grace_ends_at = s.since
FROM (SELECT org_id, min(suspended_at) AS since FROM app_suspensions GROUP BY org_id) s
WHERE s.org_id = w.org_id AND w.balance <= 0;

-- Metered usage of an unbilled organization: like a charge (one per app-hour) with amount 0.
-- One usage-or-charge entry per app-hour: the unique key no longer includes the kind.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN ('charge', 'usage', 'credit', 'adjustment'));
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_usage_shape CHECK (
  kind <> 'usage' OR (app_id IS NOT NULL AND period_start IS NOT NULL AND usage_us IS NOT NULL AND amount = 0
    AND date_trunc('hour', period_start, 'UTC') = period_start));
CREATE UNIQUE INDEX ledger_entries_app_hour_key ON ledger_entries (app_id, period_start) WHERE kind IN ('charge', 'usage');
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_charge_key;
DROP INDEX ledger_entries_usage_idx;
CREATE INDEX ledger_entries_usage_idx ON ledger_entries (org_id, period_start) WHERE kind IN ('charge', 'usage');

-- Why an app is suspended: 'wallet' (the grace period ran out on an empty wallet) or 'admin' (a
-- platform administrator). An app may be suspended for both; it runs again only when every reason
-- is lifted. Each row keeps the state to restore (copied from the first reason's row).
ALTER TABLE app_suspensions ADD COLUMN reason text NOT NULL DEFAULT 'wallet' CHECK (reason IN ('wallet', 'admin'));
ALTER TABLE app_suspensions ALTER COLUMN reason DROP DEFAULT;
ALTER TABLE app_suspensions DROP CONSTRAINT app_suspensions_pkey;
ALTER TABLE app_suspensions ADD PRIMARY KEY (app_id, reason);
DROP INDEX app_suspensions_org_idx;
CREATE INDEX app_suspensions_org_idx ON app_suspensions (org_id, reason);

-- 'wallet_empty': the warning with the grace deadline; 'grace_cancelled': a credit during grace.
ALTER TABLE billing_notifications DROP CONSTRAINT billing_notifications_kind_check;
ALTER TABLE billing_notifications ADD CONSTRAINT billing_notifications_kind_check
  CHECK (kind IN ('low_balance', 'wallet_empty', 'grace_cancelled', 'suspended', 'resumed'));
