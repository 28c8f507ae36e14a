// Makes a release live: formation aligned with its process types, the release phase (a `release:`
// process run once; failure keeps the current release), then the runtime's zero-downtime deploy.
// Success makes it current and records what runs; failure marks it failed and leaves the previous
// release serving. Serialised per app; a release that is no longer pending is not deployed twice.
// A build's release first claims the build (`claim`, under the app lock, before the release phase):
// a build that was ended meanwhile is not deployed at all.
import type { Logger } from '@slipway/core/logger';
import type { Runtime } from '@slipway/core/ports/runtime.port';
import type { LogStore } from '@slipway/core/ports/log-store.port';
import { releaseOutputLogId, type BuildLogSink } from '@slipway/core/ports/build-log.port';
import { objectKeys } from '@slipway/core/ports/object-store.port';
import type { Store } from '@slipway/core/repositories/index';
import type { AppRow } from '@slipway/core/repositories/types';
import type { AppLocks } from './app-lock.js';
import type { ReleaseSpecs } from './release-spec.js';
import { recordRunning } from './formation-ledger.js';

export type DeployOutcome = { ok: true; version: number } | { ok: false; reason: string };

export interface DeployClaim {
  /** Taken before anything goes live; false: the release must not be deployed. */
  claim: () => Promise<boolean>;
  /** The reason given when the claim is refused. */
  unclaimed: string;
}

export interface ReleaseDeployerDeps {
  store: Store;
  runtime: Runtime;
  locks: AppLocks;
  specs: ReleaseSpecs;
  logs: LogStore;
  log: Logger;
  releasePhaseTimeoutMs: number;
  /** Where the release phase's output is kept (Heroku's release output_stream_url). */
  outputs?: BuildLogSink;
}

export class ReleaseDeployer {
  constructor(private readonly deps: ReleaseDeployerDeps) {}

  async deploy(releaseId: string, progress: (line: string) => void, gate?: DeployClaim): Promise<DeployOutcome> {
    const { store } = this.deps;
    const first = await store.repos.releases.findById(releaseId);
    if (!first) return { ok: false, reason: 'The release no longer exists.' };
    return this.deps.locks.with(first.appId, async () => {
      const release = (await store.repos.releases.findById(releaseId))!;
      const app = await store.repos.apps.findById(release.appId);
      if (!app) return { ok: false, reason: 'The app was deleted.' };
      if (release.status === 'succeeded') return { ok: true, version: release.version };
      if (release.status === 'failed') return { ok: false, reason: `Release v${release.version} already failed.` };
      const current = await store.repos.releases.current(app.id);
      if (current && current.version > release.version && (current.slugId || current.image)) {
        await store.repos.releases.setStatus(release.id, 'failed');
        return { ok: false, reason: `v${current.version} was released meanwhile; v${release.version} is not deployed.` };
      }
      if (gate && !(await gate.claim())) {
        await store.repos.releases.setStatus(release.id, 'failed');
        return { ok: false, reason: gate.unclaimed };
      }
      const slug = release.slugId ? await store.repos.slugs.findById(release.slugId) : null;
      if (slug) await store.transaction((repos) => repos.formation.syncWithProcessTypes(app.id, slug.processTypes));
      const suspended = app.status === 'suspended';
      if (!suspended) await store.repos.apps.setStatus(app.id, 'deploying');
      const fail = async (reason: string): Promise<DeployOutcome> => {
        await store.repos.releases.setStatus(release.id, 'failed');
        if (!suspended) await store.repos.apps.setStatus(app.id, current?.slugId || current?.image ? 'running' : 'failed');
        await this.platformLog(app, `Release v${release.version} failed: ${reason}`);
        return { ok: false, reason };
      };

      const spec = await this.deps.specs.build(store.repos, app, release);
      if (spec.releaseCommand) {
        progress(`-----> Releasing: running release command \`${spec.releaseCommand}\``);
        const outputs = this.deps.outputs;
        const outId = releaseOutputLogId(release.id);
        const keep = (l: string) => void outputs?.append(outId, l).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'release output append failed'));
        const res = await this.deps.runtime.runOnce(spec, spec.releaseCommand, (l) => (progress(`       ${l}`), keep(l)), this.deps.releasePhaseTimeoutMs);
        const status = res.exitCode === 0 ? 'succeeded' : 'failed';
        await outputs?.finish(outId, { status, message: res.timedOut ? 'timed out' : `exited with status ${res.exitCode}` }, objectKeys.releaseLog(app.id, release.id));
        if (res.exitCode !== 0) {
          const why = res.timedOut ? 'timed out' : `exited with status ${res.exitCode}`;
          return fail(`the release command ${why}${current ? `; v${current.version} keeps serving` : ''}.`);
        }
      } else {
        progress('-----> Releasing');
      }
      progress(`       Releasing v${release.version}`);
      progress('-----> Launching');
      const res = await this.deps.runtime.deploy(spec, (l) => progress(`       ${l}`));
      if (!res.ok) return fail(`${res.reason}${current ? ` (v${current.version} keeps serving)` : ''}`);
      await store.transaction(async (repos) => {
        await repos.releases.makeCurrent(app.id, release.id);
        if (!suspended) await repos.apps.setStatus(app.id, 'running', { released: true });
        await recordRunning(repos, app, spec.processes, `release v${release.version}`);
        await repos.activity.record({ orgId: app.orgId, appId: app.id, userId: release.userId, action: 'release.deployed', details: { version: release.version } });
      });
      await this.platformLog(app, `Release v${release.version} deployed: ${release.description}`);
      return { ok: true, version: release.version };
    });
  }

  private async platformLog(app: AppRow, line: string): Promise<void> {
    await this.deps.logs.append(app.id, { source: 'platform', dyno: 'api', line });
  }
}
