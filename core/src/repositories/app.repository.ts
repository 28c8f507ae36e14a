// Apps (domains: domain.repository.ts). Every lookup a user can trigger is scoped by membership: an app of an
// organization the user is not in is simply not found.
import type { Queryable } from '../db/pool.js';
import { camel, camelAll, isUuid, setClause } from './sql.js';
import type { AppAccess, AppRow, AppStatus } from './types.js';

export interface AppSummary extends AppAccess {
  orgName: string;
  orgPersonal: boolean;
  ownerEmail: string | null;
  slugSize: number | null;
  currentVersion: number | null;
  /** Why the app is suspended ('wallet', 'admin'; see suspension.repository.ts), oldest first. */
  suspensionReasons: string[] | null;
  suspendedSince: Date | null;
}

const SUMMARY_SELECT = `
  SELECT a.*, m.role, o.name AS org_name, o.personal AS org_personal, u.email AS owner_email,
         s.size AS slug_size, r.version AS current_version,
         (SELECT array_agg(x.reason ORDER BY x.suspended_at) FROM app_suspensions x WHERE x.app_id = a.id) AS suspension_reasons,
         (SELECT min(x.suspended_at) FROM app_suspensions x WHERE x.app_id = a.id) AS suspended_since
  FROM apps a
  JOIN memberships m ON m.org_id = a.org_id AND m.user_id = $1
  JOIN organizations o ON o.id = a.org_id
  LEFT JOIN users u ON u.id = a.created_by
  LEFT JOIN releases r ON r.app_id = a.id AND r.current
  LEFT JOIN slugs s ON s.id = r.slug_id`;

export class AppRepository {
  constructor(private readonly db: Queryable) {}

  async create(a: { orgId: string; name: string; planId: string; createdBy: string; source?: 'git' | 'image'; image?: string | null }): Promise<AppRow> {
    const { rows } = await this.db.query(
      `INSERT INTO apps (org_id, name, plan_id, created_by, source, image) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [a.orgId, a.name, a.planId, a.createdBy, a.source ?? 'git', a.image ?? null],
    );
    return camel<AppRow>(rows[0]);
  }

  async nameTaken(name: string): Promise<boolean> {
    const { rows } = await this.db.query(`SELECT 1 FROM apps WHERE name = $1`, [name]);
    return rows.length > 0;
  }

  /** The app by name or id if the user belongs to its organization. Runs on every app request:
   *  an indexed predicate chosen by the argument's shape, as a prepared statement. */
  async findForUser(userId: string, idOrName: string): Promise<AppSummary | null> {
    const byId = isUuid(idOrName);
    const { rows } = await this.db.query({
      name: byId ? 'app-for-user-by-id' : 'app-for-user-by-name',
      text: `${SUMMARY_SELECT} WHERE ${byId ? 'a.id = $2::uuid' : 'a.name = $2'}`,
      values: [userId, idOrName],
    });
    return rows[0] ? camel<AppSummary>(rows[0]) : null;
  }

  /** The user's apps by name, optionally of one organization, after a name (Range paging). */
  async listForUser(userId: string, opts: { orgId?: string; limit: number; after?: string }): Promise<AppSummary[]> {
    const byOrg = opts.orgId !== undefined;
    const { rows } = await this.db.query({
      name: byOrg ? 'apps-for-user-in-org' : 'apps-for-user',
      text: `${SUMMARY_SELECT} WHERE a.name > $2${byOrg ? ' AND a.org_id = $4::uuid' : ''} ORDER BY a.name LIMIT $3`,
      values: byOrg ? [userId, opts.after ?? '', opts.limit, opts.orgId] : [userId, opts.after ?? '', opts.limit],
    });
    return camelAll<AppSummary>(rows);
  }

  /** Every app of one organization with its plan's name and its dynos (sum of the formation), for
   *  platform administrators. */
  async listInOrg(orgId: string): Promise<(AppRow & { planName: string; dynos: number })[]> {
    const { rows } = await this.db.query(
      `SELECT a.*, p.name AS plan_name, (SELECT coalesce(sum(f.quantity), 0)::int FROM formation f WHERE f.app_id = a.id) AS dynos
       FROM apps a JOIN plans p ON p.id = a.plan_id WHERE a.org_id = $1 ORDER BY a.name`,
      [orgId],
    );
    return camelAll(rows);
  }

  async findById(id: string): Promise<AppRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM apps WHERE id = $1`, [id]);
    return rows[0] ? camel<AppRow>(rows[0]) : null;
  }

  /** Lock the app row for the rest of the transaction (serialises releases of one app). */
  async lock(id: string): Promise<AppRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM apps WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? camel<AppRow>(rows[0]) : null;
  }

  async countInOrg(orgId: string): Promise<number> {
    const { rows } = await this.db.query(`SELECT count(*)::int AS n FROM apps WHERE org_id = $1`, [orgId]);
    return rows[0].n as number;
  }

  async update(
    id: string,
    patch: Partial<Pick<AppRow, 'name' | 'maintenance' | 'healthCheckPath' | 'planId' | 'buildpacks' | 'repoSize' | 'httpsRedirect'>>,
  ): Promise<AppRow> {
    const { sql, values } = setClause(
      {
        name: patch.name,
        maintenance: patch.maintenance,
        health_check_path: patch.healthCheckPath,
        plan_id: patch.planId,
        buildpacks: patch.buildpacks,
        repo_size: patch.repoSize,
        https_redirect: patch.httpsRedirect,
      },
      [id],
    );
    const { rows } = await this.db.query(`UPDATE apps SET ${sql} WHERE id = $1 RETURNING *`, values);
    return camel<AppRow>(rows[0]);
  }

  async setStatus(id: string, status: AppStatus, opts: { released?: boolean } = {}): Promise<void> {
    await this.db.query(
      `UPDATE apps SET status = $2, updated_at = now()${opts.released ? ', released_at = now()' : ''} WHERE id = $1`,
      [id, status],
    );
  }

  /** Apps "deploying" for longer than `minutes` with nothing pending get their status back (the reaper). */
  async settleStuckDeploying(minutes: number): Promise<number> {
    const r = await this.db.query(
      `UPDATE apps a SET status = CASE WHEN EXISTS (SELECT 1 FROM releases r WHERE r.app_id = a.id AND r.current
                                              AND (r.slug_id IS NOT NULL OR r.image IS NOT NULL)) THEN 'running' ELSE 'failed' END,
              updated_at = now()
       WHERE a.status = 'deploying' AND a.updated_at < now() - make_interval(mins => $1)
         AND NOT EXISTS (SELECT 1 FROM releases r WHERE r.app_id = a.id AND r.status = 'pending')`,
      [minutes],
    );
    return r.rowCount ?? 0;
  }

  async delete(id: string): Promise<void> {
    await this.db.query(`DELETE FROM apps WHERE id = $1`, [id]);
  }

  /** Every app whose current release should be running (worker start-up, reconcile). */
  async listDeployed(): Promise<AppRow[]> {
    const { rows } = await this.db.query(
      `SELECT a.* FROM apps a WHERE EXISTS (SELECT 1 FROM releases r WHERE r.app_id = a.id AND r.current)
       ORDER BY a.created_at`,
    );
    return camelAll<AppRow>(rows);
  }
}
