// Static, Procfile-only and Python builds through the real SubprocessBuildExecutor and builder CLI;
// the slug is unpacked at another path and run the way a runtime runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@slipway/core/testing/free-port';
import { BuildHarness } from './testing/build-harness.js';

const fixtures = path.resolve(import.meta.dirname, '../test/fixtures');
const h = new BuildHarness();
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await h.cleanup();
});

async function cacheDir(): Promise<string> {
  return h.tempDir('slw-cache-');
}


interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }
function request(port: number, rawPath: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static buildpack', () => {
  it('builds a static site whose server serves files, clean URLs, headers, 304s, HEAD and 404s, and nothing outside', async () => {
    const build = await h.build({ source: path.join(fixtures, 'static-site'), cacheDir: await cacheDir() });
    expect(build.result.ok, build.lines.join('\n')).toBe(true);
    if (!build.result.ok) return;
    expect(build.lines).toContain('-----> Static app detected');
    expect(build.result.artifact.processTypes).toEqual({ web: 'node .slipway/static/server.mjs' });
    const app = await h.unpack(build);

    const port = await freePort();
    const server = spawn('node', ['.slipway/static/server.mjs'], { cwd: app, env: { PATH: '/usr/local/bin:/usr/bin:/bin', PORT: String(port), HOME: app }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(server);
    await new Promise<void>((resolve) => server.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('listening')) resolve(); }));

    const home = await request(port, '/');
    expect(home.status).toBe(200);
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(home.body).toContain('Hello from a static site');
    expect(home.headers['last-modified']).toBeTruthy();

    const again = await request(port, '/', { headers: { 'If-None-Match': String(home.headers.etag) } });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    const since = await request(port, '/', { headers: { 'If-Modified-Since': String(home.headers['last-modified']) } });
    expect(since.status).toBe(304);

    expect((await request(port, '/about')).body).toContain('About us');
    const old = await request(port, '/about.html?x=1');
    expect([old.status, old.headers.location]).toEqual([301, '/about?x=1']);
    const css = await request(port, '/assets/app.css');
    expect([css.status, css.headers['content-type'], css.headers['cache-control']]).toEqual([200, 'text/css; charset=utf-8', 'public, max-age=60']);
    expect((await request(port, '/assets')).headers.location).toBe('/assets/');

    const head = await request(port, '/assets/app.css', { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.body]).toEqual([200, String(Buffer.byteLength(css.body)), '']);
    expect((await request(port, '/', { method: 'POST' })).status).toBe(405);

    const missing = await request(port, '/nope.html');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('404 Not Found');
    for (const evil of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/.slipway/static/config.json', '/static.json', '/%00index.html']) {
      const r = await request(port, evil);
      expect(r.status, evil).toBe(404);
      expect(r.body, evil).not.toContain('root:');
    }
  });

  it('lets Procfile types override the buildpack defaults and add new ones', async () => {
    const src = await h.tempDir('slw-src-');
    await cp(path.join(fixtures, 'static-site'), src, { recursive: true });
    await writeFile(path.join(src, 'Procfile'), 'web: node custom-server.js\nworker: node jobs.js\n');
    const { result } = await h.build({ source: src, cacheDir: await cacheDir() });
    expect(result.ok && result.artifact.processTypes).toEqual({ web: 'node custom-server.js', worker: 'node jobs.js' });
  });

  it('fails clearly on an invalid static.json', async () => {
    const src = await h.tempDir('slw-src-');
    await cp(path.join(fixtures, 'static-site'), src, { recursive: true });
    await writeFile(path.join(src, 'static.json'), '{ "root": "../outside" }');
    const { result, lines } = await h.build({ source: src, cacheDir: await cacheDir() });
    expect(result).toEqual({ ok: false, message: 'static.json: root "../outside" points outside the app' });
    expect(lines.at(-1)).toBe('!     Build failed: static.json: root "../outside" points outside the app');
  });
});

