// Formation (desired process quantities) and formation events (what actually ran, for billing).
import type { Queryable } from '../db/pool.js';
import { camel, camelAll } from './sql.js';
import type { FormationRow } from './types.js';

export interface FormationEvent {
  orgId: string;
  appId: string;
  appName: string;
  type: string;
  quantity: number;
  planId: string | null;
  pricePerHour: number;
  reason: string;
}

export class FormationRepository {
  constructor(private readonly db: Queryable) {}

  async list(appId: string): Promise<FormationRow[]> {
    const { rows } = await this.db.query(`SELECT * FROM formation WHERE app_id = $1 ORDER BY type`, [appId]);
    return camelAll<FormationRow>(rows);
  }

  async find(appId: string, idOrType: string): Promise<FormationRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM formation WHERE app_id = $1 AND (type = $2 OR id::text = $2)`, [appId, idOrType]);
    return rows[0] ? camel<FormationRow>(rows[0]) : null;
  }

  async setQuantity(appId: string, type: string, quantity: number): Promise<FormationRow | null> {
    const { rows } = await this.db.query(
      `UPDATE formation SET quantity = $3, updated_at = now() WHERE app_id = $1 AND type = $2 RETURNING *`,
      [appId, type, quantity],
    );
    return rows[0] ? camel<FormationRow>(rows[0]) : null;
  }

  /** The type's own size (plan); null: the app's plan. */
  async setPlan(appId: string, type: string, planId: string | null): Promise<void> {
    await this.db.query(`UPDATE formation SET plan_id = $3, updated_at = now() WHERE app_id = $1 AND type = $2`, [appId, type, planId]);
  }

  /** Align the formation with a release's process types: new types are added (by default web at
   *  1, others at 0, as Heroku does; `initial` gives quantities and sizes of its own), commands
   *  updated, types the release no longer has are removed. */
  async syncWithProcessTypes(appId: string, processTypes: Record<string, string>, initial: Record<string, { quantity: number; planId: string | null }> = {}): Promise<FormationRow[]> {
    const types = Object.keys(processTypes).filter((t) => t !== 'release');
    await this.db.query(`DELETE FROM formation WHERE app_id = $1 AND NOT (type = ANY($2))`, [appId, types]);
    for (const type of types) {
      const init = initial[type] ?? { quantity: type === 'web' ? 1 : 0, planId: null };
      await this.db.query(
        `INSERT INTO formation (app_id, type, quantity, command, plan_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (app_id, type) DO UPDATE SET command = EXCLUDED.command, updated_at = now()`,
        [appId, type, init.quantity, processTypes[type], init.planId],
      );
    }
    return this.list(appId);
  }

  async recordEvents(events: FormationEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.query(
      `INSERT INTO formation_events (org_id, app_id, app_name, type, quantity, plan_id, price_per_hour, reason)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::uuid[], $7::bigint[], $8::text[])`,
      [
        events.map((e) => e.orgId),
        events.map((e) => e.appId),
        events.map((e) => e.appName),
        events.map((e) => e.type),
        events.map((e) => e.quantity),
        events.map((e) => e.planId),
        events.map((e) => e.pricePerHour),
        events.map((e) => e.reason),
      ],
    );
  }

  /** The latest event per process type of an app: what the platform believes is running now. */
  async runningNow(appId: string): Promise<{ type: string; quantity: number; planId: string | null; pricePerHour: number }[]> {
    const { rows } = await this.db.query(
      `SELECT DISTINCT ON (type) type, quantity, plan_id, price_per_hour FROM formation_events
       WHERE app_id = $1 ORDER BY type, ts DESC, id DESC`,
      [appId],
    );
    return camelAll(rows);
  }
}
