// Users, organizations, memberships. All SQL for accounts lives here.
import type { Queryable } from '../db/pool.js';
import { camel, camelAll } from './sql.js';
import type { MemberRow, OrgRow, OrgWithRole, Role, UserRow } from './types.js';

export type OrgSearchRow = OrgRow & { memberCount: number; appCount: number; suspendedApps: number; balance: number };

/** `q` as a literal inside ILIKE '%…%' (its own % and _ match themselves). */
const escapeLike = (q: string) => q.replace(/[\\%_]/g, (c) => `\\${c}`);

export class UserRepository {
  constructor(private readonly db: Queryable) {}

  async create(u: { email: string; name?: string | null; passwordHash: string; isAdmin?: boolean }): Promise<UserRow> {
    const { rows } = await this.db.query(
      `INSERT INTO users (email, name, password_hash, is_admin) VALUES ($1, $2, $3, $4) RETURNING *`,
      [u.email, u.name ?? null, u.passwordHash, u.isAdmin ?? false],
    );
    return camel<UserRow>(rows[0]);
  }

  async findByEmail(email: string): Promise<UserRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM users WHERE lower(email) = lower($1)`, [email]);
    return rows[0] ? camel<UserRow>(rows[0]) : null;
  }

  async findById(id: string): Promise<UserRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM users WHERE id = $1`, [id]);
    return rows[0] ? camel<UserRow>(rows[0]) : null;
  }

  async countAdmins(): Promise<number> {
    const { rows } = await this.db.query(`SELECT count(*)::int AS n FROM users WHERE is_admin`);
    return rows[0].n as number;
  }

  /** Platform admins who can still sign in (not disabled). */
  async countActiveAdmins(): Promise<number> {
    const { rows } = await this.db.query(`SELECT count(*)::int AS n FROM users WHERE is_admin AND disabled_at IS NULL`);
    return rows[0].n as number;
  }

  /** Locks every admin's row (serialises "never the last admin" checks); call in a transaction. */
  async lockAdmins(): Promise<void> {
    await this.db.query(`SELECT id FROM users WHERE is_admin ORDER BY id FOR UPDATE`);
  }

  async setAdmin(id: string, isAdmin: boolean): Promise<UserRow | null> {
    const { rows } = await this.db.query(`UPDATE users SET is_admin = $2, updated_at = now() WHERE id = $1 RETURNING *`, [id, isAdmin]);
    return rows[0] ? camel<UserRow>(rows[0]) : null;
  }

  async setDisabled(id: string, disabled: boolean): Promise<UserRow | null> {
    const { rows } = await this.db.query(
      `UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, disabled],
    );
    return rows[0] ? camel<UserRow>(rows[0]) : null;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db.query(`UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, [id, passwordHash]);
  }

  /** Users whose email or name contains `q` (all when empty), with how many organizations they are in. */
  async search(q: string, limit: number, offset: number): Promise<(UserRow & { orgCount: number })[]> {
    const { rows } = await this.db.query(
      `SELECT u.*, (SELECT count(*)::int FROM memberships m WHERE m.user_id = u.id) AS org_count FROM users u
       WHERE $1 = '' OR u.email ILIKE '%' || $1 || '%' OR u.name ILIKE '%' || $1 || '%'
       ORDER BY u.created_at, u.id LIMIT $2 OFFSET $3`,
      [escapeLike(q), limit, offset],
    );
    return camelAll(rows);
  }

  /** Serialises changes that count a user's rows (the organization cap); call inside a transaction. */
  async lock(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, [id]);
    return rowCount === 1;
  }

  async touchLogin(id: string): Promise<void> {
    await this.db.query(`UPDATE users SET last_login_at = now() WHERE id = $1`, [id]);
  }

  async list(limit: number, offset: number): Promise<UserRow[]> {
    const { rows } = await this.db.query(`SELECT * FROM users ORDER BY created_at LIMIT $1 OFFSET $2`, [limit, offset]);
    return camelAll<UserRow>(rows);
  }
}

export class OrgRepository {
  constructor(private readonly db: Queryable) {}

  async create(o: { name: string; personal: boolean }): Promise<OrgRow> {
    const { rows } = await this.db.query(`INSERT INTO organizations (name, personal) VALUES ($1, $2) RETURNING *`, [o.name, o.personal]);
    return camel<OrgRow>(rows[0]);
  }

