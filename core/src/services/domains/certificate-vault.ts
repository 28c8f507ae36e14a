// Certificate keys at rest: sealed with the organization's key (the platform's for the api's own
// certificate), bound to the certificate id so a sealed key cannot be moved to another row.
// Also turns an issued or uploaded certificate into a row to insert. Leaves out: storage.
import { randomUUID } from 'node:crypto';
import { orgScope, type SecretBox } from '../../crypto.js';
import { certificateFacts } from '../../domain/certificate-pem.js';
import type { NewCertificate } from '../../repositories/certificate.repository.js';
import type { CertificateRow } from '../../repositories/types.js';

const aad = (id: string) => `certificate:${id}`;
const scopeOf = (orgId: string | null) => (orgId ? orgScope(orgId) : 'platform');

export class CertificateVault {
  constructor(private readonly box: SecretBox) {}

  /** A row for `chainPem` + `keyPem` (facts read from the leaf), the key sealed. */
  row(c: { orgId: string | null; appId: string | null; domainId: string | null; purpose: 'app' | 'api'; source: 'acme' | 'uploaded'; name?: string; chainPem: string; keyPem: string }): NewCertificate {
    const facts = certificateFacts(c.chainPem);
    const id = randomUUID();
    return {
      id,
      orgId: c.orgId,
      appId: c.appId,
      domainId: c.domainId,
      purpose: c.purpose,
      source: c.source,
      name: c.name ?? (c.source === 'acme' ? `acme-${id.slice(0, 8)}` : `sni-${id.slice(0, 8)}`),
      hostnames: facts.hostnames,
      certPem: c.chainPem,
      keySealed: this.box.seal(scopeOf(c.orgId), c.keyPem, aad(id)),
      issuer: facts.issuer,
      subject: facts.subject,
      notBefore: facts.notBefore,
      notAfter: facts.notAfter,
    };
  }

  key(row: Pick<CertificateRow, 'id' | 'orgId' | 'keySealed'>): string {
    return this.box.openString(scopeOf(row.orgId), row.keySealed, aad(row.id));
  }
}
