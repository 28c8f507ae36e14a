// Pushes: who may push to which app, which refs deploy, and turning a pushed commit into a build.
// Transport-free: smart HTTP and SSH both come here (through the pre-receive hook's callback).
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { NotFoundError, ValidationError } from '@slipway/core/errors';
import { DEPLOY_REFS, printable, validateCommitSha } from '@slipway/core/naming';
import type { BuildLogEvent, BuildLogSink } from '@slipway/core/ports/build-log.port';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import { objectKeys, type ObjectStore } from '@slipway/core/ports/object-store.port';
import type { Store } from '@slipway/core/repositories/index';
import type { AppSummary } from '@slipway/core/repositories/app.repository';
import type { AppLookup } from './app-lookup.js';

export type GitService = 'git-upload-pack' | 'git-receive-pack';

export interface RefUpdate {
  oldSha: string;
  newSha: string;
  ref: string;
}

const ZERO = /^0+$/;

export class PushService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; objects: ObjectStore; jobs: JobQueue; buildLogs: BuildLogSink; buildTimeoutSeconds: number }) {}

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

  /** Store the pushed source and queue the build. */
  async startBuild(push: { userId: string; appId: string }, update: RefUpdate, source: Readable): Promise<string> {
    const app = await this.deps.store.repos.apps.findById(push.appId);
    if (!app) throw new NotFoundError("Couldn't find that app.");
    const buildId = randomUUID();
    const sourceKey = objectKeys.source(app.id, buildId);
    await this.deps.objects.put(sourceKey, source, { contentType: 'application/x-tar' });
    await this.deps.store.transaction(async (repos) => {
      await repos.builds.create({
        id: buildId,
        appId: app.id,
        commit: update.newSha,
        ref: update.ref,
        userId: push.userId,
        sourceKey,
        deadlineAt: new Date(Date.now() + (this.deps.buildTimeoutSeconds + 600) * 1000),
      });
      await repos.activity.record({ orgId: app.orgId, appId: app.id, userId: push.userId, action: 'build.started', details: { commit: update.newSha.slice(0, 7) } });
    });
    await this.deps.jobs.build({ buildId, appId: app.id });
    return buildId;
  }

  follow(buildId: string, appId: string, signal: AbortSignal): AsyncIterable<BuildLogEvent> {
    return this.deps.buildLogs.follow(buildId, signal, objectKeys.buildLog(appId, buildId));
  }
}
