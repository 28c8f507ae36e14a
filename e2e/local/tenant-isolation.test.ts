// The attack suite: two ordinary users of two organizations on one Slipway (local runtime, real
// processes). Tenant B runs an app holding a secret. Tenant A's build (a heroku-prebuild script),
// A's dyno and A's one-off dyno try to read the master key and the data dir, B's environment, files
// and processes, to write outside their directories, to leave a process behind after the build, and to reach
// PostgreSQL, Redis, the api's internal routes, B's dyno port and the cloud metadata address. The
// test shows what A saw from inside (the build's remote: lines, the dyno's JSON report) and checks
// from outside that nothing happened (the files, B's process, the targets being real).
import { readdir, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesGone, processesOf } from '@slipway/core/adapters/sandbox/sandbox.testing';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy, viaEdge } from '../support/git.js';
import { eventually } from '../support/wait.js';
import { readSse } from '../support/sse.js';

interface Attempt { name: string; ok: boolean; detail: string }

let stack: Stack;
let alice: ApiClient;
let bob: ApiClient;
const B_SECRET = `b-secret-${Date.now()}-do-not-leak`;
const victim: { id: string; uid: number; pid: number; port: number } = { id: '', uid: 0, pid: 0, port: 0 };
let attacker: { id: string; uid: number };
let buildReport: Attempt[] = [];
let pushOutput = '';
let attackerWc: WorkingCopy;

const uidOf = async (appId: string) => Number((await stack.db.pool.query('SELECT uid FROM app_uids WHERE app_id = $1', [appId])).rows[0].uid);
const reachable = (port: number) => new Promise<boolean>((resolve) => {
  const s = net.connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
  s.on('error', () => resolve(false));
});
const parseReport = (output: string): Attempt[] =>
  output.split('\n').flatMap((l) => {
    const m = /ATTACK (\{.*\})\s*$/.exec(l);
    return m ? [JSON.parse(m[1]!) as Attempt] : [];
  });
const byName = (report: Attempt[]) => Object.fromEntries(report.map((a) => [a.name, a]));

/** Every attempt of an attack report failed the way the sandbox makes it fail. */
function expectAllBlocked(report: Attempt[], where: string): void {
  const r = byName(report);
  const expected: Record<string, RegExp> = {
    'read the master key': /^ENOENT$/,
    'list the data dir': /^ENOENT$/,
    "read B's files": /^ENOENT$/,
    "read B's /proc/<pid>/environ": /^ENOENT$/,
    "find B's secret in any /proc/*/environ": /^NOTFOUND$/,
    "kill B's process": /^ESRCH$/,
    'write into /usr': /^EROFS$/,
    'write into /etc': /^EROFS$/,
    'write at /': /^EROFS$/,
    'write into the data dir': /^(ENOENT|EROFS)$/,
    'connect to PostgreSQL': /^(EHOSTUNREACH|ECONNREFUSED)$/,
    'connect to Redis': /^(EHOSTUNREACH|ECONNREFUSED)$/,
    "call the api's internal route": /^(EHOSTUNREACH|ECONNREFUSED)$/,
    "connect to the api on the machine's own address": /^(EHOSTUNREACH|ECONNREFUSED)$/,
    "connect to B's dyno port": /^(EHOSTUNREACH|ECONNREFUSED)$/,
    'reach the metadata address': /^(EHOSTUNREACH|ECONNREFUSED)$/,
    'use the Docker socket': /^ENOENT$/,
    'see processes outside its sandbox': /^ONLY_OWN$/,
  };
  for (const [name, code] of Object.entries(expected)) {
    expect(r[name], `${where}: ${name} was not attempted`).toBeDefined();
    expect({ name, ok: r[name]!.ok, detail: r[name]!.detail }, where).toEqual({ name, ok: false, detail: expect.stringMatching(code) });
  }
  // the fence is not a wall: the internet (the npm registry) is reachable
  expect(r['reach the internet (npm registry)'], `${where}: ${JSON.stringify(r['reach the internet (npm registry)'])}`).toMatchObject({ ok: true, detail: 'HTTP 200' });
}

beforeAll(async () => {
  stack = await startStack();
  alice = await ApiClient.signUp(stack.apiUrl, 'alice@tenant-a.example');
  bob = await ApiClient.signUp(stack.apiUrl, 'bob@tenant-b.example');

  // tenant B: an app with a secret, running
  const b = (await bob.post('/apps', { name: 'victim-b' })).body;
  victim.id = b.id;
  expect((await bob.patch('/apps/victim-b/config-vars', { B_SECRET })).status).toBe(200);
  const bwc = await WorkingCopy.create({ fixture: 'victim' });
  const bpush = await bwc.push(b.git_url, bob.token!);
  expect(bpush.code, bpush.output).toBe(0);
  expect((await viaEdge(stack.edgePort, 'victim-b.localhost')).body).toMatch(/^victim ok /);
  victim.uid = await uidOf(victim.id);
  const dynos = path.join(stack.dataDir, 'apps', victim.id, 'dynos');
  const record = JSON.parse(await readFile(path.join(dynos, (await readdir(dynos))[0]!, 'record.json'), 'utf8'));
  victim.port = record.port;
  for (const pid of processesOf(victim.uid)) {
    if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('victim.js')) victim.pid = pid;
  }
  expect(victim.pid).toBeGreaterThan(1);

  // tenant A: its targets are everything above, as a config var
  const a = (await alice.post('/apps', { name: 'attacker-a' })).body;
  const db = new URL(stack.env.SLIPWAY_DATABASE_URL!);
  const redis = new URL(stack.env.SLIPWAY_REDIS_URL!);
  const hostAddress = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? '127.0.0.1';
  const targets = {
    masterKey: path.join(stack.dataDir, 'master.key'), dataDir: stack.dataDir,
    victimFile: path.join(stack.dataDir, 'apps', victim.id, 'releases', 'v1', 'victim.js'), victimPid: victim.pid, victimPort: victim.port,
    victimSecretReversed: B_SECRET.split('').reverse().join(''),
    pgPort: Number(db.port), redisPort: Number(redis.port), apiPort: Number(new URL(stack.apiUrl).port), hostAddress,
  };
  expect((await alice.patch('/apps/attacker-a/config-vars', { ATTACK_TARGETS: JSON.stringify(targets) })).status).toBe(200);
  attackerWc = await WorkingCopy.create({ fixture: 'attacker' });
  const push = await attackerWc.push(a.git_url, alice.token!);
  pushOutput = push.output;
  expect(push.code, push.output).toBe(0);
  buildReport = parseReport(push.output);
  attacker = { id: a.id, uid: await uidOf(a.id) };
});
afterAll(async () => stack?.stop());

