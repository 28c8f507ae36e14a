// A fresh install keeps serving (issue 15): the whole stack as ./scripts/up runs it (setup makes the
// first admin, whose organization is unbilled; scheduled billing stays on), the admin pushes an
// app, and billing runs for the three hours that follow. The clock moves as in the billing tests:
// what the worker recorded at the push is moved back four hours, and a run up to one hour ago bills
// the three closed hours since. The app still serves through the edge, the usage report shows the
// three hours metered, and the admin's wallet is untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { WorkingCopy, viaEdge } from '../support/git.js';
import { eventually } from '../support/wait.js';

const HOUR_MS = 3_600_000;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ SLIPWAY_TEST_KEEP_BILLING: '1' });
});
afterAll(async () => stack?.stop());

describe('a fresh install', () => {
  it("bills the admin's own app for three hours without charging or suspending it", async () => {
    const { admin } = stack;
    const org = ((await admin.get('/api/v1/organizations')).body as { id: string; personal: boolean }[]).find((o) => o.personal)!;
    const before = (await admin.get(`/api/v1/organizations/${org.id}/wallet`)).body;
    expect(before).toMatchObject({ balance: 0, unbilled: true, grace: null, suspensions: [] });

    expect((await admin.post('/apps', { name: 'first-app' })).status).toBe(201);
    const wc = await WorkingCopy.create({ fixture: 'procfile-app' });
    const push = await wc.push(`${stack.apiUrl}/first-app.git`, admin.token!);
    expect(push.code, push.output).toBe(0);
    expect((await viaEdge(stack.edgePort, 'first-app.localhost')).body).toContain('procfile app');
    const appId = (await admin.get('/apps/first-app')).body.id as string;
    await eventually(async () => {
      const { rows } = await stack.db.pool.query(`SELECT 1 FROM formation_events WHERE app_id = $1 AND quantity > 0`, [appId]);
      expect(rows.length).toBeGreaterThan(0);
    }, 30_000);

    const { rows } = await stack.db.pool.query(`SELECT date_trunc('hour', now(), 'UTC') AS h`);
    const H = (rows[0].h as Date).getTime();
    await stack.db.pool.query(`UPDATE formation_events SET ts = $2 WHERE app_id = $1`, [appId, new Date(H - 4 * HOUR_MS)]);
    const run = await admin.post('/api/v1/admin/billing/run', { until: new Date(H - HOUR_MS).toISOString() });
    expect(run.status, run.text).toBe(200);
    expect(run.body).toMatchObject({ entries: 3, amount: 0, suspended_apps: 0, grace_started_orgs: 0 });

    expect((await viaEdge(stack.edgePort, 'first-app.localhost')).body).toContain('procfile app');
    expect((await admin.get('/apps/first-app')).body).toMatchObject({ status: 'running', suspension: null });
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const usage = (await admin.get(`/api/v1/organizations/${org.id}/usage?from=${day(H - 2 * 86_400_000)}&to=${day(H + 2 * 86_400_000)}`)).body as { app_name: string; hours: number; cost: number }[];
    expect(usage.filter((u) => u.app_name === 'first-app').reduce((n, u) => n + u.hours, 0)).toBe(3);
    expect(usage.reduce((n, u) => n + u.cost, 0)).toBe(0);
    const ledger = (await admin.get(`/api/v1/organizations/${org.id}/ledger`)).body as { kind: string; amount: number }[];
    expect(ledger.map((e) => [e.kind, e.amount])).toEqual([['usage', 0], ['usage', 0], ['usage', 0]]);
    expect((await admin.get(`/api/v1/organizations/${org.id}/wallet`)).body).toMatchObject({ balance: 0, grace: null, suspensions: [] });
    const { rows: sums } = await stack.db.pool.query(
      `SELECT (SELECT balance FROM wallets WHERE org_id = $1) AS balance, (SELECT coalesce(sum(amount), 0) FROM ledger_entries WHERE org_id = $1)::bigint AS ledger`,
      [org.id],
    );
    expect(Number(sums[0].balance)).toBe(Number(sums[0].ledger));
  });
});
