// Pushes: who may push to which app, which refs deploy, and turning a pushed commit into a build.
// Transport-free: smart HTTP and SSH both come here (through the pre-receive hook's callback).
import { randomUUID } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { LimitError, NotFoundError, ValidationError } from '@slipway/core/errors';
import { DEPLOY_REFS, printable, validateCommitSha } from '@slipway/core/naming';
import type { BuildLogEvent, BuildLogSink } from '@slipway/core/ports/build-log.port';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import { objectKeys, type ObjectStore } from '@slipway/core/ports/object-store.port';
import type { Store } from '@slipway/core/repositories/index';
import type { AppSummary } from '@slipway/core/repositories/app.repository';
import type { BuildRow } from '@slipway/core/repositories/types';
import type { Settings } from '@slipway/core/settings/settings.service';
import { maxPushSizeMb, maxSourceSizeMb } from '@slipway/core/settings/limits.settings';
import type { AppLookup } from './app-lookup.js';

const MB = 1024 * 1024;

export interface PushLimits {
  pushMb: number;
  pushBytes: number;
  sourceMb: number;
  sourceBytes: number;
}

export type GitService = 'git-upload-pack' | 'git-receive-pack';

export interface RefUpdate {
  oldSha: string;
  newSha: string;
  ref: string;
}

const ZERO = /^0+$/;

export class PushService {
  constructor(
    private readonly deps: { store: Store; lookup: AppLookup; objects: ObjectStore; jobs: JobQueue; buildLogs: BuildLogSink; buildTimeoutSeconds: number; settings: Settings },
  ) {}

  /** The size limits in effect now (settings max_push_size_mb, max_source_size_mb). */
  async limits(): Promise<PushLimits> {
    const [pushMb, sourceMb] = await Promise.all([this.deps.settings.get(maxPushSizeMb), this.deps.settings.get(maxSourceSizeMb)]);
    return { pushMb, pushBytes: pushMb * MB, sourceMb, sourceBytes: sourceMb * MB };
  }

  /** Fetching needs read access, pushing needs deploy access. Unknown and foreign apps: 404. */
  authorize(userId: string, appName: string, service: GitService): Promise<AppSummary> {
    return service === 'git-receive-pack'
      ? this.deps.lookup.resolve(userId, appName, 'app:deploy', 'push to this app')
      : this.deps.lookup.resolve(userId, appName, 'app:read', 'fetch from this app');
  }

  /** The one update that deploys, or a ValidationError whose message is shown as `remote:` lines. */
  chooseDeploy(updates: RefUpdate[]): RefUpdate {
    if (updates.length === 0) throw new ValidationError('Nothing to push.');
    const bad = updates.find((u) => !DEPLOY_REFS.has(u.ref));
    if (bad) {
      const branch = bad.ref.replace(/^refs\/heads\//, '');
      throw new ValidationError(
        `Pushing to ${printable(branch)} is not supported: only main or master deploy.\nPush your branch to main instead:  git push slipway ${printable(branch)}:main`,
      );
    }
    if (updates.length > 1) throw new ValidationError('Push one branch at a time (main or master).');
    const u = updates[0]!;
    if (ZERO.test(u.newSha)) throw new ValidationError('Deleting the deploy branch is not allowed.');
    validateCommitSha(u.newSha);
    return u;
  }

  /**
   * Store the pushed source (a tar of the commit's tree) and queue the build. A source over
   * max_source_size_mb is refused with a LimitError naming the limit, and nothing is stored (the
   * object store writes atomically); `source` is then left unconsumed for the caller to drain.
   */
  async startBuild(push: { userId: string; appId: string }, update: RefUpdate, source: Readable): Promise<{ buildId: string; deadline: Date }> {
    const app = await this.deps.store.repos.apps.findById(push.appId);
    if (!app) throw new NotFoundError("Couldn't find that app.");
    const { sourceMb, sourceBytes } = await this.limits();
    const buildId = randomUUID();
    const sourceKey = objectKeys.source(app.id, buildId);
    let size = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > sourceBytes) done(new LimitError(`Push rejected: the pushed source is larger than the limit of ${sourceMb} MB unpacked (setting max_source_size_mb).`, { limit: sourceMb }));
        else done(null, chunk);
      },
    });
    source.on('error', (err) => counted.destroy(err));
    source.pipe(counted);
    try {
      await this.deps.objects.put(sourceKey, counted, { contentType: 'application/x-tar' });
    } catch (err) {
      source.unpipe(counted);
      if (size > sourceBytes) throw new LimitError(`Push rejected: the pushed source is larger than the limit of ${sourceMb} MB unpacked (setting max_source_size_mb).`, { limit: sourceMb });
      throw err;
    }
    const deadline = new Date(Date.now() + (this.deps.buildTimeoutSeconds + 600) * 1000);
    await this.deps.store.transaction(async (repos) => {
      await repos.builds.create({ id: buildId, appId: app.id, commit: update.newSha, ref: update.ref, userId: push.userId, sourceKey, deadlineAt: deadline });
      await repos.activity.record({ orgId: app.orgId, appId: app.id, userId: push.userId, action: 'build.started', details: { commit: update.newSha.slice(0, 7) } });
    });
    await this.deps.jobs.build({ buildId, appId: app.id });
    return { buildId, deadline };
  }

  findBuild(buildId: string): Promise<BuildRow | null> {
    return this.deps.store.repos.builds.findById(buildId);
  }

  /** The build's lines from the first, then its end: from the log, or from the build row when the
   *  log has no end marker (it expired, or the build was ended without one). */
  async *followToEnd(buildId: string, appId: string, signal: AbortSignal): AsyncIterable<BuildLogEvent> {
    for await (const ev of this.deps.buildLogs.follow(buildId, signal, objectKeys.buildLog(appId, buildId))) {
      yield ev;
      if (ev.kind === 'end') return;
    }
    if (signal.aborted) return;
    const final = await this.deps.store.repos.builds.findById(buildId);
    if (final && (final.status === 'succeeded' || final.status === 'failed')) yield { kind: 'end', outcome: { status: final.status, message: final.error ?? '' } };
  }
}
