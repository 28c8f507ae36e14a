// Dynos: the runtime's view of an app's formation processes plus its running one-off dynos
// (`heroku run`), restarts (queued for the worker) and stops. Stopping a formation dyno restarts it
// (Heroku: "stopped dynos are restarted unless you scale down"); stopping a one-off ends it (the
// worker running it sees the request within seconds).
import { NotFoundError } from '@slipway/core/errors';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { DynoState, Runtime } from '@slipway/core/ports/runtime.port';
import type { Store } from '@slipway/core/repositories/index';
import { oneOffName, type OneOffDynoRow } from '@slipway/core/repositories/one-off.repository';
import type { AppSummary } from '@slipway/core/repositories/app.repository';
import type { AppLookup } from './app-lookup.js';

export interface DynoView {
  id: string;
  name: string;
  type: string;
  state: DynoState;
  command: string;
  size: string;
  releaseVersion: number;
  since: string | null;
  restarts: number;
}

export class DynosService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; jobs: JobQueue; runtime: Pick<Runtime, 'status'> }) {}

  async list(userId: string, idOrName: string): Promise<{ app: { id: string; name: string }; dynos: DynoView[] }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see dynos');
    const { store } = this.deps;
    const [statuses, formation, oneOffs, plans] = await Promise.all([
      this.deps.runtime.status(app.id), store.repos.formation.list(app.id), store.repos.oneOffs.listRunning(app.id), store.repos.plans.list({ activeOnly: false }),
    ]);
    const planName = (id: string | null) => plans.find((p) => p.id === (id ?? app.planId))?.name ?? 'unknown';
    const byType = new Map(formation.map((f) => [f.type, f]));
    const versions = await this.versions(app.id, oneOffs);
    const dynos: DynoView[] = statuses.map((d) => ({
      id: `${app.id}:${d.name}`, name: d.name, type: d.type, state: d.state, command: byType.get(d.type)?.command ?? '',
      size: planName(byType.get(d.type)?.planId ?? null), releaseVersion: d.releaseVersion, since: d.startedAt, restarts: d.restarts,
    }));
    for (const o of oneOffs) dynos.push(oneOffView(o, planName(o.planId), versions.get(o.releaseId) ?? 0));
    return { app: { id: app.id, name: app.name }, dynos };
  }

  /** One dyno by name ("web.1", "run.2") or a one-off's id. */
  async get(userId: string, idOrName: string, dyno: string): Promise<{ app: { id: string; name: string }; dyno: DynoView }> {
    const { app, dynos } = await this.list(userId, idOrName);
    const found = dynos.find((d) => d.name === dyno || d.id === dyno || d.id === `${app.id}:${dyno}`);
    if (!found) throw new NotFoundError("Couldn't find that dyno.", { resource: 'dyno' });
    return { app, dyno: found };
  }

  /** Restart all dynos, one process type ("web"), or the type of one dyno ("web.1"); a one-off
   *  dyno ("run.3") is stopped, as Heroku does. */
  async restart(userId: string, idOrName: string, dynoOrType?: string): Promise<void> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'restart dynos');
    if (dynoOrType && (await this.stopOneOff(app, dynoOrType))) return;
    let type: string | undefined;
    if (dynoOrType) {
      type = dynoOrType.split('.')[0]!;
      if (!(await this.deps.store.repos.formation.find(app.id, type))) throw new NotFoundError("Couldn't find that dyno.", { resource: 'dyno' });
    }
    await this.deps.store.repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'dynos.restarted', details: { type: type ?? 'all' } });
    await this.deps.jobs.deploy({ kind: 'restart', appId: app.id, type });
  }

  /** `ps:stop`: a one-off ends; formation dynos of the type are restarted (scale to 0 to stop them). */
  async stop(userId: string, idOrName: string, dynoOrType: string): Promise<void> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'stop dynos');
    if (await this.stopOneOff(app, dynoOrType)) return;
    return this.restart(userId, app.id, dynoOrType);
  }

  private async stopOneOff(app: AppSummary, dyno: string): Promise<boolean> {
    if (!/^run\.\d+$/.test(dyno)) return false;
    const row = await this.deps.store.repos.oneOffs.find(app.id, dyno);
    if (!row || (row.state !== 'starting' && row.state !== 'up')) throw new NotFoundError("Couldn't find that dyno.", { resource: 'dyno' });
    await this.deps.store.repos.oneOffs.requestStop(row.id);
    return true;
  }

  private async versions(appId: string, oneOffs: OneOffDynoRow[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const id of new Set(oneOffs.map((o) => o.releaseId))) {
      const r = await this.deps.store.repos.releases.find(appId, id);
      if (r) out.set(id, r.version);
    }
    return out;
  }
}

export function oneOffView(o: OneOffDynoRow, size: string, releaseVersion: number): DynoView {
  return {
    id: o.id, name: oneOffName(o), type: 'run', state: o.state === 'up' ? 'up' : o.state === 'starting' ? 'starting' : 'down',
    command: o.command, size, releaseVersion, since: (o.startedAt ?? o.createdAt).toISOString(), restarts: 0,
  };
}
