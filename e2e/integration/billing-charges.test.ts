// Hourly billing against the real api, PostgreSQL and Redis: exact charges from formation events,
// one entry per app-hour whatever the number of runs or runners, retries after a commit, a failure
// between the ledger insert and the balance update, catch-up in order, the hour in progress, and
// a ledger the database refuses to change. After each scenario: balance = sum(ledger) everywhere.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue, Worker, type Job } from 'bullmq';
import { createRedis } from '@slipway/core/adapters/redis/redis';
import { createLogger } from '@slipway/core/logger';
import { QUEUE, type BillingJob } from '@slipway/core/queue/queues';
import { HourlyBillingRun } from '@slipway/core/services/billing/hourly-billing-run.service';
import { billingProcessor, installBillingSchedule } from '@slipway/worker/processors/billing.processor';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import type { ApiClient } from '../support/client.js';
import {
  US_PER_HOUR, charges, closeHarness, dbHourUs, expectBalancesMatchLedger, expectedCharges, isoOfUs, makeAdmin, makeApp, makeUser, recordEvents, type TimedEvent,
} from './billing-support.js';

let h: ApiHarness;
let admin: ApiClient;
let H: bigint; // start of the current UTC hour (µs)
const silent = createLogger({ level: 'silent', name: 'test' });
const graceHours = async () => 24;

beforeAll(async () => {
  h = await startApiHarness();
  admin = await makeAdmin(h);
  H = await dbHourUs(h.db.pool);
});
afterAll(async () => closeHarness(h));
afterEach(async () => expectBalancesMatchLedger(h.db.pool));

const run = async (untilUs?: bigint) => {
  const res = await admin.post('/api/v1/admin/billing/run', untilUs === undefined ? {} : { until: isoOfUs(untilUs) });
  expect(res.status, res.text).toBe(200);
  return res.body as { hours: { hour: string; entries: number; amount: number }[]; entries: number; amount: number };
};

