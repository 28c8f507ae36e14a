// Wallets and the ledger: entries (append-only), balance changes by exactly the inserted sums,
// burn rates, the low-balance flag, an organization's unbilled flag, and the ledger and usage
// reports. Unbilled organizations have metered usage entries (kind 'usage', amount 0) instead of
// charges, and are never flagged low.
import type { Queryable } from '../db/pool.js';
import { camel, camelAll } from './sql.js';

export type LedgerKind = 'charge' | 'usage' | 'credit' | 'adjustment';

export interface LedgerEntryRow {
  id: number;
  orgId: string;
  kind: LedgerKind;
  amount: number;
  appId: string | null;
  appName: string | null;
  periodStart: Date | null;
  usageUs: number | null;
  description: string;
  reference: string | null;
  createdBy: string | null;
  createdAt: Date;
  /** Sum of the organization's entries up to and including this one (reports only). */
  balanceAfter?: number;
}

export interface WalletRow {
  orgId: string;
  balance: number;
  currency: 'USD';
  lowBalanceSince: Date | null;
  /** When the wallet ran out (set while in grace or suspended for it). */
  graceStartedAt: Date | null;
  /** When the grace period ends (or ended). */
  graceEndsAt: Date | null;
  unbilled: boolean;
}

export interface BalanceChange {
  orgId: string;
  delta: number;
  before: number;
  balance: number;
  /** The organization is unbilled: never in grace, never suspended for its wallet. */
  unbilled: boolean;
}

export interface UsageRow {
  appId: string;
  appName: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  usageUs: number;
  cost: number;
}

export interface NewEntry {
  orgId: string;
  kind: 'credit' | 'adjustment';
  amount: number;
  description: string;
  reference?: string | null;
  createdBy?: string | null;
}

const BURN_SQL = `
  SELECT o.org_id, coalesce(sum(e.quantity::bigint * e.price_per_hour), 0)::bigint AS burn
  FROM unnest($1::uuid[]) AS o(org_id)
  LEFT JOIN apps a ON a.org_id = o.org_id
  LEFT JOIN formation f ON f.app_id = a.id
  LEFT JOIN LATERAL (
    SELECT quantity, price_per_hour FROM formation_events e
    WHERE e.app_id = a.id AND e.type = f.type ORDER BY e.ts DESC, e.id DESC LIMIT 1
  ) e ON true
  GROUP BY o.org_id`;

