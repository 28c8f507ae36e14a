// Domains: the default <app>.<domain> plus custom hostnames. A custom hostname is added pending,
// with the DNS records that prove ownership (TXT _slipway-challenge.<hostname> = its token) and
// route it (CNAME to the app's default hostname, or A records for an apex when the edge's address
// is set); the worker verifies it (on add, on demand, then with backoff) and only then routes and
// certifies it. A hostname another app holds verified is refused (409); a pending claim blocks
// nobody, and removing a domain frees its hostname. Names under the platform domain and the api's
// own hostname are refused (they would take over other apps' or the platform's addresses).
import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '@slipway/core/errors';
import { validateHostname } from '@slipway/core/naming';
import { isUniqueViolation } from '@slipway/core/db/pool';
import { covers, parseCombinedPem } from '@slipway/core/domain/certificate-pem';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Store } from '@slipway/core/repositories/index';
import type { CertificateRow, DomainView } from '@slipway/core/repositories/types';
import { recordsToCreate, type DnsRecordToCreate } from '@slipway/core/services/domains/verification';
import type { Settings } from '@slipway/core/settings/settings.service';
import { edgePublicIpv4, platformWildcardPem } from '@slipway/core/settings/domains.settings';
import type { AppLookup } from './app-lookup.js';

type AppRef = { id: string; name: string };

/** A domain as the api shows it: its row, the records to create, and what serves it over TLS. */
export interface DomainDetails extends DomainView {
  records: DnsRecordToCreate[];
  /** The hostname a CNAME should point at. */
  target: string;
  sniEndpoint: { id: string; name: string } | null;
  /** The certificate serving the hostname, if any (uploaded, ACME or the platform wildcard). */
  certificate: { source: 'acme' | 'uploaded' | 'wildcard'; issuer: string; expiresAt: Date } | null;
}

