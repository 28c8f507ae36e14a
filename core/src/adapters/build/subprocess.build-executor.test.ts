// Fake: the builder CLI is replaced by small node scripts (the real CLI is exercised by the
// builder's integration tests); the sandbox (bubblewrap, the app's uid, cgroups, the egress guard),
// the processes, signals, files and environment are real.
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandFailedError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import type { BuildRequest } from '../../ports/build-executor.port.js';
import { SpawnCommandRunner } from '../command/spawn.command-runner.js';
import { SandboxHost } from '../sandbox/sandbox-host.js';
import { memoryAppUids, processesGone, testUidRange } from '../sandbox/sandbox.testing.js';
import { SubprocessBuildExecutor } from './subprocess.build-executor.js';

const root = process.getuid?.() === 0;
let tmp: string;
let sandbox: SandboxHost;
const uidRange = testUidRange();
const uids = memoryAppUids(uidRange);
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'slw-exec-'));
  await chmod(tmp, 0o755);
  await mkdir(path.join(tmp, 'buildpacks', 'nodejs'), { recursive: true });
  await writeFile(path.join(tmp, 'master.key'), 'platform secret', { mode: 0o600 });
  sandbox = new SandboxHost({ dataDir: path.join(tmp, 'data'), uidRange, commands: new SpawnCommandRunner(), logger: createLogger({ level: 'error', name: 't' }) });
  process.env.SLIPWAY_TEST_CANARY = 'platform-secret';
});
afterAll(async () => {
  delete process.env.SLIPWAY_TEST_CANARY;
  await sandbox?.close();
  await rm(tmp, { recursive: true, force: true });
});

async function fakeCli(name: string, body: string): Promise<string> {
  const file = path.join(tmp, `${name}.mjs`);
  await writeFile(file, `import fs from 'node:fs';\nimport path from 'node:path';\nconst req = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));\n${body}\n`);
  return file;
}

function executor(cliPath: string, memoryMb = 1024): SubprocessBuildExecutor {
  return new SubprocessBuildExecutor({
    runner: new SpawnCommandRunner(500), sandbox, uids, limits: async () => ({ memoryMb, cpus: 1, pids: 256 }),
    logger: createLogger({ level: 'error', name: 't' }), nodeBin: process.execPath, cliPath, buildpacksDir: path.join(tmp, 'buildpacks'),
    stack: 'test-stack', npmRegistry: 'https://registry.example/', allowedBuildpackHosts: ['10.0.0.5'], killSlackMs: 300,
  });
}

async function request(overrides: Partial<BuildRequest> = {}): Promise<BuildRequest> {
  const build = await mkdtemp(path.join(tmp, 'build-'));
  await chmod(build, 0o755);
  await mkdir(path.join(build, 'source'));
  await writeFile(path.join(build, 'source', 'index.html'), 'hi');
  await mkdir(path.join(build, 'out'));
  return {
    buildId: 'b1', appId: 'a1', appName: 'demo', sourceDir: path.join(build, 'source'), workDir: path.join(build, 'out'), cacheDir: path.join(tmp, 'cache'),
    env: { SECRET_KEY: 'v@lue "x"\nline2' }, buildpacks: ['nodejs'], timeoutMs: 20_000, signal: new AbortController().signal,
    ...overrides,
  };
}

const okResult = `fs.writeFileSync(path.join(req.workDir, 'result.json'), JSON.stringify({ ok: true, artifact: {
  slugPath: '/elsewhere/slug.tgz', size: 10, sha256: 'ab', processTypes: { web: 'npm start' }, buildpack: 'nodejs', stack: req.stack } }));`;

