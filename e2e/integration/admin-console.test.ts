// The admin console's api against the real api in-process (PostgreSQL, Redis): every admin route
// refuses a non-admin (the list is read from the routers), the overview, users (disable → tokens
// and sessions refused at once, reset password, never the last admin), organizations (suspend and
// resume through billing's suspensions, delete keeping the ledger), the activity log with client
// addresses, billing runs and exports, and the plan-and-scale endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Router } from 'express';
import { adminRouters } from '@slipway/api/http/app';
import { billingRoutes } from '@slipway/api/http/routes/billing.routes';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';
import { seedRelease } from '../support/seed.js';
import { closeHarness, makeAdmin, makeUser, unique } from './billing-support.js';

let h: ApiHarness;
let admin: ApiClient;
let adminId: string;

function routesOf(router: Router): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  for (const layer of (router as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }).stack) {
    if (!layer.route) continue;
    for (const m of Object.keys(layer.route.methods)) out.push({ method: m.toUpperCase(), path: layer.route.path });
  }
  return out;
}

/** A team organization with one deployed app (web=1), and the owner's client. */
async function teamWithApp(tag: string) {
  const owner = await makeUser(h, tag);
  const name = unique(tag).slice(0, 28).replace(/-+$/, '');
  const org = (await owner.client.post('/api/v1/organizations', { name })).body;
  const app = (await owner.client.post('/apps', { name: unique('app').slice(0, 28).replace(/-+$/, ''), organization: org.id })).body;
  await seedRelease(h.ctx, app.id, { web: 'node server.js' });
  await h.db.pool.query(`UPDATE formation SET quantity = 1 WHERE app_id = $1`, [app.id]);
  await h.db.pool.query(`UPDATE apps SET status = 'running' WHERE id = $1`, [app.id]);
  return { owner, org, app };
}

beforeAll(async () => {
  h = await startApiHarness();
  admin = await makeAdmin(h, 'root@example.com');
  adminId = (await admin.get('/account')).body.id;
});
afterAll(() => closeHarness(h));