  /** Serialises changes that count an organization's rows (the app cap); call inside a transaction.
   *  NO KEY UPDATE: other rows may still reference the organization meanwhile. */
  async lock(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, [id]);
    return rowCount === 1;
  }

  async nameTaken(name: string): Promise<boolean> {
    const { rows } = await this.db.query(`SELECT 1 FROM organizations WHERE name = $1`, [name]);
    return rows.length > 0;
  }

  async addMember(orgId: string, userId: string, role: Role): Promise<void> {
    await this.db.query(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)`, [orgId, userId, role]);
  }

  async setRole(orgId: string, userId: string, role: Role): Promise<boolean> {
    const r = await this.db.query(`UPDATE memberships SET role = $3, updated_at = now() WHERE org_id = $1 AND user_id = $2`, [orgId, userId, role]);
    return (r.rowCount ?? 0) > 0;
  }

  async removeMember(orgId: string, userId: string): Promise<boolean> {
    const r = await this.db.query(`DELETE FROM memberships WHERE org_id = $1 AND user_id = $2`, [orgId, userId]);
    return (r.rowCount ?? 0) > 0;
  }

  /** Organizations the user belongs to, with the user's role. */
  async listForUser(userId: string): Promise<OrgWithRole[]> {
    const { rows } = await this.db.query(
      `SELECT o.*, m.role FROM organizations o JOIN memberships m ON m.org_id = o.id
       WHERE m.user_id = $1 ORDER BY o.personal DESC, o.name`,
      [userId],
    );
    return camelAll<OrgWithRole>(rows);
  }

  /** The org by id or name, only if the user is a member (another org's id gives null → 404). */
  async findForUser(userId: string, idOrName: string): Promise<OrgWithRole | null> {
    const { rows } = await this.db.query(
      `SELECT o.*, m.role FROM organizations o JOIN memberships m ON m.org_id = o.id AND m.user_id = $1
       WHERE o.id::text = $2 OR o.name = $2`,
      [userId, idOrName],
    );
    return rows[0] ? camel<OrgWithRole>(rows[0]) : null;
  }

  async findById(id: string): Promise<OrgRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM organizations WHERE id::text = $1`, [id]);
    return rows[0] ? camel<OrgRow>(rows[0]) : null;
  }

  /** A live (not deleted) organization by id or name, whoever asks (platform administrators). */
  async findLive(idOrName: string): Promise<OrgRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM organizations WHERE (id::text = $1 OR name = $1) AND deleted_at IS NULL`, [idOrName]);
    return rows[0] ? camel<OrgRow>(rows[0]) : null;
  }

  async members(orgId: string): Promise<MemberRow[]> {
    const { rows } = await this.db.query(
      `SELECT u.id AS user_id, u.email, u.name, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.org_id = $1 ORDER BY m.created_at`,
      [orgId],
    );
    return camelAll<MemberRow>(rows);
  }

  /** Organizations the user owns (their personal one included). */
  async countOwnedBy(userId: string): Promise<number> {
    const { rows } = await this.db.query(`SELECT count(*)::int AS n FROM memberships WHERE user_id = $1 AND role = 'owner'`, [userId]);
    return rows[0].n as number;
  }

  async countOwners(orgId: string): Promise<number> {
    const { rows } = await this.db.query(`SELECT count(*)::int AS n FROM memberships WHERE org_id = $1 AND role = 'owner'`, [orgId]);
    return rows[0].n as number;
  }

  async list(limit: number, offset: number): Promise<(OrgRow & { memberCount: number; appCount: number })[]> {
    return this.search('', limit, offset);
  }

  /** Live organizations whose name (or a member's email) contains `q`, with member and app counts,
   *  the wallet balance and how many of their apps are suspended. */
  async search(q: string, limit: number, offset: number): Promise<OrgSearchRow[]> {
    const { rows } = await this.db.query(
      `SELECT o.*, (SELECT count(*)::int FROM memberships m WHERE m.org_id = o.id) AS member_count,
              (SELECT count(*)::int FROM apps a WHERE a.org_id = o.id) AS app_count,
              (SELECT count(DISTINCT s.app_id)::int FROM app_suspensions s WHERE s.org_id = o.id) AS suspended_apps,
              coalesce((SELECT w.balance FROM wallets w WHERE w.org_id = o.id), 0) AS balance
       FROM organizations o
       WHERE o.deleted_at IS NULL AND ($1 = '' OR o.name ILIKE '%' || $1 || '%'
             OR EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = o.id AND u.email ILIKE '%' || $1 || '%'))
       ORDER BY o.created_at, o.id LIMIT $2 OFFSET $3`,
      [escapeLike(q), limit, offset],
    );
    return camelAll(rows);
  }

  /** Turns a deleted organization into a tombstone: its name is freed (renamed to a form no live
   *  organization can take) and kept in deleted_name; its memberships go. */
  async tombstone(id: string): Promise<void> {
    await this.db.query(`DELETE FROM memberships WHERE org_id = $1`, [id]);
    await this.db.query(
      `UPDATE organizations SET deleted_at = now(), deleted_name = name, name = name || '~deleted~' || left(id::text, 8), updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
  }
}
