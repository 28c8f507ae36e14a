// The life of a Node app on the local runtime, as a developer lives it: git push over HTTPS and
// SSH, zero-downtime redeploys, config vars, rollback, scaling, logs, deletion. Real git client, real
// api/worker processes, real nginx edge, the npm registry for the app's dependencies.
import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy, edgeRetries, viaEdge } from '../support/git.js';
import { readSse } from '../support/sse.js';
import { eventually, report } from '../support/wait.js';

let stack: Stack;
let dev: ApiClient;
let wc: WorkingCopy;
const HOST = 'node-demo.localhost';
const body = async (p = '/') => (await viaEdge(stack.edgePort, HOST, p)).body;

beforeAll(async () => {
  stack = await startStack();
  dev = await ApiClient.signUp(stack.apiUrl, 'dev@example.com');
  wc = await WorkingCopy.create({ fixture: 'node-app' });
});
afterAll(async () => stack?.stop());

describe('a Node app on the local runtime', () => {
  it('is built, released and served through the edge after git push over HTTPS', async () => {
    const app = (await dev.post('/apps', { name: 'node-demo', plan: 'standard' })).body;
    expect(app.git_url).toBe(`${stack.apiUrl}/node-demo.git`);
    const push = await wc.push(app.git_url, dev.token!);
    for (const stage of ['Fetching', 'Detecting', 'Compiling', 'Releasing', 'Launching']) expect(push.output).toMatch(new RegExp(`remote: -----> ${stage}`));
    expect(push.output).toContain(`http://node-demo.localhost:${stack.edgePort}/ deployed to Slipway`);
    expect(push.code, push.output).toBe(0);
    expect(await body()).toBe('hello from v1 (deps ok)');
    const info = JSON.parse(await body('/devdep'));
    expect(info.devDependencyPresent).toBe(false); // pruned from the slug
    const commit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: wc.dir, encoding: 'utf8' }).stdout.trim();
    expect(info.build).toEqual({ built: true, odd: true, source: commit }); // the build script ran, with devDependencies and SOURCE_VERSION
    expect(info.nodeVersion).toMatch(/^v20\./); // engines.node honoured
    const builds = (await dev.get('/apps/node-demo/builds')).body;
    expect(builds[0].status).toBe('succeeded');
    expect(Object.keys(builds[0].stages)).toEqual(expect.arrayContaining(['fetching', 'compiling', 'launching']));
  });

  it('is deployed by git push over SSH with a key registered at /account/keys', async () => {
    const key = path.join(wc.dir, '..', `key-${Date.now()}`);
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dev@laptop', '-f', key]).status).toBe(0);
    const added = await dev.post('/account/keys', { public_key: await readFile(`${key}.pub`, 'utf8') });
    expect(added.status).toBe(201);
    await writeFile(path.join(wc.dir, 'VERSION'), 'v2\n');
    await wc.commit('v2');
    const push = await wc.pushSsh(`ssh://git@127.0.0.1:${stack.sshPort}/node-demo.git`, key);
    expect(push.output).toMatch(/remote: -----> Compiling/);
    expect(push.code, push.output).toBe(0);
    expect(await body()).toBe('hello from v2 (deps ok)');
  });

  it('deploys the next version with zero downtime', async () => {
    await writeFile(path.join(wc.dir, 'VERSION'), 'v3\n');
    await wc.commit('v3');
    const statuses = new Map<string, number>();
    let done = false;
    const retriesBefore = edgeRetries.count;
    const loop = (async () => {
      while (!done) {
        const s = await viaEdge(stack.edgePort, HOST).then((r) => String(r.status), (e: NodeJS.ErrnoException) => e.code ?? e.message);
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
      }
    })();
    const push = await wc.push(`${stack.apiUrl}/node-demo.git`, dev.token!);
    await new Promise((r) => setTimeout(r, 500));
    done = true;
    await loop;
    expect(push.code, push.output).toBe(0);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const retried = edgeRetries.count - retriesBefore;
    report('zero-downtime (local)', `${total} requests through the edge during the redeploy: ${JSON.stringify(Object.fromEntries(statuses))}; ${retried} sent again after the edge closed an idle kept-alive connection on reload`);
    expect([...statuses.keys()]).toEqual(['200']);
    expect(total).toBeGreaterThan(50);
    expect(await body()).toBe('hello from v3 (deps ok)');
  });

  it('passes config vars (multi-line, quotes) to the app; a change makes a release and restarts it', async () => {
    const value = 'first line\nsecond "quoted" line\t$HOME `id`';
    const r = await dev.patch('/apps/node-demo/config-vars', { GREETING: value });
    expect(r.status).toBe(200);
    await eventually(async () => expect(JSON.parse(await body('/env')).GREETING).toBe(value), 60_000);
    await eventually(async () => {
      const rel = (await dev.get('/apps/node-demo/releases', { range: 'version ..; max=1, order=desc' })).body[0];
      expect(rel).toMatchObject({ description: 'Set GREETING config var', status: 'succeeded', current: true });
    }, 10_000);
  });

  it('rolls back to v1 without a rebuild, restoring v1 config', async () => {
    const buildsBefore = (await dev.get('/apps/node-demo/builds')).body.length;
    const r = await dev.post('/apps/node-demo/releases', { release: '1' });
    expect(r.status).toBe(201);
    expect(r.body.description).toBe('Rollback to v1');
    await eventually(async () => expect(await body()).toBe('hello from v1 (deps ok)'), 60_000);
    expect((await dev.get('/apps/node-demo/builds')).body.length).toBe(buildsBefore);
    expect((await dev.get('/apps/node-demo/config-vars')).body).toEqual({});
    expect(JSON.parse(await body('/env')).GREETING).toBeNull();
  });

  it('scales web to 3 processes behind the edge and back to 1', async () => {
    expect((await dev.patch('/apps/node-demo/formation', { updates: [{ type: 'web', quantity: 3 }] })).status).toBe(200);
    await eventually(async () => {
      const dynos = (await dev.get('/apps/node-demo/dynos')).body;
      expect(dynos.filter((d: any) => d.type === 'web' && d.state === 'up').map((d: any) => d.name).sort()).toEqual(['web.1', 'web.2', 'web.3']);
    }, 60_000);
    await eventually(async () => {
      const ports = new Set<string>();
      for (let i = 0; i < 30; i++) ports.add(JSON.parse(await body('/env')).PORT);
      expect(ports.size).toBe(3); // three distinct processes answer through the edge
    }, 10_000);
    expect((await dev.patch('/apps/node-demo/formation', { updates: [{ type: 'web', quantity: 1 }] })).status).toBe(200);
    await eventually(async () => expect((await dev.get('/apps/node-demo/dynos')).body.filter((d: any) => d.type === 'web').length).toBe(1), 60_000);
  });

  it("shows the app's log lines in a log session, and streams new ones with tail", async () => {
    await body('/log');
    const s = (await dev.post('/apps/node-demo/log-sessions', { lines: 200 })).body;
    expect(s.logplex_url).toMatch(/\/log-sessions\/[A-Za-z0-9_-]{32}$/);
    const events = await readSse(s.logplex_url, { timeoutMs: 10_000 });
    const lines = events.map((e) => e.data);
    expect(lines.some((l) => / app\[web\.1\]: log-line \d+/.test(l))).toBe(true);
    expect(lines.some((l) => /heroku\[/.test(l))).toBe(true); // Heroku's name for the platform's lines (this client speaks as Heroku's tools)

    const tail = (await dev.post('/apps/node-demo/log-sessions', { lines: 0, tail: true, source: 'app' })).body;
    const started = Date.now();
    const reading = readSse(tail.logplex_url, { timeoutMs: 10_000, until: (ev) => ev.some((e) => e.data.includes('log-line')) });
    await new Promise((r) => setTimeout(r, 300));
    await body('/log');
    const got = await reading;
    expect(got.some((e) => e.data.includes('log-line'))).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('leaves nothing of the app on disk or in the object store once it is deleted', async () => {
    const id = (await dev.get('/apps/node-demo')).body.id as string;
    // directories that must be gone, and object store prefixes that must hold no object
    const left = async () => {
      const found: string[] = [];
      for (const dir of [path.join('repos', 'node-demo.git'), path.join('cache', id), path.join('apps', id)]) {
        if ((await readdir(path.join(stack.dataDir, dir)).catch(() => null)) !== null) found.push(dir);
      }
      for (const prefix of ['slugs', 'sources', 'build-logs']) {
        const objects = await readdir(path.join(stack.dataDir, 'objects', prefix, id), { recursive: true, withFileTypes: true }).catch(() => []);
        if (objects.some((e) => e.isFile())) found.push(`objects/${prefix}/${id}`);
      }
      return found;
    };
    expect((await left()).length).toBeGreaterThanOrEqual(5); // what a deployed app has
    expect((await dev.delete('/apps/node-demo')).status).toBe(200);
    await eventually(async () => expect(await left()).toEqual([]), 60_000, 500);
  });
});