describe('charges', () => {
  it('bills web=2 on a plan priced P per hour as 2 × P × the seconds it ran in each hour, to the micro-unit', async () => {
    const P = 7919; // a price that does not divide evenly
    const plan = await admin.post('/api/v1/admin/plans', { name: 'odd', cpu: 1, ram_mb: 512, disk_gb: 1, price_per_hour: P, max_replicas: 4 });
    expect(plan.status, plan.text).toBe(201);
    const { client } = await makeUser(h);
    const app = await makeApp(h, client, { plan: 'odd' });
    // web=2 from H-4h+17m23.456789s; a worker for part of the next hour; everything stops at H-2h+12m0.5s
    const events: TimedEvent[] = [
      { atUs: H - 4n * US_PER_HOUR + 1_043_456_789n, type: 'web', quantity: 2, pricePerHour: P },
      { atUs: H - 3n * US_PER_HOUR + 600_000_001n, type: 'worker', quantity: 1, pricePerHour: P },
      { atUs: H - 3n * US_PER_HOUR + 2_465_000_001n, type: 'worker', quantity: 0, pricePerHour: P },
      { atUs: H - 2n * US_PER_HOUR + 720_500_000n, type: 'web', quantity: 0, pricePerHour: P },
    ];
    await recordEvents(h.db.pool, app, events);
    await h.ctx.store.repos.formation.setQuantity(app.id, 'web', 0);

    const body = await run(H - US_PER_HOUR); // bills every closed hour before H-1h
    expect(body.entries).toBeGreaterThanOrEqual(3);

    const hours = [H - 4n * US_PER_HOUR, H - 3n * US_PER_HOUR, H - 2n * US_PER_HOUR];
    const expected = expectedCharges(events, hours);
    // the web part alone is exactly 2 × P × seconds / 3600 (half up) in the first and last hour
    const webOnlyFirst = (2n * BigInt(P) * (US_PER_HOUR - 1_043_456_789n) + US_PER_HOUR / 2n) / US_PER_HOUR;
    expect(expected.get(hours[0]!)).toBe(webOnlyFirst);
    const got = await charges(h.db.pool, app.id);
    expect(got.map((c) => c.periodStartUs)).toEqual(hours);
    expect(got.map((c) => BigInt(-c.amount))).toEqual(hours.map((x) => expected.get(x)));
    expect(got[0]!.usageUs).toBe(2 * (3_600_000_000 - 1_043_456_789));

    const ledger = await client.get(`/api/v1/organizations/${app.orgId}/ledger`);
    expect(ledger.status).toBe(200);
    expect(ledger.body.filter((e: { kind: string }) => e.kind === 'charge').map((e: { amount: number; app_name: string; period_start: string }) => [e.amount, e.app_name, e.period_start])).toEqual(
      [...got].reverse().map((c) => [c.amount, app.name, isoOfUs(c.periodStartUs)]),
    );
  });

  it('bills each app-hour once: a second run, and 10 concurrent runners, add nothing', async () => {
    const { client } = await makeUser(h);
    const apps = [await makeApp(h, client), await makeApp(h, client)];
    for (const app of apps) await recordEvents(h.db.pool, app, [{ atUs: H - 5n * US_PER_HOUR + 123n, type: 'web', quantity: 1, pricePerHour: 7000 }]);

    const runners = await Promise.all(Array.from({ length: 10 }, () => run(H - US_PER_HOUR)));
    expect(runners.reduce((n, r) => n + r.entries, 0)).toBeGreaterThanOrEqual(8);
    const again = await run(H - US_PER_HOUR);
    expect(again.entries).toBe(0);
    for (const app of apps) {
      const got = await charges(h.db.pool, app.id);
      expect(got.map((c) => c.periodStartUs)).toEqual([5n, 4n, 3n, 2n].map((k) => H - k * US_PER_HOUR));
    }
    const dupes = await h.db.pool.query(`SELECT app_id, period_start FROM ledger_entries WHERE kind = 'charge' GROUP BY 1, 2 HAVING count(*) > 1`);
    expect(dupes.rows).toEqual([]);
  });

  it('a job whose runner died after the commit, before the ack, is retried and charges nothing more', async () => {
    const { client } = await makeUser(h);
    const app = await makeApp(h, client);
    await recordEvents(h.db.pool, app, [{ atUs: H - 3n * US_PER_HOUR, type: 'web', quantity: 1, pricePerHour: 7000 }]);
    const connection = createRedis(h.config.redis.url, { forWorker: true });
    const billing = new HourlyBillingRun({ store: h.ctx.store, jobs: h.ctx.jobs, log: silent, graceHours });
    const processBilling = billingProcessor({ billing, settings: h.ctx.settings, store: h.ctx.store, log: silent });
    const results: unknown[] = [];
    let attempts = 0;
    const worker = new Worker<BillingJob>(
      QUEUE.billing,
      async (job: Job<BillingJob>) => {
        attempts++;
        const result = await processBilling(job);
        results.push(result);
        if (attempts === 1) throw new Error('runner killed after commit'); // the ack never happens
        return result;
      },
      { connection, prefix: h.config.redis.prefix },
    );
    const queue = new Queue<BillingJob>(QUEUE.billing, { connection, prefix: h.config.redis.prefix });
    try {
      const done = new Promise<void>((resolve) => worker.on('completed', () => resolve()));
      await queue.add('bill', { until: isoOfUs(H - US_PER_HOUR) }, { attempts: 3, backoff: { type: 'fixed', delay: 50 } });
      await done;
    } finally {
      await worker.close();
      await queue.close();
      connection.disconnect();
    }
    expect(attempts).toBe(2);
    expect((results[1] as { entries: number }).entries).toBe(0);
    expect((await charges(h.db.pool, app.id)).map((c) => c.amount)).toEqual([-7000, -7000]);
  });

  it('a failure between the ledger insert and the balance update rolls both back; the retry charges once', async () => {
    const { client, orgId } = await makeUser(h);
    const app = await makeApp(h, client);
    await recordEvents(h.db.pool, app, [{ atUs: H - 3n * US_PER_HOUR + 1_800_000_000n, type: 'web', quantity: 3, pricePerHour: 7000 }]);
    let armed = true;
    let seenInside = -1;
    const billing = new HourlyBillingRun({
      store: h.ctx.store,
      jobs: h.ctx.jobs,
      log: silent,
      graceHours,
      faults: {
        afterChargesInserted: async () => {
          if (!armed) return;
          armed = false;
          seenInside = (await charges(h.db.pool, app.id)).length; // other connections cannot see it yet
          throw new Error('injected failure before the balance update');
        },
      },
    });
    await expect(billing.run({ until: new Date(Number((H - US_PER_HOUR) / 1000n)) })).rejects.toThrow(/injected failure/);
    expect(seenInside).toBe(0);
    expect(await charges(h.db.pool, app.id)).toEqual([]);
    expect((await client.get(`/api/v1/organizations/${orgId}/wallet`)).body.balance).toBe(0);

    const retry = await billing.run({ until: new Date(Number((H - US_PER_HOUR) / 1000n)) });
    expect(retry.entries).toBeGreaterThanOrEqual(2);
    expect((await charges(h.db.pool, app.id)).map((c) => c.amount)).toEqual([-10500, -21000]);
    expect((await client.get(`/api/v1/organizations/${orgId}/wallet`)).body.balance).toBe(-31500);
  });
});

