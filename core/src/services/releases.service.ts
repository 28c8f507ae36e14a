// Releases: a slug (or image) + a config snapshot, numbered per app. Config changes, builds and
// rollbacks all come through here; the deploy itself is the worker's (a 'release' deploy job).
import { NotFoundError, ValidationError } from '../errors.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { Repositories, Store } from '../repositories/index.js';
import type { AppRow, ReleaseRow } from '../repositories/types.js';
import type { ConfigMap, ConfigVault } from './config-vars.service.js';

export interface NewRelease {
  slugId: string | null;
  image: string | null;
  /** Config for the snapshot; default: the app's current config vars. */
  config?: ConfigMap;
  description: string;
  userId: string | null;
}

export class ReleaseService {
  constructor(private readonly deps: { store: Store; vault: ConfigVault; jobs: JobQueue }) {}

  /** Inside a transaction that holds the app lock. A release with nothing to run is current at once. */
  async create(repos: Repositories, app: AppRow, r: NewRelease): Promise<ReleaseRow> {
    const config = r.config ?? (await this.deps.vault.read(repos, app));
    const runnable = r.slugId !== null || r.image !== null;
    const release = await repos.releases.create({
      appId: app.id,
      slugId: r.slugId,
      image: r.image,
      config: this.deps.vault.sealSnapshot(app, config),
      description: r.description,
      userId: r.userId,
      status: runnable ? 'pending' : 'succeeded',
    });
    if (!runnable) await repos.releases.makeCurrent(app.id, release.id);
    return release;
  }

  /** A new release of the current code with the app's current config (after a config change). */
  async releaseConfigChange(repos: Repositories, app: AppRow, description: string, userId: string): Promise<ReleaseRow> {
    const base = await repos.releases.latestRunnable(app.id);
    const current = await repos.releases.current(app.id);
    // Prefer the current release's code; before the first successful deploy there is none.
    const code = current && (current.slugId || current.image) ? current : base && base.status === 'succeeded' ? base : null;
    return this.create(repos, app, { slugId: code?.slugId ?? null, image: code?.image ?? null, description, userId });
  }

  /** A release of one of the app's slugs with the app's current config (Heroku's release create
   *  with a slug: `heroku releases:retry`, deploy tools). */
  async fromSlug(appId: string, slugId: string, description: string, userId: string): Promise<ReleaseRow> {
    const release = await this.deps.store.transaction(async (repos) => {
      const app = await repos.apps.lock(appId);
      if (!app) throw new NotFoundError("Couldn't find that app.");
      const slug = await repos.slugs.findById(slugId);
      if (!slug || slug.appId !== app.id) throw new NotFoundError("Couldn't find that slug.", { resource: 'slug' });
      const created = await this.create(repos, app, { slugId: slug.id, image: null, description, userId });
      await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'release.created', details: { version: created.version, slug: slug.id } });
      return created;
    });
    await this.deps.jobs.deploy({ kind: 'release', appId, releaseId: release.id });
    return release;
  }

  async rollback(appId: string, target: string, userId: string): Promise<ReleaseRow> {
    const release = await this.deps.store.transaction(async (repos) => {
      const app = await repos.apps.lock(appId);
      if (!app) throw new NotFoundError("Couldn't find that app.");
      const old = await repos.releases.find(app.id, target);
      if (!old) throw new NotFoundError("Couldn't find that release.", { resource: 'release' });
      if (old.status === 'failed') throw new ValidationError(`Release v${old.version} failed; roll back to a release that was deployed.`, { field: 'release' });
      // A release made before any code was deployed only had config: rolling back to it restores
      // that config onto the code running now (if any).
      const current = await repos.releases.current(app.id);
      const code = old.slugId || old.image ? old : current;
      const config = this.deps.vault.openSnapshot(app, old.config);
      await this.deps.vault.restore(repos, app, config);
      const created = await this.create(repos, app, { slugId: code?.slugId ?? null, image: code?.image ?? null, config, description: `Rollback to v${old.version}`, userId });
      await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'release.rollback', details: { to: old.version, version: created.version } });
      return created;
    });
    if (release.slugId || release.image) await this.deps.jobs.deploy({ kind: 'release', appId, releaseId: release.id });
    return release;
  }
}
