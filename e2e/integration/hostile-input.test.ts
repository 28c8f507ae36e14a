// Hostile and malformed input never reaches a shell, a process, the filesystem or PostgreSQL: app
// names and config keys with shell metacharacters, "..", leading dashes and unicode look-alikes;
// NUL bytes and invalid UTF-8 in the URL, the query, the JSON body and the headers the api reads;
// bad JSON; overlong values. Every one answers 4xx with the Heroku error shape ({id, message}),
// never 500, nothing is written and no process is spawned.
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';

let h: ApiHarness;
let ada: ApiClient;
beforeAll(async () => {
  h = await startApiHarness();
  ada = await ApiClient.signUp(h.url, 'ada@example.com');
  await ada.post('/apps', { name: 'target' });
});
afterAll(async () => h?.close());

const NAMES = [
  'app;touch /tmp/pwned', 'app$(id)', '`id`', 'a|b', 'a&&b', '../etc', '..', 'a/../b', '-rf', '--upload-pack=x', '-h',
  'аpp', // Cyrillic а
  'ａｐｐ', // full-width
  'app\u0000x', 'app\nx', 'app name', 'APP', 'a', '1app', 'app-', 'ap--p', '',
];
const KEYS = ['A;B', 'A$(id)', '../X', '-X', 'X Y', 'ÄPFEL', 'X\u0000', 'x', '1X', 'X=Y', 'X\nY', 'ＡＢ'];

async function counts() {
  const { rows } = await h.ctx.store.pool.query(`SELECT (SELECT count(*) FROM apps)::int AS apps, (SELECT count(*) FROM config_vars)::int AS vars, (SELECT count(*) FROM releases)::int AS releases`);
  return { ...rows[0], repos: (await readdir(h.config.paths.repos)).sort(), spawned: h.runner.calls.length };
}

/** The Heroku error shape: a string id and a message, as JSON. */
function expectHerokuError(r: { status: number; body: any; headers: Headers }, status: number | number[], what: string) {
  expect(Array.isArray(status) ? status : [status], what).toContain(r.status);
  expect(r.headers.get('content-type'), what).toMatch(/application\/json/);
  expect(r.body, what).toMatchObject({ id: expect.any(String), message: expect.any(String) });
}

/** One raw HTTP/1.1 exchange: bytes the fetch API would refuse to send. */
function raw(request: Buffer | string): Promise<{ status: number; body: any; headers: Headers }> {
  const port = Number(new URL(h.url).port);
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(request)); // no half-close: the server answers, then closes
    const chunks: Buffer[] = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const headers = new Headers();
      for (const line of head.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
      }
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        /* not JSON */
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body: parsed, headers });
    });
  });
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ada.token}\r\n${extra}Connection: close\r\n\r\n`;
const send = (method: string, path: string, body: Buffer, type = 'application/json') =>
  Buffer.concat([
    Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ada.token}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`),
    body,
  ]);

