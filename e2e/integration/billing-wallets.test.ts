// Wallets against the real api, PostgreSQL and Redis: top-ups (idempotent), 1,000 interleaved
// top-ups and charges, suspension when a charge empties the wallet (with no grace period: the
// setting at 0; billing-grace.test.ts has the grace period) and restoration on top-up (the
// database and job side; billing-runtime.test.ts runs the worker), the low-balance warning, the
// wallet/ledger/usage reports with CSV, and who may see them. After each scenario: balance =
// sum(ledger) for every organization.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';
import {
  US_PER_HOUR, charges, closeHarness, dbHourUs, expectBalancesMatchLedger, isoOfUs, makeAdmin, makeApp, makeUser, newDeployJobs, recordEvents,
} from './billing-support.js';

let h: ApiHarness;
let admin: ApiClient;
let adminId: string;
let H: bigint;

beforeAll(async () => {
  h = await startApiHarness();
  admin = await makeAdmin(h);
  adminId = (await admin.get('/account')).body.id;
  H = await dbHourUs(h.db.pool);
});
afterAll(async () => closeHarness(h));
afterEach(async () => expectBalancesMatchLedger(h.db.pool));

const credit = (orgId: string, amount: number, note?: string, headers?: Record<string, string>) =>
  admin.req('POST', `/api/v1/admin/organizations/${orgId}/credits`, { body: { amount, note }, headers });
const run = async (untilUs: bigint) => {
  const res = await admin.post('/api/v1/admin/billing/run', { until: isoOfUs(untilUs) });
  expect(res.status, res.text).toBe(200);
  return res.body;
};

describe('top-ups', () => {
  it('credits the wallet; the same Idempotency-Key credits once; bad amounts are refused', async () => {
    const { client, orgId } = await makeUser(h);
    const first = await credit(orgId, 5_000_000, 'Bank transfer 42', { 'idempotency-key': 'payment-00042' });
    expect(first.status, first.text).toBe(201);
    expect(first.body.entry).toMatchObject({ kind: 'credit', amount: 5_000_000, description: 'Bank transfer 42', balance_after: null });
    expect(first.body.wallet).toEqual({
      balance: 5_000_000, burn_rate_per_hour: 0, hours_left: null, currency: 'USD', low_balance: false, unbilled: false, grace: null, suspensions: [],
    });
    const again = await credit(orgId, 5_000_000, 'Bank transfer 42', { 'idempotency-key': 'payment-00042' });
    expect(again.status).toBe(200);
    expect(again.body.entry.id).toBe(first.body.entry.id);
    expect((await credit(orgId, 6_000_000, 'other', { 'idempotency-key': 'payment-00042' })).status).toBe(409);
    expect((await client.get(`/api/v1/organizations/${orgId}/wallet`)).body.balance).toBe(5_000_000);

    for (const amount of [0, -5, 1.5, '100', null]) expect((await credit(orgId, amount as number)).status).toBe(400);
    expect((await credit('00000000-0000-0000-0000-000000000000', 100)).status).toBe(404);
    expect((await client.post(`/api/v1/admin/organizations/${orgId}/credits`, { amount: 100 })).status).toBe(403);
    const adj = await admin.post(`/api/v1/admin/organizations/${orgId}/adjustments`, { amount: -1_000_000, note: 'goodwill reversal' });
    expect(adj.status, adj.text).toBe(201);
    expect(adj.body.wallet.balance).toBe(4_000_000);
  });

  it('1,000 interleaved top-ups and charges on one wallet lose no update', async () => {
    const { client, orgId } = await makeUser(h);
    const app = await makeApp(h, client, { processTypes: { web: 'node server.js' } });
    await h.ctx.store.repos.formation.setQuantity(app.id, 'web', 2);
    await recordEvents(h.db.pool, app, [{ atUs: H - 501n * US_PER_HOUR, type: 'web', quantity: 2, pricePerHour: 7000 }]);
    expect((await credit(orgId, 7_500_000, 'float')).status).toBe(201);

    const billing = run(H - US_PER_HOUR); // 500 hourly charges of 14,000, one transaction each
    for (let wave = 0; wave < 20; wave++) {
      await Promise.all(Array.from({ length: 25 }, () => h.ctx.http.services.walletOperations.topUp(adminId, orgId, { amount: 1_234, note: 'top-up' })));
    }
    await billing;

    const got = await charges(h.db.pool, app.id);
    expect(got.length).toBe(500);
    expect(got.every((c) => c.amount === -14_000)).toBe(true);
    const credits = await h.db.pool.query(`SELECT id FROM ledger_entries WHERE org_id = $1 AND kind = 'credit' ORDER BY id`, [orgId]);
    expect(credits.rows.length).toBe(501);
    const [firstCharge, lastCharge] = [got[0]!.id, got.at(-1)!.id];
    expect(credits.rows.some((r) => Number(r.id) > firstCharge && Number(r.id) < lastCharge), 'top-ups landed between charges').toBe(true);
    const wallet = await client.get(`/api/v1/organizations/${orgId}/wallet`);
    expect(wallet.body.balance).toBe(7_500_000 + 500 * 1_234 - 500 * 14_000);
  });
});

