// The app API (Heroku Platform API v3) against the real api, PostgreSQL and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';
import { seedRelease } from '../support/seed.js';

let h: ApiHarness;
let ada: ApiClient;
beforeAll(async () => {
  h = await startApiHarness();
  ada = await ApiClient.signUp(h.url, 'ada@example.com');
});
afterAll(async () => h?.close());

async function deployJobs(): Promise<any[]> {
  const q = new Queue('deploy', { connection: h.ctx.redis, prefix: h.config.redis.prefix });
  const jobs = await q.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
  await q.close();
  return jobs.map((j) => j.data);
}

describe('apps', () => {
  it('creates an app with the Heroku JSON shape, lists, shows by name and id, updates, deletes', async () => {
    const created = await ada.post('/apps', { name: 'shop-web' });
    expect(created.status).toBe(201);
    const a = created.body;
    expect(a).toMatchObject({
      name: 'shop-web',
      web_url: `http://shop-web.localhost:${h.config.edge.port}/`,
      git_url: `${h.config.api.publicUrl}/shop-web.git`,
      maintenance: false,
      owner: { email: 'ada@example.com' },
      region: { name: 'local' },
      stack: { name: 'slipway-1' },
      build_stack: { name: 'slipway-1' },
      organization: { name: 'ada' },
      plan: { name: 'hobby' },
      repo_size: null,
      slug_size: null,
    });
    for (const k of ['id', 'created_at', 'updated_at']) expect(a[k]).toBeTruthy();
    expect((await ada.get('/apps/shop-web')).body.id).toBe(a.id);
    expect((await ada.get(`/apps/${a.id}`)).body.name).toBe('shop-web');
    expect((await ada.get('/apps')).body.map((x: any) => x.name)).toContain('shop-web');

    const patched = await ada.patch('/apps/shop-web', { maintenance: true, health_check_path: '/health' });
    expect(patched.body.maintenance).toBe(true);
    expect(patched.body.health_check_path).toBe('/health');
    expect((await deployJobs()).some((j) => j.kind === 'routing' && j.appId === a.id)).toBe(true);

    expect((await ada.delete('/apps/shop-web')).status).toBe(200);
    expect((await ada.get('/apps/shop-web')).status).toBe(404);
    expect((await deployJobs()).some((j) => j.kind === 'remove' && j.appId === a.id && j.appName === 'shop-web')).toBe(true);
  });

  it('picks a name when none is given', async () => {
    const r = await ada.post('/apps', {});
    expect(r.status).toBe(201);
    expect(r.body.name).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
  });

  it('refuses bad, reserved and taken names with messages naming the rule', async () => {
    const bad = await ada.post('/apps', { name: 'Bad_Name' });
    expect(bad.status).toBe(400);
    expect(bad.body.id).toBe('invalid_params');
    expect(bad.body.message).toContain('^[a-z][a-z0-9-]{1,29}$');
    expect((await ada.post('/apps', { name: 'www' })).body.message).toMatch(/reserved/);
    expect((await ada.post('/apps', { name: 'a'.repeat(31) })).status).toBe(400);
    await ada.post('/apps', { name: 'taken-name' });
    const bob = await ApiClient.signUp(h.url, 'bob@example.com');
    const dup = await bob.post('/apps', { name: 'taken-name' });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toMatch(/already taken/);
  });

  it('answers 404 in the Heroku error shape for an unknown app', async () => {
    const r = await ada.get('/apps/no-such-app');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ id: 'not_found', message: "Couldn't find that app." });
  });

  it('caps the request body size', async () => {
    const r = await ada.req('PATCH', '/apps/taken-name', { raw: JSON.stringify({ name: 'x'.repeat(300_000) }), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(413);
  });
});