describe('SubprocessBuildExecutor', () => {
  it('runs the CLI sandboxed as the app\'s uid: stable paths, a clean environment, no view of the host', async () => {
    const cli = await fakeCli('ok', `
      const mode = (fs.statSync(process.argv[2]).mode & 0o777).toString(8);
      const tryRead = (f) => { try { fs.readFileSync(f); return 'read'; } catch (e) { return e.code; } };
      const seen = { env: process.env, req, mode, uid: process.getuid(), cwd: process.cwd(), pid: process.pid,
        key: tryRead(${JSON.stringify(path.join(tmp, 'master.key'))}), etc: tryRead('/etc/shadow'), root: fs.readdirSync('/').sort() };
      fs.writeFileSync(path.join(req.workDir, 'seen.json'), JSON.stringify(seen));
      fs.writeFileSync(path.join(req.workDir, 'slug.tgz'), 'slug-bytes');
      console.log('-----> Detecting buildpack');
      console.log('       detail');
      ${okResult}`);
    const req = await request();
    const lines: string[] = [];
    const result = await executor(cli).run(req, (l) => lines.push(l));
    expect(lines).toEqual(['-----> Detecting buildpack', '       detail']);
    expect(result).toEqual({ ok: true, artifact: {
      slugPath: path.join(req.workDir, 'slug.tgz'), size: 10, sha256: 'ab', processTypes: { web: 'npm start' }, buildpack: 'nodejs', stack: 'test-stack',
    } });
    const seen = JSON.parse(await readFile(path.join(req.workDir, 'seen.json'), 'utf8'));
    expect(Object.keys(seen.env).sort()).toEqual(expect.arrayContaining(['HOME', 'LANG', 'PATH']));
    expect(Object.keys(seen.env).filter((k) => !['HOME', 'LANG', 'PATH', 'PWD', 'NODE_EXTRA_CA_CERTS'].includes(k))).toEqual([]);
    expect(seen.env.HOME).toBe('/slipway/work/home');
    expect(seen.mode).toBe('600');
    expect(seen.cwd).toBe('/slipway/work');
    expect(seen.pid).toBeLessThan(10); // its own PID namespace
    expect(seen.key).toBe('ENOENT'); // the host's files are not there at all
    expect(seen.root).toEqual(expect.not.arrayContaining(['root', 'home', 'var', 'run', 'srv']));
    if (root) expect(seen.uid).toBe(await uids.uidOf('a1'));
    expect(seen.req).toMatchObject({
      version: 1, sourceDir: '/slipway/source', workDir: '/slipway/work', cacheDir: '/slipway/cache', buildpacksDir: '/slipway/builder/buildpacks',
      buildpacks: ['nodejs'], env: { SECRET_KEY: 'v@lue "x"\nline2' }, stack: 'test-stack', npm: { registry: 'https://registry.example/' },
      allowedBuildpackHosts: ['10.0.0.5'],
    });
    await expect(stat(path.join(req.workDir, 'request.json'))).rejects.toThrow(); // config values do not stay on disk
  });

  it('returns the CLI\'s failure for a user build failure (exit 1)', async () => {
    const cli = await fakeCli('fail', `
      console.log('!     Build failed: npm script "build" exited with code 1');
      fs.writeFileSync(path.join(req.workDir, 'result.json'), JSON.stringify({ ok: false, message: 'npm script "build" exited with code 1' }));
      process.exitCode = 1;`);
    const result = await executor(cli).run(await request(), () => {});
    expect(result).toEqual({ ok: false, message: 'npm script "build" exited with code 1' });
  });

  it('throws CommandFailedError (retryable) when the CLI crashes or writes no result', async () => {
    const crash = await fakeCli('crash', `throw new Error('bug in the builder');`);
    await expect(executor(crash).run(await request(), () => {})).rejects.toBeInstanceOf(CommandFailedError);
    const silent = await fakeCli('silent', `process.exitCode = 0;`);
    await expect(executor(silent).run(await request(), () => {})).rejects.toThrow('builder exited with code 0');
  });

  it.runIf(root)('never reads a slug or result the build pointed at the host\'s files', async () => {
    const req = await request();
    const secret = path.join(tmp, 'master.key');
    // the build can only make links; the worker reads them after the build, as root
    const cli = await fakeCli('links', `fs.symlinkSync(${JSON.stringify(secret)}, path.join(req.workDir, 'slug.tgz')); ${okResult}`);
    await expect(executor(cli).run(req, () => {})).rejects.toThrow(/no slug file/);
    const cli2 = await fakeCli('links2', `fs.symlinkSync(${JSON.stringify(secret)}, path.join(req.workDir, 'result.json'));`);
    await expect(executor(cli2).run(await request(), () => {})).rejects.toThrow('builder exited with code 0');
  });

  it('kills the CLI and everything it started at the deadline, even processes that left its group and session', async () => {
    const cli = await fakeCli('hang', `
      import('node:child_process').then(({ spawn }) => {
        spawn('setsid', ['sleep', '300'], { detached: true, stdio: 'ignore' }).unref();
        console.log('started');
        process.on('SIGTERM', () => {}); // ignores the polite signal
        setInterval(() => {}, 1000);
      });`);
    const req = await request({ timeoutMs: 700 });
    const lines: string[] = [];
    const started = Date.now();
    const result = await executor(cli).run(req, (l) => lines.push(l));
    expect(result).toEqual({ ok: false, message: 'Build timed out after 1 s' });
    expect(lines).toEqual(['started', '!     Build failed: Build timed out after 1 s']);
    expect(Date.now() - started).toBeLessThan(8_000);
    if (root) expect(await processesGone(await uids.uidOf('a1'))).toEqual([]);
  });

  it.runIf(root)('fails a build that runs out of memory, naming the limit', async () => {
    const cli = await fakeCli('hog', `const keep = []; for (;;) keep.push(Buffer.alloc(16 * 1024 * 1024, 1));`);
    const lines: string[] = [];
    const result = await executor(cli, 256).run(await request(), (l) => lines.push(l));
    expect(result).toEqual({ ok: false, message: 'Build ran out of memory (limit 256 MB)' });
    expect(lines.at(-1)).toBe('!     Build failed: Build ran out of memory (limit 256 MB)');
  });

  it('stops the build when its signal aborts', async () => {
    const cli = await fakeCli('abort', `console.log('working'); setInterval(() => {}, 1000);`);
    const controller = new AbortController();
    const req = await request({ signal: controller.signal });
    const run = executor(cli).run(req, () => controller.abort());
    await expect(run).resolves.toEqual({ ok: false, message: 'Build cancelled' });
  });
});