describe('suspension', () => {
  beforeAll(async () => h.ctx.settings.update({ suspension_grace_hours: 0 }, { userId: null }));
  afterAll(async () => h.ctx.settings.update({ suspension_grace_hours: null }, { userId: null }));

  it('a charge that empties the wallet suspends every app of the org; a top-up above zero restores their formation', async () => {
    const { client, orgId } = await makeUser(h);
    const a = await makeApp(h, client);
    const b = await makeApp(h, client, { processTypes: { web: 'node server.js' } });
    expect((await client.patch(`/apps/${a.name}/formation`, { updates: [{ type: 'web', quantity: 2 }, { type: 'worker', quantity: 1 }] })).status).toBe(200);
    await h.db.pool.query(`UPDATE apps SET status = 'running' WHERE id = ANY($1)`, [[a.id, b.id]]);
    const start = H - 3n * US_PER_HOUR;
    await recordEvents(h.db.pool, a, [{ atUs: start, type: 'web', quantity: 2, pricePerHour: 7000 }, { atUs: start, type: 'worker', quantity: 1, pricePerHour: 7000 }]);
    await recordEvents(h.db.pool, b, [{ atUs: start, type: 'web', quantity: 1, pricePerHour: 7000 }]);
    expect((await credit(orgId, 10_000)).status).toBe(201);

    let res: { suspended_apps: number } = { suspended_apps: 0 };
    const jobs = await newDeployJobs(h, async () => {
      res = await run(H - 2n * US_PER_HOUR); // hour H-3h: 4 processes × 7,000
    });
    expect(res.suspended_apps).toBe(2);
    const wallet = await client.get(`/api/v1/organizations/${orgId}/wallet`);
    expect(wallet.body).toMatchObject({ balance: 10_000 - 28_000, hours_left: 0, low_balance: true });
    for (const app of [a, b]) {
      expect((await client.get(`/apps/${app.name}`)).body.status).toBe('suspended');
      const formation = (await client.get(`/apps/${app.name}/formation`)).body as { type: string; quantity: number }[];
      expect(formation.every((f) => f.quantity === 0)).toBe(true);
    }
    expect(jobs).toEqual(expect.arrayContaining([{ kind: 'formation', appId: a.id }, { kind: 'formation', appId: b.id }]));
    expect((await client.patch(`/apps/${a.name}/formation`, { updates: [{ type: 'web', quantity: 1 }] })).status).toBe(409);
    const activity = await h.db.pool.query(`SELECT app_id, action FROM activity WHERE org_id = $1 AND action = 'app.suspended' ORDER BY app_id`, [orgId]);
    expect(activity.rows.map((r) => r.app_id).sort()).toEqual([a.id, b.id].sort());
    const notes = (await client.get(`/api/v1/organizations/${orgId}/billing-notifications`)).body as { kind: string; message: string }[];
    expect(notes.filter((n) => n.kind === 'suspended').length).toBe(1);
    expect(notes.find((n) => n.kind === 'suspended')!.message).toContain(a.name);

    // the apps ran until the worker stopped them: the next hour is charged, nothing is suspended twice
    await run(H - US_PER_HOUR);
    expect((await client.get(`/api/v1/organizations/${orgId}/wallet`)).body.balance).toBe(10_000 - 2 * 28_000);
    expect((await h.db.pool.query(`SELECT count(*)::int AS n FROM activity WHERE org_id = $1 AND action = 'app.suspended'`, [orgId])).rows[0].n).toBe(2);

    const partial = await credit(orgId, 20_000);
    expect(partial.body.resumed_apps).toBe(0);
    expect((await client.get(`/apps/${a.name}`)).body.status).toBe('suspended');

    let topUp: Awaited<ReturnType<typeof credit>> | undefined;
    const resumeJobs = await newDeployJobs(h, async () => {
      topUp = await credit(orgId, 100_000);
    });
    expect(topUp!.body).toMatchObject({ resumed_apps: 2, wallet: { balance: 10_000 - 56_000 + 120_000 } });
    const formationA = (await client.get(`/apps/${a.name}/formation`)).body as { type: string; quantity: number }[];
    expect(Object.fromEntries(formationA.map((f) => [f.type, f.quantity]))).toEqual({ web: 2, worker: 1 });
    expect((await client.get(`/apps/${b.name}/formation`)).body.map((f: { quantity: number }) => f.quantity)).toEqual([1]);
    for (const app of [a, b]) expect((await client.get(`/apps/${app.name}`)).body.status).toBe('running');
    expect(resumeJobs).toEqual(expect.arrayContaining([{ kind: 'formation', appId: a.id }, { kind: 'formation', appId: b.id }]));
    const after = (await client.get(`/api/v1/organizations/${orgId}/billing-notifications`)).body as { kind: string }[];
    expect(after[0]!.kind).toBe('resumed');
    expect((await h.db.pool.query(`SELECT count(*)::int AS n FROM app_suspensions WHERE org_id = $1`, [orgId])).rows[0].n).toBe(0);
    expect((await client.patch(`/apps/${a.name}/formation`, { updates: [{ type: 'web', quantity: 1 }] })).status).toBe(200);
  });

  it('restores at most the plan limit in force when the wallet is topped up', async () => {
    const { client, orgId } = await makeUser(h);
    const app = await makeApp(h, client, { processTypes: { web: 'node server.js' } });
    await client.patch(`/apps/${app.name}/formation`, { updates: [{ type: 'web', quantity: 2 }] });
    await recordEvents(h.db.pool, app, [{ atUs: H - 3n * US_PER_HOUR, type: 'web', quantity: 2, pricePerHour: 7000 }]);
    await run(H - 2n * US_PER_HOUR);
    expect((await client.get(`/apps/${app.name}`)).body.status).toBe('suspended');
    const tiny = await admin.post('/api/v1/admin/plans', { name: 'solo', cpu: 0.25, ram_mb: 256, disk_gb: 1, price_per_hour: 3000, max_replicas: 1 });
    expect(tiny.status, tiny.text).toBe(201);
    expect((await client.patch(`/apps/${app.name}`, { plan: 'solo' })).status).toBe(200);
    await credit(orgId, 1_000_000);
    expect((await client.get(`/apps/${app.name}/formation`)).body.map((f: { quantity: number }) => f.quantity)).toEqual([1]);
  });
});

