// Builds the worker from config: adapters for the configured runtime, the services, and the
// BullMQ workers and schedulers. main.ts (the composition root) and in-process tests call this.
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Config } from '@slipway/core/config/config';
import type { Logger } from '@slipway/core/logger';
import { createPool } from '@slipway/core/db/pool';
import { createRedis, type Redis } from '@slipway/core/adapters/redis/redis';
import { SecretBox, loadOrCreateMasterKey } from '@slipway/core/crypto';
import { NodeDnsLookup } from '@slipway/core/adapters/dns/node.dns-lookup';
import { AcmeClientAuthority } from '@slipway/core/adapters/acme/acme-client.authority';
import { RedisHttp01Store } from '@slipway/core/adapters/acme/redis.http01-store';
import { Store } from '@slipway/core/repositories/index';
import { Settings } from '@slipway/core/settings/settings.service';
import { suspensionGraceHours } from '@slipway/core/settings/billing.settings';
import { BullJobQueue } from '@slipway/core/adapters/queue/bullmq.job-queue';
import { SpawnCommandRunner } from '@slipway/core/adapters/command/spawn.command-runner';
import { RedisBuildLogSink } from '@slipway/core/adapters/build-log/redis.build-log-sink';
import { RedisLogStore } from '@slipway/core/adapters/log/redis.log-store';
import { createObjectStore } from '@slipway/core/adapters/object-store/create-object-store';
import { ConfigVault } from '@slipway/core/services/config-vars.service';
import { logRetentionHours, logRetentionLines } from '@slipway/core/settings/admin.settings';
import { ReleaseService } from '@slipway/core/services/releases.service';
import { SlugUrls } from '@slipway/core/services/slug-urls';
import { QUEUE, type BillingJob, type OneOffJob } from '@slipway/core/queue/queues';
import { HourlyBillingRun } from '@slipway/core/services/billing/hourly-billing-run.service';
import type { ObjectStore } from '@slipway/core/ports/object-store.port';
import type { ReleaseSpec } from '@slipway/core/ports/runtime.port';
import type { AppRow } from '@slipway/core/repositories/types';
import { AppLocks, BuildLocks } from './services/app-lock.js';
import { ReleaseSpecs } from './services/release-spec.js';
import { ReleaseDeployer } from './services/release-deployer.js';
import { BuildService } from './services/build.service.js';
import { RuntimeOps } from './services/runtime-ops.service.js';
import { Reaper } from './services/reaper.service.js';
import { OneOffRunner } from './services/one-off-runner.service.js';
import { AppSetup } from './services/app-setup.service.js';
import { platformCaFiles } from '@slipway/core/adapters/tls/platform-ca';
import { buildProcessor } from './processors/build.processor.js';
import { deployProcessor } from './processors/deploy.processor.js';
import { maintenanceProcessor } from './processors/maintenance.processor.js';
import { domainsProcessor } from './processors/domains.processor.js';
import { DomainUpkeep } from './services/domain-upkeep.service.js';
import { billingProcessor, installBillingSchedule } from './processors/billing.processor.js';
import { createWorkerRuntime, type WorkerRuntime } from './runtime.js';
import { createWorkerCluster } from './cluster.js';

export interface WorkerContext {
  config: Config;
  log: Logger;
  store: Store;
  settings: Settings;
  redis: Redis;
  connection: ConnectionOptions;
  jobs: BullJobQueue;
  objects: ObjectStore;
  runtime: WorkerRuntime;
  builds: BuildService;
  ops: RuntimeOps;
  reaper: Reaper;
  oneOffs: OneOffRunner;
  vault: ConfigVault;
  domains: DomainUpkeep;
  billing: HourlyBillingRun;
  /** Specs of every app's current release (start-up recovery, reconcile). */
  deployedSpecs(): Promise<ReleaseSpec[]>;
  /** Start consuming queues. */
  start(): Promise<void>;
  /** Stop consuming (active jobs finish), stop the runtime, close connections. */
  stop(): Promise<void>;
}

