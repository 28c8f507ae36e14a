// Test and bench support (never used by server code): a LocalRuntime wired to real parts — a
// private nginx edge, the FsObjectStore, RedisLogStore on the test Redis, SpawnCommandRunner — in a
// scratch directory, with short timeouts, plus a slug packer for hand-made apps.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRedis, type Redis } from '../../redis/redis.js';
import { createLogger } from '../../../logger.js';
import { FsObjectStore } from '../../object-store/fs.object-store.js';
import { SpawnCommandRunner } from '../../command/spawn.command-runner.js';
import { NginxEdge } from '../../edge/nginx/nginx.edge.js';
import { hostGet, startNginx, type RunningNginx } from '../../edge/nginx/nginx.testing.js';
import { freePort } from '../../../testing/free-port.js';
import { RedisLogStore } from '../../log/redis.log-store.js';
import { packSlug } from '../../../domain/slug-archive.js';
import type { Artifact } from '../../../ports/runtime.port.js';
import type { RuntimeContractHarness } from '../../../ports/runtime.contract.js';
import { SandboxHost } from '../../sandbox/sandbox-host.js';
import { memoryAppUids, testUidRange } from '../../sandbox/sandbox.testing.js';
import type { AppUids } from '../../../ports/app-uids.port.js';
import { LocalRuntime, type LocalRuntimeDeps } from './local.runtime.js';
import { startTestRendezvous } from '../../rendezvous/rendezvous.testing.js';

export interface LocalTestRig {
  harness: RuntimeContractHarness;
  runtime: LocalRuntime;
  dir: string;
  appsDir: string;
  edgeDir: string;
  nginx: RunningNginx;
  redis: Redis;
  redisUrl: string;
  prefix: string;
  objects: FsObjectStore;
  portRange: [number, number];
  uidRange: [number, number];
  sandbox: SandboxHost;
  uids: AppUids;
  /** Builds another LocalRuntime on the same parts (e.g. "the next worker"). */
  makeRuntime(over?: Partial<LocalRuntimeDeps>): LocalRuntime;
  teardown(): Promise<void>;
}

export interface LocalRigOptions {
  scratch: string;
  redisUrl: string;
  bootTimeoutSeconds?: number;
  stopGraceSeconds?: number;
  deps?: Partial<LocalRuntimeDeps>;
}

/** Packs files into a slug, stores it, returns the artifact. */
export async function storeSlug(objects: FsObjectStore, scratch: string, files: Record<string, string | { text: string; mode: number }>): Promise<Artifact> {
  const src = await mkdtemp(path.join(scratch, 'slug-src-'));
  for (const [rel, content] of Object.entries(files)) {
    const f = path.join(src, rel);
    await mkdir(path.dirname(f), { recursive: true });
    if (typeof content === 'string') await writeFile(f, content);
    else await writeFile(f, content.text, { mode: content.mode });
  }
  const out = path.join(scratch, `slug-${randomBytes(6).toString('hex')}.tgz`);
  const info = await packSlug(src, out);
  const objectKey = `slugs/test/${randomBytes(8).toString('hex')}.tgz`;
  await objects.putFile(objectKey, out);
  await rm(src, { recursive: true, force: true });
  await rm(out, { force: true });
  return { kind: 'slug', objectKey, sha256: info.sha256, size: info.size };
}

export async function startLocalRig(o: LocalRigOptions): Promise<LocalTestRig> {
  const dir = await mkdtemp(path.join(o.scratch || os.tmpdir(), 'local-rt-'));
  await chmod(dir, 0o755); // like a data dir: others may traverse it
  const appsDir = path.join(dir, 'data', 'apps');
  const edgeDir = path.join(dir, 'data', 'edge');
  const objects = new FsObjectStore(path.join(dir, 'data', 'objects'));
  const port = await freePort();
  const nginx = await startNginx({ dir: edgeDir, port });
  const redis = createRedis(o.redisUrl);
  const prefix = `lr${randomBytes(4).toString('hex')}`;
  const logger = createLogger({ level: 'error', name: 'local-runtime-test' });
  const commands = new SpawnCommandRunner();
  const edge = new NginxEdge({ dir: edgeDir, port, bind: '127.0.0.1', nginxBin: 'nginx', commands, logger });
  const logs = new RedisLogStore({ redis, prefix });
  const base = 20_000 + Math.floor(Math.random() * 400) * 100;
  const portRange: [number, number] = [base, base + 99];
  const uidRange = testUidRange();
  const sandbox = new SandboxHost({ dataDir: path.join(dir, 'data'), uidRange, dynoPortRange: portRange, commands, logger });
  const uids = memoryAppUids(uidRange);
  const bootTimeoutSeconds = o.bootTimeoutSeconds ?? 3;
  const runtimes: LocalRuntime[] = [];
  const makeRuntime = (over: Partial<LocalRuntimeDeps> = {}) => {
    const rt = new LocalRuntime({
      appsDir,
      local: { bootTimeoutSeconds, stopGraceSeconds: o.stopGraceSeconds ?? 2, portRange },
      redis, redisPrefix: prefix, objects, logs, edge, commands, logger, sandbox, uids,
      dynoMaxProcesses: async () => 256,
      settleMs: 300,
      backoff: { initialMs: 300, maxMs: 5_000, resetAfterMs: 10_000 },
      ...o.deps,
      ...over,
    });
    runtimes.push(rt);
    return rt;
  };
  const runtime = makeRuntime();
  const rendezvous = await startTestRendezvous(dir);
  const harness: RuntimeContractHarness = {
    rendezvous,
    runtime,
    logs,
    domain: 'localhost',
    bootTimeoutMs: bootTimeoutSeconds * 1000,
    artifact: (files) => storeSlug(objects, dir, files),
    get: (host, p) => hostGet(port, host, p),
  };
  return {
    harness, runtime, dir, appsDir, edgeDir, nginx, redis, redisUrl: o.redisUrl, prefix, objects, portRange, uidRange, sandbox, uids, makeRuntime,
    async teardown() {
      for (const rt of runtimes) await rt.shutdown();
      await rendezvous.close();
      await sandbox.close();
      await nginx.stop();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