describe('low balance', () => {
  it('warns once when the balance covers less than 24 hours of the burn rate, and clears after a top-up', async () => {
    const { client, orgId } = await makeUser(h);
    const app = await makeApp(h, client, { processTypes: { web: 'node server.js' } });
    await recordEvents(h.db.pool, app, [{ atUs: H - 2n * US_PER_HOUR + 1_800_000_000n, type: 'web', quantity: 1, pricePerHour: 7000 }]);
    await credit(orgId, 100_000); // about 14 hours at 7,000/hour
    const wallet = await client.get(`/api/v1/organizations/${orgId}/wallet`);
    expect(wallet.body).toMatchObject({ balance: 100_000, burn_rate_per_hour: 7000, hours_left: 14.28, currency: 'USD', low_balance: true, grace: null });
    await run(H - US_PER_HOUR);
    expect((await charges(h.db.pool, app.id)).map((c) => c.amount)).toEqual([-3500]);
    const notes = async () => ((await client.get(`/api/v1/organizations/${orgId}/billing-notifications`)).body as { kind: string }[]).filter((n) => n.kind === 'low_balance');
    expect((await notes()).length).toBe(1);
    await credit(orgId, 1_000_000);
    const topped = await client.get(`/api/v1/organizations/${orgId}/wallet`);
    expect(topped.body).toMatchObject({ balance: 1_096_500, low_balance: false });
    expect((await h.db.pool.query(`SELECT low_balance_since FROM wallets WHERE org_id = $1`, [orgId])).rows[0].low_balance_since).toBeNull();
    expect((await notes()).length).toBe(1);
  });
});

