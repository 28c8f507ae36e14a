// LocalRuntime behaviour beyond the shared contract: privilege drop, .profile.d, stop grace and
// SIGKILL, crash backoff, recovery after the worker dies, hostile slugs. Real processes, nginx, Redis.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { create } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../../domain/slug-archive.js';
import type { LogLine } from '../../../ports/log-store.port.js';
import type { AppRef, ReleaseSpec } from '../../../ports/runtime.port.js';
import { testApp } from '../../../ports/runtime.contract.js';
import { REPO_ROOT, testRedisUrl } from '../../../testing/test-env.js';
import { startLocalRig, type LocalTestRig } from './local.testing.js';

let rig: LocalTestRig;
beforeAll(async () => {
  rig = await startLocalRig({ scratch: process.env.SLIPWAY_TEST_SCRATCH ?? os.tmpdir(), redisUrl: testRedisUrl(), stopGraceSeconds: 2 });
});
afterAll(async () => {
  await rig?.teardown();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let version = 100;
const newApp = (): AppRef => ({ id: randomBytes(8).toString('hex'), name: `l${randomBytes(4).toString('hex')}`, orgId: 'o' });
const host = (app: AppRef) => `${app.name}.localhost`;

async function spec(app: AppRef, files: Record<string, string>, over: Partial<ReleaseSpec> = {}): Promise<ReleaseSpec> {
  return {
    app,
    release: { id: randomBytes(4).toString('hex'), version: ++version },
    artifact: await rig.harness.artifact(files),
    env: {},
    processes: [{ type: 'web', command: 'node server.js', quantity: 1 }],
    plan: { cpu: 1, memoryMb: 256, maxReplicas: 10 },
    healthCheckPath: null,
    routing: { hostnames: [host(app)], maintenance: false },
    ...over,
  };
}

async function logs(appId: string, source?: 'app' | 'platform'): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of rig.harness.logs.read(appId, { lines: 1000, tail: false, signal: new AbortController().signal, ...(source ? { source } : {}) })) out.push(l);
  return out;
}

