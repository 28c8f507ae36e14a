// Issue 15 against the real api, PostgreSQL and Redis: the grace period between an empty wallet
// and suspension (a top-up during it cancels the suspension), unbilled organizations (metered,
// never charged, never suspended; the first admin's), the starting credit (once per organization,
// whatever the retries), and suspension reasons that do not lift each other ('wallet', 'admin').
// The clock moves as in the other billing tests: formation events in the past, runs with `until`.
// billing-runtime.test.ts has the whole story on a real runtime. After each scenario: balance =
// sum(ledger) for every organization.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { grantStartingCredit, startingCreditReference } from '@slipway/core/services/billing/org-wallet.service';
import { resumeOrganization, suspendOrganization } from '@slipway/core/services/billing/org-suspension';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import type { ApiClient } from '../support/client.js';
import { US_PER_HOUR, closeHarness, dbHourUs, expectBalancesMatchLedger, isoOfUs, makeAdmin, makeApp, makeUser, recordEvents } from './billing-support.js';

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

const run = async (untilUs: bigint) => {
  const res = await admin.post('/api/v1/admin/billing/run', { until: isoOfUs(untilUs) });
  expect(res.status, res.text).toBe(200);
  return res.body as { entries: number; suspended_apps: number; grace_started_orgs: number };
};
const credit = (orgId: string, amount: number) => admin.post(`/api/v1/admin/organizations/${orgId}/credits`, { amount, note: 'top-up' });
const notices = async (client: ApiClient, orgId: string) =>
  ((await client.get(`/api/v1/organizations/${orgId}/billing-notifications`)).body as { kind: string; message: string }[]).map((n) => n.kind);

/** A user whose one app (web=1 at 7,000 per hour) has run since `sinceHours` hours before H. */
async function runningSince(sinceHours: bigint) {
  const user = await makeUser(h);
  const app = await makeApp(h, user.client, { processTypes: { web: 'node server.js' } });
  await h.db.pool.query(`UPDATE apps SET status = 'running' WHERE id = $1`, [app.id]);
  await recordEvents(h.db.pool, app, [{ atUs: H - sinceHours * US_PER_HOUR, type: 'web', quantity: 1, pricePerHour: 7000 }]);
  return { ...user, app };
}

describe('the grace period', () => {
  it('a top-up during the grace period cancels the pending suspension; nothing is suspended after the deadline', async () => {
    const { client, orgId, app } = await runningSince(40n);
    expect((await credit(orgId, 14_000)).status).toBe(201);
    const warned = await run(H - 36n * US_PER_HOUR); // hours H-40h…H-37h: the second one empties the wallet
    expect(warned).toMatchObject({ suspended_apps: 0, grace_started_orgs: 1 });
    const inGrace = (await client.get(`/api/v1/organizations/${orgId}/wallet`)).body;
    expect(inGrace).toMatchObject({ balance: -14_000, grace: { ends_at: isoOfUs(H - 12n * US_PER_HOUR) }, suspensions: [] });
    expect(await notices(client, orgId)).toContain('wallet_empty');

    const topUp = await credit(orgId, 1_000_000);
    expect(topUp.body).toMatchObject({ resumed_apps: 0, wallet: { balance: 986_000, grace: null } });
    expect((await notices(client, orgId))[0]).toBe('grace_cancelled');

    const after = await run(H - US_PER_HOUR); // well past the old deadline (H-12h)
    expect(after.suspended_apps).toBe(0);
    expect((await client.get(`/apps/${app.name}`)).body).toMatchObject({ status: 'running', suspension: null });
    expect((await client.get(`/api/v1/organizations/${orgId}/wallet`)).body).toMatchObject({ balance: 986_000 - 35 * 7000, grace: null, suspensions: [] });
    const suspensions = await h.db.pool.query(`SELECT count(*)::int AS n FROM app_suspensions WHERE org_id = $1`, [orgId]);
    expect(suspensions.rows[0].n).toBe(0);
  });

  it('an app created after the grace period ran out is suspended by the next run', async () => {
    const { client, orgId, app } = await runningSince(30n);
    expect((await run(H - 27n * US_PER_HOUR)).grace_started_orgs).toBe(1);
    expect((await run(H - 2n * US_PER_HOUR)).suspended_apps).toBe(1);
    const late = await makeApp(h, client, { processTypes: { web: 'node server.js' } });
    await recordEvents(h.db.pool, late, [{ atUs: H - 2n * US_PER_HOUR, type: 'web', quantity: 1, pricePerHour: 7000 }]);
    expect((await run(H - US_PER_HOUR)).suspended_apps).toBe(1);
    for (const a of [app, late]) expect((await client.get(`/apps/${a.name}`)).body.suspension).toMatchObject({ reasons: ['wallet'] });
    expect((await client.get(`/api/v1/organizations/${orgId}/wallet`)).body.suspensions).toEqual([expect.objectContaining({ reason: 'wallet', apps: 2 })]);
  });
});

