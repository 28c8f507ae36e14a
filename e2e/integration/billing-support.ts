// Test support for the billing suites (not a test file): a platform admin, apps with a running
// history in formation_events at exact microsecond times, the expected charge computed
// independently with BigInt, and the invariant checked after every scenario.
import { expect } from 'vitest';
import type { Pool } from '@slipway/core/db/pool';
import type { ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';
import { seedRelease } from '../support/seed.js';

export const US_PER_HOUR = 3_600_000_000n;

/** Closes the harness. pg's Pool.end() resolves before its connections have closed, and the test
 *  database is then dropped WITH (FORCE): a connection still closing gets a FATAL that an idle
 *  client re-emits on its pool, which has no 'error' listener (an uncaught exception). */
export async function closeHarness(h: ApiHarness | undefined): Promise<void> {
  if (!h) return;
  for (const pool of [h.ctx.store.pool, h.db.pool]) pool.on('error', () => undefined);
  await h.close();
}

let seq = 0;
export const unique = (tag: string) => `${tag}-${process.pid % 1000}-${++seq}-${Math.floor(Math.random() * 1e6)}`;

export async function makeAdmin(h: ApiHarness, email = `${unique('admin')}@example.com`): Promise<ApiClient> {
  const c = await ApiClient.signUp(h.url, email);
  await h.db.pool.query(`UPDATE users SET is_admin = true WHERE lower(email) = lower($1)`, [email]);
  return c;
}

/** A new user with a personal organization; returns the client and the org id. */
export async function makeUser(h: ApiHarness, tag = 'dev'): Promise<{ client: ApiClient; orgId: string; orgName: string; email: string }> {
  const email = `${unique(tag)}@example.com`;
  const client = await ApiClient.signUp(h.url, email);
  const orgs = await client.get('/api/v1/organizations');
  const org = orgs.body.find((o: { personal: boolean }) => o.personal);
  return { client, orgId: org.id, orgName: org.name, email };
}

/** Start of the current UTC hour by the database clock, in microseconds since the epoch. */
export async function dbHourUs(pool: Pool): Promise<bigint> {
  const { rows } = await pool.query(`SELECT (extract(epoch FROM date_trunc('hour', now(), 'UTC')) * 1000000)::bigint::text AS us`);
  return BigInt(rows[0].us);
}

export const isoOfUs = (us: bigint) => new Date(Number(us / 1000n)).toISOString();

export interface TimedEvent {
  /** Microseconds since the epoch (the database keeps all six decimals). */
  atUs: bigint;
  type: string;
  quantity: number;
  pricePerHour: number;
}

/** Records what the worker would record after applying formations, at exact times. */
export async function recordEvents(pool: Pool, app: { id: string; orgId: string; name: string; planId?: string | null }, events: TimedEvent[]): Promise<void> {
  for (const e of events) {
    await pool.query(
      `INSERT INTO formation_events (ts, org_id, app_id, app_name, type, quantity, plan_id, price_per_hour, reason)
       VALUES (to_timestamp(0) + make_interval(secs => $1::numeric / 1000000), $2, $3, $4, $5, $6, $7, $8, 'test')`,
      [e.atUs.toString(), app.orgId, app.id, app.name, e.type, e.quantity, app.planId ?? null, e.pricePerHour],
    );
  }
}

/** Independent reference: per UTC hour, Σ µs × quantity × price over the stretches of each type,
 *  divided by 3.6e9 and rounded half up (BigInt, so nothing is lost). */
export function expectedCharges(events: TimedEvent[], hours: bigint[]): Map<bigint, bigint> {
  const byType = new Map<string, TimedEvent[]>();
  for (const e of events) byType.set(e.type, [...(byType.get(e.type) ?? []), e]);
  const out = new Map<bigint, bigint>();
  for (const h of hours) {
    let n = 0n;
    for (const list of byType.values()) {
      const sorted = [...list].sort((a, b) => (a.atUs < b.atUs ? -1 : a.atUs > b.atUs ? 1 : 0));
      sorted.forEach((e, i) => {
        const end = i + 1 < sorted.length ? sorted[i + 1]!.atUs : BigInt(Number.MAX_SAFE_INTEGER) * 1000n;
        const from = e.atUs > h ? e.atUs : h;
        const to = end < h + US_PER_HOUR ? end : h + US_PER_HOUR;
        if (to > from) n += (to - from) * BigInt(e.quantity) * BigInt(e.pricePerHour);
      });
    }
    out.set(h, (n + US_PER_HOUR / 2n) / US_PER_HOUR);
  }
  return out;
}

/** An app created through the API in the user's personal org, with a release and formation rows. */
export async function makeApp(h: ApiHarness, client: ApiClient, opts: { plan?: string; processTypes?: Record<string, string> } = {}) {
  const res = await client.post('/apps', { name: unique('app').slice(0, 28).replace(/[^a-z0-9-]/g, ''), plan: opts.plan });
  if (res.status !== 201) throw new Error(`app create failed: ${res.status} ${res.text}`);
  await seedRelease(h.ctx, res.body.id, opts.processTypes ?? { web: 'node server.js', worker: 'node worker.js' });
  const row = (await h.ctx.store.repos.apps.findById(res.body.id))!;
  return { id: row.id, name: row.name, orgId: row.orgId, planId: row.planId };
}

/** The invariant: every organization's wallet balance equals the sum of its ledger. */
export async function expectBalancesMatchLedger(pool: Pool): Promise<void> {
  const { rows } = await pool.query(
    `SELECT o.id, coalesce(w.balance, 0) AS balance, coalesce((SELECT sum(amount) FROM ledger_entries l WHERE l.org_id = o.id), 0)::bigint AS ledger
     FROM organizations o LEFT JOIN wallets w ON w.org_id = o.id`,
  );
  const off = rows.filter((r) => Number(r.balance) !== Number(r.ledger));
  expect(off, 'wallets whose balance differs from the sum of their ledger').toEqual([]);
  const orphans = await pool.query(`SELECT org_id FROM ledger_entries l WHERE NOT EXISTS (SELECT 1 FROM wallets w WHERE w.org_id = l.org_id) LIMIT 1`);
  expect(orphans.rows).toEqual([]);
}

export async function charges(pool: Pool, appId: string): Promise<{ id: number; periodStartUs: bigint; amount: number; usageUs: number }[]> {
  const { rows } = await pool.query(
    `SELECT id, (extract(epoch FROM period_start) * 1000000)::bigint::text AS p, amount, usage_us FROM ledger_entries
     WHERE app_id = $1 AND kind = 'charge' ORDER BY period_start`,
    [appId],
  );
  return rows.map((r) => ({ id: Number(r.id), periodStartUs: BigInt(r.p), amount: Number(r.amount), usageUs: Number(r.usage_us) }));
}

export async function deployJobs(h: ApiHarness): Promise<{ id: string; kind: string; appId: string }[]> {
  const jobs = await h.ctx.jobs.queues.deploy.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
  return jobs.map((j) => ({ id: String(j.id), ...(j.data as { kind: string; appId: string }) }));
}

/** The deploy jobs queued while fn ran: [{kind, appId}]. */
export async function newDeployJobs(h: ApiHarness, fn: () => Promise<unknown>): Promise<{ kind: string; appId: string }[]> {
  const before = new Set((await deployJobs(h)).map((j) => j.id));
  await fn();
  return (await deployJobs(h)).filter((j) => !before.has(j.id)).map(({ kind, appId }) => ({ kind, appId }));
}
