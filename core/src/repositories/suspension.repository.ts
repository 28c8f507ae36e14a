// Suspension of an organization's apps when its wallet runs out, and their restoration on top-up;
// billing notifications; the outbox of 'formation' deploy jobs owed to the worker. Set-based: one
// statement per step for any number of organizations.
import type { Queryable } from '../db/pool.js';
import { camelAll } from './sql.js';

export interface SuspendedApp {
  appId: string;
  orgId: string;
  appName: string;
}

export interface BillingNotificationRow {
  id: number;
  orgId: string;
  kind: 'low_balance' | 'suspended' | 'resumed';
  message: string;
  details: Record<string, unknown>;
  createdAt: Date;
  readAt: Date | null;
}

export class SuspensionRepository {
  constructor(private readonly db: Queryable) {}

  /** Suspends every app of the organizations that is not suspended yet: saves its status and
   *  formation, sets its formation to 0 and its status to 'suspended'; also zeroes any process type
   *  of an already suspended app that is above 0. Queues (outbox) a 'formation' job for each app
   *  changed, records an activity entry per app newly suspended and one notification per org. */
  async suspend(orgIds: string[], details: Record<string, unknown>): Promise<SuspendedApp[]> {
    if (orgIds.length === 0) return [];
    await this.lockApps(orgIds);
    await this.db.query(
      `INSERT INTO app_suspensions (app_id, org_id, previous_status, formation)
       SELECT a.id, a.org_id, a.status,
              coalesce((SELECT jsonb_object_agg(f.type, f.quantity) FROM formation f WHERE f.app_id = a.id), '{}'::jsonb)
       FROM apps a WHERE a.org_id = ANY($1::uuid[]) AND a.status <> 'suspended'
       ON CONFLICT (app_id) DO NOTHING`,
      [orgIds],
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
    if (suspended.length) {
      await this.db.query(
        `INSERT INTO activity (org_id, app_id, action, details)
         SELECT org_id, app_id, 'app.suspended', $4::jsonb || jsonb_build_object('name', name)
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(org_id, app_id, name)`,
        [suspended.map((a) => a.orgId), suspended.map((a) => a.appId), suspended.map((a) => a.appName), JSON.stringify(details)],
      );
      await this.db.query(
        `INSERT INTO billing_notifications (org_id, kind, message, details)
         SELECT org_id, 'suspended',
                format('The wallet ran out: %s app(s) were stopped (%s). Top up to restore them.', count(*), string_agg(name, ', ' ORDER BY name)),
                $4::jsonb || jsonb_build_object('apps', jsonb_agg(name ORDER BY name))
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(org_id, app_id, name) GROUP BY org_id`,
        [suspended.map((a) => a.orgId), suspended.map((a) => a.appId), suspended.map((a) => a.appName), JSON.stringify(details)],
      );
    }
    return suspended;
  }

  /** Restores every suspended app of the organizations: its saved formation (capped at its plan's
   *  max replicas now) and status ('deploying' becomes 'running'); queues 'formation' jobs, records
   *  activity and one notification per org. */
  async resume(orgIds: string[], details: Record<string, unknown>): Promise<SuspendedApp[]> {
    if (orgIds.length === 0) return [];
    const { rows: pending } = await this.db.query(`SELECT 1 FROM app_suspensions WHERE org_id = ANY($1::uuid[]) LIMIT 1`, [orgIds]);
    if (pending.length === 0) return [];
    await this.lockApps(orgIds);
    await this.db.query(
      `UPDATE formation f SET quantity = least((s.formation ->> f.type)::int, p.max_replicas), updated_at = now()
       FROM app_suspensions s JOIN apps a ON a.id = s.app_id JOIN plans p ON p.id = a.plan_id
       WHERE f.app_id = s.app_id AND s.org_id = ANY($1::uuid[]) AND s.formation ? f.type`,
      [orgIds],
    );
    await this.db.query(
      `UPDATE apps a SET status = CASE WHEN s.previous_status = 'deploying' THEN 'running' ELSE s.previous_status END, updated_at = now()
       FROM app_suspensions s WHERE s.app_id = a.id AND s.org_id = ANY($1::uuid[]) AND a.status = 'suspended'`,
      [orgIds],
    );
    const { rows } = await this.db.query(
      `DELETE FROM app_suspensions s USING apps a WHERE a.id = s.app_id AND s.org_id = ANY($1::uuid[])
       RETURNING s.app_id, s.org_id, a.name AS app_name`,
      [orgIds],
    );
    const resumed = camelAll<SuspendedApp>(rows);
    await this.enqueue(resumed.map((a) => a.appId));
    if (resumed.length) {
      await this.db.query(
        `INSERT INTO activity (org_id, app_id, action, details)
         SELECT org_id, app_id, 'app.resumed', $4::jsonb || jsonb_build_object('name', name)
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(org_id, app_id, name)`,
        [resumed.map((a) => a.orgId), resumed.map((a) => a.appId), resumed.map((a) => a.appName), JSON.stringify(details)],
      );
      await this.db.query(
        `INSERT INTO billing_notifications (org_id, kind, message, details)
         SELECT org_id, 'resumed', format('The wallet was topped up: %s app(s) were restored (%s).', count(*), string_agg(name, ', ' ORDER BY name)),
                $4::jsonb || jsonb_build_object('apps', jsonb_agg(name ORDER BY name))
         FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS x(org_id, app_id, name) GROUP BY org_id`,
        [resumed.map((a) => a.orgId), resumed.map((a) => a.appId), resumed.map((a) => a.appName), JSON.stringify(details)],
      );
    }
    return resumed;
  }

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

  /** Locks the organizations' apps in id order (serialises with scaling and deploys of them). */
  private async lockApps(orgIds: string[]): Promise<void> {
    await this.db.query(`SELECT id FROM apps WHERE org_id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [orgIds]);
  }
}