export class WalletRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts a credit or adjustment; null when its reference is already in the ledger. */
  async insertEntry(e: NewEntry): Promise<LedgerEntryRow | null> {
    const { rows } = await this.db.query(
      `INSERT INTO ledger_entries (org_id, kind, amount, description, reference, created_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (reference) DO NOTHING RETURNING *`,
      [e.orgId, e.kind, e.amount, e.description, e.reference ?? null, e.createdBy ?? null],
    );
    return rows[0] ? camel<LedgerEntryRow>(rows[0]) : null;
  }

  async findByReference(reference: string): Promise<LedgerEntryRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM ledger_entries WHERE reference = $1`, [reference]);
    return rows[0] ? camel<LedgerEntryRow>(rows[0]) : null;
  }

  /** Adds each organization's delta to its wallet (created if missing), locking the rows in org
   *  order. Call only with the sums of entries inserted in the same transaction. */
  async applyDeltas(deltas: { orgId: string; amount: number }[]): Promise<BalanceChange[]> {
    if (deltas.length === 0) return [];
    const orgIds = deltas.map((d) => d.orgId);
    const amounts = deltas.map((d) => d.amount);
    await this.db.query(
      `INSERT INTO wallets (org_id) SELECT DISTINCT o FROM unnest($1::uuid[]) AS o ORDER BY o ON CONFLICT (org_id) DO NOTHING`,
      [orgIds],
    );
    const { rows } = await this.db.query(
      `WITH d AS (
         SELECT org_id, sum(amount)::bigint AS amount FROM unnest($1::uuid[], $2::bigint[]) AS x(org_id, amount) GROUP BY org_id
       ),
       locked AS (SELECT w.org_id FROM wallets w JOIN d USING (org_id) ORDER BY w.org_id FOR UPDATE OF w)
       UPDATE wallets w SET balance = w.balance + d.amount, updated_at = now()
       FROM d, locked WHERE w.org_id = d.org_id AND locked.org_id = d.org_id
       RETURNING w.org_id, d.amount AS delta, w.balance - d.amount AS before, w.balance,
                 (SELECT o.unbilled FROM organizations o WHERE o.id = w.org_id) AS unbilled`,
      [orgIds, amounts],
    );
    return rows.map((r) => ({ orgId: r.org_id, delta: Number(r.delta), before: Number(r.before), balance: Number(r.balance), unbilled: r.unbilled === true }));
  }

  /** Any organization by id or name (platform administrators act on every organization). */
  async findOrg(idOrName: string): Promise<{ id: string; name: string } | null> {
    const { rows } = await this.db.query(`SELECT id, name FROM organizations WHERE id::text = $1 OR name = $1`, [idOrName]);
    return rows[0] ? { id: rows[0].id, name: rows[0].name } : null;
  }

  async get(orgId: string): Promise<WalletRow> {
    const { rows } = await this.db.query(
      `SELECT o.id AS org_id, coalesce(w.balance, 0) AS balance, coalesce(w.currency, 'USD') AS currency, w.low_balance_since,
              w.grace_started_at, w.grace_ends_at, o.unbilled
       FROM organizations o LEFT JOIN wallets w ON w.org_id = o.id WHERE o.id = $1`,
      [orgId],
    );
    const row = rows[0] ? camel<WalletRow>(rows[0]) : null;
    return row ? { ...row, balance: Number(row.balance) } : { orgId, balance: 0, currency: 'USD', lowBalanceSince: null, graceStartedAt: null, graceEndsAt: null, unbilled: false };
  }

  /** Sets the organization's unbilled flag; returns its previous value (null: no such organization). */
  async setUnbilled(orgId: string, unbilled: boolean): Promise<boolean | null> {
    const { rows } = await this.db.query(
      `UPDATE organizations o SET unbilled = $2, updated_at = now() FROM organizations old
       WHERE old.id = o.id AND o.id = $1 RETURNING old.unbilled`,
      [orgId, unbilled],
    );
    return rows[0] ? (rows[0].unbilled as boolean) : null;
  }

  /** Micro-units per hour of what runs now (latest formation event per app and type × its price snapshot). */
  async burnRates(orgIds: string[]): Promise<Map<string, number>> {
    const { rows } = await this.db.query(BURN_SQL, [orgIds]);
    return new Map(rows.map((r) => [r.org_id as string, Number(r.burn)]));
  }

  /** Sets or clears each wallet's low-balance flag (balance below `hours` × burn rate) and records a
   *  notification for every wallet that just became low. Returns the org ids newly flagged. */
  async refreshLowBalance(orgIds: string[], hours: number): Promise<string[]> {
    if (orgIds.length === 0) return [];
    const { rows } = await this.db.query(
      `WITH burn AS (${BURN_SQL}),
       w AS (
         SELECT w.org_id, w.balance, b.burn, w.low_balance_since,
                (b.burn > 0 AND w.balance < $2::bigint * b.burn AND NOT o.unbilled) AS low
         FROM wallets w JOIN burn b ON b.org_id = w.org_id JOIN organizations o ON o.id = w.org_id
       ),
       flipped AS (
         UPDATE wallets x SET low_balance_since = CASE WHEN w.low THEN now() ELSE NULL END
         FROM w WHERE x.org_id = w.org_id AND w.low <> (w.low_balance_since IS NOT NULL)
         RETURNING x.org_id, w.low, w.balance, w.burn
       )
       INSERT INTO billing_notifications (org_id, kind, message, details)
       SELECT org_id, 'low_balance',
              format('Low balance: %s USD left, about %s hours at the current %s USD per hour.',
                     to_char(balance / 1000000.0, 'FM999999999990.00'), greatest(floor(balance::numeric / burn), 0),
                     to_char(burn / 1000000.0, 'FM999999999990.00####')),
              jsonb_build_object('balance', balance, 'burn_rate_per_hour', burn, 'hours', $2::int)
       FROM flipped WHERE low
       RETURNING org_id`,
      [orgIds, hours],
    );
    return rows.map((r) => r.org_id as string);
  }

  /** Newest first; `before` is an entry id (exclusive). */
  async ledger(orgId: string, opts: { before?: number; limit: number; from?: Date; to?: Date }): Promise<LedgerEntryRow[]> {
    const { rows } = await this.db.query(
      `SELECT * FROM (
         SELECT l.*, sum(l.amount) OVER (ORDER BY l.id) AS balance_after FROM ledger_entries l WHERE l.org_id = $1
       ) x
       WHERE ($2::bigint IS NULL OR x.id < $2) AND ($3::timestamptz IS NULL OR x.created_at >= $3)
         AND ($4::timestamptz IS NULL OR x.created_at < $4)
       ORDER BY x.id DESC LIMIT $5`,
      [orgId, opts.before ?? null, opts.from ?? null, opts.to ?? null, opts.limit],
    );
    return camelAll<LedgerEntryRow>(rows).map((r) => ({ ...r, balanceAfter: Number(r.balanceAfter) }));
  }

  /** Metered usage (charged, or not for an unbilled organization) per app per UTC day for hours
   *  starting in [from, to). */
  async usage(orgId: string, from: Date, to: Date): Promise<UsageRow[]> {
    const { rows } = await this.db.query(
      `SELECT app_id, (array_agg(app_name ORDER BY period_start DESC))[1] AS app_name,
              to_char(date_trunc('day', period_start, 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
              sum(usage_us)::bigint AS usage_us, (-sum(amount))::bigint AS cost
       FROM ledger_entries
       WHERE org_id = $1 AND kind IN ('charge', 'usage') AND period_start >= $2 AND period_start < $3
       GROUP BY app_id, 3 ORDER BY 3, 2, 1`,
      [orgId, from, to],
    );
    return camelAll<UsageRow>(rows);
  }
}
