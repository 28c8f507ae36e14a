// Test support: the real api (Express app + services + git transports) in this process, on a fresh
// database and Redis prefix, listening on a free port. Logs are captured so tests can search them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '@slipway/core/config/config';
import { createLogger } from '@slipway/core/logger';
import { RedisLogStore } from '@slipway/core/adapters/log/redis.log-store';
import { FsObjectStore } from '@slipway/core/adapters/object-store/fs.object-store';
import { SpawnCommandRunner } from '@slipway/core/adapters/command/spawn.command-runner';
import type { CommandRunner, CommandSpec } from '@slipway/core/ports/command-runner.port';
import { createTestDatabase, setTestSetting, testRedisUrl, uniquePrefix, type TestDatabase } from '@slipway/core/testing/test-env';
import { freePort } from '@slipway/core/testing/free-port';
import { createApiContext, type ApiContext } from '@slipway/api/context';
import { createHttpApp } from '@slipway/api/http/app';
import { answerClientError } from '@slipway/api/http/middleware/input-hygiene';
import { installHook } from '@slipway/api/git/hook-installer';
import { startGit, type GitModule } from '@slipway/api/git/git.module';

export class CountingRunner implements CommandRunner {
  readonly calls: CommandSpec[] = [];
  private readonly inner = new SpawnCommandRunner();
  run(spec: CommandSpec) {
    this.calls.push(spec);
    return this.inner.run(spec);
  }
}

export interface ApiHarness {
  url: string;
  config: Config;
  ctx: ApiContext;
  db: TestDatabase;
  logs: string[];
  runner: CountingRunner;
  git: GitModule;
  close(): Promise<void>;
}


export async function startApiHarness(env: Record<string, string> = {}): Promise<ApiHarness> {
  const db = await createTestDatabase();
  await setTestSetting(db.pool, 'signup_enabled', true); // the tests play users who sign up
  const dataDir = await mkdtemp(path.join(tmpdir(), 'slw-api-'));
  const port = await freePort();
  const config = loadConfig({
    SLIPWAY_DATA_DIR: dataDir,
    SLIPWAY_DATABASE_URL: db.url,
    SLIPWAY_REDIS_URL: testRedisUrl(),
    SLIPWAY_REDIS_PREFIX: uniquePrefix(),
    SLIPWAY_API_PORT: String(port),
    SLIPWAY_GIT_SSH_PORT: String(await freePort()),
    SLIPWAY_LOG_LEVEL: 'debug',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ level: config.logLevel, name: 'api', destination: sink });
  const runner = new CountingRunner();
  const ctx = createApiContext(
    config,
    log,
    ({ redis }) => ({
      objects: new FsObjectStore(path.join(dataDir, 'objects')),
      logs: new RedisLogStore({ redis, prefix: config.redis.prefix }),
      runtime: { status: async () => [] },
    }),
    { runner },
  );
  await installHook(config);
  const git = startGit(ctx);
  const app = createHttpApp(ctx.http, { before: [git.httpRouter], extra: git.extraRouters });
  const server: Server = createServer(app);
  answerClientError(server);
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await git.listen();
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    ctx,
    db,
    logs,
    runner,
    git,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await git.close();
      await ctx.close();
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
