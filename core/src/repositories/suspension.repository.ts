// Suspension of an organization's apps and their restoration, the grace period before a wallet
// suspension, billing notifications, and the outbox of 'formation' deploy jobs owed to the worker.
// Set-based: one statement per step for any number of organizations.
//
// Every suspension has a reason: 'wallet' (the grace period after the wallet ran out has ended and
// the balance is still not above zero: balance-effects.ts) or 'admin' (a platform administrator
// suspended the organization). Reasons are independent: resume(orgs, 'wallet') lifts only wallet
// suspensions, so a top-up never restarts apps an administrator suspended, and an administrator's
// resume never restarts apps whose wallet is still empty. An app runs again only when its last
// reason is lifted; the state to restore (status, formation) is what it had before its first one.
// Leaves out: deciding when (balance-effects.ts, the billing run; services/billing/org-suspension.ts
// for an administrator's suspension), who may (the services).
import type { Queryable } from '../db/pool.js';
import { camelAll } from './sql.js';

export type SuspensionReason = 'wallet' | 'admin';

export interface SuspendedApp {
  appId: string;
  orgId: string;
  appName: string;
}

export interface BillingNotificationRow {
  id: number;
  orgId: string;
  kind: 'low_balance' | 'wallet_empty' | 'grace_cancelled' | 'suspended' | 'resumed';
  message: string;
  details: Record<string, unknown>;
  createdAt: Date;
  readAt: Date | null;
}

export interface GraceStarted {
  orgId: string;
  balance: number;
  endsAt: Date;
}

export interface SuspensionSummary {
  reason: SuspensionReason;
  apps: number;
  since: Date;
}

const MESSAGES: Record<SuspensionReason, { suspended: string; resumed: string }> = {
  wallet: {
    suspended: 'The wallet is still empty and the grace period has ended: %s app(s) were stopped (%s). Top up the wallet to restore them.',
    resumed: 'The wallet was topped up: %s app(s) were restored (%s).',
  },
  admin: {
    suspended: 'A platform administrator suspended this organization: %s app(s) were stopped (%s).',
    resumed: 'A platform administrator lifted the suspension: %s app(s) were restored (%s).',
  },
};

export class SuspensionRepository {
  constructor(private readonly db: Queryable) {}

  /** Suspends every app of the organizations for `reason`: saves its status and formation (or copies
   *  them from its other reason), sets its formation to 0 and its status to 'suspended'; also zeroes
   *  any process type of an already suspended app that is above 0. Queues (outbox) a 'formation' job
   *  for each app changed; records an activity entry per app newly stopped and one notification per
   *  org. Returns the apps newly stopped. */
  async suspend(orgIds: string[], reason: SuspensionReason, details: Record<string, unknown>): Promise<SuspendedApp[]> {
    if (orgIds.length === 0) return [];
    await this.lockApps(orgIds);
    await this.db.query(
      `INSERT INTO app_suspensions (app_id, org_id, reason, previous_status, formation)
       SELECT a.id, a.org_id, $2,
              coalesce(o.previous_status, CASE WHEN a.status = 'suspended' THEN 'stopped' ELSE a.status END),
              coalesce(o.formation, (SELECT jsonb_object_agg(f.type, f.quantity) FROM formation f WHERE f.app_id = a.id), '{}'::jsonb)
       FROM apps a
       LEFT JOIN LATERAL (SELECT previous_status, formation FROM app_suspensions s WHERE s.app_id = a.id ORDER BY s.suspended_at LIMIT 1) o ON true
       WHERE a.org_id = ANY($1::uuid[])
       ON CONFLICT (app_id, reason) DO NOTHING`,
      [orgIds, reason],
    );
    const zeroed = await this.db.query(
      `UPDATE formation f SET quantity = 0, updated_at = now() FROM apps a
       WHERE a.id = f.app_id AND a.org_id = ANY($1::uuid[]) AND f.quantity > 0 RETURNING f.app_id`,
      [orgIds],
    );
    const { rows } = await this.db.query(
      `UPDATE apps SET status = 'suspended', updated_at = now()
       WHERE org_id = ANY($1::uuid[]) AND status <> 'suspended' RETURNING id AS app_id, org_id, name AS app_name`,
      [orgIds],
    );
    const suspended = camelAll<SuspendedApp>(rows);
    await this.enqueue([...new Set([...zeroed.rows.map((r) => r.app_id as string), ...suspended.map((a) => a.appId)])]);
    await this.record(suspended, 'app.suspended', 'suspended', MESSAGES[reason].suspended, { ...details, reason });
    return suspended;
  }