describe('unbilled organizations', () => {
  it('are set by a platform admin only, with a clear refusal of anything else', async () => {
    const { client, orgId, orgName } = await makeUser(h);
    expect((await client.patch(`/api/v1/admin/organizations/${orgId}`, { unbilled: true })).status).toBe(403);
    for (const body of [{}, { unbilled: 'yes' }, { unbilled: true, name: 'x' }]) {
      const res = await admin.patch(`/api/v1/admin/organizations/${orgId}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await admin.patch('/api/v1/admin/organizations/00000000-0000-0000-0000-000000000000', { unbilled: true })).status).toBe(404);
    const res = await admin.patch(`/api/v1/admin/organizations/${orgName}`, { unbilled: true });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: orgId, name: orgName, unbilled: true, wallet: { unbilled: true, burn_rate_per_hour: 0 }, resumed_apps: 0 });
    const listed = (await admin.get('/api/v1/admin/organizations?limit=500')).body as { id: string; unbilled: boolean }[];
    expect(listed.find((o) => o.id === orgId)?.unbilled).toBe(true);
    const activity = await h.db.pool.query(`SELECT action FROM activity WHERE org_id = $1 AND action LIKE 'org.%billed'`, [orgId]);
    expect(activity.rows.map((r) => r.action)).toEqual(['org.unbilled']);
  });

  it('meter usage without charging it and are never warned or suspended; billed again, they are charged', async () => {
    const { client, orgId, app } = await runningSince(6n);
    expect((await admin.patch(`/api/v1/admin/organizations/${orgId}`, { unbilled: true })).status).toBe(200);
    await run(H - 2n * US_PER_HOUR); // hours H-6h…H-3h
    const ledger = (await client.get(`/api/v1/organizations/${orgId}/ledger`)).body as { kind: string; amount: number; hours: number; description: string }[];
    expect(ledger.map((e) => [e.kind, e.amount, e.hours])).toEqual(Array.from({ length: 4 }, () => ['usage', 0, 1]));
    expect(ledger[0]!.description).toMatch(/not charged/);
    const days = `from=${isoOfUs(H - 48n * US_PER_HOUR).slice(0, 10)}&to=${isoOfUs(H + 48n * US_PER_HOUR).slice(0, 10)}`;
    const usage = (await client.get(`/api/v1/organizations/${orgId}/usage?${days}`)).body as { hours: number; cost: number }[];
    expect(usage.reduce((t, r) => t + r.hours, 0)).toBe(4);
    expect(usage.reduce((t, r) => t + r.cost, 0)).toBe(0);
    expect((await client.get(`/api/v1/organizations/${orgId}/wallet`)).body).toMatchObject({ balance: 0, unbilled: true, grace: null, low_balance: false, suspensions: [] });
    expect((await client.get(`/apps/${app.name}`)).body.status).toBe('running');
    expect(await notices(client, orgId)).toEqual([]);

    expect((await admin.patch(`/api/v1/admin/organizations/${orgId}`, { unbilled: false })).body.unbilled).toBe(false);
    expect((await run(H - US_PER_HOUR)).grace_started_orgs).toBe(1); // hour H-2h is charged and empties the wallet
    const charged = (await client.get(`/api/v1/organizations/${orgId}/ledger?limit=1`)).body[0];
    expect(charged).toMatchObject({ kind: 'charge', amount: -7000 });
  });

  it('wallet and admin suspensions do not lift each other; marking an organization unbilled lifts the wallet one', async () => {
    const { client, orgId, app } = await runningSince(30n);
    await run(H - 27n * US_PER_HOUR);
    expect((await run(H - 2n * US_PER_HOUR)).suspended_apps).toBe(1);
    const deps = { store: h.ctx.store, jobs: h.ctx.jobs };
    expect(await suspendOrganization(deps, orgId, 'admin', { by: 'test' })).toEqual([]); // already stopped, now for two reasons
    expect((await client.get(`/apps/${app.name}`)).body.suspension.reasons).toEqual(['wallet', 'admin']);
    // an administrator's resume leaves the wallet suspension standing
    expect(await resumeOrganization(deps, orgId, 'admin', { by: 'test' })).toEqual([]);
    expect((await client.get(`/apps/${app.name}`)).body).toMatchObject({ status: 'suspended', suspension: { reasons: ['wallet'] } });
    await suspendOrganization(deps, orgId, 'admin', { by: 'test' });

    const res = await admin.patch(`/api/v1/admin/organizations/${orgId}`, { unbilled: true });
    expect(res.body).toMatchObject({ resumed_apps: 0, wallet: { grace: null, suspensions: [{ reason: 'admin', apps: 1 }] } });
    expect((await client.get(`/apps/${app.name}`)).body).toMatchObject({ status: 'suspended', suspension: { reasons: ['admin'] } });
    const resumed = await resumeOrganization(deps, orgId, 'admin', { by: 'test' });
    expect(resumed.map((a) => a.appName)).toEqual([app.name]);
    expect((await client.get(`/apps/${app.name}`)).body).toMatchObject({ status: 'running', suspension: null });
    expect((await client.get(`/apps/${app.name}/formation`)).body.map((f: { quantity: number }) => f.quantity)).toEqual([1]);
  });

  it("the first admin's organization is unbilled on a fresh install", async () => {
    // this harness has an admin already; ensureFirstAdmin makes one only where there is none
    const { rows: admins } = await h.db.pool.query(`UPDATE users SET is_admin = false WHERE is_admin RETURNING id`);
    try {
      const first = await h.ctx.http.services.users.ensureFirstAdmin('first-admin@example.com', 'first admin password');
      expect(first.created).toBe(true);
      const { rows } = await h.db.pool.query(
        `SELECT o.unbilled FROM organizations o JOIN memberships m ON m.org_id = o.id JOIN users u ON u.id = m.user_id WHERE u.email = 'first-admin@example.com'`,
      );
      expect(rows).toEqual([{ unbilled: true }]);
    } finally {
      await h.db.pool.query(`UPDATE users SET is_admin = true WHERE id = ANY($1::uuid[])`, [admins.map((r) => r.id)]);
    }
  });
});

describe('the starting credit', () => {
  it('credits every new organization once, as a credit with a note, whatever the retries', async () => {
    await h.ctx.settings.update({ starting_credit: 5_000_000 }, { userId: null });
    try {
      const { client, orgId } = await makeUser(h);
      const team = await client.post('/api/v1/organizations', { name: `team-${Date.now() % 1_000_000}` });
      expect(team.status, team.text).toBe(201);
      for (const id of [orgId, team.body.id as string]) {
        // a retried or concurrent grant finds the reference taken and credits nothing
        const again = await Promise.all(Array.from({ length: 5 }, () => h.ctx.store.transaction((repos) => grantStartingCredit(repos, id, 5_000_000))));
        expect(again.filter(Boolean)).toEqual([]);
        const ledger = (await client.get(`/api/v1/organizations/${id}/ledger`)).body as { kind: string; amount: number; reference: string; description: string }[];
        expect(ledger).toEqual([expect.objectContaining({ kind: 'credit', amount: 5_000_000, reference: startingCreditReference(id), description: expect.stringMatching(/starting credit/i) })]);
        expect((await client.get(`/api/v1/organizations/${id}/wallet`)).body.balance).toBe(5_000_000);
      }
    } finally {
      await h.ctx.settings.update({ starting_credit: null }, { userId: null });
    }
    // the first grant of an organization, from five transactions at once: one credit
    const fresh = await h.ctx.store.repos.orgs.create({ name: `fresh-${Date.now() % 1_000_000}`, personal: false });
    const racing = await Promise.all(Array.from({ length: 5 }, () => h.ctx.store.transaction((repos) => grantStartingCredit(repos, fresh.id, 2_000_000))));
    expect(racing.filter(Boolean).length).toBe(1);
    expect((await h.ctx.store.repos.wallets.get(fresh.id)).balance).toBe(2_000_000);

    const { orgId } = await makeUser(h); // starting_credit back at its default, 0
    expect((await h.db.pool.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE org_id = $1`, [orgId])).rows[0].n).toBe(0);
    const bad = await admin.patch('/api/v1/admin/settings', { starting_credit: 1.5 });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/starting_credit must be a whole number/);
  });
});