describe('the admin api', () => {
  it('refuses a non-admin with 403 on every admin route the routers declare', async () => {
    const { client: user, orgId } = await makeUser(h, 'plain');
    const userId = (await user.get('/account')).body.id as string;
    const routes = [...adminRouters(h.ctx.http).flatMap(routesOf), ...routesOf(billingRoutes(h.ctx.http)).filter((r) => r.path.startsWith('/api/v1/admin'))];
    expect(routes.length).toBeGreaterThanOrEqual(25);
    const failures: string[] = [];
    for (const r of routes) {
      const path = r.path.replace(':plan', 'hobby').replace(':user', userId).replace(':org', orgId);
      const res = await user.req(r.method, path, { body: r.method === 'GET' ? undefined : {} });
      if (res.status !== 403) failures.push(`${r.method} ${r.path} → ${res.status}`);
    }
    expect(failures).toEqual([]);
    // and nothing was changed by those attempts
    expect((await admin.get(`/api/v1/admin/users/${userId}`)).body).toMatchObject({ disabled: false, admin: false });
  });

  it('answers the overview: users, organizations, apps by status, builds, money per day, low wallets, activity', async () => {
    const { org } = await teamWithApp('ov');
    await admin.post(`/api/v1/admin/organizations/${org.id}/credits`, { amount: 5_000_000, note: 'overview credit' });
    const r = await admin.get('/api/v1/admin/overview');
    expect(r.status).toBe(200);
    expect(r.body.users.total).toBeGreaterThanOrEqual(2);
    expect(r.body.users.admins).toBeGreaterThanOrEqual(1);
    expect(r.body.apps.by_status.running).toBeGreaterThanOrEqual(1);
    expect(r.body.dynos.running).toBeGreaterThanOrEqual(1);
    const today = new Date().toISOString().slice(0, 10);
    expect(r.body.money).toContainEqual({ day: today, kind: 'credit', amount: expect.any(Number), entries: expect.any(Number) });
    expect(r.body.activity[0]).toMatchObject({ action: expect.any(String), created_at: expect.any(String) });
    expect(r.body.nodes).toBeNull();
  });

  it('disables a user: their API token and dashboard session are refused on the next request, and they cannot sign in', async () => {
    const email = `${unique('gone')}@example.com`;
    const api = await ApiClient.signUp(h.url, email, 'correct horse battery');
    const session = await fetch(`${h.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'correct horse battery' }) });
    const cookie = session.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${h.url}/api/v1/session`, { headers: { cookie } })).status).toBe(200);
    expect((await api.get('/account')).status).toBe(200);

    const off = await admin.patch(`/api/v1/admin/users/${encodeURIComponent(email)}`, { disabled: true });
    expect(off.status, off.text).toBe(200);
    expect(off.body.disabled).toBe(true);
    expect((await api.get('/account')).status).toBe(401);
    expect((await fetch(`${h.url}/api/v1/session`, { headers: { cookie } })).status).toBe(401);
    const login = await fetch(`${h.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'correct horse battery' }) });
    expect(login.status).toBe(403);
    expect(((await login.json()) as { message: string }).message).toMatch(/disabled/);

    // enabled again: API tokens work again; the dashboard session was ended
    await admin.patch(`/api/v1/admin/users/${encodeURIComponent(email)}`, { disabled: false });
    expect((await api.get('/account')).status).toBe(200);
    expect((await fetch(`${h.url}/api/v1/session`, { headers: { cookie } })).status).toBe(401);
    const audit = (await admin.get(`/api/v1/admin/activity?type=user&actor=root@example.com`)).body;
    expect(audit.map((a: { action: string }) => a.action)).toEqual(expect.arrayContaining(['user.disabled', 'user.enabled']));
    expect(audit[0].ip).toMatch(/127\.0\.0\.1/);
  });

  it('resets a password (shown once; old password and sessions stop working) and keeps one admin', async () => {
    const email = `${unique('reset')}@example.com`;
    await ApiClient.signUp(h.url, email, 'the old password');
    const reset = await admin.post(`/api/v1/admin/users/${encodeURIComponent(email)}/password`, {});
    expect(reset.status).toBe(200);
    expect(reset.body.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    await expect(ApiClient.login(h.url, email, 'the old password')).rejects.toThrow(/401/);
    expect((await ApiClient.login(h.url, email, reset.body.password)).token).toBeTruthy();

    const self = await admin.patch(`/api/v1/admin/users/${adminId}`, { disabled: true });
    expect(self.status).toBe(409);
    const last = await admin.patch(`/api/v1/admin/users/${adminId}`, { admin: false });
    expect(last.status).toBe(409);
    expect(last.body.message).toMatch(/last platform administrator/);
    const other = (await admin.patch(`/api/v1/admin/users/${encodeURIComponent(email)}`, { admin: true })).body;
    expect(other.admin).toBe(true);
    expect((await admin.patch(`/api/v1/admin/users/${encodeURIComponent(email)}`, { admin: false })).body.admin).toBe(false);
  });

  it('searches users and organizations', async () => {
    const { email, orgName } = await makeUser(h, 'findme');
    const users = (await admin.get(`/api/v1/admin/users?q=${encodeURIComponent(email.slice(0, 12))}`)).body;
    expect(users.map((u: { email: string }) => u.email)).toContain(email);
    const orgs = (await admin.get(`/api/v1/admin/organizations?q=${encodeURIComponent(email)}`)).body;
    expect(orgs.map((o: { name: string }) => o.name)).toEqual([orgName]);
    expect((await admin.get(`/api/v1/admin/organizations?q=${encodeURIComponent('%')}`)).body).toEqual([]);
  });

  it('suspends an organization (its apps stop) and resumes it (they come back), with activity', async () => {
    const { org, app } = await teamWithApp('susp');
    const s = await admin.post(`/api/v1/admin/organizations/${org.id}/suspend`, { note: 'abuse report 42' });
    expect(s.status, s.text).toBe(200);
    expect(s.body.suspended_apps).toBe(1);
    let view = (await admin.get(`/api/v1/admin/organizations/${org.id}`)).body;
    expect(view.wallet.suspensions).toEqual([{ reason: 'admin', apps: 1, since: expect.any(String) }]);
    expect(view.apps[0]).toMatchObject({ name: app.name, status: 'suspended', dynos: 0 });
    const queued = await h.ctx.jobs.queues.deploy.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(queued.some((j) => j.data.kind === 'formation' && j.data.appId === app.id)).toBe(true);

    // a top-up does not lift an administrator's suspension
    await admin.post(`/api/v1/admin/organizations/${org.id}/credits`, { amount: 1_000_000, note: 'top-up while suspended' });
    expect((await admin.get(`/api/v1/admin/organizations/${org.id}`)).body.apps[0].status).toBe('suspended');

    const r = await admin.post(`/api/v1/admin/organizations/${org.id}/resume`, {});
    expect(r.body.resumed_apps).toBe(1);
    view = (await admin.get(`/api/v1/admin/organizations/${org.id}`)).body;
    expect(view.wallet.suspensions).toEqual([]);
    expect(view.apps[0]).toMatchObject({ status: 'running', dynos: 1 });
    const log = (await admin.get(`/api/v1/admin/activity?organization=${org.id}&type=org`)).body;
    expect(log.map((a: { action: string }) => a.action)).toEqual(['org.resumed', 'org.suspended', 'org.created']);
    expect(log[1].details.note).toBe('abuse report 42');
  });

  it('deletes an organization after its name is typed: apps, members and wallet go, the ledger stays, the name is free', async () => {
    const { owner, org, app } = await teamWithApp('del');
    await admin.post(`/api/v1/admin/organizations/${org.id}/credits`, { amount: 3_000_000, note: 'before delete' });
    const wrong = await admin.req('DELETE', `/api/v1/admin/organizations/${org.id}`, { body: { confirm: 'nope' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toContain(`send its name as "confirm"`);
    const del = await admin.req('DELETE', `/api/v1/admin/organizations/${org.id}`, { body: { confirm: org.name } });
    expect(del.status, del.text).toBe(200);
    expect(del.body).toMatchObject({ deleted_apps: [app.name], balance_written_off: 3_000_000 });

    expect((await owner.client.get(`/apps/${app.name}`)).status).toBe(404);
    expect((await owner.client.get('/api/v1/organizations')).body.map((o: { id: string }) => o.id)).not.toContain(org.id);
    expect((await admin.get(`/api/v1/admin/organizations/${org.id}`)).status).toBe(404);
    const { rows: apps } = await h.db.pool.query(`SELECT count(*)::int AS n FROM apps WHERE org_id = $1`, [org.id]);
    expect(apps[0].n).toBe(0);
    const { rows: domains } = await h.db.pool.query(`SELECT count(*)::int AS n FROM domains WHERE app_id = $1`, [app.id]);
    expect(domains[0].n).toBe(0);
    const { rows: wallets } = await h.db.pool.query(`SELECT count(*)::int AS n FROM wallets WHERE org_id = $1`, [org.id]);
    expect(wallets[0].n).toBe(0);
    const { rows: ledger } = await h.db.pool.query(`SELECT kind, amount FROM ledger_entries WHERE org_id = $1 ORDER BY id`, [org.id]);
    expect(ledger).toEqual([{ kind: 'credit', amount: 3_000_000 }, { kind: 'adjustment', amount: -3_000_000 }]);
    const queued = await h.ctx.jobs.queues.deploy.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(queued.some((j) => j.data.kind === 'remove' && j.data.appId === app.id)).toBe(true);
    // the name can be taken again; the ledger export still names the deleted organization
    expect((await owner.client.post('/api/v1/organizations', { name: org.name })).status).toBe(201);
    const csv = await admin.get('/api/v1/admin/billing/ledger.csv');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe('id,created_at,organization_id,organization,kind,amount,amount_usd,app_id,app_name,period_start,hours,description,reference');
    expect(csv.text).toContain(`${org.id},${org.name},adjustment,-3000000,-3.000000`);
  });

  it('refuses to delete a personal organization', async () => {
    const { orgId, orgName } = await makeUser(h, 'personal');
    const r = await admin.req('DELETE', `/api/v1/admin/organizations/${orgId}`, { body: { confirm: orgName } });
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/personal organization/);
  });

  it('filters the activity log by actor, type and date, pages it, and exports it as CSV', async () => {
    const { client, email } = await makeUser(h, 'actor');
    for (let i = 0; i < 3; i++) await client.post('/api/v1/organizations', { name: unique('act').slice(0, 28).replace(/-+$/, '') });
    const mine = await admin.get(`/api/v1/admin/activity?actor=${encodeURIComponent(email)}&type=org.created&limit=2`);
    expect(mine.body).toHaveLength(2);
    expect(mine.body.every((a: { actor: { email: string } }) => a.actor.email === email)).toBe(true);
    const next = mine.headers.get('next-range');
    expect(next).toMatch(/^\d+$/);
    const older = (await admin.get(`/api/v1/admin/activity?actor=${encodeURIComponent(email)}&type=org.created&before=${next}`)).body;
    expect(older).toHaveLength(1);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await admin.get(`/api/v1/admin/activity?actor=${encodeURIComponent(email)}&from=${tomorrow}`)).body).toEqual([]);
    expect((await admin.get('/api/v1/admin/activity?type=DROP TABLE')).status).toBe(400);
    const csv = await admin.get(`/api/v1/admin/activity?actor=${encodeURIComponent(email)}&format=csv`);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,created_at,actor,action,organization,app_id,ip,details');
    expect(lines.filter((l) => l.includes('org.created'))).toHaveLength(3);
    expect((await admin.get('/api/v1/admin/activity/types')).body).toEqual(expect.arrayContaining(['org.created', 'user.created']));
  });

  it('records billing runs with their result, lists low wallets', async () => {
    const run = await admin.post('/api/v1/admin/billing/run', {});
    expect(run.status, run.text).toBe(200);
    const runs = (await admin.get('/api/v1/admin/billing/runs')).body;
    expect(runs[0]).toMatchObject({ trigger: 'admin', ok: true, user: { email: 'root@example.com' }, result: { entries: expect.any(Number) } });
    const { org } = await teamWithApp('low');
    await h.db.pool.query(`INSERT INTO wallets (org_id, balance, low_balance_since) VALUES ($1, 100, now())`, [org.id]);
    const low = (await admin.get('/api/v1/admin/billing/low-balance')).body;
    expect(low.find((w: { organization: { id: string } }) => w.organization.id === org.id)).toMatchObject({ balance: 100 });
  });

  it('changes plan and quantities together through one endpoint, judged against the plan the app ends up on', async () => {
    const { owner, app } = await teamWithApp('res');
    const tooMany = await owner.client.patch(`/apps/${app.name}/resources`, { plan: 'hobby', updates: [{ type: 'web', quantity: 5 }] });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.message).toMatch(/Plan hobby allows at most 2/);
    const up = await owner.client.patch(`/apps/${app.name}/resources`, { plan: 'standard', updates: [{ type: 'web', quantity: 5 }] });
    expect(up.status, up.text).toBe(200);
    expect(up.body.plan.name).toBe('standard');
    expect(up.body.formation).toEqual([expect.objectContaining({ type: 'web', quantity: 5, size: 'standard' })]);
    // down to a smaller plan in the same request: the quantity is lowered with it
    const down = await owner.client.patch(`/apps/${app.name}/resources`, { plan: 'hobby', updates: [{ type: 'web', quantity: 2 }] });
    expect(down.status, down.text).toBe(200);
    expect((await owner.client.get(`/apps/${app.name}`)).body.plan.name).toBe('hobby');
    // keeping a quantity the new plan does not allow is refused, naming it
    await owner.client.patch(`/apps/${app.name}/resources`, { plan: 'standard', updates: [{ type: 'web', quantity: 4 }] });
    const keep = await owner.client.patch(`/apps/${app.name}/resources`, { plan: 'hobby' });
    expect(keep.status).toBe(422);
    expect(keep.body.message).toMatch(/web=4 \(its current quantity\)/);
  });
});