  /** Lifts `reason` from every app of the organizations; the apps left with no reason get their
   *  saved formation back (capped at their plan's max replicas now) and their status ('deploying'
   *  becomes 'running'). Queues 'formation' jobs, records activity and one notification per org.
   *  Returns the apps restored. */
  async resume(orgIds: string[], reason: SuspensionReason, details: Record<string, unknown>): Promise<SuspendedApp[]> {
    if (orgIds.length === 0) return [];
    const { rows: pending } = await this.db.query(`SELECT 1 FROM app_suspensions WHERE org_id = ANY($1::uuid[]) AND reason = $2 LIMIT 1`, [orgIds, reason]);
    if (pending.length === 0) return [];
    await this.lockApps(orgIds);
    const onlyThis = `NOT EXISTS (SELECT 1 FROM app_suspensions x WHERE x.app_id = s.app_id AND x.reason <> $2)`;
    await this.db.query(
      `UPDATE formation f SET quantity = least((s.formation ->> f.type)::int, p.max_replicas), updated_at = now()
       FROM app_suspensions s JOIN apps a ON a.id = s.app_id JOIN plans p ON p.id = a.plan_id
       WHERE f.app_id = s.app_id AND s.org_id = ANY($1::uuid[]) AND s.reason = $2 AND s.formation ? f.type AND ${onlyThis}`,
      [orgIds, reason],
    );
    await this.db.query(
      `UPDATE apps a SET status = CASE WHEN s.previous_status = 'deploying' THEN 'running' ELSE s.previous_status END, updated_at = now()
       FROM app_suspensions s WHERE s.app_id = a.id AND s.org_id = ANY($1::uuid[]) AND s.reason = $2 AND a.status = 'suspended' AND ${onlyThis}`,
      [orgIds, reason],
    );
    const { rows } = await this.db.query(
      `DELETE FROM app_suspensions s USING apps a WHERE a.id = s.app_id AND s.org_id = ANY($1::uuid[]) AND s.reason = $2
       RETURNING s.app_id, s.org_id, a.name AS app_name, ${onlyThis} AS restored`,
      [orgIds, reason],
    );
    const resumed = camelAll<SuspendedApp & { restored: boolean }>(rows).filter((r) => r.restored).map(({ appId, orgId, appName }) => ({ appId, orgId, appName }));
    await this.enqueue(resumed.map((a) => a.appId));
    await this.record(resumed, 'app.resumed', 'resumed', MESSAGES[reason].resumed, { ...details, reason });
    return resumed;
  }

  /** Per reason: how many of the organization's apps are suspended, and since when. */
  async summary(orgId: string): Promise<SuspensionSummary[]> {
    const { rows } = await this.db.query(
      `SELECT reason, count(*)::int AS apps, min(suspended_at) AS since FROM app_suspensions WHERE org_id = $1 GROUP BY reason ORDER BY reason`,
      [orgId],
    );
    return camelAll<SuspensionSummary>(rows);
  }

  // ---- the grace period ----------------------------------------------------------------------

  /** Starts the grace period of each organization not already in one (or past one): from the clock
   *  for `hours`. The clock is now, or an earlier moment a billing run was asked to bill up to
   *  (null: now); tests move the clock that way. Records an activity entry and a 'wallet_empty' notification saying
   *  until when the apps keep running. Returns the organizations warned. */
  async startGrace(orgIds: string[], clock: Date | null, hours: number, details: Record<string, unknown>): Promise<GraceStarted[]> {
    if (orgIds.length === 0) return [];
    const { rows } = await this.db.query(
      `WITH started AS (
         UPDATE wallets w SET grace_started_at = least($2::timestamptz, now()),
                grace_ends_at = least($2::timestamptz, now()) + make_interval(hours => $3::int), updated_at = now()
         WHERE w.org_id = ANY($1::uuid[]) AND w.grace_started_at IS NULL AND w.balance <= 0
         RETURNING w.org_id, w.balance, w.grace_ends_at
       ),
       noted AS (
         INSERT INTO billing_notifications (org_id, kind, message, details)
         SELECT org_id, 'wallet_empty',
                format('The wallet is empty (balance %s USD). The apps keep running until %s UTC; top up the wallet before then or they will be stopped.',
                       to_char(balance / 1000000.0, 'FM999999999990.00####'), to_char(grace_ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')),
                $4::jsonb || jsonb_build_object('balance', balance, 'grace_ends_at', grace_ends_at)
         FROM started
       ),
       logged AS (
         INSERT INTO activity (org_id, action, details)
         SELECT org_id, 'wallet.empty', $4::jsonb || jsonb_build_object('balance', balance, 'grace_ends_at', grace_ends_at) FROM started
       )
       SELECT org_id, balance, grace_ends_at AS ends_at FROM started`,
      [orgIds, clock, hours, JSON.stringify(details)],
    );
    return rows.map((r) => ({ orgId: r.org_id as string, balance: Number(r.balance), endsAt: r.ends_at as Date }));
  }

