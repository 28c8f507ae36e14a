// LocalRuntime behaviour beyond the shared contract: the dyno's sandbox (its own uid, /app, HOME),
// .profile.d, stop grace and SIGKILL, crash backoff, dynos that outlive a dying worker and are
// adopted by the next, hostile slugs. Real processes, bubblewrap, cgroups, nginx, Redis.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { create } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../../domain/slug-archive.js';
import type { LogLine } from '../../../ports/log-store.port.js';
import type { AppRef, ReleaseSpec } from '../../../ports/runtime.port.js';
import { testApp } from '../../../ports/runtime.contract.js';
import { REPO_ROOT, testRedisUrl } from '../../../testing/test-env.js';
import { processesGone, processesOf } from '../../sandbox/sandbox.testing.js';
import { startLocalRig, type LocalTestRig } from './local.testing.js';
import type { DynoRecord } from './dyno-launcher.js';

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

async function records(appId: string): Promise<DynoRecord[]> {
  const dir = path.join(rig.appsDir, appId, 'dynos');
  const out: DynoRecord[] = [];
  for (const run of await readdir(dir).catch(() => [] as string[])) {
    const text = await readFile(path.join(dir, run, 'record.json'), 'utf8').catch(() => null);
    if (text) out.push(JSON.parse(text) as DynoRecord);
  }
  return out;
}

