// Nothing stays in progress forever: builds past their deadline are failed (their log closed, so
// a waiting `git push` ends), releases stuck in "pending" are failed, and apps stuck "deploying"
// get their status back from their current release; one-off dynos whose worker died are ended. A
// build whose attempt still runs (its build lock is held) is left to that attempt, which ends it.
import type { Logger } from '@slipway/core/logger';
import type { Store } from '@slipway/core/repositories/index';
import type { BuildService } from './build.service.js';
import type { BuildLocks } from './app-lock.js';

export class Reaper {
  constructor(private readonly deps: { store: Store; builds: BuildService; locks: BuildLocks; log: Logger; releaseStaleMinutes: number; oneOffs?: { reapOrphans(): Promise<number> } }) {}

  async run(): Promise<{ builds: number; releases: number; apps: number; oneOffs: number }> {
    const { store } = this.deps;
    let builds = 0;
    for (const b of await store.repos.builds.overdue()) {
      const ended = await this.deps.locks.ifFree(b.id, () =>
        this.deps.builds.end(b, { status: 'failed', message: 'The build did not finish before its deadline.', evenIfReleasing: true }),
      );
      if (ended) builds += 1;
    }
    const releases = await store.repos.releases.failStale(this.deps.releaseStaleMinutes);
    const apps = await store.repos.apps.settleStuckDeploying(this.deps.releaseStaleMinutes);
    const oneOffs = (await this.deps.oneOffs?.reapOrphans()) ?? 0;
    const result = { builds, releases, apps, oneOffs };
    if (result.builds + result.releases + result.apps + result.oneOffs > 0) this.deps.log.warn(result, 'reaped stuck work');
    return result;
  }
}
