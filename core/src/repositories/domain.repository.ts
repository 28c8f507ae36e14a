// Domains: an app's default hostname and its custom hostnames with their DNS verification and
// certificate state. Several apps may claim one hostname while it is pending; the database lets
// only one row per hostname be verified (a partial unique index), so two verifications racing
// each other cannot both win. Lookups a user can trigger are scoped by app id (the app was found
// through the user's memberships first).
import type { Queryable } from '../db/pool.js';
import { camel, camelAll } from './sql.js';
import type { DomainRow, DomainView, TlsStatus } from './types.js';

const VIEW = `SELECT d.*, c.not_after AS cert_not_after, c.issuer AS cert_issuer
  FROM domains d LEFT JOIN certificates c ON c.domain_id = d.id`;

/** A domain with its app's organization (the worker seals keys with it). */
export interface DomainWork extends DomainRow {
  orgId: string;
  appName: string;
}

export class DomainRepository {
  constructor(private readonly db: Queryable) {}

  async create(d: { appId: string; hostname: string; kind: DomainRow['kind']; verificationToken?: string | null }): Promise<DomainRow> {
    const custom = d.kind === 'custom';
    const { rows } = await this.db.query(
      `INSERT INTO domains (app_id, hostname, kind, verification_token, dns_status, tls_status, next_dns_check_at, verified_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [d.appId, d.hostname, d.kind, d.verificationToken ?? null, custom ? 'pending' : 'verified', custom ? 'waiting' : 'none', custom ? new Date() : null, custom ? null : new Date()],
    );
    return camel<DomainRow>(rows[0]);
  }

  async list(appId: string): Promise<DomainView[]> {
    const { rows } = await this.db.query(`${VIEW} WHERE d.app_id = $1 ORDER BY d.kind, d.hostname`, [appId]);
    return camelAll<DomainView>(rows);
  }

  async find(appId: string, idOrHostname: string): Promise<DomainView | null> {
    const { rows } = await this.db.query(`${VIEW} WHERE d.app_id = $1 AND (d.id::text = $2 OR d.hostname = $2)`, [appId, idOrHostname]);
    return rows[0] ? camel<DomainView>(rows[0]) : null;
  }

  async findWork(id: string): Promise<DomainWork | null> {
    const { rows } = await this.db.query(`SELECT d.*, a.org_id, a.name AS app_name FROM domains d JOIN apps a ON a.id = d.app_id WHERE d.id = $1`, [id]);
    return rows[0] ? camel<DomainWork>(rows[0]) : null;
  }

  /** The app that holds `hostname` verified (or as its default domain), if any. */
  async verifiedHolder(hostname: string): Promise<{ appId: string; orgId: string } | null> {
    const { rows } = await this.db.query(
      `SELECT d.app_id, a.org_id FROM domains d JOIN apps a ON a.id = d.app_id WHERE d.hostname = $1 AND d.dns_status = 'verified'`,
      [hostname],
    );
    return rows[0] ? camel(rows[0]) : null;
  }

  async delete(id: string): Promise<void> {
    await this.db.query(`DELETE FROM domains WHERE id = $1`, [id]);
  }

  /** Moves every app's default hostname to <app>.<domain> (one whose new name is taken stays; a
   *  certificate of the old name does not serve the new one); returns the apps moved. */
  async moveDefaults(domain: string): Promise<string[]> {
    const { rows } = await this.db.query(
      `UPDATE domains d SET hostname = a.name || '.' || $1, tls_status = 'none', tls_message = NULL, tls_attempts = 0, next_tls_attempt_at = NULL, updated_at = now()
       FROM apps a
       WHERE d.app_id = a.id AND d.kind = 'default' AND d.hostname <> a.name || '.' || $1
         AND NOT EXISTS (SELECT 1 FROM domains x WHERE x.hostname = a.name || '.' || $1)
       RETURNING d.app_id`,
      [domain],
    );
    return rows.map((r) => r.app_id as string);
  }

  async renameDefault(appId: string, hostname: string): Promise<void> {
    // a certificate for the old name does not serve the new one (per-host ACME orders again)
    await this.db.query(
      `UPDATE domains SET hostname = $2, tls_status = 'none', tls_message = NULL, tls_attempts = 0, next_tls_attempt_at = NULL, updated_at = now()
       WHERE app_id = $1 AND kind = 'default'`,
      [appId, hostname],
    );
  }

  /** Pending custom domains whose next DNS check is due. */
  async dueForCheck(limit: number): Promise<string[]> {
    const { rows } = await this.db.query(
      `SELECT id FROM domains WHERE dns_status = 'pending' AND next_dns_check_at <= now() ORDER BY next_dns_check_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id as string);
  }

