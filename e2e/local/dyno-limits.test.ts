// Plans and supervision of dynos on the local runtime, as two ordinary users of two organizations
// see them: a dyno that allocates past its plan's memory is killed, crashes and the log names the
// limit (Heroku's R15); a busy loop gets its plan's share of the CPU and another app keeps
// answering; dynos keep running and logging while the worker is killed, and the next worker adopts
// them (same processes, logs flowing again). Real git pushes, real processes, cgroups, nginx.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesOf } from '@slipway/core/adapters/sandbox/sandbox.testing';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy, viaEdge } from '../support/git.js';
import { readSse } from '../support/sse.js';
import { eventually, report } from '../support/wait.js';

let stack: Stack;
let alice: ApiClient;
let bob: ApiClient;

const HOG = `
const http = require('http');
const keep = [];
http.createServer((req, res) => {
  if (req.url !== '/hog') return res.end('hog idle');
  res.end('allocating');
  for (let mb = 16; ; mb += 16) {
    keep.push(Buffer.alloc(16 * 1024 * 1024, 1));
    if (mb % 64 === 0) console.log('allocated ' + mb + ' MB');
  }
}).listen(process.env.PORT);
`;
// a busy loop that reports, every second, the share of one CPU it got
const SPIN = `
let wall = Date.now(), cpu = process.cpuUsage();
for (;;) {
  if (Date.now() - wall >= 1000) {
    const used = process.cpuUsage(cpu);
    console.log('cpu share ' + ((used.user + used.system) / 1000 / (Date.now() - wall)).toFixed(2));
    wall = Date.now(); cpu = process.cpuUsage();
  }
}
`;
const CALM = `
const id = require('crypto').randomUUID();
require('http').createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/log') console.log('calm says ' + url.searchParams.get('msg'));
  res.end(id);
}).listen(process.env.PORT);
`;

async function deploy(user: ApiClient, name: string, files: Record<string, string>, plan = 'hobby'): Promise<string> {
  const app = (await user.post('/apps', { name, plan })).body;
  const wc = await WorkingCopy.create({ files });
  const push = await wc.push(app.git_url, user.token!);
  expect(push.code, push.output).toBe(0);
  return app.id as string;
}

async function logLines(user: ApiClient, app: string, until: (lines: string[]) => boolean, timeoutMs = 30_000): Promise<string[]> {
  let lines: string[] = [];
  await eventually(async () => {
    const s = (await user.post(`/apps/${app}/log-sessions`, { lines: 1500 })).body;
    lines = (await readSse(s.logplex_url, { timeoutMs: 5_000 })).map((e) => e.data);
    expect(until(lines), lines.slice(-15).join('\n')).toBe(true);
  }, timeoutMs, 500);
  return lines;
}

async function p50(host: string, n = 40): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await viaEdge(stack.edgePort, host);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

const uidOf = async (appId: string) => Number((await stack.db.pool.query('SELECT uid FROM app_uids WHERE app_id = $1', [appId])).rows[0].uid);

beforeAll(async () => {
  stack = await startStack();
  alice = await ApiClient.signUp(stack.apiUrl, 'alice@limits-a.example');
  bob = await ApiClient.signUp(stack.apiUrl, 'bob@limits-b.example');
});
afterAll(async () => stack?.stop());

