// What happens when things go wrong during a push: failed builds, apps that crash on boot, a
// failing release phase, pushes to other branches, hostile refs, a client that disconnects (a
// worker killed mid-build: worker-crash.test.ts). In every case the old version keeps serving and
// nothing stays stuck.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy, git, viaEdge } from '../support/git.js';
import { eventually } from '../support/wait.js';

let stack: Stack;
let dev: ApiClient;

const server = (version: string, extra = '') =>
  `require('http').createServer((q, s) => s.end('${version}')).listen(process.env.PORT);\n${extra}`;
const pkg = (scripts: Record<string, string> = {}) => JSON.stringify({ name: 'x', version: '1.0.0', engines: { node: '20.x' }, scripts: { start: 'node server.js', ...scripts } });

async function liveApp(name: string): Promise<WorkingCopy> {
  await dev.post('/apps', { name });
  const wc = await WorkingCopy.create({ files: { 'package.json': pkg(), 'server.js': server('good v1') } });
  const push = await wc.push(`${stack.apiUrl}/${name}.git`, dev.token!);
  expect(push.code, push.output).toBe(0);
  expect((await viaEdge(stack.edgePort, `${name}.localhost`)).body).toBe('good v1');
  return wc;
}

beforeAll(async () => {
  stack = await startStack();
  dev = await ApiClient.signUp(stack.apiUrl, 'dev@example.com');
});
afterAll(async () => stack?.stop());

describe('failed pushes', () => {
  it('a failing build script rejects the push, shows its output, and the old version keeps serving', async () => {
    const wc = await liveApp('fails-build');
    await wc.write({ 'package.json': pkg({ build: 'node -e "console.error(\'TypeError: boom in build\'); process.exit(3)"' }), 'server.js': server('bad v2') });
    await wc.commit('broken build');
    const push = await wc.push(`${stack.apiUrl}/fails-build.git`, dev.token!);
    expect(push.code).not.toBe(0);
    expect(push.output).toContain('TypeError: boom in build');
    expect(push.output).toMatch(/remote: !\s+.*build/i);
    expect(push.output).toMatch(/\[remote rejected\] main -> main \(pre-receive hook declined\)/);
    expect((await viaEdge(stack.edgePort, 'fails-build.localhost')).body).toBe('good v1');
    // the branch did not move
    const remote = await git(wc.dir, ['ls-remote', `http://u:${dev.token}@127.0.0.1:${new URL(stack.apiUrl).port}/fails-build.git`, 'main']);
    const local = (await git(wc.dir, ['rev-parse', 'HEAD~1'])).output.trim();
    expect(remote.output.split(/\s/)[0]).toBe(local);
    expect((await dev.get('/apps/fails-build/builds')).body[0].status).toBe('failed');
  });

  it('a release that crashes on boot rejects the push and the old version keeps serving', async () => {
    const wc = await liveApp('crashes-boot');
    await wc.write({ 'server.js': "console.error('Error: cannot connect to database'); process.exit(1);\n" });
    await wc.commit('crash');
    const push = await wc.push(`${stack.apiUrl}/crashes-boot.git`, dev.token!);
    expect(push.code).not.toBe(0);
    expect(push.output).toMatch(/web\.1 exited with status 1/);
    expect(push.output).toContain('cannot connect to database');
    expect(push.output).toMatch(/v1 keeps serving/);
    expect((await viaEdge(stack.edgePort, 'crashes-boot.localhost')).body).toBe('good v1');
    const releases = (await dev.get('/apps/crashes-boot/releases')).body;
    expect(releases.map((r: any) => [r.version, r.status, r.current])).toEqual([[1, 'succeeded', true], [2, 'failed', false]]);
  });

  it('a failing release phase keeps the current release', async () => {
    const wc = await liveApp('release-fails');
    await wc.write({ Procfile: 'web: node server.js\nrelease: node -e "console.log(\'migrating...\'); process.exit(7)"\n', 'server.js': server('v2 with release') });
    await wc.commit('release phase');
    const push = await wc.push(`${stack.apiUrl}/release-fails.git`, dev.token!);
    expect(push.code).not.toBe(0);
    expect(push.output).toContain('migrating...');
    expect(push.output).toMatch(/release command exited with status 7/);
    expect((await viaEdge(stack.edgePort, 'release-fails.localhost')).body).toBe('good v1');
    expect((await dev.get('/apps/release-fails/releases/2')).body.status).toBe('failed');
    // and a passing release phase runs once before the release takes traffic
    await wc.write({ Procfile: 'web: node server.js\nrelease: node -e "console.log(\'migrated ok\')"\n' });
    await wc.commit('release ok');
    const ok = await wc.push(`${stack.apiUrl}/release-fails.git`, dev.token!);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toContain('migrated ok');
    expect((await viaEdge(stack.edgePort, 'release-fails.localhost')).body).toBe('v2 with release');
  });
});

