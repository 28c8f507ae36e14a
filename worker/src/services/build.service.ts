// A build, end to end: fetch the pushed source, run the buildpacks through the BuildExecutor,
// store the slug, make release vN, and deploy it (ReleaseDeployer). Every line goes to the
// BuildLogSink, which the pushing git client and the dashboard follow. One build per app wins: a
// newer push fails the older unfinished builds ("superseded") and cancels them if they run here.
// User-caused failures end the build; infrastructure failures are rethrown for a retry.
// A retried job is a new attempt: it waits for the build's lock (held by an earlier attempt while
// its process lives), and only the newest attempt may end or release the build. Releasing is
// claimed first (BuildRepository.claimRelease), so a build that was ended (its push reported
// rejected) is never deployed afterwards, and one that is releasing is not ended by anyone else.
// A slug over max_slug_size_mb fails the build and is not stored.
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isAppError } from '@slipway/core/errors';
import type { Logger } from '@slipway/core/logger';
import type { BuildExecutor } from '@slipway/core/ports/build-executor.port';
import type { BuildLogSink } from '@slipway/core/ports/build-log.port';
import { objectKeys, type ObjectStore } from '@slipway/core/ports/object-store.port';
import type { Store } from '@slipway/core/repositories/index';
import type { AppRow, BuildRow } from '@slipway/core/repositories/types';
import type { ConfigVault } from '@slipway/core/services/config-vars.service';
import type { ReleaseService } from '@slipway/core/services/releases.service';
import { unpackSlug } from '@slipway/core/domain/slug-archive';
import type { Settings } from '@slipway/core/settings/settings.service';
import { maxSlugSizeMb } from '@slipway/core/settings/limits.settings';
import type { ReleaseDeployer } from './release-deployer.js';
import type { AppSetup } from './app-setup.service.js';
import type { BuildLocks } from './app-lock.js';
import { StageClock } from './stage-clock.js';

export interface BuildServiceDeps {
  store: Store;
  objects: ObjectStore;
  sink: BuildLogSink;
  executor: BuildExecutor;
  vault: ConfigVault;
  releases: ReleaseService;
  deployer: ReleaseDeployer;
  /** app.json on the first deploy; absent: app.json is ignored (in-process tests). */
  setup?: AppSetup;
  locks: BuildLocks;
  settings: Settings;
  log: Logger;
  buildsDir: string;
  cacheDir: string;
  timeoutMs: number;
  webUrl: (appName: string) => string;
}

const SUPERSEDED = 'Superseded by a newer push to this app.';
const ENDED = 'The build was ended before its release went live (superseded, or past its deadline); it is not deployed.';
/** How long a claimed release may take (release phase + boot) before the reaper may end the build. */
const RELEASE_MINUTES = 30;

export interface BuildEnd {
  status: 'succeeded' | 'failed';
  message: string;
  stages?: Record<string, number>;
  releaseId?: string;
  /** The attempt ending its own build; absent for others (a newer push, the reaper). */
  attempt?: number;
  /** The reaper, once no attempt runs: may end a build whose release was claimed. */
  evenIfReleasing?: boolean;
}

type Outcome = { ok: boolean; message: string; releaseId?: string };

