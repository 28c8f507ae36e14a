// Releases over the API: list (with Heroku Range paging), show, roll back.
import { NotFoundError, ValidationError } from '@slipway/core/errors';
import { can } from '@slipway/core/domain/access';
import type { ConfigMap, ConfigVault } from '@slipway/core/services/config-vars.service';
import { MASK } from './config.service.js';
import type { Store } from '@slipway/core/repositories/index';
import type { ReleaseRow, SlugRow } from '@slipway/core/repositories/types';
import type { ReleaseService } from '@slipway/core/services/releases.service';
import type { AppLookup } from './app-lookup.js';

export interface ReleaseView {
  release: ReleaseRow;
  slug: SlugRow | null;
}

export class ReleasesApiService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; releases: ReleaseService; vault: ConfigVault }) {}

  async list(userId: string, idOrName: string, range: { from?: number; to?: number; order: 'asc' | 'desc'; max: number }) {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see releases');
    // one extra row tells whether there is a next page
    const rows = await this.deps.store.repos.releases.list(app.id, { ...range, max: range.max + 1 });
    return { app: { id: app.id, name: app.name }, releases: rows.slice(0, range.max), more: rows.length > range.max };
  }

  async get(userId: string, idOrName: string, idOrVersion: string) {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see releases');
    const release = await this.deps.store.repos.releases.find(app.id, idOrVersion);
    if (!release) throw new NotFoundError("Couldn't find that release.", { resource: 'release' });
    return { app: { id: app.id, name: app.name }, release };
  }

  /** The config a release was made with (Heroku's releases/{v}/config-vars); masked for viewers. */
  async configVars(userId: string, idOrName: string, idOrVersion: string): Promise<ConfigMap> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see releases');
    const release = await this.deps.store.repos.releases.find(app.id, idOrVersion);
    if (!release) throw new NotFoundError("Couldn't find that release.", { resource: 'release' });
    const config = this.deps.vault.openSnapshot(app, release.config);
    return can(app.role, 'app:deploy') ? config : Object.fromEntries(Object.keys(config).map((k) => [k, MASK]));
  }

  /** A new release of one of the app's slugs (Heroku's release create with `slug`). */
  async create(userId: string, idOrName: string, slug: unknown, description: unknown) {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'make releases');
    if (typeof slug !== 'string' || !/^[0-9a-f-]{36}$/.test(slug)) throw new ValidationError('slug must be the id of one of the app\'s slugs.', { field: 'slug' });
    const text = typeof description === 'string' && description.trim() ? description.trim().slice(0, 500) : 'Deploy of a slug';
    const release = await this.deps.releases.fromSlug(app.id, slug, text, userId);
    return { app: { id: app.id, name: app.name }, release };
  }

  async rollback(userId: string, idOrName: string, target: unknown) {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'roll back releases');
    if (typeof target !== 'string' && typeof target !== 'number') throw new ValidationError('Give the release to roll back to: {"release": "<id or version>"}.', { field: 'release' });
    const release = await this.deps.releases.rollback(app.id, String(target), userId);
    return { app: { id: app.id, name: app.name }, release };
  }
}
