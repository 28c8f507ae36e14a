// ContainerBuildExecutor against a real dockerd: the builder CLI (builder/dist, bundled at first use)
// runs inside slipway/builder containers; the nodejs buildpack fetches Node and packages from the
// npm registry; the build runs as a non-root user without capabilities (it says so from inside).
// The built slug is then deployed with SwarmRuntime and answers inside its network.
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerBuildExecutor } from '@slipway/core/adapters/build/container.build-executor';
import { SwarmRuntime } from '@slipway/core/adapters/runtime/swarm/swarm.runtime';
import { sha256File } from '@slipway/core/domain/slug-archive';
import { orgNetworkName, serviceName } from '@slipway/core/naming';
import type { BuildRequest } from '@slipway/core/ports/build-executor.port';
import { REPO_ROOT } from '@slipway/core/testing/test-env';
import { docker, env, labelled, logger, probe, startSlugServer, type SlugServer } from './support/swarm-fixture.js';

let d: Docker;
let tmp: string;
let exec: ContainerBuildExecutor;
let slugs: SlugServer;
const appId = randomUUID();
const cacheDir = () => path.join(tmp, 'cache');

async function source(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmp, 'src-'));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  await mkdir(path.join(dir, '.git'));
  await writeFile(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  return dir;
}

async function request(sourceDir: string, over: Partial<BuildRequest> = {}): Promise<BuildRequest> {
  return {
    buildId: randomUUID(), appId, appName: 'cb-app', sourceDir, workDir: await mkdtemp(path.join(tmp, 'work-')), cacheDir: cacheDir(),
    env: { BUILD_GREETING: 'from-config' }, buildpacks: [], timeoutMs: 240_000, signal: new AbortController().signal, ...over,
  };
}

const nodeApp = {
  'package.json': JSON.stringify({
    name: 'cb-app', version: '1.0.0', engines: { node: '20.x' }, dependencies: { ms: '2.1.3' },
    scripts: {
      start: 'node server.js',
      'heroku-postbuild': "node -e \"const fs=require('fs');console.log('SOCK', fs.existsSync('/var/run/docker.sock'));console.log('PLATFORM-ENV', Object.keys(process.env).filter(k=>k.startsWith('SLIPWAY_TEST')).length);console.log('GREETING', process.env.BUILD_GREETING);const st=fs.readFileSync('/proc/self/status','utf8').split(String.fromCharCode(10));console.log('WHO', process.getuid(), st.find(l=>l.startsWith('CapEff')), st.find(l=>l.startsWith('NoNewPrivs')))\"",
    },
  }),
  'server.js': "const ms=require('ms');require('http').createServer((q,s)=>s.end('built '+ms(60000)+' '+process.version+'\\n')).listen(process.env.PORT)",
};

beforeAll(async () => {
  d = docker();
  tmp = await mkdtemp(path.join(tmpdir(), 'slw-cbuild-'));
  await mkdir(cacheDir());
  exec = new ContainerBuildExecutor({
    docker: d,
    builderImage: env('SLIPWAY_BUILDER_IMAGE'),
    cliEntry: path.join(REPO_ROOT, 'builder/dist/cli.js'),
    buildpacksDir: path.join(REPO_ROOT, 'builder/buildpacks'),
    stack: 'slipway-bookworm',
    npmRegistry: 'https://registry.npmjs.org/',
    allowedBuildpackHosts: [],
    limits: async () => ({ cpus: 1, memoryMb: 1024, pids: 2048 }),
    logger,
  });
  slugs = await startSlugServer(d);
});

afterAll(async () => {
  await slugs?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const noBuildContainers = async () => expect((await labelled(d, { 'slipway.kind': 'build' })).containers).toEqual([]);

describe('ContainerBuildExecutor', () => {
  it('builds a Node app inside a builder container, isolated, and the slug runs on Swarm', async () => {
    const lines: string[] = [];
    const req = await request(await source(nodeApp));
    const t0 = Date.now();
    const res = await exec.run(req, (l) => lines.push(l));
    console.log(`node build in a container: ${Date.now() - t0} ms`);
    expect(res.ok, lines.join('\n')).toBe(true);
    if (!res.ok) return;
    expect(lines.join('\n')).toMatch(/-----> .*Node/i);
    const trimmed = lines.map((l) => l.trim());
    expect(trimmed).toContain('SOCK false');
    expect(trimmed).toContain('PLATFORM-ENV 0');
    expect(trimmed).toContain('GREETING from-config');
    // from inside: not root, no capabilities, no way to gain privileges
    expect(trimmed.find((l) => l.startsWith('WHO '))).toMatch(/^WHO [1-9]\d* CapEff:\s+0{16} NoNewPrivs:\s+1$/);
    expect(res.artifact.slugPath).toBe(path.join(req.workDir, 'slug.tgz'));
    expect(await sha256File(res.artifact.slugPath)).toBe(res.artifact.sha256);
    expect(res.artifact.processTypes.web).toBeTruthy();
    expect(await readdir(cacheDir())).toContain('swarm-build-cache.tar');
    await noBuildContainers();

    const key = `slugs/${appId}/built.tgz`;
    await slugs.store.putFile(key, res.artifact.slugPath);
    const rt = new SwarmRuntime({
      docker: d, stackImage: env('SLIPWAY_STACK_IMAGE'), attachableNetworks: true, certResolver: '', logger,
      slugUrl: () => slugs.store.fetchUrl(key, 3600),
      timings: { healthIntervalMs: 1000, healthStartPeriodMs: 20_000, monitorMs: 2000 },
      convergeTimeoutMs: 120_000,
    });
    const app = { id: appId, name: 'cb-app', orgId: randomUUID() };
    try {
      const deployed = await rt.deploy({
        app, release: { id: randomUUID(), version: 1 },
        artifact: { kind: 'slug', objectKey: key, sha256: res.artifact.sha256, size: res.artifact.size },
        env: {}, processes: Object.entries(res.artifact.processTypes).map(([type, command]) => ({ type, command, quantity: type === 'web' ? 1 : 0 })),
        plan: { cpu: 0.5, memoryMb: 256, maxReplicas: 3 }, healthCheckPath: null, routing: { hostnames: [], maintenance: false },
      }, () => undefined);
      expect(deployed).toEqual({ ok: true });
      const body = await probe(d, orgNetworkName(app.orgId), `curl -fsS --max-time 5 http://${serviceName(app.name, 'web')}:5000/`);
      expect(body.output.trim()).toMatch(/^built 1m v20\.\d+\.\d+$/);
    } finally {
      await rt.remove(app);
    }
  });

  it('a failing build is reported as such, and leaves no container', async () => {
    const lines: string[] = [];
    const res = await exec.run(await request(await source({ 'README.md': 'nothing to build here' })), (l) => lines.push(l));
    expect(res.ok).toBe(false);
    expect(lines.at(-1)).toMatch(/^!\s+Build failed: /);
    await noBuildContainers();
  });

  it('a build past its deadline is stopped, and leaves no container', async () => {
    const t0 = Date.now();
    const slow = { ...nodeApp, 'package.json': JSON.stringify({ name: 'slow', version: '1.0.0', scripts: { 'heroku-postbuild': 'sleep 60' } }) };
    const emptyCache = await mkdtemp(path.join(tmp, 'cache-'));
    const res = await exec.run(await request(await source(slow), { timeoutMs: 4000, cacheDir: emptyCache }), () => undefined);
    expect(res).toMatchObject({ ok: false, message: expect.stringMatching(/timed out/) });
    expect(Date.now() - t0).toBeLessThan(40_000);
    await noBuildContainers();
  });
});
