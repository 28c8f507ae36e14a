// Plans against the real api, PostgreSQL and Redis: the defaults, the admin API (create, update,
// deactivate, delete with the 409 rules), plan limits (422), the organization app cap, and prices:
// a price change reaches an app only with its next formation event, which the worker snapshots.
// After each scenario: balance = sum(ledger) for every organization.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordRunning } from '@slipway/worker/services/formation-ledger';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';
import { US_PER_HOUR, charges, closeHarness, dbHourUs, expectBalancesMatchLedger, isoOfUs, makeAdmin, makeApp, makeUser, newDeployJobs } from './billing-support.js';

let h: ApiHarness;
let admin: ApiClient;
let H: bigint;

beforeAll(async () => {
  h = await startApiHarness();
  admin = await makeAdmin(h);
  H = await dbHourUs(h.db.pool);
});
afterAll(async () => closeHarness(h));
afterEach(async () => expectBalancesMatchLedger(h.db.pool));

const plan = (body: Record<string, unknown>) =>
  admin.post('/api/v1/admin/plans', { cpu: 1, ram_mb: 512, disk_gb: 1, price_per_hour: 10_000, max_replicas: 3, ...body });

describe('plans', () => {
  it('has the default plans, priced per hour and per month (× 730), hobby being the default', async () => {
    const res = await (await makeUser(h)).client.get('/api/v1/plans');
    expect(res.status).toBe(200);
    expect(res.body.map((p: { name: string }) => p.name)).toEqual(['hobby', 'standard', 'pro', 'business']);
    for (const p of res.body) expect(p.price_per_month).toBe(p.price_per_hour * 730);
    expect(res.body.filter((p: { default: boolean }) => p.default).map((p: { name: string }) => p.name)).toEqual(['hobby']);
    expect((await new ApiClient(h.url).get('/api/v1/plans')).status).toBe(200); // public
  });

  it('lets a platform admin create, change and deactivate plans; nobody else', async () => {
    const dev = await makeUser(h);
    expect((await dev.client.post('/api/v1/admin/plans', { name: 'nope', cpu: 1, ram_mb: 1, disk_gb: 1, price_per_hour: 1, max_replicas: 1 })).status).toBe(403);
    expect((await dev.client.get('/api/v1/admin/plans')).status).toBe(403);

    const created = await plan({ name: 'starter', cpu: 0.75 });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ name: 'starter', cpu: 0.75, price_per_hour: 10_000, price_per_month: 7_300_000, max_replicas: 3, active: true, default: false, apps_count: 0 });
    expect((await plan({ name: 'starter' })).status).toBe(409);
    for (const bad of [{ name: 'Bad Name' }, { name: 'ok-name', cpu: -1 }, { name: 'ok-name', price_per_hour: 1.5 }, { name: 'ok-name', max_replicas: 0 }, { name: 'ok-name', colour: 'red' }]) {
      expect((await plan(bad)).status, JSON.stringify(bad)).toBe(400);
    }

    const changed = await admin.patch('/api/v1/admin/plans/starter', { price_per_hour: 12_345, max_replicas: 5 });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ price_per_hour: 12_345, price_per_month: 12_345 * 730, max_replicas: 5 });
    expect((await admin.patch('/api/v1/admin/plans/starter', {})).status).toBe(400);
    expect((await admin.patch('/api/v1/admin/plans/no-such-plan', { active: false })).status).toBe(404);

    expect((await dev.client.post('/apps', { name: 'on-starter-1', plan: 'starter' })).status).toBe(201);
    const off = await admin.patch('/api/v1/admin/plans/starter', { active: false });
    expect(off.body).toMatchObject({ active: false, apps_count: 1 });
    expect((await dev.client.get('/api/v1/plans')).body.map((p: { name: string }) => p.name)).not.toContain('starter');
    expect((await dev.client.post('/apps', { name: 'on-starter-2', plan: 'starter' })).status).toBe(404);
    expect((await dev.client.get('/apps/on-starter-1')).body.plan.name).toBe('starter'); // existing apps keep it
    expect((await admin.get('/api/v1/admin/plans')).body.find((p: { name: string }) => p.name === 'starter')).toMatchObject({ active: false });
  });

  it('keeps exactly one active default plan', async () => {
    expect((await admin.patch('/api/v1/admin/plans/hobby', { active: false })).status).toBe(409);
    expect((await admin.patch('/api/v1/admin/plans/hobby', { default: false })).status).toBe(409);
    expect((await admin.delete('/api/v1/admin/plans/hobby')).status).toBe(409);
    const moved = await admin.patch('/api/v1/admin/plans/standard', { default: true });
    expect(moved.status, moved.text).toBe(200);
    const plans = (await admin.get('/api/v1/admin/plans')).body as { name: string; default: boolean }[];
    expect(plans.filter((p) => p.default).map((p) => p.name)).toEqual(['standard']);
    const dev = await makeUser(h);
    expect((await dev.client.post('/apps', {})).body.plan.name).toBe('standard');
    expect((await admin.patch('/api/v1/admin/plans/hobby', { default: true })).status).toBe(200);
  });

  it('refuses to delete a plan apps use (409 saying how many) and deletes an unused one', async () => {
    expect((await plan({ name: 'busy' })).status).toBe(201);
    const dev = await makeUser(h);
    for (const name of ['busy-one', 'busy-two']) expect((await dev.client.post('/apps', { name, plan: 'busy' })).status).toBe(201);
    const refused = await admin.delete('/api/v1/admin/plans/busy');
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/used by 2 apps/);
    expect(refused.body.details).toEqual({ apps: 2 });

    expect((await plan({ name: 'unused' })).status).toBe(201);
    expect((await admin.delete('/api/v1/admin/plans/unused')).status).toBe(204);
    expect((await admin.get('/api/v1/admin/plans/unused')).status).toBe(404);
  });
});

