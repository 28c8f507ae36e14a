// Suspension for real: the api and billing on PostgreSQL and Redis, the worker's deploy queue
// consumer (RuntimeOps) on a LocalRuntime with real processes behind a real nginx edge. A new
// organization spends its starting credit; the charge that empties the wallet warns it and starts
// the grace period (default 24 h), during which the app keeps serving; the billing run after the
// grace period stops the app's processes (the edge then says the app is unavailable, not why); a
// top-up starts them again. The clock moves the way the other billing tests move it: formation
// events moved back in time, and billing runs with `until`. Billing reads what the worker recorded,
// including the price snapshot taken when a plan change is applied.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from 'bullmq';
import { createLogger } from '@slipway/core/logger';
import { createRedis, type Redis } from '@slipway/core/adapters/redis/redis';
import { QUEUE } from '@slipway/core/queue/queues';
import { testApp } from '@slipway/core/ports/runtime.contract';
import { startLocalRig, storeSlug, type LocalTestRig } from '@slipway/core/adapters/runtime/local/local.testing';
import { testRedisUrl } from '@slipway/core/testing/test-env';
import { AppLocks } from '@slipway/worker/services/app-lock';
import { ReleaseSpecs } from '@slipway/worker/services/release-spec';
import { ReleaseDeployer } from '@slipway/worker/services/release-deployer';
import { RuntimeOps } from '@slipway/worker/services/runtime-ops.service';
import { deployProcessor } from '@slipway/worker/processors/deploy.processor';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import type { ApiClient } from '../support/client.js';
import { US_PER_HOUR, closeHarness, dbHourUs, expectBalancesMatchLedger, isoOfUs, makeAdmin, makeUser } from './billing-support.js';

const CREDIT = 21_000; // three hours of the default plan (7,000 per hour)

let h: ApiHarness;
let rig: LocalTestRig;
let admin: ApiClient;
let connection: Redis;
let worker: Worker;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

beforeAll(async () => {
  h = await startApiHarness();
  admin = await makeAdmin(h);
  rig = await startLocalRig({ scratch: process.env.SLIPWAY_TEST_SCRATCH ?? os.tmpdir(), redisUrl: testRedisUrl(), bootTimeoutSeconds: 10 });
  const log = createLogger({ level: 'silent', name: 'worker' });
  const store = h.ctx.store;
  const locks = new AppLocks(store.pool);
  const specs = new ReleaseSpecs(h.ctx.vault, h.ctx.settings);
  const logs = rig.harness.logs;
  const deployer = new ReleaseDeployer({ store, runtime: rig.runtime, locks, specs, logs, log, releasePhaseTimeoutMs: 60_000 });
  const ops = new RuntimeOps({ store, runtime: rig.runtime, locks, specs, deployer, logs, objects: rig.objects, log, cacheDir: h.config.paths.cache });
  connection = createRedis(h.config.redis.url, { forWorker: true, name: 'test-worker' });
  worker = new Worker(QUEUE.deploy, deployProcessor(ops), { connection, prefix: h.config.redis.prefix, concurrency: 4 });
});

afterAll(async () => {
  await worker?.close();
  connection?.disconnect();
  await rig?.teardown();
  await closeHarness(h);
});

