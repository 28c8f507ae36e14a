// Certificates (ACME-issued per domain, uploaded per app as SNI endpoints, the api's own) and ACME
// accounts. Private keys arrive sealed and leave sealed: opening them is the caller's business
// (services/domains/certificate-vault.ts). Lookups a user can trigger are scoped by app id.
import type { Queryable } from '../db/pool.js';
import { camel, camelAll } from './sql.js';
import type { CertificateRow } from './types.js';

export type NewCertificate = Omit<CertificateRow, 'createdAt' | 'updatedAt'>;

export class CertificateRepository {
  constructor(private readonly db: Queryable) {}

  async insert(c: NewCertificate): Promise<CertificateRow> {
    const { rows } = await this.db.query(
      `INSERT INTO certificates (id, org_id, app_id, domain_id, purpose, source, name, hostnames, cert_pem, key_sealed, issuer, subject, not_before, not_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`,
      [c.id, c.orgId, c.appId, c.domainId, c.purpose, c.source, c.name, c.hostnames, c.certPem, c.keySealed, c.issuer, c.subject, c.notBefore, c.notAfter],
    );
    return camel<CertificateRow>(rows[0]);
  }

  /** Replace the ACME certificate of one domain (renewal) or of the api (domain null). */
  async replaceAcme(c: NewCertificate): Promise<CertificateRow> {
    if (c.domainId) await this.db.query(`DELETE FROM certificates WHERE domain_id = $1`, [c.domainId]);
    else await this.db.query(`DELETE FROM certificates WHERE purpose = 'api' AND source = 'acme'`);
    return this.insert(c);
  }

  async forDomain(domainId: string): Promise<CertificateRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM certificates WHERE domain_id = $1`, [domainId]);
    return rows[0] ? camel<CertificateRow>(rows[0]) : null;
  }

  /** ACME certificates of verified domains that expire before `before` (renewal). */
  async acmeExpiringBefore(before: Date, limit: number): Promise<CertificateRow[]> {
    const { rows } = await this.db.query(
      `SELECT c.* FROM certificates c JOIN domains d ON d.id = c.domain_id
       WHERE c.source = 'acme' AND d.dns_status = 'verified' AND d.tls_status NOT IN ('failed') AND c.not_after < $1
         AND (d.next_tls_attempt_at IS NULL OR d.next_tls_attempt_at <= now())
       ORDER BY c.not_after LIMIT $2`,
      [before, limit],
    );
    return camelAll<CertificateRow>(rows);
  }

  /** Every certificate an edge may serve: ACME ones of verified domains and uploaded ones. */
  async forEdge(): Promise<CertificateRow[]> {
    const { rows } = await this.db.query(
      `SELECT c.* FROM certificates c LEFT JOIN domains d ON d.id = c.domain_id
       WHERE c.purpose = 'app' AND c.not_after > now() AND (c.source = 'uploaded' OR d.dns_status = 'verified')
       ORDER BY c.created_at`,
    );
    return camelAll<CertificateRow>(rows);
  }

  async forApi(): Promise<CertificateRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM certificates WHERE purpose = 'api' AND not_after > now() ORDER BY not_after DESC LIMIT 1`);
    return rows[0] ? camel<CertificateRow>(rows[0]) : null;
  }

  async uploadedForApp(appId: string): Promise<CertificateRow[]> {
    const { rows } = await this.db.query(`SELECT * FROM certificates WHERE app_id = $1 AND source = 'uploaded' ORDER BY created_at`, [appId]);
    return camelAll<CertificateRow>(rows);
  }

  async findUploaded(appId: string, idOrName: string): Promise<CertificateRow | null> {
    const { rows } = await this.db.query(
      `SELECT * FROM certificates WHERE app_id = $1 AND source = 'uploaded' AND (id::text = $2 OR name = $2)`,
      [appId, idOrName],
    );
    return rows[0] ? camel<CertificateRow>(rows[0]) : null;
  }

  async delete(id: string): Promise<void> {
    await this.db.query(`DELETE FROM certificates WHERE id = $1`, [id]);
  }
}

export interface AcmeAccountRow {
  directoryUrl: string;
  email: string | null;
  keySealed: Buffer;
  accountUrl: string | null;
}

export class AcmeAccountRepository {
  constructor(private readonly db: Queryable) {}

  async find(directoryUrl: string): Promise<AcmeAccountRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM acme_accounts WHERE directory_url = $1`, [directoryUrl]);
    return rows[0] ? camel<AcmeAccountRow>(rows[0]) : null;
  }

  /** Stores a new account key unless another process stored one first; returns the one kept. */
  async insertIfAbsent(a: AcmeAccountRow): Promise<AcmeAccountRow> {
    await this.db.query(
      `INSERT INTO acme_accounts (directory_url, email, key_sealed, account_url) VALUES ($1, $2, $3, $4) ON CONFLICT (directory_url) DO NOTHING`,
      [a.directoryUrl, a.email, a.keySealed, a.accountUrl],
    );
    return (await this.find(a.directoryUrl))!;
  }

  async setAccountUrl(directoryUrl: string, accountUrl: string): Promise<void> {
    await this.db.query(`UPDATE acme_accounts SET account_url = $2 WHERE directory_url = $1`, [directoryUrl, accountUrl]);
  }
}