export function webUrlOf(config: Config) {
  return (appName: string) => `http://${appName}.${config.domain}${config.edge.port === 80 ? '' : `:${config.edge.port}`}/`;
}

export function createWorkerContext(config: Config, log: Logger, opts: { runtime?: WorkerRuntime } = {}): WorkerContext {
  const pool = createPool(config.databaseUrl, 20, (err) => log.warn({ err: err.message }, 'idle database connection failed; it will be replaced'));
  const store = new Store(pool);
  const redis = createRedis(config.redis.url, { name: 'worker' });
  const connection = createRedis(config.redis.url, { forWorker: true, name: 'worker-bullmq' });
  const jobs = new BullJobQueue(connection, config.redis.prefix);
  const box = new SecretBox(loadOrCreateMasterKey(config.masterKeyFile));
  const settings = new Settings({ store, config, box });
  const objects = createObjectStore(config, settings);
  const logs = new RedisLogStore({
    redis,
    prefix: config.redis.prefix,
    retention: async () => ({ maxLines: await settings.get(logRetentionLines), maxAgeSeconds: (await settings.get(logRetentionHours)) * 3600 }),
  });
  const sink = new RedisBuildLogSink({ redis, prefix: config.redis.prefix, objects });
  const vault = new ConfigVault(box);
  const releases = new ReleaseService({ store, vault, jobs });
  const runner = new SpawnCommandRunner();
  const slugUrls = new SlugUrls(box, config.api.slugBaseUrl);
  const runtime = opts.runtime ?? createWorkerRuntime({ config, log, redis, runner, objects, logs, slugUrls, store, settings, box });
  const cluster = runtime.swarm ? createWorkerCluster({ config, log, store, settings, box, connection, docker: runtime.swarm.docker, runtime: runtime.swarm.runtime }) : null;
  const locks = new AppLocks(pool);
  const buildLocks = new BuildLocks(pool);
  const specs = new ReleaseSpecs(vault, settings);
  const deployer = new ReleaseDeployer({ store, runtime: runtime.runtime, locks, specs, logs, log, releasePhaseTimeoutMs: 15 * 60_000, outputs: sink });
  const oneOffs = new OneOffRunner({
    store, runtime: runtime.runtime, specs, vault, logs, box, log,
    rendezvous: { host: config.rendezvous.dynoHost, port: config.rendezvous.port, caFile: platformCaFiles(config.dataDir).certFile },
  });
  const builds = new BuildService({
    store, objects, sink, executor: runtime.executor, vault, releases, deployer, locks: buildLocks, settings, log, setup: new AppSetup({ store, vault, runner: oneOffs }),
    buildsDir: config.paths.builds, cacheDir: config.paths.cache, timeoutMs: config.build.timeoutSeconds * 1000, webUrl: webUrlOf(config),
  });
  const ops = new RuntimeOps({ store, runtime: runtime.runtime, locks, specs, deployer, logs, objects, log, cacheDir: config.paths.cache });
  const reaper = new Reaper({ store, builds, locks: buildLocks, log, releaseStaleMinutes: 30, oneOffs });
  const billingLog = log.child({ component: 'billing' });
  const billing = new HourlyBillingRun({ store, jobs, log: billingLog, graceHours: () => settings.get(suspensionGraceHours) });
  const workers: Worker[] = [];
  const maintenance = new Queue(QUEUE.maintenance, { connection, prefix: config.redis.prefix });
  const domainsQueue = new Queue(QUEUE.domains, { connection, prefix: config.redis.prefix });
  const domains = new DomainUpkeep({
    config, store, settings, box, jobs, edge: runtime.edge, log: log.child({ component: 'domains' }),
    dns: new NodeDnsLookup(),
    ca: new AcmeClientAuthority({ http01: new RedisHttp01Store({ redis, prefix: config.redis.prefix }) }),
  });
  const billingQueue = new Queue<BillingJob>(QUEUE.billing, { connection, prefix: config.redis.prefix });

  const specOf = async (app: AppRow): Promise<ReleaseSpec | null> => {
    const current = await store.repos.releases.current(app.id);
    return current && (current.slugId || current.image) ? specs.build(store.repos, app, current) : null;
  };
  const deployedSpecs = async (): Promise<ReleaseSpec[]> => {
    const out: ReleaseSpec[] = [];
    for (const app of await store.repos.apps.listDeployed()) {
      const spec = await specOf(app);
      if (spec) out.push(spec);
    }
    return out;
  };
  // the reconcile job reads each app again under its lock: a deploy may finish while it runs
  const fresh = {
    guard: <T>(appId: string, fn: () => Promise<T>) => locks.with(appId, fn),
    current: async (appId: string) => {
      const app = await store.repos.apps.findById(appId);
      return app ? specOf(app) : null;
    },
  };

  return {
    config, log, store, settings, redis, connection, jobs, objects, runtime, builds, ops, reaper, oneOffs, vault, billing, domains, deployedSpecs,
    async start() {
      await cluster?.prepare();
      // certificates first, so the routing table rebuilt below is served over HTTPS at once
      await domains.syncEdge();
      const specsNow = await deployedSpecs();
      await runtime.recover(specsNow);
      log.info({ apps: specsNow.length }, 'runtime recovered');
      const common = { connection, prefix: config.redis.prefix, maxStalledCount: 2 };
      // a build whose worker died is picked up again within ~30 s (lock expiry + stalled checks); a
      // live attempt whose lock lapsed only delays its retry, which waits for the build's lock
      workers.push(new Worker(QUEUE.build, buildProcessor(builds), { ...common, concurrency: config.build.concurrency, lockDuration: 20_000, stalledInterval: 5_000 }));
      workers.push(new Worker(QUEUE.deploy, deployProcessor(ops), { ...common, concurrency: 8 }));
      // a one-off's job lasts as long as the dyno; a stalled one (its worker died) is never run again
      workers.push(new Worker(QUEUE.dynos, async (job) => void (await oneOffs.run((job.data as OneOffJob).dynoId)), { ...common, concurrency: 200, maxStalledCount: 0 }));
      workers.push(new Worker(QUEUE.maintenance, maintenanceProcessor({ reaper, reconcile: async () => runtime.recover(await deployedSpecs(), fresh) }), { ...common, concurrency: 1 }));
      workers.push(new Worker(QUEUE.domains, domainsProcessor(domains), { ...common, concurrency: 1, lockDuration: 120_000 }));
      workers.push(new Worker(QUEUE.billing, billingProcessor({ billing, settings, store, log: billingLog }), { ...common, concurrency: 1 }));
      if (cluster) workers.push(await cluster.start());
      for (const w of workers) w.on('failed', (job, err) => log.warn({ queue: w.name, jobId: job?.id, err: err.message }, 'job failed'));
      await maintenance.upsertJobScheduler('reaper', { every: 60_000 }, { name: 'reap', data: { kind: 'reap' } });
      if (runtime.reconcileEveryMs > 0) await maintenance.upsertJobScheduler('reconcile', { every: runtime.reconcileEveryMs }, { name: 'reconcile', data: { kind: 'reconcile' } });
      else await maintenance.removeJobScheduler('reconcile');
      await domainsQueue.upsertJobScheduler('sweep', { every: config.domainsIntervalSeconds * 1000 }, { name: 'sweep', data: { kind: 'sweep' } });
      await installBillingSchedule(billingQueue);
    },
    async stop() {
      oneOffs.stopAll();
      await Promise.all(workers.map((w) => w.close()));
      await runtime.shutdown();
      await maintenance.close();
      await domainsQueue.close();
      await billingQueue.close();
      await cluster?.close();
      await jobs.close();
      objects.close();
      connection.disconnect();
      redis.disconnect();
      await pool.end();
    },
  };
}
