// The api's TLS port (SLIPWAY_API_TLS_PORT): the same Express app (REST, dashboard, git smart HTTP)
// over HTTPS. Its certificate is, in order: the operator's (setting api_tls_pem), an ACME
// certificate for the api's hostname (setting api_acme; the worker orders it), else one issued
// by the platform's private CA (created under the data dir on first start) for the api's
// hostname, localhost and loopback. The choice is looked at again every minute and swapped in
// place (existing connections keep theirs). Leaves out: client certificates, HTTP/2.
import https from 'node:https';
import { createHash } from 'node:crypto';
import type { Express } from 'express';
import type { Config } from '@slipway/core/config/config';
import type { SecretBox } from '@slipway/core/crypto';
import type { Logger } from '@slipway/core/logger';
import { listen } from '@slipway/core/listen';
import type { Store } from '@slipway/core/repositories/index';
import type { Settings } from '@slipway/core/settings/settings.service';
import { apiTlsPem } from '@slipway/core/settings/domains.settings';
import { parseCombinedPem } from '@slipway/core/domain/certificate-pem';
import { CertificateVault } from '@slipway/core/services/domains/certificate-vault';
import { PlatformCa, platformCaFiles } from '@slipway/core/adapters/tls/platform-ca';

export interface ApiCertificate {
  certPem: string;
  keyPem: string;
  source: 'operator' | 'acme' | 'platform-ca';
}

const DAY_MS = 86_400_000;

export class ApiCertificates {
  private issued: { pem: ApiCertificate; renewAt: number } | null = null;
  private readonly vault: CertificateVault;

  constructor(private readonly deps: { config: Config; store: Store; settings: Settings; box: SecretBox; log: Logger }) {
    this.vault = new CertificateVault(deps.box);
  }

  async current(): Promise<ApiCertificate> {
    const operator = await this.deps.settings.get(apiTlsPem);
    if (operator) {
      try {
        const p = parseCombinedPem(operator);
        return { certPem: p.chainPem, keyPem: p.keyPem, source: 'operator' };
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message }, 'api_tls_pem cannot be used; falling back');
      }
    }
    const acme = await this.deps.store.repos.certificates.forApi();
    if (acme) return { certPem: acme.certPem, keyPem: this.vault.key(acme), source: 'acme' };
    if (!this.issued || Date.now() > this.issued.renewAt) {
      const ca = await PlatformCa.loadOrCreate(platformCaFiles(this.deps.config.dataDir));
      const pair = await ca.issueServerCert(this.names(), 90);
      this.issued = { pem: { certPem: `${pair.certPem.trim()}\n${ca.certPem.trim()}\n`, keyPem: pair.keyPem, source: 'platform-ca' }, renewAt: Date.now() + 60 * DAY_MS };
    }
    return this.issued.pem;
  }

  /** The api's hostname, plus localhost and the loopback addresses (and the bind address). */
  private names(): string[] {
    const { config } = this.deps;
    const bind = ['0.0.0.0', '::', '*'].includes(config.bind) ? [] : [config.bind];
    return [...new Set([new URL(config.api.publicUrl).hostname.replace(/^\[|\]$/g, ''), 'localhost', '127.0.0.1', '::1', ...bind])];
  }
}

export interface TlsListener {
  server: https.Server;
  close(): void;
}

export async function startTlsListener(app: Express, certs: ApiCertificates, opts: { port: number; bind: string; log: Logger; refreshMs?: number }): Promise<TlsListener> {
  let cert = await certs.current();
  const fingerprint = (c: ApiCertificate) => createHash('sha256').update(c.certPem).digest('hex');
  let current = fingerprint(cert);
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.2' }, app);
  server.requestTimeout = 0; // git pushes wait for their build
  await listen(server, opts.port, opts.bind);
  opts.log.info({ port: opts.port, bind: opts.bind, certificate: cert.source }, 'api listening over TLS');
  const timer = setInterval(() => {
    certs.current().then((next) => {
      const f = fingerprint(next);
      if (f === current) return;
      server.setSecureContext({ cert: next.certPem, key: next.keyPem, minVersion: 'TLSv1.2' });
      current = f;
      cert = next;
      opts.log.info({ certificate: next.source }, "api's TLS certificate replaced");
    }, (err: Error) => opts.log.warn({ err: err.message }, "could not refresh the api's TLS certificate"));
  }, opts.refreshMs ?? 60_000);
  timer.unref();
  return {
    server,
    close() {
      clearInterval(timer);
      server.close();
      server.closeIdleConnections();
    },
  };
}