describe('limits', () => {
  it('refuses scaling past the plan\'s max replicas, and a plan change below the current formation, with 422 naming the limit', async () => {
    expect((await plan({ name: 'trio', max_replicas: 3 })).status).toBe(201);
    expect((await plan({ name: 'single', max_replicas: 1 })).status).toBe(201);
    const { client } = await makeUser(h);
    const app = await makeApp(h, client, { plan: 'trio', processTypes: { web: 'node server.js' } });
    const over = await client.patch(`/apps/${app.name}/formation`, { updates: [{ type: 'web', quantity: 4 }] });
    expect(over.status).toBe(422);
    expect(over.body.message).toMatch(/at most 3/);
    expect((await client.patch(`/apps/${app.name}/formation`, { updates: [{ type: 'web', quantity: 3 }] })).status).toBe(200);
    const down = await client.patch(`/apps/${app.name}`, { plan: 'single' });
    expect(down.status).toBe(422);
    expect(down.body.message).toMatch(/at most 1/);
  });

  it('caps the number of apps of an organization with the max_apps_per_org setting', async () => {
    expect((await admin.patch('/api/v1/admin/settings', { max_apps_per_org: 2 })).status).toBe(200);
    try {
      const { client } = await makeUser(h);
      expect((await client.post('/apps', {})).status).toBe(201);
      expect((await client.post('/apps', {})).status).toBe(201);
      const third = await client.post('/apps', {});
      expect(third.status).toBe(422);
      expect(third.body.message).toMatch(/at most 2 apps/);
      // ten creates at once in a fresh organization: the cap still holds
      const other = (await makeUser(h)).client;
      const statuses = (await Promise.all(Array.from({ length: 10 }, () => other.post('/apps', {})))).map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(2);
      expect(statuses.filter((s) => s === 422)).toHaveLength(8);
      expect((await other.get('/apps')).body).toHaveLength(2);
    } finally {
      await admin.patch('/api/v1/admin/settings', { max_apps_per_org: 100 });
    }
  });
});

