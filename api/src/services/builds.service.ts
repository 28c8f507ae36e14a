// Builds over the API: list, show, follow the output (replay + live until the build ends).
import { NotFoundError } from '@slipway/core/errors';
import type { BuildLogEvent, BuildLogSink } from '@slipway/core/ports/build-log.port';
import { objectKeys } from '@slipway/core/ports/object-store.port';
import type { Store } from '@slipway/core/repositories/index';
import type { AppLookup } from './app-lookup.js';

export class BuildsService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; buildLogs: BuildLogSink }) {}

  async list(userId: string, idOrName: string) {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see builds');
    return { app: { id: app.id, name: app.name }, builds: await this.deps.store.repos.builds.list(app.id, 50) };
  }

  async get(userId: string, idOrName: string, buildId: string) {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see builds');
    const build = await this.deps.store.repos.builds.find(app.id, buildId);
    if (!build) throw new NotFoundError("Couldn't find that build.");
    return { app: { id: app.id, name: app.name }, build };
  }

  async *follow(userId: string, idOrName: string, buildId: string, signal: AbortSignal): AsyncIterable<BuildLogEvent> {
    const { app, build } = await this.get(userId, idOrName, buildId);
    let ended = false;
    for await (const ev of this.deps.buildLogs.follow(build.id, signal, objectKeys.buildLog(app.id, build.id))) {
      yield ev;
      if (ev.kind === 'end') ended = true;
    }
    if (!ended && !signal.aborted) {
      const final = (await this.deps.store.repos.builds.findById(build.id))!;
      if (final.status === 'succeeded' || final.status === 'failed') {
        yield { kind: 'end', outcome: { status: final.status, message: final.error ?? '' } };
      }
    }
  }
}