describe('reports', () => {
  let owner: ApiClient;
  let orgId: string;
  let orgName: string;
  let appName: string;

  beforeAll(async () => {
    const u = await makeUser(h, 'reports');
    owner = u.client;
    orgId = u.orgId;
    orgName = u.orgName;
    const app = await makeApp(h, owner, { processTypes: { web: 'node server.js' } });
    appName = app.name;
    await recordEvents(h.db.pool, app, [
      { atUs: H - 3n * US_PER_HOUR + 1_800_000_000n, type: 'web', quantity: 1, pricePerHour: 7000 },
      { atUs: H - 2n * US_PER_HOUR + 900_000_000n, type: 'web', quantity: 0, pricePerHour: 7000 },
    ]);
    await credit(orgId, 1_000_000, 'first');
    await run(H - US_PER_HOUR);
    await credit(orgId, 2_000_000, '=HYPERLINK("http://evil.example")');
    await credit(orgId, 3_000_000, 'third, with "quotes"');
    await credit(orgId, 4_000_000, 'fourth');
  });

  it('pages the ledger newest first with ?limit&before and with a Range header', async () => {
    const p1 = await owner.get(`/api/v1/organizations/${orgId}/ledger?limit=2`);
    expect(p1.status).toBe(200);
    expect(p1.body.map((e: { amount: number }) => e.amount)).toEqual([4_000_000, 3_000_000]);
    expect(p1.body[0].balance_after).toBe(1_000_000 - 3500 - 1750 + 9_000_000);
    expect(p1.headers.get('next-range')).toBe(`id ]${p1.body[1].id}..; max=2, order=desc`);
    const ranged = await owner.get(`/api/v1/organizations/${orgId}/ledger`, { range: p1.headers.get('next-range')! });
    expect(ranged.status).toBe(206);
    expect(ranged.body.map((e: { amount: number }) => e.amount)).toEqual([2_000_000, -1750]);
    const last = await owner.get(`/api/v1/organizations/${orgId}/ledger?limit=2&before=${ranged.body[1].id}`);
    expect(last.status).toBe(200);
    expect(last.headers.get('next-range')).toBeNull();
    expect(last.body.map((e: { amount: number; kind: string; app_name: string | null; hours: number | null }) => [e.amount, e.kind, e.app_name, e.hours])).toEqual([
      [-3500, 'charge', appName, 0.5],
      [1_000_000, 'credit', null, null],
    ]);
    expect((await owner.get(`/api/v1/organizations/${orgId}/ledger?limit=0`)).status).toBe(400);
  });

  it('exports the ledger as CSV, defusing formulas and quoting text', async () => {
    const res = await fetch(`${h.url}/api/v1/organizations/${orgId}/ledger?format=csv`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="ledger-${orgName}.csv"`);
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,created_at,kind,amount,amount_usd,balance_after,app_id,app_name,period_start,hours,description');
    expect(lines.length).toBe(7);
    expect(lines[1]).toMatch(/,credit,4000000,4\.000000,\d+,,,,,fourth$/);
    expect(lines[2]).toContain('"third, with ""quotes"""');
    expect(lines[3]).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(lines[4]).toMatch(new RegExp(`,charge,-1750,-0\\.001750,\\d+,[0-9a-f-]{36},${appName},\\d{4}-\\d\\d-\\d\\dT\\d\\d:00:00\\.000Z,0\\.25,`));
  });

  it('reports usage per app per UTC day, as JSON and CSV', async () => {
    const from = isoOfUs(H - 48n * US_PER_HOUR).slice(0, 10);
    const to = isoOfUs(H + 48n * US_PER_HOUR).slice(0, 10);
    const res = await owner.get(`/api/v1/organizations/${orgId}/usage?from=${from}&to=${to}`);
    expect(res.status, res.text).toBe(200);
    const total = (res.body as { hours: number; cost: number }[]).reduce((t, r) => ({ hours: t.hours + r.hours, cost: t.cost + r.cost }), { hours: 0, cost: 0 });
    expect(total).toEqual({ hours: 0.75, cost: 5250 });
    expect(Object.keys(res.body[0]).sort()).toEqual(['app_id', 'app_name', 'cost', 'day', 'hours']);
    expect(res.body[0].app_name).toBe(appName);
    const csv = await owner.get(`/api/v1/organizations/${orgId}/usage?from=${from}&to=${to}&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('app_id,app_name,day,hours,cost,cost_usd');
    expect(lines.length).toBe(1 + res.body.length);
    expect((await owner.get(`/api/v1/organizations/${orgId}/usage?from=${to}&to=${from}`)).status).toBe(400);
    expect((await owner.get(`/api/v1/organizations/${orgId}/usage?from=yesterday`)).status).toBe(400);
  });

  it('lets every member read the wallet, only admins and owners the ledger and usage, and nobody else anything', async () => {
    const member = await makeUser(h, 'member');
    const viewer = await makeUser(h, 'viewer');
    const outsider = await makeUser(h, 'outsider');
    expect((await owner.post(`/api/v1/organizations/${orgId}/members`, { email: member.email, role: 'member' })).status).toBe(201);
    expect((await owner.post(`/api/v1/organizations/${orgId}/members`, { email: viewer.email, role: 'viewer' })).status).toBe(201);
    for (const c of [member.client, viewer.client]) {
      expect((await c.get(`/api/v1/organizations/${orgId}/wallet`)).status).toBe(200);
      expect((await c.get(`/api/v1/organizations/${orgId}/ledger`)).status).toBe(403);
      expect((await c.get(`/api/v1/organizations/${orgId}/usage`)).status).toBe(403);
    }
    for (const path of ['wallet', 'ledger', 'usage', 'ledger?format=csv']) {
      const res = await outsider.client.get(`/api/v1/organizations/${orgId}/${path}`);
      expect(res.status, path).toBe(404);
      expect(res.text).not.toContain('balance');
    }
    expect((await owner.get(`/api/v1/organizations/${orgName}/wallet`)).status).toBe(200);
    expect((await admin.get(`/api/v1/organizations/${orgId}/ledger`)).status).toBe(200);
    expect((await new ApiClient(h.url).get(`/api/v1/organizations/${orgId}/wallet`)).status).toBe(401);
    expect((await owner.post('/api/v1/admin/billing/run', {})).status).toBe(403);
  });
});