describe('LocalRuntime (local specifics)', () => {
  it('runs the app in its sandbox as its own uid: HOME=/app, .profile.d sourced, no data dir, a writable /app of its own', async () => {
    const app = newApp();
    const secret = path.join(rig.dir, 'data', 'master.key');
    await writeFile(secret, 'top secret', { mode: 0o600 });
    const files = { ...testApp(), '.profile.d/app.sh': 'export FROM_PROFILE="profile ran"\n' };
    const command = 'echo "uid $(id -u) cwd $(pwd)"; echo written > /app/at-boot.txt; node server.js';
    const res = await rig.runtime.deploy(await spec(app, files, { processes: [{ type: 'web', command, quantity: 1 }] }), () => undefined);
    expect(res).toEqual({ ok: true });
    const env = JSON.parse((await rig.harness.get(host(app), '/env')).body) as Record<string, string>;
    expect(env.FROM_PROFILE).toBe('profile ran');
    expect(env.HOME).toBe('/app');
    expect((await rig.harness.get(host(app), '/read?file=/app/server.js')).status).toBe(200);
    expect((await rig.harness.get(host(app), '/read?file=/app/at-boot.txt')).body).toBe('written\n');
    // the data dir does not exist in the sandbox at all
    expect(await rig.harness.get(host(app), `/read?file=${encodeURIComponent(secret)}`)).toMatchObject({ status: 403, body: 'ENOENT' });
    const uid = await rig.uids.uidOf(app.id);
    await eventually('the boot line', async () => (await logs(app.id, 'app')).some((l) => l.line.startsWith('uid ')));
    expect((await logs(app.id, 'app')).find((l) => l.line.startsWith('uid '))!.line).toBe(`uid ${uid} cwd /app`);
    // the release's own files are untouched: the write went to this dyno's layer
    const release = path.join(rig.appsDir, app.id, 'releases', `v${version}`);
    await expect(readFile(path.join(release, 'at-boot.txt'))).rejects.toThrow();
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
    const uid = await rig.uids.uidOf(app.id);
    expect(processesOf(uid).length).toBeGreaterThanOrEqual(2);
    const t0 = Date.now();
    await rig.runtime.stop(app);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(5000);
    expect(await processesGone(uid)).toEqual([]);
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

  it('keeps dynos running when the worker dies; the next worker adopts them: same processes, no log line lost', async () => {
    const app = newApp();
    const s = await spec(app, testApp({ body: 'survivor' }), {
      processes: [{ type: 'web', command: 'node server.js', quantity: 1 }, { type: 'worker', command: 'node worker.js', quantity: 1 }],
    });
    const script = path.join(rig.dir, 'dying-worker.mjs');
    const dist = (p: string) => JSON.stringify(path.join(REPO_ROOT, 'core/dist', p));
    await writeFile(script, `
import { createRedis } from ${dist('adapters/redis/redis.js')};
import { createLogger } from ${dist('logger.js')};
import { FsObjectStore } from ${dist('adapters/object-store/fs.object-store.js')};
import { SpawnCommandRunner } from ${dist('adapters/command/spawn.command-runner.js')};
import { NginxEdge } from ${dist('adapters/edge/nginx/nginx.edge.js')};
import { RedisLogStore } from ${dist('adapters/log/redis.log-store.js')};
import { SandboxHost } from ${dist('adapters/sandbox/sandbox-host.js')};
import { LocalRuntime } from ${dist('adapters/runtime/local/local.runtime.js')};
const [spec, o] = JSON.parse(process.argv[2]);
const redis = createRedis(o.redisUrl);
const logger = createLogger({ level: 'warn', name: 'dying-worker' });
const commands = new SpawnCommandRunner();
const rt = new LocalRuntime({
  appsDir: o.appsDir, local: { bootTimeoutSeconds: 5, stopGraceSeconds: 2, portRange: o.portRange },
  redis, redisPrefix: o.prefix, objects: new FsObjectStore(o.objects), logs: new RedisLogStore({ redis, prefix: o.prefix }),
  edge: new NginxEdge({ dir: o.edgeDir, port: o.port, bind: '127.0.0.1', nginxBin: 'nginx', commands, logger }), commands, logger,
  sandbox: new SandboxHost({ dataDir: o.dataDir, uidRange: o.uidRange, commands, logger }),
  uids: { uidOf: async () => o.uid }, dynoMaxProcesses: async () => 256,
});
const res = await rt.deploy(spec, () => {});
process.stdout.write(JSON.stringify(res) + '\\n');
setInterval(() => {}, 1000);
`);
    const uid = await rig.uids.uidOf(app.id);
    const opts = {
      redisUrl: rig.redisUrl, appsDir: rig.appsDir, portRange: [rig.portRange[0] + 90, rig.portRange[1]], prefix: rig.prefix,
      objects: path.join(rig.dir, 'data', 'objects'), edgeDir: rig.edgeDir, port: rig.nginx.port, dataDir: path.join(rig.dir, 'data'), uidRange: rig.uidRange, uid,
    };
    const child = spawn(process.execPath, [script, JSON.stringify([s, opts])], { stdio: ['ignore', 'pipe', 'inherit'] });
    const first = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`worker exited ${code}`)));
    });
    expect(JSON.parse(first)).toEqual({ ok: true });
    const oldId = (await rig.harness.get(host(app), '/id')).body;
    const before = await records(app.id);
    expect(before.map((r) => r.type).sort()).toEqual(['web', 'worker']);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // no worker: the dynos go on (nginx still has the last good table), their supervisors too
    await sleep(1_500);
    expect((await rig.harness.get(host(app), '/id')).body).toBe(oldId);
    for (const r of before) expect(alive(r.supervisorPid)).toBe(true);

    const next = rig.makeRuntime();
    await next.recover([s]);
    expect((await rig.harness.get(host(app), '/id')).body).toBe(oldId);
    expect((await records(app.id)).map((r) => `${r.runId} ${r.supervisorPid}`).sort()).toEqual(before.map((r) => `${r.runId} ${r.supervisorPid}`).sort());
    expect((await next.status(app.id)).map((d) => `${d.name} ${d.state} ${d.restarts}`)).toEqual(['web.1 up 0', 'worker.1 up 0']);
    // the worker dyno's ticks go on flowing, and none went missing while no worker listened
    const ticks = async () => (await logs(app.id, 'app')).filter((l) => l.dyno === 'worker.1' && l.line.startsWith('tick ')).map((l) => Number(l.line.slice(5)));
    const seen = (await ticks()).length;
    await eventually('ticks after adoption', async () => (await ticks()).length > seen + 5);
    const all = await ticks();
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    await next.shutdown();
    expect(await next.status(app.id)).toEqual([]);
    expect(await processesGone(uid)).toEqual([]);
    expect(await records(app.id)).toEqual([]);
  });
});
