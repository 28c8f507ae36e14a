// The release phase's output over HTTP (Heroku's release `output_stream_url`, which
// `heroku releases:output` and `rollback` stream without credentials): a capability URL naming
// the release and carrying a MAC of its id, served live while the release command runs and from
// the archive afterwards. Releases without a `release:` process type have no output (null URL).
import { NotFoundError } from '@slipway/core/errors';
import type { SecretBox } from '@slipway/core/crypto';
import type { RedisBuildLogSink } from '@slipway/core/adapters/build-log/redis.build-log-sink';
import { releaseOutputLogId, type BuildLogEvent } from '@slipway/core/ports/build-log.port';
import { objectKeys } from '@slipway/core/ports/object-store.port';
import type { Store } from '@slipway/core/repositories/index';
import type { ReleaseRow } from '@slipway/core/repositories/types';

const SCOPE = 'release-output';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class ReleaseOutputs {
  constructor(private readonly deps: { box: SecretBox; apiUrl: string; logs: RedisBuildLogSink; store: Store }) {}

  url(release: ReleaseRow): string | null {
    if (!release.releasePhase) return null;
    return `${this.deps.apiUrl}/release-output/${release.id}?sig=${this.deps.box.mac(SCOPE, release.id)}`;
  }

  /** The output of the release a URL names; NotFound for a bad signature or before it starts. */
  async open(releaseId: string, sig: unknown, signal: AbortSignal): Promise<AsyncIterable<BuildLogEvent>> {
    const valid = UUID_RE.test(releaseId) && typeof sig === 'string' && this.deps.box.verifyMac(SCOPE, releaseId, sig);
    const release = valid ? await this.deps.store.repos.releases.findById(releaseId) : null;
    if (!release) throw new NotFoundError("Couldn't find that release.", { resource: 'release' });
    const archive = objectKeys.releaseLog(release.appId, release.id);
    if (!(await this.deps.logs.exists(releaseOutputLogId(release.id), archive))) {
      throw new NotFoundError('The release command has not started yet.', { resource: 'release' });
    }
    return this.deps.logs.follow(releaseOutputLogId(release.id), signal, archive);
  }
}
