// The activity log as the admin console searches it: every entry with who did it (the user's
// email), the organization (its name, kept after deletion), where from (the client address) and
// when; filtered by actor, type, organization and time; newest first in pages by id.
import type { Queryable } from '../db/pool.js';
import { camelAll, isUuid } from './sql.js';

export interface AuditFilter {
  /** A user id, or part of an email. */
  actor?: string;
  /** An exact action ("app.created") or a family ("app" matches app.*). */
  type?: string;
  orgId?: string;
  from?: Date;
  to?: Date;
  /** Entries older than this id (the next page). */
  before?: number;
  limit: number;
}

export interface AuditRow {
  id: number;
  action: string;
  details: Record<string, unknown>;
  userId: string | null;
  userEmail: string | null;
  orgId: string | null;
  orgName: string | null;
  appId: string | null;
  ip: string | null;
  createdAt: Date;
}

export class AuditRepository {
  constructor(private readonly db: Queryable) {}

  async search(f: AuditFilter): Promise<AuditRow[]> {
    const actor = f.actor?.trim() || null;
    const { rows } = await this.db.query(
      `SELECT a.id, a.action, a.details, a.user_id, u.email AS user_email, a.org_id, coalesce(o.deleted_name, o.name) AS org_name,
              a.app_id, a.ip, a.created_at
       FROM activity a LEFT JOIN users u ON u.id = a.user_id LEFT JOIN organizations o ON o.id = a.org_id
       WHERE ($1::uuid IS NULL OR a.user_id = $1::uuid)
         AND ($2::text IS NULL OR u.email ILIKE '%' || $2 || '%')
         AND ($3::text IS NULL OR a.action = $3 OR a.action LIKE $3 || '.%')
         AND ($4::uuid IS NULL OR a.org_id = $4::uuid)
         AND ($5::timestamptz IS NULL OR a.created_at >= $5)
         AND ($6::timestamptz IS NULL OR a.created_at < $6)
         AND ($7::bigint IS NULL OR a.id < $7)
       ORDER BY a.id DESC LIMIT $8`,
      [
        actor && isUuid(actor) ? actor : null,
        actor && !isUuid(actor) ? actor.replace(/[\\%_]/g, (c) => `\\${c}`) : null,
        f.type?.trim() || null,
        f.orgId ?? null,
        f.from ?? null,
        f.to ?? null,
        f.before ?? null,
        f.limit,
      ],
    );
    return camelAll<AuditRow>(rows);
  }

  /** Every distinct action recorded (for the type filter), by a skip scan of the action index. */
  async actions(): Promise<string[]> {
    const { rows } = await this.db.query(
      `WITH RECURSIVE t AS (
         (SELECT action FROM activity ORDER BY action LIMIT 1)
         UNION ALL
         SELECT (SELECT action FROM activity WHERE action > t.action ORDER BY action LIMIT 1) FROM t WHERE t.action IS NOT NULL
       )
       SELECT action FROM t WHERE action IS NOT NULL`,
    );
    return rows.map((r) => r.action as string);
  }
}
