// SNI endpoints (Heroku's name for an app's own uploaded certificates): list, show, add, replace,
// remove. The chain and key are checked (the key belongs to the leaf, the leaf is current) before
// anything is stored; the key is sealed with the organization's key and never returned. An
// uploaded certificate serves the app's verified hostnames it covers, ahead of ACME.
import { NotFoundError } from '@slipway/core/errors';
import type { SecretBox } from '@slipway/core/crypto';
import { covers, parseCertificateBundle } from '@slipway/core/domain/certificate-pem';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Store } from '@slipway/core/repositories/index';
import type { CertificateRow, DomainView } from '@slipway/core/repositories/types';
import { CertificateVault } from '@slipway/core/services/domains/certificate-vault';
import type { AppLookup } from './app-lookup.js';

type AppRef = { id: string; name: string };
export interface SniEndpoint {
  cert: CertificateRow;
  /** The app's domains this certificate covers. */
  domains: DomainView[];
}

export class SniEndpointsService {
  private readonly vault: CertificateVault;
  constructor(private readonly deps: { store: Store; lookup: AppLookup; jobs: JobQueue; box: SecretBox }) {
    this.vault = new CertificateVault(deps.box);
  }

  async list(userId: string, idOrName: string): Promise<{ app: AppRef; endpoints: SniEndpoint[] }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see certificates');
    const certs = await this.deps.store.repos.certificates.uploadedForApp(app.id);
    const domains = await this.deps.store.repos.domains.list(app.id);
    return { app: ref(app), endpoints: certs.map((cert) => ({ cert, domains: domains.filter((d) => coversHost(cert, d.hostname)) })) };
  }

  async get(userId: string, idOrName: string, idOrEndpoint: string): Promise<{ app: AppRef; endpoint: SniEndpoint }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see certificates');
    return { app: ref(app), endpoint: await this.one(app.id, idOrEndpoint) };
  }

  async create(userId: string, idOrName: string, body: { certificate_chain?: unknown; private_key?: unknown }): Promise<{ app: AppRef; endpoint: SniEndpoint }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'add certificates');
    const bundle = parseCertificateBundle(text(body.certificate_chain), text(body.private_key));
    const row = this.vault.row({ orgId: app.orgId, appId: app.id, domainId: null, purpose: 'app', source: 'uploaded', chainPem: bundle.chainPem, keyPem: bundle.keyPem });
    await this.deps.store.transaction(async (repos) => {
      await repos.certificates.insert(row);
      await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'certificate.added', details: { name: row.name, hostnames: row.hostnames } });
    });
    await this.deps.jobs.domains({ kind: 'sync' });
    return { app: ref(app), endpoint: await this.one(app.id, row.id) };
  }

  /** Replace the certificate and key of an endpoint (its name and id stay the same for the CLI). */
  async update(userId: string, idOrName: string, idOrEndpoint: string, body: { certificate_chain?: unknown; private_key?: unknown }): Promise<{ app: AppRef; endpoint: SniEndpoint }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'update certificates');
    const old = await this.one(app.id, idOrEndpoint);
    const bundle = parseCertificateBundle(text(body.certificate_chain), text(body.private_key));
    const row = this.vault.row({ orgId: app.orgId, appId: app.id, domainId: null, purpose: 'app', source: 'uploaded', name: old.cert.name, chainPem: bundle.chainPem, keyPem: bundle.keyPem });
    await this.deps.store.transaction(async (repos) => {
      await repos.certificates.delete(old.cert.id);
      await repos.certificates.insert(row);
      await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'certificate.updated', details: { name: row.name, hostnames: row.hostnames } });
    });
    await this.deps.jobs.domains({ kind: 'sync' });
    return { app: ref(app), endpoint: await this.one(app.id, row.id) };
  }

  async remove(userId: string, idOrName: string, idOrEndpoint: string): Promise<{ app: AppRef; endpoint: SniEndpoint }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'remove certificates');
    const endpoint = await this.one(app.id, idOrEndpoint);
    await this.deps.store.transaction(async (repos) => {
      await repos.certificates.delete(endpoint.cert.id);
      await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'certificate.removed', details: { name: endpoint.cert.name } });
    });
    await this.deps.jobs.domains({ kind: 'sync' });
    return { app: ref(app), endpoint };
  }

  private async one(appId: string, idOrEndpoint: string): Promise<SniEndpoint> {
    if (idOrEndpoint.length > 100) throw new NotFoundError("Couldn't find that SNI endpoint.");
    const cert = await this.deps.store.repos.certificates.findUploaded(appId, idOrEndpoint);
    if (!cert) throw new NotFoundError("Couldn't find that SNI endpoint.");
    const domains = await this.deps.store.repos.domains.list(appId);
    return { cert, domains: domains.filter((d) => coversHost(cert, d.hostname)) };
  }
}

const ref = (a: AppRef): AppRef => ({ id: a.id, name: a.name });
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const coversHost = (c: CertificateRow, h: string) => covers(c.hostnames, h);