describe('config vars', () => {
  it('merges on PATCH, deletes on null, makes one release per change, and validates keys', async () => {
    const app = (await ada.post('/apps', { name: 'config-app' })).body;
    expect((await ada.get('/apps/config-app/config-vars')).body).toEqual({});
    expect((await ada.patch('/apps/config-app/config-vars', { A: '1', B: 'two' })).body).toEqual({ A: '1', B: 'two' });
    expect((await ada.patch('/apps/config-app/config-vars', { B: null, C: 'line1\nline2 "quoted"' })).body).toEqual({ A: '1', C: 'line1\nline2 "quoted"' });
    expect((await ada.get('/apps/config-app/config-vars')).body).toEqual({ A: '1', C: 'line1\nline2 "quoted"' });
    // no change, no release
    await ada.patch('/apps/config-app/config-vars', { A: '1' });
    const releases = (await ada.get('/apps/config-app/releases')).body;
    expect(releases.map((r: any) => [r.version, r.description])).toEqual([
      [1, 'Set A, B config vars'],
      [2, 'Set C config var; Remove B config var'],
    ]);

    const bad = await ada.patch('/apps/config-app/config-vars', { GOOD: 'x', 'bad-key': 'y' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('^[A-Z_][A-Z0-9_]*$');
    expect((await ada.get('/apps/config-app/config-vars')).body).not.toHaveProperty('GOOD');
    const big = await ada.patch('/apps/config-app/config-vars', { BIG: 'x'.repeat(70_000) });
    expect(big.status).toBe(400);
    expect(big.body.message).toMatch(/at most 64 KiB in total/);
    expect(app.id).toBeTruthy();
  });

  it('queues a deploy of the new release once the app has code', async () => {
    const app = (await ada.post('/apps', { name: 'config-deploy' })).body;
    await seedRelease(h.ctx, app.id);
    await ada.patch('/apps/config-deploy/config-vars', { GREETING: 'hi' });
    const rel = (await ada.get('/apps/config-deploy/releases', { range: 'version ..; max=1, order=desc' })).body[0];
    expect(rel.description).toBe('Set GREETING config var');
    expect(rel.slug).not.toBeNull();
    expect((await deployJobs()).some((j) => j.kind === 'release' && j.releaseId === rel.id)).toBe(true);
  });
});

describe('formation', () => {
  it('lists and updates quantities; unknown types 404; the plan limit is 422', async () => {
    const app = (await ada.post('/apps', { name: 'scale-app' })).body;
    await seedRelease(h.ctx, app.id);
    const f = (await ada.get('/apps/scale-app/formation')).body;
    expect(f.map((x: any) => [x.type, x.quantity, x.command])).toEqual([
      ['web', 1, 'node server.js'],
      ['worker', 0, 'node worker.js'],
    ]);
    const up = await ada.patch('/apps/scale-app/formation', { updates: [{ type: 'web', quantity: 2 }, { type: 'worker', quantity: 1 }] });
    expect(up.status).toBe(200);
    expect(up.body.map((x: any) => x.quantity)).toEqual([2, 1]);
    expect((await deployJobs()).some((j) => j.kind === 'formation' && j.appId === app.id)).toBe(true);
    expect((await ada.patch('/apps/scale-app/formation/web', { quantity: 1 })).body.quantity).toBe(1);
    expect((await ada.patch('/apps/scale-app/formation', { updates: [{ type: 'clock', quantity: 1 }] })).status).toBe(404);
    const over = await ada.patch('/apps/scale-app/formation', { updates: [{ type: 'web', quantity: 3 }] });
    expect(over.status).toBe(422);
    expect(over.body.message).toMatch(/at most 2/);
    expect((await ada.patch('/apps/scale-app/formation', { updates: [{ type: 'web', quantity: -1 }] })).status).toBe(400);
  });
});

describe('releases', () => {
  it('honours Range: version ..; max=N, order=desc with Next-Range paging', async () => {
    await ada.post('/apps', { name: 'range-app' });
    for (let i = 1; i <= 5; i++) await ada.patch('/apps/range-app/config-vars', { N: String(i) });
    const asc = await ada.get('/apps/range-app/releases');
    expect(asc.status).toBe(200);
    expect(asc.body.map((r: any) => r.version)).toEqual([1, 2, 3, 4, 5]);
    const page1 = await ada.get('/apps/range-app/releases', { range: 'version ..; max=2, order=desc' });
    expect(page1.status).toBe(206);
    expect(page1.body.map((r: any) => r.version)).toEqual([5, 4]);
    const next = page1.headers.get('next-range')!;
    expect(next).toBe('version ]4..; max=2, order=desc');
    const page2 = await ada.get('/apps/range-app/releases', { range: next });
    expect(page2.body.map((r: any) => r.version)).toEqual([3, 2]);
    const page3 = await ada.get('/apps/range-app/releases', { range: page2.headers.get('next-range')! });
    expect(page3.status).toBe(200);
    expect(page3.body.map((r: any) => r.version)).toEqual([1]);
    expect((await ada.get('/apps/range-app/releases/3')).body.description).toBe('Set N config var');
    expect((await ada.get('/apps/range-app/releases', { range: 'bogus' })).status).toBe(400);
  });
});

describe('domains', () => {
  it('lists the default domain, adds and removes a custom one, validates hostnames', async () => {
    await ada.post('/apps', { name: 'domain-app' });
    expect((await ada.get('/apps/domain-app/domains')).body.map((d: any) => [d.hostname, d.kind])).toEqual([['domain-app.localhost', 'heroku']]);
    const added = await ada.post('/apps/domain-app/domains', { hostname: 'WWW.Example.com' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ hostname: 'www.example.com', kind: 'custom', cname: 'domain-app.localhost' });
    expect((await ada.post('/apps/domain-app/domains', { hostname: 'www.example.com' })).status).toBe(409);
    expect((await ada.post('/apps/domain-app/domains', { hostname: 'a.com`) || Host(`b.com' })).status).toBe(400);
    expect((await ada.post('/apps/domain-app/domains', { hostname: 'other-app.localhost' })).status).toBe(400);
    expect((await ada.delete('/apps/domain-app/domains/domain-app.localhost')).status).toBe(400);
    expect((await ada.delete('/apps/domain-app/domains/www.example.com')).status).toBe(200);
  });
});

describe('roles', () => {
  it('shows config values to members who may deploy, masks them for viewers, and refuses viewers changes', async () => {
    const org = (await ada.post('/api/v1/organizations', { name: 'roles-org' })).body;
    await ada.post('/apps', { name: 'roles-app', organization: org.id });
    await ada.patch('/apps/roles-app/config-vars', { SECRET_TOKEN: 'shh' });
    const viewer = await ApiClient.signUp(h.url, 'viewer@example.com');
    const member = await ApiClient.signUp(h.url, 'member@example.com');
    await ada.post(`/api/v1/organizations/${org.id}/members`, { email: 'viewer@example.com', role: 'viewer' });
    await ada.post(`/api/v1/organizations/${org.id}/members`, { email: 'member@example.com', role: 'member' });

    const seen = await viewer.get('/apps/roles-app/config-vars');
    expect(seen.status).toBe(200);
    expect(seen.body.SECRET_TOKEN).not.toBe('shh');
    expect(seen.headers.get('x-slipway-config-masked')).toBe('true');
    expect((await viewer.get('/apps/roles-app')).body.role).toBe('viewer');
    for (const r of [
      await viewer.patch('/apps/roles-app/config-vars', { X: '1' }),
      await viewer.patch('/apps/roles-app', { maintenance: true }),
      await viewer.delete('/apps/roles-app'),
      await viewer.post('/apps/roles-app/domains', { hostname: 'v.example.com' }),
    ]) {
      expect(r.status).toBe(403);
      expect(r.body.message).toMatch(/Your role \(viewer\)/);
    }
    expect((await member.get('/apps/roles-app/config-vars')).body.SECRET_TOKEN).toBe('shh');
    expect((await member.patch('/apps/roles-app/config-vars', { X: '1' })).status).toBe(200);
    expect((await member.delete('/apps/roles-app')).status).toBe(403); // deleting needs admin
  });
});