describe("a tenant's build", () => {
  it('runs as its own uid, sees nothing of the platform or of B, and reaches only the internet', () => {
    expect(pushOutput).toMatch(/remote:\s+ATTACK \{"name":"read the master key","ok":false,"detail":"ENOENT"\}/);
    expectAllBlocked(buildReport, 'build');
    expect(byName(buildReport).whoami!.detail).toMatch(new RegExp(`^uid ${attacker.uid} pid \\d+ host build$`));
    expect(attacker.uid).not.toBe(victim.uid);
  });

  it('leaves no process behind: its detached loop died with the build, as the next build sees', async () => {
    expect(byName(buildReport)['leave a process running after the build']).toMatchObject({ ok: true });
    const beat = path.join(stack.dataDir, 'cache', attacker.id, 'leftover-beat');
    const last = (await stat(beat)).mtimeMs;
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await stat(beat)).mtimeMs).toBe(last); // nobody beats any more
    for (const pid of processesOf(attacker.uid)) expect(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).not.toContain('slipway-leftover');
    // the next build of the same app (same uid, same cache) looks for it from inside
    await attackerWc.commit('again');
    const again = await attackerWc.push(`${stack.apiUrl}/attacker-a.git`, alice.token!);
    expect(again.code, again.output).toBe(0);
    expect(byName(parseReport(again.output))['a process left by the previous build still runs']).toMatchObject({ ok: false, detail: 'STOPPED' });
  });
});

describe("a tenant's dyno", () => {
  it('runs as its own uid, sees nothing of the platform or of B, and reaches only the internet', async () => {
    const res = await viaEdge(stack.edgePort, 'attacker-a.localhost', '/attack');
    expect(res.status).toBe(200);
    const report = JSON.parse(res.body) as Attempt[];
    expectAllBlocked(report, 'dyno');
    expect(byName(report).whoami!.detail).toMatch(new RegExp(`^uid ${attacker.uid} pid \\d+ host web\\.1$`));
    expect(res.body).not.toContain(B_SECRET);
  });
});

describe("a tenant's one-off dyno (heroku run)", () => {
  it('runs as its own uid in its own sandbox, sees nothing of the platform or of B, and reaches only the internet', async () => {
    const run = await alice.post('/apps/attacker-a/dynos', { command: 'node attack.js run', attach: false });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    let report: Attempt[] = [];
    await eventually(async () => {
      const s = (await alice.post('/apps/attacker-a/log-sessions', { lines: 1500, dyno: run.body.name })).body;
      report = parseReport((await readSse(s.logplex_url, { timeoutMs: 5_000 })).map((e) => e.data).join('\n'));
      expect(byName(report).whoami).toBeDefined();
    }, 120_000, 1_000);
    expectAllBlocked(report, 'one-off dyno');
    expect(byName(report).whoami!.detail).toMatch(new RegExp(`^uid ${attacker.uid} pid \\d+ host ${run.body.name.replace('.', '\\.')}$`));
    expect(JSON.stringify(report)).not.toContain(B_SECRET);
  });
});

describe('seen from outside', () => {
  it('B is untouched: same process, still serving, its secret never in A\'s output', async () => {
    expect((await viaEdge(stack.edgePort, 'victim-b.localhost')).body).toMatch(/^victim ok /);
    expect(processesOf(victim.uid)).toContain(victim.pid);
    expect(pushOutput).not.toContain(B_SECRET);
  });

  it('nothing was written outside the sandboxes, and the targets were real', async () => {
    for (const f of ['/usr/bin/slipway-pwned', '/etc/slipway-pwned', '/slipway-pwned', path.join(stack.dataDir, 'slipway-pwned')]) expect(existsSync(f), f).toBe(false);
    const db = new URL(stack.env.SLIPWAY_DATABASE_URL!);
    const redis = new URL(stack.env.SLIPWAY_REDIS_URL!);
    for (const port of [Number(db.port), Number(redis.port), Number(new URL(stack.apiUrl).port), victim.port]) expect(await reachable(port), `port ${port}`).toBe(true);
    expect(existsSync(path.join(stack.dataDir, 'master.key'))).toBe(true);
  });

  it('an app that is deleted leaves no process of its uid', async () => {
    expect((await alice.delete('/apps/attacker-a')).status).toBe(200);
    await eventually(async () => expect(await processesGone(attacker.uid, 100)).toEqual([]), 60_000);
  });
});
