// Hourly billing SQL: the run lock, the billing cursor, and the set-based charge of one UTC hour
// for every app from formation_events (one statement, no per-app queries). An app of an unbilled
// organization gets a metered 'usage' entry of amount 0 instead of a charge (its usage is reported,
// never charged); an app-hour has one entry, charge or usage, whichever the organization was when
// the hour was billed.
//
// Rounding rule: an app's charge for an hour is the exact rational
//   Σ over its process types and their constant stretches in the hour of
//     microseconds run × quantity × price_per_hour snapshot / 3,600,000,000
// in micro-units, rounded half up to a whole micro-unit once per app-hour (integer arithmetic in
// PostgreSQL numeric: div(N + 1,800,000,000, 3,600,000,000)). An app-hour that rounds to 0 (nothing
// ran, or a free plan) gets no ledger entry (unbilled: an app-hour with no process-time gets none).
import type { Pool, PoolClient, Queryable } from '../db/pool.js';

/** pg_advisory_lock key serialising billing runs across processes. */
export const BILLING_RUN_LOCK = 727_274_006;

export interface BillingCursor {
  /** Start of the latest UTC hour billed. */
  billedThrough: Date;
  /** Formation events up to this id were seen by a run that billed through billedThrough. */
  eventsSeen: number;
  /** Highest formation event id now (becomes eventsSeen when this run completes). */
  highWater: number;
  /** The earliest hour touched by an event newer than eventsSeen, if any. */
  firstHourOfNewEvents: Date | null;
  /** Start of the last hour this run may bill: closed (ended at least `settle` ago) and before `until`. */
  lastBillableHour: Date;
}

export interface HourCharges {
  orgId: string;
  /** Sum of the entries inserted for this organization (negative). */
  amount: number;
  entries: number;
}

/** Runs fn on one dedicated connection holding the billing run lock (released when fn ends or the
 *  connection dies), so concurrent runners bill one after another and the later ones find nothing. */
export async function withBillingRunLock<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [BILLING_RUN_LOCK]);
    try {
      return await fn(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [BILLING_RUN_LOCK]).catch(() => {
        broken = true; // dropping the connection releases the lock
      });
    }
  } finally {
    client.release(broken);
  }
}

