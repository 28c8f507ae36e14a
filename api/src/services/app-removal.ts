// Deleting an app, shared by the app's own delete and an administrator deleting its organization:
// in the caller's transaction the app stops being billed (its running process types are recorded
// as 0) and its rows go (domains, releases, slugs, builds, config vars and formation cascade);
// after the commit the worker removes what the runtime holds (dynos, services, the network once
// the organization has no app left, routes), the app's logs and its objects (slugs, sources, build
// logs), and the api removes its git repository.
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Repositories } from '@slipway/core/repositories/index';
import type { RepoStore } from './git-repos.port.js';

export interface RemovedApp {
  id: string;
  name: string;
  orgId: string;
}

export class AppRemoval {
  constructor(private readonly deps: { jobs: JobQueue; repos: RepoStore }) {}

  /** Inside the caller's transaction. */
  async deleteRows(repos: Repositories, app: RemovedApp, userId: string | null, reason: string): Promise<void> {
    const running = await repos.formation.runningNow(app.id);
    await repos.formation.recordEvents(
      running.filter((r) => r.quantity > 0).map((r) => ({ orgId: app.orgId, appId: app.id, appName: app.name, type: r.type, quantity: 0, planId: r.planId, pricePerHour: r.pricePerHour, reason })),
    );
    await repos.apps.delete(app.id);
    await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'app.deleted', details: { name: app.name } });
  }

  /** After the commit. */
  async cleanUp(app: RemovedApp): Promise<void> {
    await this.deps.jobs.deploy({ kind: 'remove', appId: app.id, appName: app.name, orgId: app.orgId });
    await this.deps.repos.remove(app.name);
  }
}
