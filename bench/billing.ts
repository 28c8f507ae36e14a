// bench/billing — hourly billing at scale: 10,000 running apps across 1,000 organizations (seeded
// with set-based SQL: apps, formation, credits, ~3 formation events per process type with changes
// inside hours), then the time to bill one hour for all of them and the time for a 24-hour
// catch-up, a no-op re-run, and checks that each app-hour was billed once and every balance
// equals its ledger. Some organizations run out of credit during the catch-up (suspensions count).
//   ./scripts/bench billing          (starts PostgreSQL + Redis)
//   BENCH_APPS=10000 BENCH_ORGS=1000 SLIPWAY_TEST_PG_URL=… SLIPWAY_TEST_REDIS_URL=… npx tsx bench/billing.ts
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from '@slipway/core/logger';
import { createRedis } from '@slipway/core/adapters/redis/redis';
import { BullJobQueue } from '@slipway/core/adapters/queue/bullmq.job-queue';
import { Store } from '@slipway/core/repositories/index';
import { HourlyBillingRun } from '@slipway/core/services/billing/hourly-billing-run.service';
import { createTestDatabase, uniquePrefix } from '@slipway/core/testing/test-env';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';

const APPS = Number(process.env.BENCH_APPS ?? 10_000);
const ORGS = Number(process.env.BENCH_ORGS ?? 1_000);

