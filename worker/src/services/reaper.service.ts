// Nothing stays in progress forever: builds past their deadline are failed (their log closed, so
// a waiting `git push` ends), releases stuck in "pending" are failed, and apps stuck "deploying"
// get their status back from their current release; one-off dynos whose worker died are ended.
import type { Logger } from '@slipway/core/logger';
import type { Store } from '@slipway/core/repositories/index';
import type { BuildService } from './build.service.js';

export class Reaper {
  constructor(private readonly deps: { store: Store; builds: BuildService; log: Logger; releaseStaleMinutes: number; oneOffs?: { reapOrphans(): Promise<number> } }) {}

  async run(): Promise<{ builds: number; releases: number; apps: number; oneOffs: number }> {
    const { store } = this.deps;
    const overdue = await store.repos.builds.overdue();
    for (const b of overdue) await this.deps.builds.end(b, 'failed', 'The build did not finish before its deadline.');
    const releases = await store.repos.releases.failStale(this.deps.releaseStaleMinutes);
    const apps = await store.repos.apps.settleStuckDeploying(this.deps.releaseStaleMinutes);
    const oneOffs = (await this.deps.oneOffs?.reapOrphans()) ?? 0;
    const result = { builds: overdue.length, releases, apps, oneOffs };
    if (result.builds + result.releases + result.apps + result.oneOffs > 0) this.deps.log.warn(result, 'reaped stuck work');
    return result;
  }
}
