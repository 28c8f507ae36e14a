// The swarm edge's certificate set in Redis: the worker (DomainUpkeep.syncEdge) replaces it whole,
// the api reads it when it renders the edge's configuration (swarm-edge.config.ts) and serves the
// certificate files. Certificates are stored as they are (public); each private key is SEALED with
// the platform's key (SecretBox), bound to its certificate (the AAD names the certificate's hash),
// so Redis never holds a plaintext key and a sealed key cannot be moved to another certificate.
// Promises: a set with an invalid hostname, or a hostname in two certificates, is refused before it
// is stored (nothing changes); replacing the set is one SET; reading unseals only when the stored
// value changed since the last read (the api reads it on every edge poll).
// Leaves out: choosing certificates (services/domains/edge-certificates.ts), rendering, serving.
import { createHash } from 'node:crypto';
import type { Redis } from '../../redis/redis.js';
import { redisKey } from '../../redis/redis.js';
import type { SecretBox } from '../../../crypto.js';
import { ValidationError } from '../../../errors.js';
import { validateHostname } from '../../../naming.js';
import type { Edge, EdgeCertificate } from '../../../ports/edge.port.js';

interface StoredCertificate {
  hostnames: string[];
  certPem: string;
  /** base64 of SecretBox.seal('platform', keyPem, aad(certPem)) */
  keySealed: string;
}

const aad = (certPem: string) => `swarm-edge-key:${createHash('sha256').update(certPem).digest('hex')}`;

/** Where certificates reach the swarm edge: what the worker's DomainUpkeep gives them to. */
export type CertificateSink = Pick<Edge, 'setCertificates'>;

export class RedisEdgeCertificates implements CertificateSink {
  private readonly key: string;
  private cached: { raw: string; certs: EdgeCertificate[] } | null = null;

  constructor(private readonly redis: Redis, prefix: string, private readonly box: SecretBox) {
    this.key = redisKey(prefix, 'edge', 'certificates');
  }

  async setCertificates(certs: EdgeCertificate[]): Promise<void> {
    const seen = new Set<string>();
    for (const c of certs) {
      for (const h of c.hostnames) {
        if (seen.has(validateHostname(h))) throw new ValidationError(`edge: hostname ${h} has two certificates`);
        seen.add(h);
      }
    }
    const stored: StoredCertificate[] = certs.map((c) => ({
      hostnames: [...c.hostnames],
      certPem: c.certPem,
      keySealed: this.box.seal('platform', c.keyPem, aad(c.certPem)).toString('base64'),
    }));
    await this.redis.set(this.key, JSON.stringify(stored));
  }

  /** The set as last stored, keys unsealed (for the api's renderer only; never log it). */
  async certificates(): Promise<EdgeCertificate[]> {
    const raw = await this.redis.get(this.key);
    if (!raw) return [];
    if (this.cached?.raw === raw) return this.cached.certs;
    const certs = (JSON.parse(raw) as StoredCertificate[]).map((c) => ({
      hostnames: c.hostnames,
      certPem: c.certPem,
      keyPem: this.box.openString('platform', Buffer.from(c.keySealed, 'base64'), aad(c.certPem)),
    }));
    this.cached = { raw, certs };
    return certs;
  }
}
