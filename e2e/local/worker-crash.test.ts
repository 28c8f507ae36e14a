// kill -9 of the worker during a build, with the api and the worker under the supervisor that
// ./scripts/up uses, as two ordinary users of two organizations. The stack keeps serving (api and
// edge), the supervisor brings the worker back, the build ends `succeeded` or `failed` exactly
// once (its job is retried as a new attempt, never beside the first), the push's verdict is the
// build's outcome, and a push reported rejected never goes live. Running dynos may be adopted by
// the new worker or restarted by it: either way the other tenant's app serves again.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy, viaEdge } from '../support/git.js';
import { eventually, report } from '../support/wait.js';

let stack: Stack;
let alice: ApiClient;
let bob: ApiClient;
let wc: WorkingCopy;

const server = (text: string) => `require('http').createServer((q, s) => s.end('${text}')).listen(process.env.PORT);\n`;
const pkg = (scripts: Record<string, string> = {}) => JSON.stringify({ name: 'x', version: '1.0.0', engines: { node: '20.x' }, scripts: { start: 'node server.js', ...scripts } });

async function deploy(user: ApiClient, name: string, text: string): Promise<WorkingCopy> {
  expect((await user.post('/apps', { name })).status).toBe(201);
  const wc = await WorkingCopy.create({ files: { 'package.json': pkg(), 'server.js': server(text) } });
  const push = await wc.push(`${stack.apiUrl}/${name}.git`, user.token!);
  expect(push.code, push.output).toBe(0);
  expect((await viaEdge(stack.edgePort, `${name}.localhost`)).body).toBe(text);
  return wc;
}

beforeAll(async () => {
  stack = await startStack({}, { supervised: true });
  alice = await ApiClient.signUp(stack.apiUrl, 'alice@example.com');
  bob = await ApiClient.signUp(stack.apiUrl, 'bob@example.com');
  [, wc] = await Promise.all([deploy(alice, 'alice-live', 'alice v1'), deploy(bob, 'bob-app', 'bob v1')]);
}, 480_000);
afterAll(async () => stack?.stop());

describe('a worker killed during a build', () => {
  it('is restarted by its supervisor while the stack serves; the build ends once; a rejected push never goes live', async () => {
    await wc.write({ 'package.json': pkg({ build: 'node -e "setTimeout(()=>{},8000)"' }), 'server.js': server('bob v2') });
    const sha = await wc.commit('slow build');
    const pushing = wc.push(`${stack.apiUrl}/bob-app.git`, bob.token!);
    await eventually(async () => expect((await bob.get('/apps/bob-app/builds')).body[0]?.stage_status).toBe('building'), 60_000, 100);

    const killedAt = Date.now();
    await stack.killWorker('SIGKILL');
    // the api, the other tenant's app and the dashboard keep answering while the worker is down
    expect((await fetch(`${stack.apiUrl}/healthz`)).status).toBe(200);
    expect((await alice.get('/apps/alice-live')).status).toBe(200);
    await stack.restartWorker();
    report('worker restarted by its supervisor after kill -9', `${Date.now() - killedAt} ms`);
    const workerLog = await readFile(path.join(stack.dataDir, 'logs', 'worker.log'), 'utf8');
    expect(workerLog).toMatch(/slipway-supervise: worker killed by signal 9; restarting in \d+s/);
    await eventually(async () => expect((await viaEdge(stack.edgePort, 'alice-live.localhost')).body).toBe('alice v1'), 120_000, 500);

    const push = await pushing;
    report('build ended after its worker was killed', `${Date.now() - killedAt} ms`);
    const build = (await bob.get('/apps/bob-app/builds')).body[0];
    expect(['succeeded', 'failed']).toContain(build.stage_status);
    const { rows: ends } = await stack.db.pool.query(
      `SELECT action FROM activity WHERE action IN ('build.succeeded', 'build.failed') AND details->>'commit' = $1`,
      [sha.slice(0, 7)],
    );
    expect(ends.map((r) => r.action)).toEqual([`build.${build.stage_status}`]);
    const { rows: attempts } = await stack.db.pool.query(`SELECT attempt FROM builds WHERE id = $1`, [build.id]);
    report('attempts of the build whose worker was killed', String(attempts[0].attempt));
    const currentCommit = async () =>
      (await stack.db.pool.query(`SELECT s.commit FROM releases r JOIN slugs s ON s.id = r.slug_id JOIN apps a ON a.id = r.app_id WHERE a.name = 'bob-app' AND r.current`)).rows[0]?.commit;

    if (build.stage_status === 'succeeded') {
      expect(push.code, push.output).toBe(0);
      expect((await viaEdge(stack.edgePort, 'bob-app.localhost')).body).toBe('bob v2');
      expect(await currentCommit()).toBe(sha);
    } else {
      // reported rejected: not live now, and not later (no attempt may still release it)
      expect(push.code).not.toBe(0);
      expect(push.output).toMatch(/\[remote rejected\]/);
      for (let i = 0; i < 10; i++) {
        expect((await viaEdge(stack.edgePort, 'bob-app.localhost')).body).toBe('bob v1');
        expect(await currentCommit()).not.toBe(sha);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    expect(push.output.match(/remote: -----> Fetching source/g)?.length ?? 0, push.output).toBeGreaterThanOrEqual(1);
    expect((await viaEdge(stack.edgePort, 'alice-live.localhost')).body).toBe('alice v1');
  }, 480_000);
});