describe('refs', () => {
  it('refuses pushes to other branches with a message saying how to deploy', async () => {
    const wc = await liveApp('branches');
    await git(wc.dir, ['checkout', '-q', '-b', 'feature']);
    await wc.commit('feature work');
    const push = await wc.push(`${stack.apiUrl}/branches.git`, dev.token!, 'feature');
    expect(push.code).not.toBe(0);
    expect(push.output).toMatch(/only main or master deploy/);
    expect(push.output).toContain('git push slipway feature:main');
  });

  it('treats hostile ref names as refs, never as options or shell', async () => {
    const wc = await liveApp('hostile-refs');
    const marker = path.join(stack.dataDir, 'pwned');
    for (const ref of ['--upload-pack=touch /tmp/pwned', '-h', `main;touch ${marker}`, 'main$(touch x)']) {
      const push = await git(wc.dir, ['push', `http://u:${dev.token}@127.0.0.1:${new URL(stack.apiUrl).port}/hostile-refs.git`, `HEAD:refs/heads/${ref}`]);
      expect(push.code).not.toBe(0);
    }
    expect(existsSync(marker)).toBe(false);
    expect(existsSync('/tmp/pwned')).toBe(false);
    expect((await viaEdge(stack.edgePort, 'hostile-refs.localhost')).body).toBe('good v1');
  });

  it('runs a Procfile command with shell syntax only as the app’s own process', async () => {
    await dev.post('/apps', { name: 'shell-proc' });
    const marker = path.join(stack.dataDir, 'procfile-escape');
    const wc = await WorkingCopy.create({
      files: { 'package.json': pkg(), 'server.js': server('shell ok'), Procfile: `web: echo $HOME > home.txt; touch ${marker}; exec node server.js\n` },
    });
    const push = await wc.push(`${stack.apiUrl}/shell-proc.git`, dev.token!);
    expect(push.code, push.output).toBe(0);
    expect((await viaEdge(stack.edgePort, 'shell-proc.localhost')).body).toBe('shell ok');
    // the command ran as the dyno (unprivileged), so it could not write into the platform's data dir
    expect(existsSync(marker)).toBe(false);
  });
});

describe('resilience', () => {
  it('runs one build per app: a newer push supersedes the one still building', async () => {
    const wc = await liveApp('newest-wins');
    await wc.write({ 'package.json': pkg({ build: 'node -e "setTimeout(()=>{},8000)"' }), 'server.js': server('older push') });
    await wc.commit('slow older');
    const older = wc.push(`${stack.apiUrl}/newest-wins.git`, dev.token!);
    await eventually(async () => expect((await dev.get('/apps/newest-wins/builds')).body[0]?.stage_status).toBe('building'), 30_000, 100);
    const other = await WorkingCopy.create({ files: { 'package.json': pkg(), 'server.js': server('newer push') } });
    const newer = await other.push(`${stack.apiUrl}/newest-wins.git`, dev.token!, 'main', ['--force']);
    const first = await older;
    expect(first.code).not.toBe(0);
    expect(first.output).toMatch(/Superseded by a newer push/);
    expect(newer.code, newer.output).toBe(0);
    expect((await viaEdge(stack.edgePort, 'newest-wins.localhost')).body).toBe('newer push');
    const builds = (await dev.get('/apps/newest-wins/builds')).body;
    expect(builds.filter((b: any) => b.stage_status === 'building')).toEqual([]);
  });

  it('a client that disconnects does not cancel the build', async () => {
    const wc = await liveApp('disconnect');
    await wc.write({ 'package.json': pkg({ build: 'node -e "setTimeout(()=>{},4000)"' }), 'server.js': server('after disconnect') });
    await wc.commit('slow build');
    const pushing = wc.push(`${stack.apiUrl}/disconnect.git`, dev.token!);
    await eventually(async () => expect((await dev.get('/apps/disconnect/builds')).body[0]?.stage_status).toBe('building'), 30_000, 100);
    // kill the git client mid-build
    const { execFileSync } = await import('node:child_process');
    execFileSync('pkill', ['-f', 'git-remote-http.*disconnect.git']);
    await pushing;
    await eventually(async () => expect((await viaEdge(stack.edgePort, 'disconnect.localhost')).body).toBe('after disconnect'), 120_000, 500);
  });
});
