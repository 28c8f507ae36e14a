// Dynos: the runtime's view of an app's processes, and restarts (queued for the worker).
import { NotFoundError } from '@slipway/core/errors';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { DynoStatus, Runtime } from '@slipway/core/ports/runtime.port';
import type { Store } from '@slipway/core/repositories/index';
import type { AppLookup } from './app-lookup.js';

export class DynosService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; jobs: JobQueue; runtime: Pick<Runtime, 'status'> }) {}

  async list(userId: string, idOrName: string): Promise<{ app: { id: string; name: string }; dynos: DynoStatus[]; commands: Record<string, string> }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see dynos');
    const [dynos, formation] = await Promise.all([this.deps.runtime.status(app.id), this.deps.store.repos.formation.list(app.id)]);
    return { app: { id: app.id, name: app.name }, dynos, commands: Object.fromEntries(formation.map((f) => [f.type, f.command])) };
  }

  /** Restart all dynos, one process type ("web"), or the type of one dyno ("web.1"). */
  async restart(userId: string, idOrName: string, dynoOrType?: string): Promise<void> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'restart dynos');
    let type: string | undefined;
    if (dynoOrType) {
      type = dynoOrType.split('.')[0]!;
      if (!(await this.deps.store.repos.formation.find(app.id, type))) throw new NotFoundError("Couldn't find that dyno.");
    }
    await this.deps.store.repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'dynos.restarted', details: { type: type ?? 'all' } });
    await this.deps.jobs.deploy({ kind: 'restart', appId: app.id, type });
  }
}