describe('procfile buildpack', () => {
  it('builds an app with only a Procfile (CRLF, comments, blank lines)', async () => {
    const build = await h.build({ source: path.join(fixtures, 'procfile-app'), cacheDir: await cacheDir() });
    expect(build.result.ok, build.lines.join('\n')).toBe(true);
    if (!build.result.ok) return;
    expect(build.lines).toContain('-----> Procfile app detected');
    expect(build.lines).toContain('       Procfile declares types     -> web, worker');
    expect(build.result.artifact).toMatchObject({ buildpack: 'procfile', processTypes: { web: './run.sh web', worker: './run.sh worker' } });
    const app = await h.unpack(build);
    expect((await h.runInSlug(app, ['./run.sh', 'web'])).stdout).toBe('running web\n');
  });

  it('fails on a Procfile that declares a type twice, naming the lines', async () => {
    const src = await h.tempDir('slw-src-');
    await writeFile(path.join(src, 'Procfile'), 'web: a\nworker: b\nweb: c\n');
    const { result, lines } = await h.build({ source: src, cacheDir: await cacheDir() });
    expect(result).toEqual({ ok: false, message: 'Procfile line 3: process type "web" is declared twice (first on line 1)' });
    expect(lines.at(-1)).toBe('!     Build failed: Procfile line 3: process type "web" is declared twice (first on line 1)');
  });

  it('runs every buildpack listed in .buildpacks, in order, merging their process types', async () => {
    const src = await h.tempDir('slw-src-');
    await cp(path.join(fixtures, 'static-site'), src, { recursive: true });
    await writeFile(path.join(src, 'requirements.txt'), '');
    await writeFile(path.join(src, '.buildpacks'), 'heroku/python\nstatic\n');
    const { result, lines } = await h.build({ source: src, cacheDir: await cacheDir() });
    expect(result.ok, lines.join('\n')).toBe(true);
    expect(lines.filter((l) => l.startsWith('-----> '))).toEqual([
      '-----> Detecting buildpacks', '-----> Python app detected', '-----> Static app detected',
      '-----> Compiling with Python', '-----> Compiling with Static', '-----> Discovering process types', '-----> Compressing...',
    ]);
    expect(result.ok && result.artifact).toMatchObject({ buildpack: 'python, static', processTypes: { web: 'node .slipway/static/server.mjs' } });
  });

  it('fails when no buildpack detects the app', async () => {
    const src = await h.tempDir('slw-src-');
    await writeFile(path.join(src, 'README.md'), '# nothing to run\n');
    const { result } = await h.build({ source: src, cacheDir: await cacheDir() });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/^No buildpack detected this app/);
  });
});

describe('python buildpack', () => {
  it('builds an app with an empty requirements.txt on the stack python', async () => {
    const build = await h.build({ source: path.join(fixtures, 'python-empty'), cacheDir: await cacheDir() });
    expect(build.result.ok, build.lines.join('\n')).toBe(true);
    expect(build.lines).toContain('-----> Python app detected');
    expect(build.lines.join('\n')).toMatch(/Using the stack's Python 3\.\d+\.\d+ \(/);
    expect(build.lines).toContain('       requirements.txt lists no packages: nothing to install');
    const app = await h.unpack(build);
    expect((await h.runInSlug(app, ['python3', 'app.py'])).stdout).toMatch(/^python 3\.\d+\.\d+\n$/);
  });

  it('installs a local-path requirement into the slug so it imports wherever the slug is unpacked', async () => {
    const build = await h.build({ source: path.join(fixtures, 'python-local'), cacheDir: await cacheDir() });
    expect(build.result.ok, build.lines.join('\n')).toBe(true);
    const app = await h.unpack(build);
    const run = await h.runInSlug(app, ['python3', '-c', 'import greeter, sys; print(greeter.hello()); print(greeter.__file__)']);
    expect(run.stdout.split('\n')[0], run.stderr).toBe('hello from greeter');
    expect(run.stdout.split('\n')[1]).toBe(path.join(app, '.heroku/python/greeter/__init__.py'));
    expect(await readFile(path.join(app, '.profile.d/python.sh'), 'utf8')).toContain('$HOME/.heroku/python');
  });

  it('fails with pip\'s output when a requirement cannot be installed', async () => {
    const src = await h.tempDir('slw-src-');
    await writeFile(path.join(src, 'requirements.txt'), './missing-package-dir\n');
    const { result, lines } = await h.build({ source: src, cacheDir: await cacheDir() });
    expect(result).toEqual({ ok: false, message: 'pip install -r requirements.txt exited with code 1' });
    expect(lines.join('\n')).toMatch(/missing-package-dir/);
  });
});