describe('starting credit, grace period and suspension on the local runtime', () => {
  it('spends the starting credit, warns when it runs out, serves through the grace period, stops after it, and starts again on top-up', async () => {
    await h.ctx.settings.update({ starting_credit: CREDIT }, { userId: null });
    const { client, orgId } = await makeUser(h);
    await h.ctx.settings.update({ starting_credit: null }, { userId: null });
    const credits = (await client.get(`/api/v1/organizations/${orgId}/ledger`)).body as { kind: string; amount: number; description: string }[];
    expect(credits).toEqual([expect.objectContaining({ kind: 'credit', amount: CREDIT, description: 'Starting credit for a new organization' })]);
    const created = await client.post('/apps', { name: `susp-${Date.now() % 100000}` });
    expect(created.status).toBe(201);
    const appId: string = created.body.id;
    const host = `${created.body.name}.localhost`;

    // a release of a real slug, deployed by the worker from the deploy queue
    const artifact = await storeSlug(rig.objects, rig.dir, testApp({ body: 'billed app' }));
    if (artifact.kind !== 'slug') throw new Error('expected a slug');
    const release = await h.ctx.store.transaction(async (repos) => {
      const app = (await repos.apps.lock(appId))!;
      const slug = await repos.slugs.create({
        id: randomUUID(), appId, buildId: null, objectKey: artifact.objectKey, size: artifact.size, sha256: artifact.sha256,
        processTypes: { web: 'node server.js' }, stack: 'slipway-1', buildpack: 'nodejs', commit: 'c'.repeat(40),
      });
      await repos.formation.syncWithProcessTypes(appId, { web: 'node server.js' });
      return h.ctx.releases.create(repos, app, { slugId: slug.id, image: null, description: 'Deploy ccccccc', userId: app.createdBy });
    });
    await h.ctx.jobs.deploy({ kind: 'release', appId, releaseId: release.id });
    await eventually('the app to serve', async () => (await rig.harness.get(host, '/')).body === 'billed app');
    await eventually('the release to be recorded', async () => (await client.get(`/apps/${appId}`)).body.status === 'running');

    const serves = async () => (await rig.harness.get(host, '/')).body === 'billed app';
    const wallet = async () => (await client.get(`/api/v1/organizations/${orgId}/wallet`)).body;
    const notices = async () => ((await client.get(`/api/v1/organizations/${orgId}/billing-notifications`)).body as { kind: string; message: string }[]);
    const runUntil = async (us: bigint) => {
      const res = await admin.post('/api/v1/admin/billing/run', { until: isoOfUs(us) });
      expect(res.status, res.text).toBe(200);
      return res.body as { entries: number; suspended_apps: number; grace_started_orgs: number };
    };

    // it has been running since 30 hours ago (what the worker recorded, moved back in time)
    const H = await dbHourUs(h.db.pool);
    await h.db.pool.query(`UPDATE formation_events SET ts = to_timestamp($2::numeric / 1000000) WHERE app_id = $1`, [appId, (H - 30n * US_PER_HOUR).toString()]);
    // the clock at H-26h: hours H-30h…H-27h are charged; the third one empties the wallet
    const first = await runUntil(H - 26n * US_PER_HOUR);
    expect(first).toMatchObject({ entries: 4, suspended_apps: 0, grace_started_orgs: 1 });
    expect(await wallet()).toMatchObject({ balance: CREDIT - 4 * 7000, grace: { ends_at: isoOfUs(H - 2n * US_PER_HOUR) }, suspensions: [] });
    const warning = (await notices()).find((n) => n.kind === 'wallet_empty');
    expect(warning?.message).toMatch(/wallet is empty.*keep running until .* UTC/);
    const activity = await h.db.pool.query(`SELECT action FROM activity WHERE org_id = $1 AND action = 'wallet.empty'`, [orgId]);
    expect(activity.rows.length).toBe(1);
    expect(await serves()).toBe(true);

    // the clock at H-3h: still within the grace period; charges go on, the app serves
    expect(await runUntil(H - 3n * US_PER_HOUR)).toMatchObject({ suspended_apps: 0, grace_started_orgs: 0 });
    expect(await serves()).toBe(true);
    expect((await client.get(`/apps/${appId}`)).body).toMatchObject({ status: 'running', suspension: null });

    // the clock at H-1h: the grace period ended at H-2h and the wallet is still empty
    expect(await runUntil(H - US_PER_HOUR)).toMatchObject({ suspended_apps: 1 });
    await eventually('the dynos to stop', async () => (await rig.runtime.status(appId)).every((d) => d.state === 'down') && !(await serves()));
    const page = await rig.harness.get(host, '/');
    expect(page.status).toBe(503);
    expect(page.body).toContain('not available');
    expect(page.body).not.toMatch(/wallet|billing|credit|no web processes/i);
    const stopped = await eventually('the stop to be recorded', async () => {
      const { rows } = await h.db.pool.query(`SELECT quantity, reason FROM formation_events WHERE app_id = $1 ORDER BY id DESC LIMIT 1`, [appId]);
      return rows[0]?.quantity === 0 ? rows[0] : undefined;
    });
    expect(stopped.reason).toBe('formation');
    const suspended = (await client.get(`/apps/${appId}`)).body;
    expect(suspended).toMatchObject({ status: 'suspended', suspension: { reasons: ['wallet'] } });
    const debt = -(await wallet()).balance;
    expect(debt).toBe(29 * 7000 - CREDIT); // hours H-30h…H-2h, less the credit
    expect(await wallet()).toMatchObject({ burn_rate_per_hour: 0, suspensions: [{ reason: 'wallet', apps: 1 }] });
    expect((await notices())[0]!.kind).toBe('suspended');

    const topUp = await admin.post(`/api/v1/admin/organizations/${orgId}/credits`, { amount: debt + 50_000, note: 'top-up' });
    expect(topUp.status).toBe(201);
    expect(topUp.body.resumed_apps).toBe(1);
    await eventually('the app to serve again', serves);
    await eventually('the restart to be recorded', async () => {
      const { rows } = await h.db.pool.query(`SELECT quantity FROM formation_events WHERE app_id = $1 ORDER BY id DESC LIMIT 1`, [appId]);
      return rows[0]?.quantity === 1;
    });
    expect((await client.get(`/apps/${appId}`)).body).toMatchObject({ status: 'running', suspension: null });
    expect(await wallet()).toMatchObject({ balance: 50_000, burn_rate_per_hour: 7000, grace: null, suspensions: [] });

    // a plan change: the worker applies the formation again and snapshots the new plan's price
    expect((await client.patch(`/apps/${appId}`, { plan: 'standard' })).status).toBe(200);
    const snap = await eventually('the new price to be recorded', async () => {
      const { rows } = await h.db.pool.query(`SELECT quantity, price_per_hour, reason FROM formation_events WHERE app_id = $1 ORDER BY id DESC LIMIT 1`, [appId]);
      return Number(rows[0]?.price_per_hour) === 35_000 ? rows[0] : undefined;
    });
    expect(snap).toMatchObject({ quantity: 1, reason: 'formation' });
    expect((await rig.harness.get(host, '/')).body).toBe('billed app');
    expect((await client.get(`/api/v1/organizations/${orgId}/wallet`)).body.burn_rate_per_hour).toBe(35_000);
    await expectBalancesMatchLedger(h.db.pool);
  });
});