  /** Ask for a check now; a failed domain gets a new 72-hour window. */
  async requestCheck(id: string): Promise<void> {
    await this.db.query(
      `UPDATE domains SET next_dns_check_at = now(), dns_checks_since = CASE WHEN dns_status = 'failed' THEN now() ELSE dns_checks_since END,
              dns_checks = CASE WHEN dns_status = 'failed' THEN 0 ELSE dns_checks END,
              dns_status = CASE WHEN dns_status = 'failed' THEN 'pending' ELSE dns_status END,
              next_tls_attempt_at = CASE WHEN tls_status IN ('failing', 'failed') THEN now() ELSE next_tls_attempt_at END,
              tls_attempts = CASE WHEN tls_status = 'failed' THEN 0 ELSE tls_attempts END,
              tls_status = CASE WHEN tls_status = 'failed' THEN 'failing' ELSE tls_status END,
              updated_at = now()
       WHERE id = $1`,
      [id],
    );
  }

  /** A check that did not verify: its message, and when to look again (null: give up → failed). */
  async recordUnverified(id: string, message: string, nextCheckAt: Date | null): Promise<void> {
    await this.db.query(
      `UPDATE domains SET verification_message = $2, next_dns_check_at = $3, dns_checks = dns_checks + 1,
              dns_status = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END, updated_at = now()
       WHERE id = $1 AND dns_status = 'pending'`,
      [id, message, nextCheckAt],
    );
  }

  /** Verified: routed from now on, and a certificate is to be ordered. Throws a unique violation
   *  when another row holds the hostname verified. */
  async markVerified(id: string, message: string): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE domains SET dns_status = 'verified', verified_at = now(), verification_message = $2, next_dns_check_at = NULL,
              dns_checks = dns_checks + 1, tls_status = 'pending', tls_message = NULL, tls_attempts = 0, next_tls_attempt_at = now(), updated_at = now()
       WHERE id = $1 AND dns_status = 'pending'`,
      [id, message],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Verified domains whose certificate order is due (default domains only when `withDefault`). */
  async dueForCertificate(limit: number, withDefault: boolean): Promise<string[]> {
    const { rows } = await this.db.query(
      `SELECT id FROM domains
       WHERE dns_status = 'verified'
         AND ((tls_status IN ('pending', 'failing') AND next_tls_attempt_at <= now())
              OR ($2 AND kind = 'default' AND tls_status = 'none'))
       ORDER BY next_tls_attempt_at NULLS FIRST LIMIT $1`,
      [limit, withDefault],
    );
    return rows.map((r) => r.id as string);
  }

  async recordTls(id: string, s: { status: TlsStatus; message: string | null; attempts?: number; nextAttemptAt: Date | null }): Promise<void> {
    await this.db.query(
      `UPDATE domains SET tls_status = $2, tls_message = $3, tls_attempts = COALESCE($4, tls_attempts), next_tls_attempt_at = $5, updated_at = now() WHERE id = $1`,
      [id, s.status, s.message, s.attempts ?? null, s.nextAttemptAt],
    );
  }

  /** Every verified hostname that is routed, with its app (the edge's certificate selection). */
  async listVerified(): Promise<{ id: string; appId: string; hostname: string; kind: DomainRow['kind'] }[]> {
    const { rows } = await this.db.query(`SELECT id, app_id, hostname, kind FROM domains WHERE dns_status = 'verified' ORDER BY hostname`);
    return camelAll(rows);
  }
}
