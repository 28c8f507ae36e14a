// Runtime changes that do not build: apply the formation (scale, plan change, suspension), restart,
// routing (maintenance, domains, rename), stop, and remove a deleted app (its processes, release
// dirs, logs, slugs, sources, build logs and build cache). Each runs under the app's lock and
// records what runs afterwards (formation_events).
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@slipway/core/logger';
import type { Runtime } from '@slipway/core/ports/runtime.port';
import type { LogStore } from '@slipway/core/ports/log-store.port';
import type { ObjectStore } from '@slipway/core/ports/object-store.port';
import type { Store } from '@slipway/core/repositories/index';
import type { AppRow } from '@slipway/core/repositories/types';
import type { DeployJob } from '@slipway/core/queue/queues';
import type { AppLocks } from './app-lock.js';
import type { ReleaseSpecs } from './release-spec.js';
import type { ReleaseDeployer } from './release-deployer.js';
import { recordRunning } from './formation-ledger.js';

export interface RuntimeOpsDeps {
  store: Store;
  runtime: Runtime;
  locks: AppLocks;
  specs: ReleaseSpecs;
  deployer: ReleaseDeployer;
  logs: LogStore;
  objects: ObjectStore;
  log: Logger;
  /** Where builds keep each app's cache (<cacheDir>/<app id>). */
  cacheDir: string;
}

export class RuntimeOps {
  constructor(private readonly deps: RuntimeOpsDeps) {}

  async handle(job: DeployJob): Promise<void> {
    switch (job.kind) {
      case 'release': {
        const res = await this.deps.deployer.deploy(job.releaseId, (line) => void this.platform(job.appId, line.trim()));
        if (!res.ok) this.deps.log.info({ appId: job.appId, reason: res.reason }, 'release not deployed');
        return;
      }
      case 'formation':
        return this.withApp(job.appId, (app) => this.applyFormation(app));
      case 'restart':
        return this.withApp(job.appId, async (app) => {
          await this.deps.runtime.restart(ref(app), job.type);
          await this.platform(app.id, `Restarting ${job.type ?? 'all'} dynos`);
        });
      case 'routing':
        return this.withApp(job.appId, async (app) => {
          await this.deps.runtime.setRouting(ref(app), await this.deps.specs.routing(this.deps.store.repos, app));
          await this.platform(app.id, `Routing updated${app.maintenance ? ' (maintenance mode on)' : ''}`);
        });
      case 'stop':
        return this.withApp(job.appId, async (app) => {
          await this.deps.runtime.stop(ref(app));
          const formation = await this.deps.store.repos.formation.list(app.id);
          await recordRunning(this.deps.store.repos, app, formation.map((f) => ({ type: f.type, quantity: 0 })), 'stopped');
          if (app.status !== 'suspended') await this.deps.store.repos.apps.setStatus(app.id, 'stopped');
        });
      case 'remove':
        await this.deps.locks.with(job.appId, () => this.deps.runtime.remove({ id: job.appId, name: job.appName, orgId: job.orgId }));
        await this.deps.logs.remove(job.appId);
        for (const prefix of [`slugs/${job.appId}/`, `sources/${job.appId}/`, `build-logs/${job.appId}/`]) {
          for await (const o of this.deps.objects.list(prefix)) await this.deps.objects.delete(o.key);
        }
        await rm(path.join(this.deps.cacheDir, job.appId), { recursive: true, force: true });
        return;
    }
  }

  /** Make the runtime run exactly the formation table's quantities of the current release. */
  private async applyFormation(app: AppRow): Promise<void> {
    const { store } = this.deps;
    const current = await store.repos.releases.current(app.id);
    if (!current || (!current.slugId && !current.image)) return; // nothing deployed yet
    const spec = await this.deps.specs.build(store.repos, app, current);
    await this.deps.runtime.scale(spec);
    await recordRunning(store.repos, app, spec.processes, 'formation');
    const total = spec.processes.reduce((n, p) => n + p.quantity, 0);
    if (app.status !== 'suspended') await store.repos.apps.setStatus(app.id, total > 0 ? 'running' : 'stopped');
    await this.platform(app.id, `Scaled to ${spec.processes.map((p) => `${p.type}@${p.quantity}`).join(', ') || 'nothing'}`);
  }

  private async withApp(appId: string, fn: (app: AppRow) => Promise<void>): Promise<void> {
    await this.deps.locks.with(appId, async () => {
      const app = await this.deps.store.repos.apps.findById(appId);
      if (app) await fn(app);
    });
  }

  private async platform(appId: string, line: string): Promise<void> {
    if (line) await this.deps.logs.append(appId, { source: 'platform', dyno: 'api', line });
  }
}

const ref = (app: AppRow) => ({ id: app.id, name: app.name, orgId: app.orgId });
