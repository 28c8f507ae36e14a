// Config vars over the API (Heroku semantics): GET returns the map (masked for viewers), PATCH
// merges, null deletes, every change makes a release and — when there is code — a deploy.
import { ValidationError } from '@slipway/core/errors';
import { can } from '@slipway/core/domain/access';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Store } from '@slipway/core/repositories/index';
import { describeConfigChange, mergeConfig, type ConfigMap, type ConfigVault } from '@slipway/core/services/config-vars.service';
import type { ReleaseService } from '@slipway/core/services/releases.service';
import type { AppLookup } from './app-lookup.js';

export const MASK = '••••••••';

export class ConfigService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; vault: ConfigVault; releases: ReleaseService; jobs: JobQueue }) {}

  async get(userId: string, idOrName: string): Promise<{ config: ConfigMap; masked: boolean }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see config vars');
    const config = await this.deps.vault.read(this.deps.store.repos, app);
    if (can(app.role, 'app:deploy')) return { config, masked: false };
    return { config: Object.fromEntries(Object.keys(config).map((k) => [k, MASK])), masked: true };
  }

  async patch(userId: string, idOrName: string, body: unknown): Promise<ConfigMap> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('Send a JSON object of config vars, e.g. {"KEY": "value"}; null removes a key.');
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'change config vars');
    const result = await this.deps.store.transaction(async (repos) => {
      const locked = (await repos.apps.lock(app.id))!;
      const current = await this.deps.vault.read(repos, locked);
      const { next, set, removed } = mergeConfig(current, body as Record<string, unknown>);
      if (set.length === 0 && removed.length === 0) return { next, release: null };
      for (const key of set) await repos.configVars.upsert(app.id, key, this.deps.vault.sealVar(locked, key, next[key]!));
      for (const key of removed) await repos.configVars.delete(app.id, key);
      const release = await this.deps.releases.releaseConfigChange(repos, locked, describeConfigChange(set, removed), userId);
      await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'config.changed', details: { set, removed, version: release.version } });
      return { next, release };
    });
    if (result.release && (result.release.slugId || result.release.image)) {
      await this.deps.jobs.deploy({ kind: 'release', appId: app.id, releaseId: result.release.id });
    }
    return result.next;
  }
}
