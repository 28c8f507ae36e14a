// API tokens (stored as SHA-256 hashes) and SSH public keys.
import type { Queryable } from '../db/pool.js';
import { camel, camelAll } from './sql.js';
import type { SshKeyRow, TokenRow, UserRow } from './types.js';

export class TokenRepository {
  constructor(private readonly db: Queryable) {}

  async create(t: { userId: string; kind: TokenRow['kind']; description: string; tokenHash: string; tokenHint?: string | null; expiresAt?: Date | null; scopes?: string[] }): Promise<TokenRow> {
    const { rows } = await this.db.query(
      `INSERT INTO api_tokens (user_id, kind, description, token_hash, token_hint, expires_at, scopes)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING id, user_id, kind, description, token_hint, scopes, last_used_at, expires_at, created_at`,
      [t.userId, t.kind, t.description, t.tokenHash, t.tokenHint ?? null, t.expiresAt ?? null, t.scopes ?? ['global']],
    );
    return camel<TokenRow>(rows[0]);
  }

  /** The live token with this hash and its user; null when unknown, expired, or its user is
   *  disabled. Marks it used (at most once a minute). */
  async authenticate(tokenHash: string): Promise<{ token: TokenRow; user: UserRow } | null> {
    const { rows } = await this.db.query({
      name: 'token-authenticate',
      text: `SELECT t.id, t.user_id, t.kind, t.description, t.scopes, t.last_used_at, t.expires_at, t.created_at,
              u.email AS u_email, u.name AS u_name, u.password_hash AS u_password_hash, u.is_admin AS u_is_admin,
              u.last_login_at AS u_last_login_at, u.created_at AS u_created_at, u.updated_at AS u_updated_at
       FROM api_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.disabled_at IS NULL`,
      values: [tokenHash],
    });
    const r = rows[0];
    if (!r) return null;
    const token = camel<TokenRow>({
      id: r.id, user_id: r.user_id, kind: r.kind, description: r.description, scopes: r.scopes,
      last_used_at: r.last_used_at, expires_at: r.expires_at, created_at: r.created_at,
    });
    const user = camel<UserRow>({
      id: r.user_id, email: r.u_email, name: r.u_name, password_hash: r.u_password_hash, is_admin: r.u_is_admin,
      last_login_at: r.u_last_login_at, disabled_at: null, created_at: r.u_created_at, updated_at: r.u_updated_at,
    });
    if (!token.lastUsedAt || Date.now() - token.lastUsedAt.getTime() > 60_000) {
      await this.db.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, [token.id]);
    }
    return { token, user };
  }

  async listForUser(userId: string, kinds: TokenRow['kind'][]): Promise<TokenRow[]> {
    const { rows } = await this.db.query(
      `SELECT id, user_id, kind, description, token_hint, scopes, last_used_at, expires_at, created_at FROM api_tokens
       WHERE user_id = $1 AND kind = ANY($2) ORDER BY created_at`,
      [userId, kinds],
    );
    return camelAll<TokenRow>(rows);
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const r = await this.db.query(`DELETE FROM api_tokens WHERE user_id = $1 AND id::text = $2`, [userId, id]);
    return (r.rowCount ?? 0) > 0;
  }

  /** Ends every dashboard session of the user (a disabled account, a reset password). */
  async deleteSessions(userId: string): Promise<number> {
    const r = await this.db.query(`DELETE FROM api_tokens WHERE user_id = $1 AND kind = 'session'`, [userId]);
    return r.rowCount ?? 0;
  }

  async deleteByHash(tokenHash: string): Promise<void> {
    await this.db.query(`DELETE FROM api_tokens WHERE token_hash = $1`, [tokenHash]);
  }
}

export class SshKeyRepository {
  constructor(private readonly db: Queryable) {}

  async create(k: { userId: string; fingerprint: string; publicKey: string; comment: string }): Promise<SshKeyRow> {
    const { rows } = await this.db.query(
      `INSERT INTO ssh_keys (user_id, fingerprint, public_key, comment) VALUES ($1, $2, $3, $4) RETURNING *`,
      [k.userId, k.fingerprint, k.publicKey, k.comment],
    );
    return camel<SshKeyRow>(rows[0]);
  }

  async listForUser(userId: string): Promise<SshKeyRow[]> {
    const { rows } = await this.db.query(`SELECT * FROM ssh_keys WHERE user_id = $1 ORDER BY created_at`, [userId]);
    return camelAll<SshKeyRow>(rows);
  }

  /** The key and its owner; null when unknown or its owner is disabled. */
  async findByFingerprint(fingerprint: string): Promise<(SshKeyRow & { userEmail: string }) | null> {
    const { rows } = await this.db.query(
      `SELECT k.*, u.email AS user_email FROM ssh_keys k JOIN users u ON u.id = k.user_id WHERE k.fingerprint = $1 AND u.disabled_at IS NULL`,
      [fingerprint],
    );
    return rows[0] ? camel(rows[0]) : null;
  }

  async delete(userId: string, idOrFingerprint: string): Promise<boolean> {
    const r = await this.db.query(`DELETE FROM ssh_keys WHERE user_id = $1 AND (id::text = $2 OR fingerprint = $2)`, [userId, idOrFingerprint]);
    return (r.rowCount ?? 0) > 0;
  }
}