async function eventually(what: string, fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const alive = (pid: number) => {
  try { process.kill(pid, 0); return true; } catch { return false; }
};

describe('LocalRuntime (local specifics)', () => {
  it('runs the app unprivileged: it cannot read a 0600 root file; .profile.d is sourced; HOME is the release', async () => {
    const app = newApp();
    const secret = path.join(rig.dir, 'data', 'master.key');
    await writeFile(secret, 'top secret', { mode: 0o600 });
    const files = { ...testApp(), '.profile.d/app.sh': 'export FROM_PROFILE="profile ran"\n' };
    const res = await rig.runtime.deploy(await spec(app, files, { processes: [{ type: 'web', command: 'echo "pid $$ uid $(id -u)"; node server.js', quantity: 1 }] }), () => undefined);
    expect(res).toEqual({ ok: true });
    const env = JSON.parse((await rig.harness.get(host(app), '/env')).body) as Record<string, string>;
    expect(env.FROM_PROFILE).toBe('profile ran');
    expect(env.HOME).toMatch(new RegExp(`/apps/${app.id}/releases/v${version}$`));
    expect((await rig.harness.get(host(app), `/read?file=${encodeURIComponent(path.join(env.HOME!, 'server.js'))}`)).status).toBe(200);
    if (process.getuid?.() === 0) {
      const r = await rig.harness.get(host(app), `/read?file=${encodeURIComponent(secret)}`);
      expect(r.status).toBe(403);
      expect(r.body).toBe('EACCES');
      const line = (await logs(app.id, 'app')).find((l) => l.line.startsWith('pid '))!;
      expect(line.line).not.toMatch(/uid 0$/);
    }
    const platform = (await logs(app.id, 'platform')).map((l) => l.line);
    expect(platform).toContain('State changed from starting to up');
    expect(platform.some((l) => l.startsWith('Starting process with command `echo'))).toBe(true);
  });

  it('stops with SIGTERM, then SIGKILL after the grace period', async () => {
    const app = newApp();
    const stubborn = "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('pid ' + process.pid); setInterval(() => {}, 1000);";
    const polite = "process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); console.log('pid ' + process.pid); setInterval(() => {}, 1000);";
    const s = await spec(app, { 'stubborn.js': stubborn, 'polite.js': polite }, {
      processes: [{ type: 'stubborn', command: 'node stubborn.js', quantity: 1 }, { type: 'polite', command: 'node polite.js', quantity: 1 }],
      routing: { hostnames: [], maintenance: false },
    });
    expect(await rig.runtime.deploy(s, () => undefined)).toEqual({ ok: true });
    await eventually('pids in the log', async () => (await logs(app.id, 'app')).filter((l) => l.line.startsWith('pid ')).length === 2);
    const pids = (await logs(app.id, 'app')).filter((l) => l.line.startsWith('pid ')).map((l) => Number(l.line.slice(4)));
    const t0 = Date.now();
    await rig.runtime.stop(app);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(5000);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const all = await logs(app.id);
    const of = (dyno: string) => all.filter((l) => l.dyno === dyno).map((l) => l.line);
    expect(of('stubborn.1')).toEqual(expect.arrayContaining(['ignoring SIGTERM', 'Stopping all processes with SIGTERM', 'Stopping process with SIGKILL', 'Process exited with status 137']));
    expect(of('polite.1')).toEqual(expect.arrayContaining(['bye', 'Process exited with status 0']));
    expect(of('polite.1')).not.toContain('Stopping process with SIGKILL');
  });

  it('restarts a crashing dyno with growing backoff, "crashed" while it waits', async () => {
    const app = newApp();
    const s = await spec(app, { 'flaky.js': "console.log('up'); setTimeout(() => process.exit(1), 400);" }, {
      processes: [{ type: 'worker', command: 'node flaky.js', quantity: 1 }],
      routing: { hostnames: [], maintenance: false },
    });
    expect(await rig.runtime.deploy(s, () => undefined)).toEqual({ ok: true });
    let sawCrashed = false;
    await eventually('three restarts', async () => {
      const [d] = await rig.runtime.status(app.id);
      if (d?.state === 'crashed') sawCrashed = true;
      return (d?.restarts ?? 0) >= 3;
    }, 15_000);
    expect(sawCrashed).toBe(true);
    await rig.runtime.stop(app);
    const platform = (await logs(app.id, 'platform'));
    const exits = platform.filter((l) => l.line === 'Process exited with status 1').map((l) => Date.parse(l.ts));
    const starts = platform.filter((l) => l.line.startsWith('Starting process')).map((l) => Date.parse(l.ts));
    // backoff 300 ms doubling (test setting): waits ≈ 300, 600, 1200 ms
    const waits = [0, 1, 2].map((i) => starts[i + 1]! - exits[i]!);
    expect(waits[0]).toBeGreaterThanOrEqual(250);
    expect(waits[1]).toBeGreaterThanOrEqual(waits[0]! * 1.6);
    expect(waits[2]).toBeGreaterThanOrEqual(waits[1]! * 1.6);
    expect(platform.map((l) => l.line)).toContain('State changed from crashed to starting');
  });

  it('refuses a slug with ../ entries before anything runs', async () => {
    const app = newApp();
    const src = path.join(rig.dir, `hostile-${randomBytes(3).toString('hex')}`);
    await mkdir(path.join(src, 'inner'), { recursive: true });
    await writeFile(path.join(src, 'escape.txt'), 'owned');
    const tgz = path.join(rig.dir, 'hostile.tgz');
    await create({ gzip: true, file: tgz, cwd: path.join(src, 'inner'), preservePaths: true }, ['../escape.txt']);
    const key = `slugs/test/${randomBytes(6).toString('hex')}.tgz`;
    await rig.objects.putFile(key, tgz);
    const s = await spec(app, testApp());
    s.artifact = { kind: 'slug', objectKey: key, sha256: await sha256File(tgz), size: 1 };
    await expect(rig.runtime.deploy(s, () => undefined)).rejects.toThrow(/\.\./);
    expect(await readdir(path.join(rig.appsDir, app.id, 'releases'))).toEqual([]);
    expect(await rig.runtime.status(app.id)).toEqual([]);
  });

  it('recover() on a live runtime reconciles: running dynos stay, unlisted apps stop, missing ones start', async () => {
    const [a, b, c] = [newApp(), newApp(), newApp()];
    const sa = await spec(a, testApp({ body: 'A' }));
    expect(await rig.runtime.deploy(sa, () => undefined)).toEqual({ ok: true });
    expect(await rig.runtime.deploy(await spec(b, testApp({ body: 'B' })), () => undefined)).toEqual({ ok: true });
    const idA = (await rig.harness.get(host(a), '/id')).body;
    const sc = await spec(c, testApp({ body: 'C' }));
    await rig.runtime.recover([sa, { ...sc, processes: [{ type: 'web', command: 'node server.js', quantity: 2 }] }]);
    expect((await rig.harness.get(host(a), '/id')).body).toBe(idA);
    expect((await rig.harness.get(host(b))).status).toBe(404);
    expect(await rig.runtime.status(b.id)).toEqual([]);
    expect((await rig.harness.get(host(c))).body).toBe('C');
    expect((await rig.runtime.status(c.id)).map((d) => `${d.name} ${d.state}`)).toEqual(['web.1 up', 'web.2 up']);
    expect((await rig.runtime.status(a.id)).map((d) => `${d.name} ${d.state}`)).toEqual(['web.1 up']);
    await rig.runtime.recover([]);
    expect((await rig.harness.get(host(a))).status).toBe(404);
  });

  it('recovers after the worker dies: leftovers are ended, the release comes back behind the edge', async () => {
    const app = newApp();
    const s = await spec(app, testApp({ body: 'survivor' }));
    const script = path.join(rig.dir, 'dying-worker.mjs');
    const dist = (p: string) => JSON.stringify(path.join(REPO_ROOT, 'core/dist', p));
    await writeFile(script, `
import { createRedis } from ${dist('adapters/redis/redis.js')};
import { createLogger } from ${dist('logger.js')};
import { FsObjectStore } from ${dist('adapters/object-store/fs.object-store.js')};
import { SpawnCommandRunner } from ${dist('adapters/command/spawn.command-runner.js')};
import { NginxEdge } from ${dist('adapters/edge/nginx/nginx.edge.js')};
import { RedisLogStore } from ${dist('adapters/log/redis.log-store.js')};
import { LocalRuntime } from ${dist('adapters/runtime/local/local.runtime.js')};
const [spec, o] = JSON.parse(process.argv[2]);
const redis = createRedis(o.redisUrl);
const logger = createLogger({ level: 'warn', name: 'dying-worker' });
const commands = new SpawnCommandRunner();
const rt = new LocalRuntime({
  appsDir: o.appsDir, local: { bootTimeoutSeconds: 5, stopGraceSeconds: 2, portRange: o.portRange },
  redis, redisPrefix: o.prefix, objects: new FsObjectStore(o.objects), logs: new RedisLogStore({ redis, prefix: o.prefix }),
  edge: new NginxEdge({ dir: o.edgeDir, port: o.port, bind: '127.0.0.1', nginxBin: 'nginx', commands, logger }), commands, logger,
});
const res = await rt.deploy(spec, () => {});
process.stdout.write(JSON.stringify(res) + '\\n');
setInterval(() => {}, 1000);
`);
    const opts = { redisUrl: rig.redisUrl, appsDir: rig.appsDir, portRange: [rig.portRange[0] + 90, rig.portRange[1]], prefix: rig.prefix, objects: path.join(rig.dir, 'data', 'objects'), edgeDir: rig.edgeDir, port: rig.nginx.port };
    const child = spawn(process.execPath, [script, JSON.stringify([s, opts])], { stdio: ['ignore', 'pipe', 'inherit'] });
    const first = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
    });
    expect(JSON.parse(first)).toEqual({ ok: true });
    const oldId = (await rig.harness.get(host(app), '/id')).body;
    const oldPid = Number(oldId.split(':')[1]);
    expect(alive(oldPid)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The worker is gone; nginx still serves the last good table and the orphan still answers.
    expect((await rig.harness.get(host(app))).body).toBe('survivor');

    const next = rig.makeRuntime();
    await next.recover([s]);
    expect(alive(oldPid)).toBe(false);
    const now = await rig.harness.get(host(app), '/id');
    expect(now.status).toBe(200);
    expect(now.body).not.toBe(oldId);
    expect(await next.status(app.id)).toEqual([expect.objectContaining({ name: 'web.1', state: 'up', restarts: 0 })]);
    expect(await readdir(path.join(rig.appsDir, app.id, 'run'))).toHaveLength(1);
    await next.shutdown();
    expect(await next.status(app.id)).toEqual([]);
  });
});
