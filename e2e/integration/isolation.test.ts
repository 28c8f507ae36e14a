// Tenant isolation: user B gets 404 on every app route for user A's app — by name and by id. The
// list of routes is read from the routers themselves, so a new route is covered automatically.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import type { Router } from 'express';
import { appsRoutes } from '@slipway/api/http/routes/apps.routes';
import { appResourceRoutes } from '@slipway/api/http/routes/app-resources.routes';
import { appDynoRoutes } from '@slipway/api/http/routes/app-dynos.routes';
import { teamsRoutes } from '@slipway/api/http/routes/teams.routes';
import { platformInfoRoutes } from '@slipway/api/http/routes/platform-info.routes';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';
import { seedRelease } from '../support/seed.js';

let h: ApiHarness;
let a: ApiClient;
let b: ApiClient;
let appId: string;
let buildId: string;

interface RouteInfo {
  method: string;
  path: string;
}

function routesOf(router: Router, prefix: string): RouteInfo[] {
  const out: RouteInfo[] = [];
  for (const layer of (router as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }).stack) {
    if (!layer.route) continue;
    for (const m of Object.keys(layer.route.methods)) out.push({ method: m.toUpperCase(), path: prefix + layer.route.path });
  }
  return out;
}

beforeAll(async () => {
  h = await startApiHarness();
  a = await ApiClient.signUp(h.url, 'owner-a@example.com');
  b = await ApiClient.signUp(h.url, 'owner-b@example.com');
  appId = (await a.post('/apps', { name: 'private-app' })).body.id;
  await seedRelease(h.ctx, appId);
  await a.post('/apps/private-app/domains', { hostname: 'private.example.com' });
  const userId = (await a.get('/account')).body.id as string;
  buildId = crypto.randomUUID();
  await h.ctx.store.repos.builds.create({ id: buildId, appId, commit: 'c'.repeat(40), ref: 'refs/heads/main', userId, sourceKey: `sources/${appId}/${buildId}.tar`, deadlineAt: new Date(Date.now() + 60_000) });
  expect((await a.get(`/apps/private-app/builds/${buildId}`)).status).toBe(200);
});
afterAll(async () => h?.close());

const bodies: Record<string, unknown> = {
  'PATCH /apps/:app/config-vars': { X: '1' },
  'PATCH /apps/:app/formation': { updates: [{ type: 'web', quantity: 1 }] },
  'PATCH /apps/:app/formation/:type': { quantity: 1 },
  'POST /apps/:app/releases': { release: '1' },
  'POST /apps/:app/domains': { hostname: 'steal.example.com' },
  'POST /apps/:app/log-sessions': { lines: 10 },
  'PATCH /apps/:app': { maintenance: true },
  'POST /apps/:app/dynos': { command: 'true', attach: false },
  'POST /apps/:app/collaborators': { user: 'owner-b@example.com' },
  'PUT /apps/:app/buildpack-installations': { updates: [] },
  'PATCH /apps/:app/domains/:domain': { sni_endpoint: null },
};

const appRoutes = () => [
  ...routesOf(appsRoutes(h.ctx.http), ''),
  ...routesOf(appResourceRoutes(h.ctx.http), '/apps/:app'),
  ...routesOf(appDynoRoutes(h.ctx.http), '/apps/:app'),
  ...routesOf(teamsRoutes(h.ctx.http), ''),
  ...routesOf(platformInfoRoutes(h.ctx.http), ''),
].filter((r) => r.path.startsWith('/apps/:app'));

describe('tenant isolation', () => {
  it('covers every app-scoped route the routers declare', () => {
    expect(appRoutes().length).toBeGreaterThanOrEqual(40);
  });

  for (const by of ['name', 'id'] as const) {
    it(`gives user B a 404 on every route for user A's app (by ${by})`, async () => {
      const routes = appRoutes();
      const failures: string[] = [];
      for (const r of routes) {
        const path = r.path
          .replace(':app', by === 'name' ? 'private-app' : appId)
          .replace(':release', '1')
          .replace(':type', 'web')
          .replace(':domain', 'private.example.com')
          .replace(':dyno', 'web.1')
          .replace(':build', buildId)
          .replace(':who', 'owner-a@example.com')
          .replace(':feature', 'preboot');
        const res = await b.req(r.method, path, { body: bodies[`${r.method} ${r.path}`] ?? (r.method === 'GET' || r.method === 'DELETE' ? undefined : {}) });
        if (res.status !== 404) failures.push(`${r.method} ${r.path} → ${res.status}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it("leaves A's app untouched and still visible to A", async () => {
    const app = (await a.get('/apps/private-app')).body;
    expect(app.maintenance).toBe(false);
    expect((await a.get('/apps/private-app/config-vars')).body).toEqual({});
    expect((await a.get('/apps/private-app/domains')).body.map((d: any) => d.hostname)).not.toContain('steal.example.com');
  });

  it("refuses B's git client on A's repository with 404", async () => {
    const res = await fetch(`${h.url}/private-app.git/info/refs?service=git-receive-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${b.token}`).toString('base64')}` },
    });
    expect(res.status).toBe(404);
  });
});