describe('plan limits', () => {
  it('kills a dyno that allocates past its plan\'s memory, marks it crashed and names the limit (R15)', async () => {
    await deploy(alice, 'hog-a', { Procfile: 'web: node hog.js\n', 'hog.js': HOG });
    await viaEdge(stack.edgePort, 'hog-a.localhost', '/hog');
    const lines = await logLines(alice, 'hog-a', (l) => l.some((x) => x.includes('State changed from up to crashed')));
    const r15 = lines.find((l) => l.includes('Error R15 (Memory quota vastly exceeded)'));
    expect(r15).toMatch(/web\.1.*memory limit of 512 MB/);
    // from inside: how far it got before the kernel stopped it
    const got = lines.filter((l) => /allocated \d+ MB/.test(l)).map((l) => Number(/allocated (\d+) MB/.exec(l)![1]));
    expect(Math.max(...got)).toBeGreaterThanOrEqual(256);
    expect(Math.max(...got)).toBeLessThan(512);
    expect(lines.some((l) => l.includes('Process exited with status 137'))).toBe(true);
    // the supervisor starts it again (after a backoff), fresh
    await eventually(async () => {
      expect((await alice.get('/apps/hog-a/dynos')).body[0]).toMatchObject({ name: 'web.1', state: 'up', restarts: 1 });
      expect((await viaEdge(stack.edgePort, 'hog-a.localhost')).body).toBe('hog idle');
    }, 30_000);
  });

  it('holds a busy loop to its plan\'s CPU; another app keeps answering', async () => {
    await deploy(bob, 'calm-b', { Procfile: 'web: node calm.js\n', 'calm.js': CALM }, 'standard');
    const before = await p50('calm-b.localhost');
    await deploy(alice, 'spin-a', { Procfile: 'worker: node spin.js\n', 'spin.js': SPIN }); // hobby: 0.5 CPU
    expect((await alice.patch('/apps/spin-a/formation', { updates: [{ type: 'worker', quantity: 1 }] })).status).toBe(200);
    const lines = await logLines(alice, 'spin-a', (l) => l.filter((x) => x.includes('cpu share')).length >= 4);
    const during = await p50('calm-b.localhost');
    const shares = lines.filter((l) => l.includes('cpu share')).map((l) => Number(/cpu share ([\d.]+)/.exec(l)![1])).slice(1);
    report('cpu limit (local)', `busy loop on a 0.5-CPU plan got ${shares.join(', ')} of a CPU; another app's median latency ${before.toFixed(1)} ms before, ${during.toFixed(1)} ms during`);
    for (const s of shares) expect(s).toBeLessThanOrEqual(0.6);
    expect(during).toBeLessThan(Math.max(before * 3, before + 20));
    expect((await alice.patch('/apps/spin-a/formation', { updates: [{ type: 'worker', quantity: 0 }] })).status).toBe(200);
  });
});

describe('worker restarts', () => {
  it('dynos keep running through kill -9 of the worker and are adopted: same processes, logs flowing', async () => {
    const app = (await bob.get('/apps/calm-b')).body;
    const uid = await uidOf(app.id);
    const id = (await viaEdge(stack.edgePort, 'calm-b.localhost')).body;
    const pids = processesOf(uid).sort();
    const dynosDir = path.join(stack.dataDir, 'apps', app.id, 'dynos');
    const supervisors = async () => Promise.all((await readdir(dynosDir)).map(async (r) => JSON.parse(await readFile(path.join(dynosDir, r, 'record.json'), 'utf8')).supervisorPid as number));
    const before = await supervisors();

    // requests all along: while no worker runs, and while the next one takes over
    const answers = new Map<string, number>();
    let done = false;
    const loop = (async () => {
      while (!done) {
        const a = await viaEdge(stack.edgePort, 'calm-b.localhost').then((r) => (r.body === id ? 'same process' : `status ${r.status}`), (e: NodeJS.ErrnoException) => e.code ?? e.message);
        answers.set(a, (answers.get(a) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await stack.killWorker('SIGKILL');
    // no worker: the app still serves, and what it prints now waits for the next worker
    expect((await viaEdge(stack.edgePort, 'calm-b.localhost', '/log?msg=while-no-worker')).body).toBe(id);
    await stack.restartWorker();
    await eventually(async () => {
      const dynos = (await bob.get('/apps/calm-b/dynos')).body;
      expect(dynos.map((d: { name: string; state: string }) => `${d.name} ${d.state}`)).toEqual(['web.1 up']);
      const log = await readFile(path.join(stack.dataDir, 'logs', 'worker.log'), 'utf8');
      expect(log).toContain('adopted running dynos');
      expect(log.match(/"msg":"runtime recovered"/g)).toHaveLength(2); // the new worker is done
    }, 60_000);
    done = true;
    await loop;
    report('worker restart (local)', `requests through the edge while the worker was killed and its successor adopted the dyno: ${JSON.stringify(Object.fromEntries(answers))}`);
    expect([...answers.keys()]).toEqual(['same process']);
    expect((await viaEdge(stack.edgePort, 'calm-b.localhost', '/log?msg=after-adoption')).body).toBe(id);
    expect(processesOf(uid).sort()).toEqual(pids);
    expect(await supervisors()).toEqual(before);
    await logLines(bob, 'calm-b', (l) => l.some((x) => x.includes('calm says while-no-worker')) && l.some((x) => x.includes('calm says after-adoption')));
  });
});
