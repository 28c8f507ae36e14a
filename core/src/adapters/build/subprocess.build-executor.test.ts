// Fake: the builder CLI is replaced by small node scripts (the real CLI is exercised by the
// builder's integration tests); the processes, signals, files and environment are real.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandFailedError } from '../../errors.js';
import type { BuildRequest } from '../../ports/build-executor.port.js';
import { SpawnCommandRunner } from '../command/spawn.command-runner.js';
import { SubprocessBuildExecutor } from './subprocess.build-executor.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'slw-exec-'));
  process.env.SLIPWAY_TEST_CANARY = 'platform-secret';
});
afterAll(async () => {
  delete process.env.SLIPWAY_TEST_CANARY;
  await rm(tmp, { recursive: true, force: true });
});

async function fakeCli(name: string, body: string): Promise<string> {
  const file = path.join(tmp, `${name}.mjs`);
  await writeFile(file, `import fs from 'node:fs';\nimport path from 'node:path';\nconst req = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));\n${body}\n`);
  return file;
}

function executor(cliPath: string): SubprocessBuildExecutor {
  return new SubprocessBuildExecutor({
    runner: new SpawnCommandRunner(500), nodeBin: process.execPath, cliPath, buildpacksDir: '/opt/buildpacks',
    stack: 'test-stack', npmRegistry: 'https://registry.example/', allowedBuildpackHosts: ['10.0.0.5'], killSlackMs: 300,
  });
}

async function request(overrides: Partial<BuildRequest> = {}): Promise<BuildRequest> {
  const workDir = await mkdtemp(path.join(tmp, 'work-'));
  return {
    buildId: 'b1', appId: 'a1', appName: 'demo', sourceDir: '/src', workDir, cacheDir: path.join(tmp, 'cache'),
    env: { SECRET_KEY: 'v@lue "x"\nline2' }, buildpacks: ['nodejs'], timeoutMs: 20_000, signal: new AbortController().signal,
    ...overrides,
  };
}

async function alive(pid: number): Promise<boolean> {
  const st = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return st !== null && !/^\d+ \(.*\) Z /.test(st);
}

describe('SubprocessBuildExecutor', () => {
  it('runs the CLI with a clean environment and the request file, streams lines, returns the artifact', async () => {
    const cli = await fakeCli('ok', `
      const mode = (fs.statSync(process.argv[2]).mode & 0o777).toString(8);
      fs.writeFileSync(path.join(req.workDir, 'seen.json'), JSON.stringify({ env: process.env, req, mode }));
      fs.writeFileSync(path.join(req.workDir, 'slug.tgz'), 'slug-bytes');
      console.log('-----> Detecting buildpack');
      console.log('       detail');
      fs.writeFileSync(path.join(req.workDir, 'result.json'), JSON.stringify({ ok: true, artifact: {
        slugPath: '/elsewhere/slug.tgz', size: 10, sha256: 'ab', processTypes: { web: 'npm start' }, buildpack: 'nodejs', stack: req.stack } }));`);
    const req = await request();
    const lines: string[] = [];
    const result = await executor(cli).run(req, (l) => lines.push(l));
    expect(lines).toEqual(['-----> Detecting buildpack', '       detail']);
    expect(result).toEqual({ ok: true, artifact: {
      slugPath: path.join(req.workDir, 'slug.tgz'), size: 10, sha256: 'ab', processTypes: { web: 'npm start' }, buildpack: 'nodejs', stack: 'test-stack',
    } });
    const seen = JSON.parse(await readFile(path.join(req.workDir, 'seen.json'), 'utf8'));
    expect(Object.keys(seen.env).sort()).toEqual(['HOME', 'LANG', 'PATH', 'SLIPWAY_BUILD_MARK']);
    expect(seen.env.HOME).toBe(path.join(req.workDir, 'home'));
    expect(seen.mode).toBe('600');
    expect(seen.req).toMatchObject({
      version: 1, sourceDir: '/src', workDir: req.workDir, buildpacksDir: '/opt/buildpacks', buildpacks: ['nodejs'],
      env: { SECRET_KEY: 'v@lue "x"\nline2' }, stack: 'test-stack', npm: { registry: 'https://registry.example/' },
      allowedBuildpackHosts: ['10.0.0.5'], processMark: seen.env.SLIPWAY_BUILD_MARK,
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

  it('kills the CLI and everything it started at the deadline, even processes that left its group', async () => {
    const cli = await fakeCli('hang', `
      import('node:child_process').then(({ spawn }) => {
        const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
        fs.writeFileSync(path.join(req.workDir, 'child.pid'), String(child.pid));
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
    expect(Date.now() - started).toBeLessThan(5_000);
    const pid = Number(await readFile(path.join(req.workDir, 'child.pid'), 'utf8'));
    expect(await alive(pid)).toBe(false);
  });

  it('stops the build when its signal aborts', async () => {
    const cli = await fakeCli('abort', `console.log('working'); setInterval(() => {}, 1000);`);
    const controller = new AbortController();
    const req = await request({ signal: controller.signal });
    const run = executor(cli).run(req, () => controller.abort());
    await expect(run).resolves.toEqual({ ok: false, message: 'Build cancelled' });
  });
});
