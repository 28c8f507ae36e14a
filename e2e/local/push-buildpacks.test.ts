// Different kinds of apps pushed to the local runtime: a static site, a Procfile-only app, a Python
// app with an empty requirements file, and a worker-only app (no web process, no route; its log
// lines are visible in a log session).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy, viaEdge } from '../support/git.js';
import { readSse } from '../support/sse.js';
import { eventually } from '../support/wait.js';

let stack: Stack;
let dev: ApiClient;
beforeAll(async () => {
  stack = await startStack();
  dev = await ApiClient.signUp(stack.apiUrl, 'dev@example.com');
});
afterAll(async () => stack?.stop());

async function pushFixture(name: string, fixture: string) {
  await dev.post('/apps', { name });
  const wc = await WorkingCopy.create({ fixture });
  return wc.push(`${stack.apiUrl}/${name}.git`, dev.token!);
}

describe('buildpacks', () => {
  it('serves a static site', async () => {
    const push = await pushFixture('static-demo', 'static-site');
    expect(push.output).toMatch(/Static/i);
    expect(push.code, push.output).toBe(0);
    const page = await viaEdge(stack.edgePort, 'static-demo.localhost');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Static site works</h1>');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const css = await viaEdge(stack.edgePort, 'static-demo.localhost', '/style.css');
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    expect((await viaEdge(stack.edgePort, 'static-demo.localhost', '/missing')).status).toBe(404);
    expect((await viaEdge(stack.edgePort, 'static-demo.localhost', '/../../etc/passwd')).body).not.toContain('root:');
  });

  it('runs a Procfile-only app', async () => {
    const push = await pushFixture('procfile-demo', 'procfile-app');
    expect(push.code, push.output).toBe(0);
    expect((await viaEdge(stack.edgePort, 'procfile-demo.localhost')).body).toContain('procfile app');
  });

  it('runs a Python app with an empty requirements file', async () => {
    const push = await pushFixture('python-demo', 'python-app');
    expect(push.output).toMatch(/Python/);
    expect(push.code, push.output).toBe(0);
    expect((await viaEdge(stack.edgePort, 'python-demo.localhost')).body).toBe('hello from python');
  });

  it('runs a worker-only app: no route, its log lines in a log session', async () => {
    const push = await pushFixture('worker-demo', 'worker-app');
    expect(push.code, push.output).toBe(0);
    expect((await dev.patch('/apps/worker-demo/formation', { updates: [{ type: 'worker', quantity: 1 }] })).status).toBe(200);
    await eventually(async () => {
      const dynos = (await dev.get('/apps/worker-demo/dynos')).body;
      expect(dynos.map((d: any) => [d.name, d.state])).toEqual([['worker.1', 'up']]);
    }, 30_000);
    const session = (await dev.post('/apps/worker-demo/log-sessions', { lines: 50, dyno: 'worker.1' })).body;
    await eventually(async () => {
      const events = await readSse(session.logplex_url, { timeoutMs: 5_000 });
      expect(events.some((e) => /app\[worker\.1\]: worker tick \d+/.test(e.data))).toBe(true);
    }, 20_000, 1000);
    const page = await viaEdge(stack.edgePort, 'worker-demo.localhost');
    expect(page.status).toBe(404); // no web process, so no route
  });
});
