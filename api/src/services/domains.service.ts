// Domains: the default <app>.<domain> plus custom hostnames (CNAME to the default). Hostnames are
// validated before they reach any routing rule; names under the platform domain are refused
// (they would take over other apps' addresses).
import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '@slipway/core/errors';
import { validateHostname } from '@slipway/core/naming';
import { isUniqueViolation } from '@slipway/core/db/pool';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Store } from '@slipway/core/repositories/index';
import type { DomainRow } from '@slipway/core/repositories/types';
import type { AppLookup } from './app-lookup.js';

export class DomainsService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; jobs: JobQueue; domain: string }) {}

  async list(userId: string, idOrName: string): Promise<{ app: { id: string; name: string }; domains: DomainRow[] }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see domains');
    return { app: { id: app.id, name: app.name }, domains: await this.deps.store.repos.domains.list(app.id) };
  }

  async add(userId: string, idOrName: string, hostnameInput: unknown): Promise<{ app: { id: string; name: string }; domain: DomainRow }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'add domains');
    const hostname = validateHostname(typeof hostnameInput === 'string' ? hostnameInput.toLowerCase() : hostnameInput);
    if (hostname === this.deps.domain || hostname.endsWith(`.${this.deps.domain}`)) {
      throw new ValidationError(`Hostnames under ${this.deps.domain} are reserved for apps' default domains.`, { field: 'hostname' });
    }
    try {
      const domain = await this.deps.store.transaction(async (repos) => {
        const d = await repos.domains.create({ appId: app.id, hostname, kind: 'custom', verificationToken: randomBytes(16).toString('hex') });
        await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'domain.added', details: { hostname } });
        return d;
      });
      await this.deps.jobs.deploy({ kind: 'routing', appId: app.id });
      return { app: { id: app.id, name: app.name }, domain };
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`${hostname} is already in use by an app.`, { field: 'hostname' });
      throw err;
    }
  }

  async remove(userId: string, idOrName: string, idOrHostname: string): Promise<{ app: { id: string; name: string }; domain: DomainRow }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'remove domains');
    const domain = await this.deps.store.repos.domains.find(app.id, idOrHostname);
    if (!domain) throw new NotFoundError("Couldn't find that domain.");
    if (domain.kind === 'default') throw new ValidationError("The app's default domain cannot be removed.");
    await this.deps.store.transaction(async (repos) => {
      await repos.domains.delete(domain.id);
      await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'domain.removed', details: { hostname: domain.hostname } });
    });
    await this.deps.jobs.deploy({ kind: 'routing', appId: app.id });
    return { app: { id: app.id, name: app.name }, domain };
  }
}