/** BEGIN … COMMIT on a client the caller holds (ROLLBACK and rethrow on error). */
export async function inTransaction<T>(client: PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const out = await fn();
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

const CHARGE_HOUR_SQL = `
WITH RECURSIVE pairs AS (
  (SELECT app_id, type FROM formation_events ORDER BY app_id, type LIMIT 1)
  UNION ALL
  SELECT n.app_id, n.type FROM pairs p CROSS JOIN LATERAL (
    SELECT e.app_id, e.type FROM formation_events e
    WHERE (e.app_id, e.type) > (p.app_id, p.type)
    ORDER BY e.app_id, e.type LIMIT 1
  ) n
),
opening AS (
  SELECT o.* FROM pairs p CROSS JOIN LATERAL (
    SELECT e.id, e.ts, e.org_id, e.app_id, e.app_name, e.type, e.quantity, e.price_per_hour
    FROM formation_events e
    WHERE e.app_id = p.app_id AND e.type = p.type AND e.ts <= $1::timestamptz
    ORDER BY e.ts DESC, e.id DESC LIMIT 1
  ) o
),
changes AS (
  SELECT e.id, e.ts, e.org_id, e.app_id, e.app_name, e.type, e.quantity, e.price_per_hour
  FROM formation_events e WHERE e.ts > $1::timestamptz AND e.ts < $1::timestamptz + interval '1 hour'
),
stretches AS (
  SELECT ev.*, greatest(ev.ts, $1::timestamptz) AS s_from,
         coalesce(lead(ev.ts) OVER (PARTITION BY ev.app_id, ev.type ORDER BY ev.ts, ev.id), $1::timestamptz + interval '1 hour') AS s_to
  FROM (SELECT * FROM opening UNION ALL SELECT * FROM changes) ev
),
usage AS (
  SELECT s.app_id,
         (array_agg(s.org_id ORDER BY s.ts DESC, s.id DESC))[1] AS org_id,
         (array_agg(s.app_name ORDER BY s.ts DESC, s.id DESC))[1] AS app_name,
         sum((extract(epoch FROM s.s_to) - extract(epoch FROM s.s_from)) * 1000000 * s.quantity) AS usage_us,
         sum((extract(epoch FROM s.s_to) - extract(epoch FROM s.s_from)) * 1000000 * s.quantity * s.price_per_hour) AS weighted
  FROM stretches s
  WHERE s.quantity > 0 AND s.s_to > s.s_from
  GROUP BY s.app_id
),
priced AS (
  SELECT u.*, div(u.weighted + 1800000000, 3600000000) AS cost, o.unbilled
  FROM usage u JOIN organizations o ON o.id = u.org_id
),
inserted AS (
  INSERT INTO ledger_entries (org_id, kind, amount, app_id, app_name, period_start, usage_us, description)
  SELECT p.org_id, CASE WHEN p.unbilled THEN 'usage' ELSE 'charge' END, CASE WHEN p.unbilled THEN 0 ELSE -p.cost END,
         p.app_id, p.app_name, $1::timestamptz, p.usage_us,
         format('%s: %s process-hours, %s–%s UTC%s', p.app_name, round(p.usage_us / 3600000000.0, 4),
                to_char($1::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), to_char(($1::timestamptz + interval '1 hour') AT TIME ZONE 'UTC', 'HH24:MI'),
                CASE WHEN p.unbilled THEN ' (unbilled organization: not charged)' ELSE '' END)
  FROM priced p
  WHERE (CASE WHEN p.unbilled THEN p.usage_us > 0 ELSE p.cost > 0 END) AND $1::timestamptz + interval '1 hour' <= now()
  ON CONFLICT (app_id, period_start) WHERE kind IN ('charge', 'usage') DO NOTHING
  RETURNING org_id, amount
)
SELECT org_id, sum(amount)::bigint AS amount, count(*)::int AS entries FROM inserted GROUP BY org_id ORDER BY org_id`;

export class BillingRepository {
  constructor(private readonly db: Queryable) {}

  /** Where the next run starts and ends. `until` caps the hours (each must end at or before it). */
  async cursor(until: Date, settleSeconds: number): Promise<BillingCursor> {
    const { rows } = await this.db.query(
      `SELECT s.billed_through, s.events_seen,
              coalesce((SELECT max(id) FROM formation_events), 0) AS high_water,
              (SELECT date_trunc('hour', min(e.ts), 'UTC') FROM formation_events e WHERE e.id > s.events_seen) AS first_hour,
              date_trunc('hour', least($1::timestamptz, now() - make_interval(secs => $2)), 'UTC') - interval '1 hour' AS last_hour
       FROM billing_state s`,
      [until, settleSeconds],
    );
    const r = rows[0];
    if (!r) throw new Error('billing_state has no row (migration 0030 not applied?)');
    return {
      billedThrough: r.billed_through,
      eventsSeen: Number(r.events_seen),
      highWater: Number(r.high_water),
      firstHourOfNewEvents: r.first_hour,
      lastBillableHour: r.last_hour,
    };
  }

  /** Charges (or, unbilled, meters) every app that ran in [hour, hour + 1h) once (ON CONFLICT DO
   *  NOTHING on (app_id, period_start)); returns the sums of the entries actually inserted, per org
   *  (0 for an unbilled organization: its wallet row exists, its balance does not change). */
  async chargeHour(hour: Date): Promise<HourCharges[]> {
    const { rows } = await this.db.query(CHARGE_HOUR_SQL, [hour]);
    return rows.map((r) => ({ orgId: r.org_id as string, amount: Number(r.amount), entries: r.entries as number }));
  }

  async markBilled(hour: Date): Promise<void> {
    await this.db.query(
      `UPDATE billing_state SET billed_through = greatest(billed_through, $1), last_run_at = now(), updated_at = now()`,
      [hour],
    );
  }

  async markEventsSeen(highWater: number): Promise<void> {
    await this.db.query(
      `UPDATE billing_state SET events_seen = greatest(events_seen, $1), last_run_at = now(), updated_at = now()`,
      [highWater],
    );
  }

  async state(): Promise<{ billedThrough: Date; eventsSeen: number; lastRunAt: Date | null }> {
    const { rows } = await this.db.query(`SELECT billed_through, events_seen, last_run_at FROM billing_state`);
    return { billedThrough: rows[0].billed_through, eventsSeen: Number(rows[0].events_seen), lastRunAt: rows[0].last_run_at };
  }
}