  /** Ends the grace period of each organization (its wallet is above zero again, or it is no longer
   *  billed). Where its apps were not suspended yet, records a 'grace_cancelled' notification
   *  (`message`) and activity. Returns the organizations whose pending suspension was cancelled. */
  async endGrace(orgIds: string[], message: string, details: Record<string, unknown>): Promise<string[]> {
    if (orgIds.length === 0) return [];
    const { rows } = await this.db.query(
      `WITH ended AS (
         UPDATE wallets w SET grace_started_at = NULL, grace_ends_at = NULL, updated_at = now()
         WHERE w.org_id = ANY($1::uuid[]) AND w.grace_started_at IS NOT NULL
         RETURNING w.org_id,
                   NOT EXISTS (SELECT 1 FROM app_suspensions s WHERE s.org_id = w.org_id AND s.reason = 'wallet') AS pending
       ),
       noted AS (
         INSERT INTO billing_notifications (org_id, kind, message, details)
         SELECT org_id, 'grace_cancelled', $3, $2::jsonb FROM ended WHERE pending
       ),
       logged AS (
         INSERT INTO activity (org_id, action, details) SELECT org_id, 'wallet.grace_cancelled', $2::jsonb FROM ended WHERE pending
       )
       SELECT org_id FROM ended WHERE pending`,
      [orgIds, JSON.stringify(details), message],
    );
    return rows.map((r) => r.org_id as string);
  }

  /** Billed organizations (of `orgIds`, or all) whose grace period has run out by the clock while the
   *  balance is still not above zero, and that have an app not yet suspended for it. Locks their
   *  wallets (call in the transaction that suspends): a top-up committing meanwhile is either seen
   *  here (the row is re-checked) or waits, and then restores what this suspends. */
  async graceExpired(clock: Date | null, orgIds?: string[]): Promise<string[]> {
    const { rows } = await this.db.query(
      `SELECT w.org_id FROM wallets w JOIN organizations o ON o.id = w.org_id
       WHERE w.grace_ends_at <= least($1::timestamptz, now()) AND w.balance <= 0 AND NOT o.unbilled
         AND ($2::uuid[] IS NULL OR w.org_id = ANY($2::uuid[]))
         AND EXISTS (SELECT 1 FROM apps a WHERE a.org_id = w.org_id
                     AND NOT EXISTS (SELECT 1 FROM app_suspensions s WHERE s.app_id = a.id AND s.reason = 'wallet'))
       ORDER BY w.org_id
       FOR UPDATE OF w`,
      [clock, orgIds ?? null],
    );
    return rows.map((r) => r.org_id as string);
  }

  // ---- notifications and the outbox -----------------------------------------------------------

  async notifications(orgId: string, limit: number): Promise<BillingNotificationRow[]> {
    const { rows } = await this.db.query(
      `SELECT * FROM billing_notifications WHERE org_id = $1 ORDER BY id DESC LIMIT $2`,
      [orgId, limit],
    );
    return camelAll<BillingNotificationRow>(rows);
  }

  /** Outbox rows to dispatch, locked so that concurrent dispatchers take different rows. */
  async claimOutbox(limit: number): Promise<{ id: number; appId: string }[]> {
    const { rows } = await this.db.query(
      `SELECT id, app_id FROM billing_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => ({ id: Number(r.id), appId: r.app_id as string }));
  }

  async deleteOutbox(ids: number[]): Promise<void> {
    await this.db.query(`DELETE FROM billing_outbox WHERE id = ANY($1::bigint[])`, [ids]);
  }

  private async enqueue(appIds: string[]): Promise<void> {
    if (appIds.length === 0) return;
    await this.db.query(`INSERT INTO billing_outbox (app_id) SELECT unnest($1::uuid[])`, [appIds]);
  }

  /** An activity entry per app and one notification per organization (`message` is a format()
   *  string taking the count and the names). */
  private async record(apps: SuspendedApp[], action: string, kind: 'suspended' | 'resumed', message: string, details: Record<string, unknown>): Promise<void> {
    if (apps.length === 0) return;
    const args = [apps.map((a) => a.orgId), apps.map((a) => a.appId), apps.map((a) => a.appName), JSON.stringify(details)];
    await this.db.query(
      `INSERT INTO activity (org_id, app_id, action, details)
       SELECT org_id, app_id, $5, $4::jsonb || jsonb_build_object('name', name)
       FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(org_id, app_id, name)`,
      [...args, action],
    );
    await this.db.query(
      `INSERT INTO billing_notifications (org_id, kind, message, details)
       SELECT org_id, $6, format($5, count(*), string_agg(name, ', ' ORDER BY name)),
              $4::jsonb || jsonb_build_object('apps', jsonb_agg(name ORDER BY name))
       FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(org_id, app_id, name) GROUP BY org_id`,
      [...args, message, kind],
    );
  }

  /** Locks the organizations' apps in id order (serialises with scaling and deploys of them). */
  private async lockApps(orgIds: string[]): Promise<void> {
    await this.db.query(`SELECT id FROM apps WHERE org_id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [orgIds]);
  }
}