describe('hostile input', () => {
  it('refuses hostile app names with 400, writing and spawning nothing', async () => {
    const before = await counts();
    for (const name of NAMES) {
      const r = await ada.post('/apps', { name });
      expectHerokuError(r, 400, JSON.stringify(name));
      expect(r.body.message).toMatch(/Name must|reserved|dash|NUL/);
      expectHerokuError(await ada.patch('/apps/target', { name }), 400, JSON.stringify(name));
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses hostile and reserved config keys and NUL values with 400, writing no var and no release', async () => {
    const before = await counts();
    for (const key of KEYS) {
      const r = await ada.patch('/apps/target/config-vars', { OK: 'fine', [key]: 'v' });
      expectHerokuError(r, 400, JSON.stringify(key));
      expect(r.body.message).toMatch(/\^\[A-Z_\]\[A-Z0-9_\]\*\$|NUL/);
    }
    for (const [key, rule] of [['HEROKU_API_KEY', 'HEROKU_'], ['__PRIVATE', '__'], ['SLIPWAY_BUILD_MARK', 'SLIPWAY_']]) {
      const r = await ada.patch('/apps/target/config-vars', { OK: 'fine', [key!]: 'v' });
      expectHerokuError(r, 400, key!);
      expect(r.body.message).toBe(`Config var key "${key}" must not start with ${rule}: that prefix is reserved for the platform.`);
    }
    const nul = await ada.patch('/apps/target/config-vars', { OK: 'fine', SECRET: 'a\u0000b' });
    expectHerokuError(nul, 400, 'NUL value');
    expect(nul.body.message).toMatch(/NUL/);
    expect(await counts()).toEqual(before);
  });

  it('refuses buildpack URLs that are not https and option-like buildpacks', async () => {
    for (const bp of ['http://example.com/bp.git', 'git://example.com/bp.git', 'file:///etc', '--upload-pack=x', 'ext::sh -c id']) {
      const r = await ada.patch('/apps/target', { buildpacks: [bp] });
      expectHerokuError(r, 400, bp);
      expect(r.body.message).toMatch(/https/);
    }
    expect((await ada.patch('/apps/target', { buildpacks: ['https://example.com/bp.git#v2'] })).status).toBe(200);
  });

  it('treats hostile app names in URLs as unknown apps', async () => {
    for (const name of ['..', '..%2F..%2Fetc', '-rf', 'a%3Bb', '%2e%2e']) {
      const r = await ada.get(`/apps/${name}/config-vars`);
      expectHerokuError(r, [400, 404], name);
    }
    const git = await fetch(`${h.url}/--upload-pack=touch%20x.git/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${ada.token}` } });
    expect([400, 404]).toContain(git.status);
  });

  it('answers NUL bytes and invalid UTF-8 in the URL, query, body and headers with 400', async () => {
    const before = await counts();
    const cases: [string, Buffer | string, RegExp][] = [
      ['NUL in a path segment', get('/apps/tar%00get'), /NUL/],
      ['invalid UTF-8 in a path segment', get('/apps/%ff%fe'), /UTF-8/],
      ['overlong UTF-8 in a path segment', get('/apps/%c0%ae%c0%ae'), /UTF-8/],
      ['a percent-escape that does not decode', get('/apps/%zz'), /does not decode|not found/i],
      ['NUL in the query', get('/apps?after=%00'), /NUL/],
      ['invalid UTF-8 in the query', get('/apps/target/builds?x=%e2%28%a1'), /UTF-8/],
      ['NUL in the git service name', get('/target.git/info/refs?service=git-upload-pack%00'), /NUL/],
      ['invalid UTF-8 in a JSON body', send('PATCH', '/apps/target/config-vars', Buffer.from([...Buffer.from('{"OK":"'), 0xff, 0xfe, ...Buffer.from('"}')])), /UTF-8/],
      ['a lone surrogate in a JSON body', send('PATCH', '/apps/target/config-vars', Buffer.from('{"OK":"\\ud800"}')), /UTF-8/],
      ['a NUL key deep in a JSON body', send('POST', '/apps', Buffer.from('{"name":"x","a":[{"b":{"\\u0000":1}}]}')), /NUL/],
      ['bad JSON', send('POST', '/apps', Buffer.from('{"name": ')), /not valid JSON/],
      ['JSON in another charset', send('POST', '/apps', Buffer.from('{"name":"x"}'), 'application/json; charset=latin1'), /UTF-8/],
      ['a NUL byte in a header', `GET /apps HTTP/1.1\r\nHost: x\r\nX-Thing: a\u0000b\r\nConnection: close\r\n\r\n`, /malformed/],
      ['a NUL in the Basic credentials', `POST /oauth/authorizations HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${Buffer.from('ada@example.com\u0000:x').toString('base64')}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, /NUL/],
      ['invalid UTF-8 in the Basic credentials', `POST /oauth/authorizations HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${Buffer.from([0x61, 0xff, 0x3a, 0x78]).toString('base64')}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, /UTF-8/],
      ['a NUL in a sign-in email', send('POST', '/api/v1/session', Buffer.from('{"email":"ada@example.com\\u0000","password":"x"}')), /NUL/],
    ];
    for (const [what, request, message] of cases) {
      const r = await raw(request);
      expectHerokuError(r, what.includes('does not decode') ? [400, 404] : 400, what);
      expect(r.body.message, what).toMatch(message);
    }
    expect(await counts()).toEqual(before);
  });

  it('answers overlong input with 4xx, never 500', async () => {
    const long = 'a'.repeat(20_000);
    expectHerokuError(await ada.post('/apps', { name: long }), 400, 'long app name');
    expectHerokuError(await ada.get(`/apps/${'a'.repeat(5_000)}`), 404, 'long app in URL');
    expectHerokuError(await ada.patch('/apps/target/config-vars', { BIG: 'x'.repeat(300_000) }), 413, 'body over the limit');
    expectHerokuError(await ada.patch('/apps/target/config-vars', { BIG: 'x'.repeat(70_000) }), 400, 'config over its total');
    expectHerokuError(await new ApiClient(h.url).post('/api/v1/session', { email: `${long}@example.com`, password: long }), [400, 401], 'long sign-in');
    expectHerokuError(await raw(get(`/apps/${'b'.repeat(40_000)}`)), 431, 'request line over the header limit');
    expectHerokuError(await raw(get('/apps', `X-Big: ${'c'.repeat(40_000)}\r\n`)), 431, 'header over the limit');
  });

  it('never answers 500 to hostile values in any route parameter', async () => {
    const hostile = ['%00', '%ff', '..%2F..', '-rf', '%E2%80%AE', 'a'.repeat(300), "'%3B--", '%7B%7D', '00000000-0000-0000-0000-000000000000'];
    const routes = [
      'GET /apps/:v', 'PATCH /apps/:v', 'DELETE /apps/:v', 'GET /apps/target/builds/:v', 'GET /apps/target/builds/:v/output', 'GET /apps/target/releases/:v',
      'PATCH /apps/target/formation/:v', 'DELETE /apps/target/dynos/:v', 'DELETE /apps/target/domains/:v', 'GET /api/v1/organizations/:v',
      'GET /api/v1/organizations/:v/members', 'DELETE /api/v1/organizations/:v/members/:v', 'DELETE /account/keys/:v', 'DELETE /api/v1/tokens/:v',
      'GET /log-sessions/:v', 'GET /slugs/:v', 'GET /apps?after=:v', 'GET /apps/target/activity?limit=:v',
    ];
    const seen: string[] = [];
    for (const route of routes) {
      for (const v of hostile) {
        const [method, path] = route.split(' ') as [string, string];
        const r = await ada.req(method, path.replaceAll(':v', v), method === 'PATCH' ? { body: { quantity: 1 } } : {});
        if (r.status >= 500) seen.push(`${method} ${path.replaceAll(':v', v)} → ${r.status} ${r.text.slice(0, 80)}`);
      }
    }
    expect(seen).toEqual([]);
  });
});