describe('prices', () => {
  it('charges the price an app started with until its formation changes; the change snapshots the new price', async () => {
    expect((await plan({ name: 'metered', price_per_hour: 10_000 })).status).toBe(201);
    const { client, orgId } = await makeUser(h);
    const app = await makeApp(h, client, { plan: 'metered', processTypes: { web: 'node server.js' } });
    await admin.post(`/api/v1/admin/organizations/${orgId}/credits`, { amount: 1_000_000 });
    const row = async () => (await h.ctx.store.repos.apps.findById(app.id))!;
    // the worker applied web=1 five hours ago
    await recordRunning(h.ctx.store.repos, await row(), [{ type: 'web', quantity: 1 }], 'release v1');
    await h.db.pool.query(`UPDATE formation_events SET ts = to_timestamp($2::numeric / 1000000) WHERE app_id = $1`, [app.id, (H - 5n * US_PER_HOUR).toString()]);
    const run = (untilUs: bigint) => admin.post('/api/v1/admin/billing/run', { until: isoOfUs(untilUs) });
    expect((await run(H - 3n * US_PER_HOUR)).status).toBe(200);

    expect((await admin.patch('/api/v1/admin/plans/metered', { price_per_hour: 20_000 })).status).toBe(200);
    expect((await run(H - 2n * US_PER_HOUR)).status).toBe(200);
    expect((await charges(h.db.pool, app.id)).map((c) => c.amount)).toEqual([-10_000, -10_000, -10_000]);

    // the formation changes (scaled to 2) and the worker applies it two hours ago
    const jobs = await newDeployJobs(h, async () => {
      expect((await client.patch(`/apps/${app.name}/formation`, { updates: [{ type: 'web', quantity: 2 }] })).status).toBe(200);
    });
    expect(jobs).toEqual([{ kind: 'formation', appId: app.id }]);
    await recordRunning(h.ctx.store.repos, await row(), [{ type: 'web', quantity: 2 }], 'formation');
    await h.db.pool.query(
      `UPDATE formation_events SET ts = to_timestamp($2::numeric / 1000000) WHERE id = (SELECT max(id) FROM formation_events WHERE app_id = $1)`,
      [app.id, (H - 2n * US_PER_HOUR).toString()],
    );
    const events = await h.db.pool.query(`SELECT quantity, price_per_hour FROM formation_events WHERE app_id = $1 ORDER BY id`, [app.id]);
    expect(events.rows.map((e) => [e.quantity, Number(e.price_per_hour)])).toEqual([[1, 10_000], [2, 20_000]]);
    expect((await run(H - US_PER_HOUR)).status).toBe(200);
    expect((await charges(h.db.pool, app.id)).map((c) => c.amount)).toEqual([-10_000, -10_000, -10_000, -40_000]);
  });

  it('a plan change is queued as a formation job; applied, it snapshots the new plan and price', async () => {
    const { client } = await makeUser(h);
    const app = await makeApp(h, client, { processTypes: { web: 'node server.js' } });
    await recordRunning(h.ctx.store.repos, (await h.ctx.store.repos.apps.findById(app.id))!, [{ type: 'web', quantity: 1 }], 'release v1');
    const jobs = await newDeployJobs(h, async () => {
      const res = await client.patch(`/apps/${app.name}`, { plan: 'standard' });
      expect(res.status).toBe(200);
      expect(res.body.plan.name).toBe('standard');
    });
    expect(jobs).toEqual([{ kind: 'formation', appId: app.id }]);
    await recordRunning(h.ctx.store.repos, (await h.ctx.store.repos.apps.findById(app.id))!, [{ type: 'web', quantity: 1 }], 'formation');
    const events = await h.db.pool.query(`SELECT quantity, price_per_hour FROM formation_events WHERE app_id = $1 ORDER BY id`, [app.id]);
    expect(events.rows.map((e) => [e.quantity, Number(e.price_per_hour)])).toEqual([[1, 7000], [1, 35_000]]);
  });
});