export class DomainsService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; jobs: JobQueue; settings: Settings; domain: string; apiHost: string }) {}

  async list(userId: string, idOrName: string): Promise<{ app: AppRef; domains: DomainDetails[] }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see domains');
    const rows = await this.deps.store.repos.domains.list(app.id);
    return { app: ref(app), domains: await this.details(app, rows) };
  }

  async get(userId: string, idOrName: string, idOrHostname: string): Promise<{ app: AppRef; domain: DomainDetails }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see domains');
    return { app: ref(app), domain: await this.one(app, idOrHostname) };
  }

  async add(userId: string, idOrName: string, hostnameInput: unknown): Promise<{ app: AppRef; domain: DomainDetails }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'add domains');
    const hostname = validateHostname(typeof hostnameInput === 'string' ? hostnameInput.toLowerCase() : hostnameInput);
    if (hostname === this.deps.domain || hostname.endsWith(`.${this.deps.domain}`)) {
      throw new ValidationError(`Hostnames under ${this.deps.domain} are reserved for apps' default domains.`, { field: 'hostname' });
    }
    if (hostname === this.deps.apiHost) throw new ValidationError(`${hostname} is the platform's own hostname.`, { field: 'hostname' });
    const holder = await this.deps.store.repos.domains.verifiedHolder(hostname);
    if (holder && holder.appId !== app.id) throw new ConflictError(`${hostname} is already in use by another app.`, { field: 'hostname' });
    let id: string;
    try {
      id = await this.deps.store.transaction(async (repos) => {
        const d = await repos.domains.create({ appId: app.id, hostname, kind: 'custom', verificationToken: `slipway-verify=${randomBytes(16).toString('hex')}` });
        await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'domain.added', details: { hostname } });
        return d.id;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`${hostname} is already a domain of ${app.name}.`, { field: 'hostname' });
      throw err;
    }
    await this.deps.jobs.domains({ kind: 'check', domainId: id });
    return { app: ref(app), domain: await this.one(app, id) };
  }

  /** Look at DNS again now (a failed domain gets a new 72-hour window; a failed certificate order is retried). */
  async verify(userId: string, idOrName: string, idOrHostname: string): Promise<{ app: AppRef; domain: DomainDetails }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'verify domains');
    const d = await this.deps.store.repos.domains.find(app.id, idOrHostname);
    if (!d) throw new NotFoundError("Couldn't find that domain.");
    if (d.kind === 'default') throw new ValidationError("The app's default domain needs no verification.");
    await this.deps.store.repos.domains.requestCheck(d.id);
    await this.deps.jobs.domains({ kind: 'check', domainId: d.id });
    return { app: ref(app), domain: await this.one(app, d.id) };
  }

  async remove(userId: string, idOrName: string, idOrHostname: string): Promise<{ app: AppRef; domain: DomainDetails }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'remove domains');
    const domain = await this.one(app, idOrHostname);
    if (domain.kind === 'default') throw new ValidationError("The app's default domain cannot be removed.");
    await this.deps.store.transaction(async (repos) => {
      await repos.domains.delete(domain.id);
      await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'domain.removed', details: { hostname: domain.hostname } });
    });
    await this.deps.jobs.deploy({ kind: 'routing', appId: app.id });
    await this.deps.jobs.domains({ kind: 'sync' });
    return { app: ref(app), domain };
  }

  private async one(app: AppRef, idOrHostname: string): Promise<DomainDetails> {
    const d = await this.deps.store.repos.domains.find(app.id, idOrHostname);
    if (!d) throw new NotFoundError("Couldn't find that domain.");
    return (await this.details(app, [d]))[0]!;
  }

  private async details(app: AppRef, rows: DomainView[]): Promise<DomainDetails[]> {
    const target = `${app.name}.${this.deps.domain}`;
    const ipv4 = (await this.deps.settings.get(edgePublicIpv4)).split(',').map((s) => s.trim()).filter(Boolean);
    const uploaded = await this.deps.store.repos.certificates.uploadedForApp(app.id);
    const wildcard = await this.wildcard();
    const now = new Date();
    return rows.map((d) => {
      const sni = uploaded.filter((c) => c.notAfter > now && covers(c.hostnames, d.hostname)).sort(byExpiry)[0] ?? null;
      const verified = d.dnsStatus === 'verified';
      const wild = verified && wildcard && covers(wildcard.hostnames, d.hostname) ? wildcard : null;
      const certificate = !verified
        ? null
        : sni
          ? { source: 'uploaded' as const, issuer: sni.issuer, expiresAt: sni.notAfter }
          : d.certNotAfter && d.certNotAfter > now
            ? { source: 'acme' as const, issuer: d.certIssuer!, expiresAt: d.certNotAfter }
            : wild
              ? { source: 'wildcard' as const, issuer: wild.issuer, expiresAt: wild.expiresAt }
              : null;
      // a default domain served by the wildcard (or an uploaded certificate) is as good as issued
      const tlsStatus = certificate && d.tlsStatus === 'none' ? 'issued' : d.tlsStatus;
      return {
        ...d,
        tlsStatus,
        records: d.kind === 'custom' ? recordsToCreate(d, { cname: target, ipv4 }) : [],
        target,
        sniEndpoint: sni ? { id: sni.id, name: sni.name } : null,
        certificate,
      };
    });
  }

  private async wildcard(): Promise<{ hostnames: string[]; issuer: string; expiresAt: Date } | null> {
    const pem = await this.deps.settings.get(platformWildcardPem);
    if (!pem) return null;
    try {
      const { facts } = parseCombinedPem(pem);
      return { hostnames: facts.hostnames, issuer: facts.issuer, expiresAt: facts.notAfter };
    } catch {
      return null;
    }
  }
}

const ref = (a: AppRef): AppRef => ({ id: a.id, name: a.name });
const byExpiry = (a: CertificateRow, b: CertificateRow) => b.notAfter.getTime() - a.notAfter.getTime();