function report(line: string): void {
  console.log(`[figure] ${line}`);
  const out = process.env.SLIPWAY_TEST_OUTPUT;
  if (out) appendFileSync(path.join(out, 'figures.txt'), `${line}\n`);
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const redisUrl = process.env.SLIPWAY_TEST_REDIS_URL;
  const redis = redisUrl ? createRedis(redisUrl, { name: 'bench-billing' }) : null;
  let queued = 0;
  const jobs: JobQueue & { close?: () => Promise<void> } = redis
    ? new BullJobQueue(redis, uniquePrefix('bb'))
    : { build: async () => undefined, deploy: async () => void queued++, billing: async () => undefined, domains: async () => undefined, oneOff: async () => undefined };
  const store = new Store(db.pool);
  // grace 0: an emptied wallet suspends in the hour that emptied it (the most work per hour)
  const billing = new HourlyBillingRun({ store, jobs, log: createLogger({ level: 'warn', name: 'bench' }), settleSeconds: 0, graceHours: async () => 0 });
  try {
    const t0 = Date.now();
    await seed(db.pool);
    const counts = (await db.pool.query(`SELECT (SELECT count(*) FROM apps)::int AS apps, (SELECT count(*) FROM organizations)::int AS orgs, (SELECT count(*) FROM formation_events)::int AS events`)).rows[0];
    report(`billing seed: ${counts.apps} apps, ${counts.orgs} organizations, ${counts.events} formation events in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const H = (await db.pool.query(`SELECT date_trunc('hour', now(), 'UTC') AS h`)).rows[0].h as Date;
    const hour = (k: number) => new Date(H.getTime() + k * 3_600_000);
    // the cursor: everything before H-25h is billed, every event seen
    await db.pool.query(`UPDATE billing_state SET billed_through = $1, events_seen = (SELECT max(id) FROM formation_events)`, [hour(-26)]);

    let t = Date.now();
    const one = await billing.run({ until: hour(-24) });
    const oneMs = Date.now() - t;
    report(`billing one hour: ${one.entries} charges for ${APPS} apps in ${oneMs} ms`);

    t = Date.now();
    const day = await billing.run({ until: H });
    const dayMs = Date.now() - t;
    report(`billing 24-hour catch-up: ${day.hours.length} hours, ${day.entries} charges, ${day.suspendedApps} apps suspended, in ${(dayMs / 1000).toFixed(2)} s (${Math.round(dayMs / Math.max(1, day.hours.length))} ms per hour)`);

    t = Date.now();
    const again = await billing.run({ until: H });
    report(`billing re-run (nothing to bill): ${again.entries} charges in ${Date.now() - t} ms`);

    const check = (await db.pool.query(`
      SELECT (SELECT count(*) FROM ledger_entries WHERE kind = 'charge')::int AS charges,
             (SELECT count(*) FROM (SELECT 1 FROM ledger_entries WHERE kind = 'charge' GROUP BY app_id, period_start HAVING count(*) > 1) d)::int AS duplicates,
             (SELECT count(*) FROM organizations o LEFT JOIN wallets w ON w.org_id = o.id
               WHERE coalesce(w.balance, 0) <> coalesce((SELECT sum(amount) FROM ledger_entries l WHERE l.org_id = o.id), 0))::int AS mismatched,
             (SELECT count(*) FROM apps WHERE status = 'suspended')::int AS suspended`)).rows[0];
    report(`billing checks: ${check.charges} charges (expected ${APPS * 25}), ${check.duplicates} duplicate app-hours, ${check.mismatched} wallets off their ledger, ${check.suspended} apps suspended, ${day.jobsQueued + one.jobsQueued + queued} formation jobs queued`);
    if (check.charges !== APPS * 25 || check.duplicates !== 0 || check.mismatched !== 0) process.exitCode = 1;
  } finally {
    await (jobs as BullJobQueue).close?.();
    redis?.disconnect();
    await db.drop();
  }
}

/** Set-based seed: organizations, apps on the four default plans, formation, a credit per org
 *  (a tenth of them small enough to run out), and formation events from H-26h with two changes. */
async function seed(pool: import('@slipway/core/db/pool').Pool): Promise<void> {
  await pool.query(`INSERT INTO organizations (name) SELECT 'bench-org-' || g FROM generate_series(1, $1::int) g`, [ORGS]);
  await pool.query(
    `WITH o AS (SELECT id, row_number() OVER (ORDER BY name) - 1 AS i FROM organizations),
          p AS (SELECT id, row_number() OVER (ORDER BY price_per_hour) - 1 AS i FROM plans WHERE active)
     INSERT INTO apps (org_id, name, plan_id, status)
     SELECT o.id, 'bench-app-' || g, p.id, 'running'
     FROM generate_series(1, $1::int) g
     JOIN o ON o.i = (g - 1) % $2::int
     JOIN p ON p.i = CASE WHEN g % 20 = 0 THEN 3 WHEN g % 10 = 0 THEN 2 WHEN g % 3 = 0 THEN 1 ELSE 0 END`,
    [APPS, ORGS],
  );
  await pool.query(
    `INSERT INTO formation (app_id, type, quantity, command)
     SELECT a.id, t.type, CASE WHEN t.type = 'web' THEN 1 + (abs(hashtext(a.name)) % 2) ELSE 1 END, t.cmd
     FROM apps a CROSS JOIN (VALUES ('web', 'node server.js'), ('worker', 'node worker.js')) t(type, cmd)
     WHERE t.type = 'web' OR abs(hashtext(a.name)) % 5 = 0`,
  );
  await pool.query(
    `WITH credited AS (
       INSERT INTO ledger_entries (org_id, kind, amount, description)
       SELECT id, 'credit', CASE WHEN name LIKE '%0' THEN 2000000 ELSE 1000000000 END, 'bench credit' FROM organizations
       RETURNING org_id, amount
     )
     INSERT INTO wallets (org_id, balance) SELECT org_id, sum(amount) FROM credited GROUP BY org_id`,
  );
  await pool.query(
    `WITH base AS (SELECT date_trunc('hour', now(), 'UTC') - interval '26 hours' AS t0)
     INSERT INTO formation_events (ts, org_id, app_id, app_name, type, quantity, plan_id, price_per_hour, reason)
     SELECT base.t0 + s.at + make_interval(secs => (abs(hashtext(a.name || s.at::text)) % 3600000) / 1000.0),
            a.org_id, a.id, a.name, f.type, greatest(f.quantity + s.delta, 0), a.plan_id, p.price_per_hour, 'bench'
     FROM apps a JOIN formation f ON f.app_id = a.id JOIN plans p ON p.id = a.plan_id CROSS JOIN base
     CROSS JOIN (VALUES (interval '0 hours', 0), (interval '6 hours', 1), (interval '16 hours', 0)) s(at, delta)
     ORDER BY 1`,
  );
  await pool.query('VACUUM ANALYZE'); // steady state: visibility map set, statistics current
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