describe('the worker', () => {
  it('installs the hourly scheduler and bills queued runs; billing_enabled=false makes scheduled runs skip', async () => {
    const { client } = await makeUser(h);
    const app = await makeApp(h, client);
    await recordEvents(h.db.pool, app, [{ atUs: H - 3n * US_PER_HOUR, type: 'web', quantity: 1, pricePerHour: 7000 }]);
    const connection = createRedis(h.config.redis.url, { forWorker: true });
    // the pieces worker/src/context.ts wires: the scheduler, and a billing worker on the processor
    const queue = h.ctx.jobs.queues.billing as Queue<BillingJob>;
    await installBillingSchedule(queue);
    const billing = new HourlyBillingRun({ store: h.ctx.store, jobs: h.ctx.jobs, log: silent, graceHours });
    const worker = new Worker<BillingJob>(QUEUE.billing, billingProcessor({ billing, settings: h.ctx.settings, store: h.ctx.store, log: silent }), { connection, prefix: h.config.redis.prefix, concurrency: 1 });
    const finished = () => new Promise<unknown>((resolve, reject) => {
      worker.once('completed', (_job, result) => resolve(result));
      worker.once('failed', (_job, err) => reject(err));
    });
    try {
      const scheduler = await queue.getJobScheduler('billing-hourly');
      expect(scheduler).toMatchObject({ pattern: '5 * * * *', tz: 'UTC' });
      expect(scheduler!.next).toBeGreaterThan(Date.now());
      await queue.removeJobScheduler('billing-hourly'); // no scheduled run during the test
      let done = finished();
      await h.ctx.jobs.billing({ until: isoOfUs(H - US_PER_HOUR) });
      expect(await done).toMatchObject({ entries: expect.any(Number) });
      expect((await charges(h.db.pool, app.id)).map((c) => c.amount)).toEqual([-7000, -7000]);

      await h.ctx.settings.update({ billing_enabled: false }, { userId: null });
      done = finished();
      await queue.add('hourly', {});
      expect(await done).toEqual({ skipped: true });
      await h.ctx.settings.update({ billing_enabled: null }, { userId: null });
    } finally {
      await worker.close();
      connection.disconnect();
    }
  });
});

describe('catch-up', () => {
  it('bills six missed hours once each, in order; a second run is a no-op; the hour in progress is never billed', async () => {
    const { client } = await makeUser(h);
    const app = await makeApp(h, client);
    await recordEvents(h.db.pool, app, [{ atUs: H - 7n * US_PER_HOUR, type: 'web', quantity: 1, pricePerHour: 7000 }]);
    const first = await run(H - US_PER_HOUR);
    const got = await charges(h.db.pool, app.id);
    expect(got.map((c) => c.periodStartUs)).toEqual([7n, 6n, 5n, 4n, 3n, 2n].map((k) => H - k * US_PER_HOUR));
    expect(got.map((c) => c.id)).toEqual([...got.map((c) => c.id)].sort((a, b) => a - b)); // inserted oldest first
    expect(first.hours.map((x) => x.hour)).toEqual([7n, 6n, 5n, 4n, 3n, 2n].map((k) => isoOfUs(H - k * US_PER_HOUR)));
    expect((await run(H - US_PER_HOUR)).entries).toBe(0);

    // until far in the future: still nothing for the hour in progress (the app runs right now)
    await run(H + 48n * US_PER_HOUR);
    const current = await h.db.pool.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE period_start >= date_trunc('hour', now(), 'UTC')`);
    expect(current.rows[0].n).toBe(0);
    const after = await charges(h.db.pool, app.id);
    expect(after.at(-1)!.periodStartUs).toBeLessThan(H);
  });
});

describe('the ledger is append-only', () => {
  it('refuses UPDATE, DELETE and TRUNCATE at the database', async () => {
    const { rows } = await h.db.pool.query(`SELECT id FROM ledger_entries ORDER BY id LIMIT 1`);
    expect(rows.length).toBe(1);
    const id = rows[0].id;
    await expect(h.db.pool.query(`UPDATE ledger_entries SET amount = 0 WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
    await expect(h.db.pool.query(`DELETE FROM ledger_entries WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
    await expect(h.db.pool.query(`TRUNCATE ledger_entries CASCADE`)).rejects.toThrow(/append-only/);
    expect((await h.db.pool.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE id = $1`, [id])).rows[0].n).toBe(1);
  });
});
