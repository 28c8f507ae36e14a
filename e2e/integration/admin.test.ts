// Platform administration: the first admin (setup), users created by an admin with a password shown
// once, the sign-up switch, settings validation; non-admins are refused.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';

let h: ApiHarness;
let admin: ApiClient;
let user: ApiClient;
beforeAll(async () => {
  h = await startApiHarness();
  const first = await h.ctx.http.services.users.ensureFirstAdmin('root@example.com', undefined);
  expect(first.created).toBe(true);
  expect(first.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
  admin = await ApiClient.login(h.url, 'root@example.com', first.password!);
  user = await ApiClient.signUp(h.url, 'user@example.com');
});
afterAll(async () => h?.close());

describe('platform admin', () => {
  it('creates the first admin once, never with a default password', async () => {
    const again = await h.ctx.http.services.users.ensureFirstAdmin('root@example.com', undefined);
    expect(again.created).toBe(false);
    expect((await admin.get('/account')).body.admin).toBe(true);
  });

  it('creates users with a generated password shown once', async () => {
    const r = await admin.post('/api/v1/admin/users', { email: 'new@example.com' });
    expect(r.status).toBe(201);
    expect(r.body.password).toBeTruthy();
    expect((await ApiClient.login(h.url, 'new@example.com', r.body.password)).token).toBeTruthy();
    expect((await admin.get('/api/v1/admin/users')).body.some((u: any) => u.email === 'new@example.com' && !('password' in u))).toBe(true);
  });

  it('turns sign-up off and on', async () => {
    expect((await admin.patch('/api/v1/admin/settings', { signup_enabled: false })).body.signup_enabled).toBe(false);
    const refused = await new ApiClient(h.url).post('/api/v1/users', { email: 'late@example.com', password: 'long enough pw' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/Sign-up is turned off/);
    await admin.patch('/api/v1/admin/settings', { signup_enabled: true });
    expect((await new ApiClient(h.url).post('/api/v1/users', { email: 'late@example.com', password: 'long enough pw' })).status).toBe(201);
  });

  it('validates settings and refuses unknown ones', async () => {
    expect((await admin.patch('/api/v1/admin/settings', { max_apps_per_org: -1 })).status).toBe(400);
    expect((await admin.patch('/api/v1/admin/settings', { nope: 1 })).status).toBe(400);
  });

  it('reports the runtime and the object store', async () => {
    const r = await admin.get('/api/v1/admin/infrastructure');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ runtime: 'local', docker: null, object_store: { kind: 'fs', check: { ok: true } } });
  });

  it('serves a slug to whoever holds its signed URL, and nothing else', async () => {
    const key = `slugs/${crypto.randomUUID()}/${crypto.randomUUID()}.tgz`;
    await h.ctx.adapters.objects.put(key, Buffer.from('slug bytes'));
    const url = h.ctx.http.slugs.urls.url(key).replace(h.config.api.slugBaseUrl, h.url);
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('slug bytes');
    expect((await fetch(url.replace(/sig=(.)/, (_m, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`))).status).toBe(403); // a changed signature
    const other = `slugs/${crypto.randomUUID()}/${crypto.randomUUID()}.tgz`;
    await h.ctx.adapters.objects.put(other, Buffer.from('another app'));
    expect((await fetch(url.replace(key, other))).status).toBe(403);
    expect((await fetch(url.replace('.tgz?', '.tgz.x?'))).status).toBe(404);
  });

  it('refuses non-admins with 403', async () => {
    for (const [m, p] of [['GET', '/api/v1/admin/users'], ['POST', '/api/v1/admin/users'], ['PATCH', '/api/v1/admin/settings'], ['GET', '/api/v1/admin/organizations'], ['GET', '/api/v1/admin/infrastructure']]) {
      expect((await user.req(m!, p!, { body: m === 'GET' ? undefined : {} })).status).toBe(403);
    }
  });
});
