// Buildpacks given by git URL, served by a real `git daemon` on loopback (allowed as an operator
// would allow an internal host); the build's time limit and its clean environment.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesGone } from '@slipway/core/adapters/sandbox/sandbox.testing';
import { freePort } from '@slipway/core/testing/free-port';
import { BuildHarness } from './testing/build-harness.js';

const h = new BuildHarness();
let daemon: ChildProcess | undefined;
let port = 0;
let url = '';
let allowed: string[] = [];
let appDir = '';

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, {
      cwd,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: cwd, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
    }, (err, stdout, stderr) => (err ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

async function script(dir: string, name: string, body: string): Promise<void> {
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  await writeFile(path.join(dir, 'bin', name), `#!/bin/sh\n${body}\n`);
  await chmod(path.join(dir, 'bin', name), 0o755);
}


async function waitForPort(p: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection({ host: '127.0.0.1', port: p }, () => { c.destroy(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('git daemon did not start');
}


beforeAll(async () => {
  process.env.SLIPWAY_TEST_CANARY = 'canary-from-the-platform';
  const work = await h.tempDir('slw-bp-');
  const repo = path.join(work, 'src');
  await mkdir(repo);
  await git(repo, ['init', '-q', '-b', 'main']);
  await script(repo, 'detect', '[ -f "$1/hello.cfg" ] && echo Hello && exit 0\nexit 1');
  await script(repo, 'compile', [
    'set -e',
    'echo "-----> Saying hello"',
    'echo "       greeting from ENV_DIR: $(cat "$3/GREETING")"',
    'echo "canary=${SLIPWAY_TEST_CANARY:-absent}" > "$1/env-seen.txt"',
    'echo "home=$HOME" >> "$1/env-seen.txt"',
    'echo "vars=$(env | cut -d= -f1 | sort | tr "\\n" " ")" >> "$1/env-seen.txt"',
    'echo "hello from the git buildpack" > "$1/hello.txt"',
  ].join('\n'));
  await script(repo, 'release', "printf -- '---\\ndefault_process_types:\\n  web: cat hello.txt\\n'");
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '-q', '-m', 'hello buildpack']);
  await git(repo, ['checkout', '-q', '-b', 'v2']);
  await script(repo, 'release', "printf -- '---\\ndefault_process_types:\\n  web: echo v2\\n'");
  await git(repo, ['commit', '-q', '-am', 'v2']);
  await git(repo, ['checkout', '-q', '-b', 'slow', 'main']);
  await script(repo, 'compile', [
    'mkdir -p "$2"',
    // leaves the process group and the session, beating into the cache while it lives
    `setsid sh -c 'while :; do echo beat >> "$0/leftover.beat"; sleep 0.1; done' "$2" >/dev/null 2>&1 &`,
    'echo "       sleeping"',
    'sleep 300',
  ].join('\n'));
  await git(repo, ['commit', '-q', '-am', 'slow']);
  await git(repo, ['checkout', '-q', 'main']); // the served repository's HEAD
  const base = path.join(work, 'served');
  await mkdir(base);
  await git(work, ['clone', '-q', '--bare', repo, path.join(base, 'hello.git')]);

  port = await freePort();
  daemon = spawn('git', ['daemon', '--export-all', `--base-path=${base}`, '--listen=127.0.0.1', `--port=${port}`, '--reuseaddr', base],
    { stdio: 'ignore', env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: work } });
  await waitForPort(port);
  url = `git://127.0.0.1:${port}/hello.git`;
  allowed = [`127.0.0.1:${port}`];
  appDir = path.join(work, 'app');
  await mkdir(appDir);
  await writeFile(path.join(appDir, 'hello.cfg'), 'yes\n');
});

afterAll(async () => {
  delete process.env.SLIPWAY_TEST_CANARY;
  daemon?.kill('SIGTERM');
  await h.cleanup();
});

describe('git URL buildpacks', () => {
  it('clones and runs a buildpack named by the app, with config vars in ENV_DIR and a clean environment', async () => {
    const build = await h.build({ source: appDir, cacheDir: await h.tempDir('slw-cache-'), buildpacks: [url], allowedBuildpackHosts: allowed, env: { GREETING: 'ahoy' } });
    expect(build.result.ok, build.lines.join('\n')).toBe(true);
    if (!build.result.ok) return;
    expect(build.lines).toContain(`       Fetching buildpack ${url}`);
    expect(build.lines).toContain('-----> Hello app detected');
    expect(build.lines).toContain('       greeting from ENV_DIR: ahoy');
    expect(build.result.artifact).toMatchObject({ buildpack: url, processTypes: { web: 'cat hello.txt' } });
    const app = await h.unpack(build);
    expect(await readFile(path.join(app, 'hello.txt'), 'utf8')).toBe('hello from the git buildpack\n');
    const seen = await readFile(path.join(app, 'env-seen.txt'), 'utf8');
    expect(seen).toContain('canary=absent');
    expect(seen).toContain('home=/slipway/work/home'); // the build's stable paths, in its sandbox
    const vars = seen.split('vars=')[1]!.trim().split(' ').filter((v) => v !== 'PWD' && v !== 'SHLVL' && v !== '_');
    expect(vars.filter((v) => !v.startsWith('npm_config_') && v !== 'NODE_EXTRA_CA_CERTS').sort())
      .toEqual(['HOME', 'LANG', 'PATH', 'STACK', 'TMPDIR']);
  });

  it('reads a .buildpacks file and honours a #branch ref', async () => {
    const src = await h.tempDir('slw-src-');
    await writeFile(path.join(src, 'hello.cfg'), 'yes\n');
    await writeFile(path.join(src, '.buildpacks'), `# custom buildpack\n${url}#v2\n`);
    const { result, lines } = await h.build({ source: src, cacheDir: await h.tempDir('slw-cache-'), allowedBuildpackHosts: allowed, env: { GREETING: 'x' } });
    expect(result.ok, lines.join('\n')).toBe(true);
    expect(result.ok && result.artifact).toMatchObject({ buildpack: `${url}#v2`, processTypes: { web: 'echo v2' } });
  });

  it('refuses a buildpack host on a private or loopback address unless the operator allows it', async () => {
    const https = `https://127.0.0.1:${port}/hello.git`;
    const { result, lines } = await h.build({ source: appDir, cacheDir: await h.tempDir('slw-cache-'), buildpacks: [https] });
    expect(result).toEqual({ ok: false, message: 'buildpack host 127.0.0.1 resolves to 127.0.0.1, a private, loopback or link-local address; an operator can allow it' });
    expect(lines.at(-1)).toMatch(/^! {5}Build failed: buildpack host 127\.0\.0\.1/);
  });

  it('refuses http and git URLs for hosts the operator did not allow', async () => {
    const { result } = await h.build({ source: appDir, cacheDir: await h.tempDir('slw-cache-'), buildpacks: [url] });
    expect(result).toEqual({ ok: false, message: `buildpack URL must use https (git:// only for hosts an operator allowed): ${url}` });
  });

  it('refuses option-like refs and other protocols before running git', async () => {
    for (const [bp, message] of [
      [`${url}#--upload-pack=touch /tmp/slw-pwned`, /buildpack ref "--upload-pack=touch \/tmp\/slw-pwned" is not a valid branch or tag name/],
      [`${url}#-h`, /buildpack ref "-h" is not a valid/],
      [`${url}#main;touch /tmp/slw-pwned`, /buildpack ref "main;touch \/tmp\/slw-pwned" is not a valid/],
      ['ext::sh -c touch% /tmp/slw-pwned', /buildpack URL must use https, http or git, not ext/],
      ['file:///etc', /buildpack URL must use https, http or git, not file/],
    ] as const) {
      const { result, lines } = await h.build({ source: appDir, cacheDir: await h.tempDir('slw-cache-'), buildpacks: [bp], allowedBuildpackHosts: allowed });
      expect(result.ok, bp).toBe(false);
      expect(!result.ok && result.message, bp).toMatch(message);
      expect(lines.some((l) => l.includes('Fetching buildpack')), bp).toBe(false);
    }
  });

  it('says when the app does not match a named buildpack', async () => {
    const src = await h.tempDir('slw-src-');
    await writeFile(path.join(src, 'index.txt'), 'no hello.cfg here\n');
    const { result } = await h.build({ source: src, cacheDir: await h.tempDir('slw-cache-'), buildpacks: [url], allowedBuildpackHosts: allowed });
    expect(result).toEqual({ ok: false, message: `App not compatible with buildpack: ${url}` });
  });
});

describe('build time limit', () => {
  it('kills the build at its deadline, including processes that left its process group and session', async () => {
    const cache = await h.tempDir('slw-cache-');
    const started = Date.now();
    const { result, lines } = await h.build({ source: appDir, cacheDir: cache, buildpacks: [`${url}#slow`], allowedBuildpackHosts: allowed, timeoutMs: 4_000 });
    const elapsed = Date.now() - started;
    expect(result).toEqual({ ok: false, message: 'Build timed out after 4 s' });
    expect(lines).toContain('       sleeping');
    expect(lines.at(-1)).toBe('!     Build failed: Build timed out after 4 s');
    expect(elapsed).toBeLessThan(12_000);
    // nothing of the build runs any more: no process of the app's uid, and the leftover's beat stopped
    expect(await processesGone(await h.uids.uidOf('app-1'))).toEqual([]);
    const beats = async () => (await readFile(path.join(cache, 'leftover.beat'), 'utf8')).split('\n').length;
    const n = await beats();
    expect(n).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(await beats()).toBe(n);
  });
});
