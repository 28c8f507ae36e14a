// Plans, settings and the activity feed.
import type { Queryable } from '../db/pool.js';
import { camel, camelAll, isUuid } from './sql.js';
import type { ActivityRow, PlanRow } from './types.js';
import type { OriginScope } from './origin-scope.js';

export class PlanRepository {
  constructor(private readonly db: Queryable) {}

  async list(opts: { activeOnly: boolean }): Promise<PlanRow[]> {
    const { rows } = await this.db.query(
      `SELECT * FROM plans WHERE ($1::boolean = false OR active) ORDER BY price_per_hour, name`,
      [opts.activeOnly],
    );
    return camelAll<PlanRow>(rows).map(fixCpu);
  }

  async find(idOrName: string): Promise<PlanRow | null> {
    const byId = isUuid(idOrName);
    const { rows } = await this.db.query({
      name: byId ? 'plan-by-id' : 'plan-by-name',
      text: `SELECT * FROM plans WHERE ${byId ? 'id = $1::uuid' : 'name = $1'}`,
      values: [idOrName],
    });
    return rows[0] ? fixCpu(camel<PlanRow>(rows[0])) : null;
  }

  async findDefault(): Promise<PlanRow> {
    const { rows } = await this.db.query(`SELECT * FROM plans WHERE is_default`);
    if (!rows[0]) throw new Error('no default plan');
    return fixCpu(camel<PlanRow>(rows[0]));
  }
}

function fixCpu(p: PlanRow): PlanRow {
  return { ...p, cpu: Number(p.cpu) };
}

export class SettingsRepository {
  constructor(private readonly db: Queryable) {}

  async get<T>(key: string, fallback: T): Promise<T> {
    const { rows } = await this.db.query(`SELECT value FROM settings WHERE key = $1`, [key]);
    return rows[0] ? (rows[0].value as T) : fallback;
  }

  async set(key: string, value: unknown, isSecret = false): Promise<void> {
    await this.db.query(
      `INSERT INTO settings (key, value, is_secret) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, is_secret = EXCLUDED.is_secret, updated_at = now()`,
      [key, JSON.stringify(value), isSecret],
    );
  }

  async remove(key: string): Promise<void> {
    await this.db.query(`DELETE FROM settings WHERE key = $1`, [key]);
  }

  async all(): Promise<{ key: string; value: unknown; isSecret: boolean }[]> {
    const { rows } = await this.db.query(`SELECT key, value, is_secret FROM settings ORDER BY key`);
    return camelAll(rows);
  }
}

export class ActivityRepository {
  constructor(
    private readonly db: Queryable,
    private readonly origin?: OriginScope,
  ) {}

  /** Records an entry; the client address is the request's being served, if any. */
  async record(a: { orgId: string | null; appId?: string | null; userId?: string | null; action: string; details?: Record<string, unknown> }): Promise<void> {
    await this.db.query(
      `INSERT INTO activity (org_id, app_id, user_id, action, details, ip) VALUES ($1, $2, $3, $4, $5, $6)`,
      [a.orgId, a.appId ?? null, a.userId ?? null, a.action, JSON.stringify(a.details ?? {}), this.origin?.current()?.ip ?? null],
    );
  }

  async forApp(appId: string, limit: number): Promise<ActivityRow[]> {
    const { rows } = await this.db.query(
      `SELECT a.*, u.email AS user_email FROM activity a LEFT JOIN users u ON u.id = a.user_id
       WHERE a.app_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT $2`,
      [appId, limit],
    );
    return camelAll<ActivityRow>(rows);
  }

  async forOrg(orgId: string, limit: number): Promise<ActivityRow[]> {
    const { rows } = await this.db.query(
      `SELECT a.*, u.email AS user_email FROM activity a LEFT JOIN users u ON u.id = a.user_id
       WHERE a.org_id = $1 ORDER BY a.created_at DESC, a.id DESC LIMIT $2`,
      [orgId, limit],
    );
    return camelAll<ActivityRow>(rows);
  }
}