export class BuildService {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly deps: BuildServiceDeps) {}

  /** Runs one build job. `finalAttempt`: an infrastructure error ends the build instead of retrying. */
  async run(buildId: string, finalAttempt: boolean): Promise<void> {
    // one attempt at a time: a retry waits here while an earlier attempt's process still lives
    await this.deps.locks.with(buildId, () => this.attempt(buildId, finalAttempt));
  }

  private async attempt(buildId: string, finalAttempt: boolean): Promise<void> {
    const { store, sink } = this.deps;
    const attempt = await store.repos.builds.start(buildId);
    if (attempt === null) return; // finished, superseded or reaped
    const build = (await store.repos.builds.findById(buildId))!;
    const app = await store.repos.apps.findById(build.appId);
    if (!app) return void (await this.end(build, { status: 'failed', message: 'The app was deleted.', attempt }));
    await this.supersedeOlder(build);
    // an app that never ran shows its first build as "deploying" (a running app keeps its status)
    if (app.status === 'new' || app.status === 'failed') await store.repos.apps.setStatus(app.id, 'deploying');

    const ac = new AbortController();
    this.running.set(buildId, ac);
    const clock = new StageClock();
    const line = (l: string) => {
      clock.observe(l);
      void sink.append(buildId, l).catch((err) => this.deps.log.warn({ err, buildId }, 'build log append failed'));
    };
    for (let earlier = 1; earlier < attempt; earlier++) await rm(this.workDir(buildId, earlier), { recursive: true, force: true });
    const workDir = this.workDir(buildId, attempt);
    try {
      const outcome = await this.pipeline(build, app, attempt, workDir, ac.signal, line);
      await this.end(build, { status: outcome.ok ? 'succeeded' : 'failed', message: outcome.message, stages: clock.finish(), releaseId: outcome.releaseId, attempt });
    } catch (err) {
      if (ac.signal.aborted) return;
      if (isAppError(err) && err.permanent) {
        line(`!     ${err.message}`);
        return void (await this.end(build, { status: 'failed', message: err.message, stages: clock.finish(), attempt }));
      }
      this.deps.log.error({ err, buildId, attempt }, 'build failed on an infrastructure error');
      if (finalAttempt) {
        line('!     Slipway could not finish this build because of an internal error; please push again.');
        return void (await this.end(build, { status: 'failed', message: 'Internal error; please push again.', stages: clock.finish(), attempt }));
      }
      line('!     Internal error; retrying the build…');
      throw err;
    } finally {
      this.running.delete(buildId);
      await rm(workDir, { recursive: true, force: true });
    }
  }

  private workDir(buildId: string, attempt: number): string {
    return path.join(this.deps.buildsDir, `${buildId}-${attempt}`);
  }

  private async pipeline(build: BuildRow, app: AppRow, attempt: number, workDir: string, signal: AbortSignal, line: (l: string) => void): Promise<Outcome> {
    const { store, objects } = this.deps;
    const sha = (build.commit ?? '').slice(0, 7);
    line(`-----> Fetching source (commit ${sha})`);
    const sourceDir = path.join(workDir, 'source');
    const outDir = path.join(workDir, 'out');
    await mkdir(sourceDir, { recursive: true });
    await mkdir(outDir, { recursive: true });
    const tarFile = path.join(workDir, 'source.tar');
    await objects.getToFile(build.sourceKey!, tarFile);
    line(`       ${formatBytes((await stat(tarFile)).size)} received`);
    await unpackSlug(tarFile, sourceDir);
    await rm(tarFile, { force: true });

    // app.json (validated on every push; acted on at the first deploy) and the Procfile's types
    const setup = this.deps.setup;
    const manifest = setup ? await setup.read(sourceDir) : { appJson: null, procfileTypes: null };
    const first = setup ? await setup.firstDeploy(app.id) : false;
    const buildpacks = setup && first ? await setup.beforeBuild(app, manifest, build.userId, line) : app.buildpacks;

    const cacheDir = path.join(this.deps.cacheDir, app.id);
    await mkdir(cacheDir, { recursive: true });
    const env = await this.deps.vault.read(store.repos, app);
    const exec = await this.deps.executor.run(
      { buildId: build.id, appId: app.id, appName: app.name, commit: build.commit ?? undefined, sourceDir, workDir: outDir, cacheDir, env, buildpacks, timeoutMs: this.deps.timeoutMs, signal },
      line,
    );
    if (signal.aborted) return { ok: false, message: SUPERSEDED };
    if (!exec.ok) return { ok: false, message: exec.message };
    if (!(await store.repos.builds.isCurrent(build.id, attempt))) return { ok: false, message: SUPERSEDED };

    const a = exec.artifact;
    const maxSlugMb = await this.deps.settings.get(maxSlugSizeMb);
    if (a.size > maxSlugMb * 1024 * 1024) {
      // the push shows the message once, as the build's end
      return { ok: false, message: `Compiled slug size ${formatBytes(a.size)} is larger than the limit of ${maxSlugMb} MB (setting max_slug_size_mb). Leave out what the app does not need at run time, or ask an administrator to raise the limit.` };
    }
    const slugId = randomUUID();
    const key = objectKeys.slug(app.id, slugId);
    await objects.putFile(key, a.slugPath, { contentType: 'application/gzip' });
    const initial = setup ? await setup.initialFormation(app, manifest, a.processTypes, first) : {};
    const release = await store.transaction(async (repos) => {
      const locked = (await repos.apps.lock(app.id))!;
      if (!(await repos.builds.isCurrent(build.id, attempt, { forUpdate: true }))) return null;
      await repos.slugs.create({ id: slugId, appId: app.id, buildId: build.id, objectKey: key, size: a.size, sha256: a.sha256, processTypes: a.processTypes, stack: a.stack, buildpack: a.buildpack, commit: build.commit });
      // the release's new process types get their quantities and sizes now; the deploy keeps them
      await repos.formation.syncWithProcessTypes(app.id, a.processTypes, initial);
      return this.deps.releases.create(repos, locked, { slugId, image: null, description: `Deploy ${sha}`, userId: build.userId });
    });
    if (!release) {
      await objects.delete(key);
      return { ok: false, message: SUPERSEDED };
    }
    line(`       Process types: ${Object.keys(a.processTypes).join(', ') || '(none)'}`);
    const claim = () => store.repos.builds.claimRelease(build.id, attempt, RELEASE_MINUTES);
    const deployed = await this.deps.deployer.deploy(release.id, line, { claim, unclaimed: ENDED });
    if (!deployed.ok) {
      line(`!     Release v${release.version} failed: ${deployed.reason}`);
      return { ok: false, message: `Release v${release.version} failed: ${deployed.reason}`, releaseId: release.id };
    }
    line(`       Released v${deployed.version}`);
    if (setup && first) await setup.postdeploy(app, release, manifest, build.userId, line);
    line(`       ${this.deps.webUrl(app.name)} deployed to Slipway`);
    return { ok: true, message: `Released v${deployed.version}`, releaseId: release.id };
  }

  private async supersedeOlder(build: BuildRow): Promise<void> {
    for (const old of await this.deps.store.repos.builds.unfinishedBefore(build.appId, build.createdAt, build.id)) {
      // a build already releasing is left to finish (the newer one deploys after it)
      if (await this.end(old, { status: 'failed', message: SUPERSEDED })) this.running.get(old.id)?.abort();
    }
  }

  /** Ends a build once (see BuildEnd for who may) and closes its log; false if it did not change. */
  async end(build: BuildRow, e: BuildEnd): Promise<boolean> {
    const { status, message } = e;
    const logKey = objectKeys.buildLog(build.appId, build.id);
    const changed = await this.deps.store.repos.builds.finish(
      build.id,
      { status, error: status === 'failed' ? message : null, stages: e.stages, releaseId: e.releaseId, logKey },
      { attempt: e.attempt, evenIfReleasing: e.evenIfReleasing },
    );
    if (!changed) return false;
    await this.deps.sink.finish(build.id, { status, message }, logKey);
    const app = await this.deps.store.repos.apps.findById(build.appId);
    if (app) {
      await this.deps.store.repos.activity.record({ orgId: app.orgId, appId: app.id, userId: build.userId, action: status === 'succeeded' ? 'build.succeeded' : 'build.failed', details: { commit: build.commit?.slice(0, 7), message } });
      const neverRan = !(await this.deps.store.repos.releases.current(app.id))?.slugId;
      if (status === 'failed' && neverRan && (app.status === 'new' || app.status === 'deploying')) await this.deps.store.repos.apps.setStatus(app.id, 'failed');
    }
    return true;
  }

  /** Builds of this process still running (graceful shutdown waits for BullMQ instead). */
  cancelAll(): void {
    for (const ac of this.running.values()) ac.abort();
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
