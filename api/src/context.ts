// Builds everything the api process needs from config, once. main.ts (the composition root) and
// the integration tests call this; nothing else constructs services.
import { URL } from 'node:url';
import type { Config } from '@slipway/core/config/config';
import type { Logger } from '@slipway/core/logger';
import { createPool } from '@slipway/core/db/pool';
import { createRedis, type Redis } from '@slipway/core/adapters/redis/redis';
import { SecretBox, loadOrCreateMasterKey } from '@slipway/core/crypto';
import { Store } from '@slipway/core/repositories/index';
import { Settings } from '@slipway/core/settings/settings.service';
import { suspensionGraceHours } from '@slipway/core/settings/billing.settings';
import { BullJobQueue } from '@slipway/core/adapters/queue/bullmq.job-queue';
import { SpawnCommandRunner } from '@slipway/core/adapters/command/spawn.command-runner';
import { RedisBuildLogSink } from '@slipway/core/adapters/build-log/redis.build-log-sink';
import { ConfigVault } from '@slipway/core/services/config-vars.service';
import { ReleaseService } from '@slipway/core/services/releases.service';
import { SlugUrls } from '@slipway/core/services/slug-urls';
import type { ObjectStore } from '@slipway/core/ports/object-store.port';
import type { S3ObjectStore } from '@slipway/core/adapters/object-store/s3.object-store';
import type { CommandRunner } from '@slipway/core/ports/command-runner.port';
import type { LogReader } from '@slipway/core/adapters/log/merged.log-reader';
import type { DockerConnectionInfo } from '@slipway/core/adapters/docker/docker.client';
import type { Runtime } from '@slipway/core/ports/runtime.port';
import type { HttpContext } from './http/context.js';
import type { UrlConfig } from './http/serializers/urls.js';
import { PasswordHasher } from './services/passwords.js';
import { AuthService } from './services/auth.service.js';
import { LoginThrottle } from './services/login-throttle.js';
import { UsersService } from './services/users.service.js';
import { AdminService } from './services/admin.service.js';
import { OrgsService } from './services/orgs.service.js';
import { SshKeysService } from './services/ssh-keys.service.js';
import { AppLookup } from './services/app-lookup.js';
import { AppsService } from './services/apps.service.js';
import { ConfigService } from './services/config.service.js';
import { FormationService } from './services/formation.service.js';
import { DomainsService } from './services/domains.service.js';
import { SniEndpointsService } from './services/sni-endpoints.service.js';
import { RedisHttp01Store } from '@slipway/core/adapters/acme/redis.http01-store';
import { ReleasesApiService } from './services/releases-api.service.js';
import { DynosService } from './services/dynos.service.js';
import { CollaboratorsService } from './services/collaborators.service.js';
import { OneOffsService } from './services/one-offs.service.js';
import { ReleaseOutputs } from './services/release-outputs.service.js';
import { RendezvousServer } from '@slipway/core/adapters/rendezvous/rendezvous.server';
import { BuildsService } from './services/builds.service.js';
import { LogSessionsService } from './services/log-sessions.service.js';
import { HourlyBillingRun } from '@slipway/core/services/billing/hourly-billing-run.service';
import { OrgWalletService } from '@slipway/core/services/billing/org-wallet.service';
import { ManualPayments } from '@slipway/core/adapters/payments/manual.payments';
import { BillingReportsService } from './services/billing-reports.service.js';
import { WalletOperationsService } from './services/wallet-operations.service.js';
import { PlansAdminService } from './services/plans-admin.service.js';
import { AdminUsersService } from './services/admin-users.service.js';
import { AdminOrgsService } from './services/admin-orgs.service.js';
import { AdminOverviewService } from './services/admin-overview.service.js';
import { BillingOverviewService } from './services/billing-overview.service.js';
import { AppRemoval } from './services/app-removal.js';
import { NodesAdminService } from './services/nodes-admin.service.js';
import type { SwarmNodes } from '@slipway/core/adapters/runtime/swarm/swarm.nodes';
import { RedisEdgeTable, edgeAgentToken, swarmEdgeConfig } from '@slipway/core/adapters/edge/swarm/swarm-edge.config';
import { RedisEdgeCertificates } from '@slipway/core/adapters/edge/swarm/swarm-edge.certificates';
import { FsRepoStore } from './git/fs.repo-store.js';
import { hookPath } from './git/hook-installer.js';

/** Adapters chosen by the composition root (they differ between local and swarm). */
export interface ApiAdapters {
  objects: ObjectStore;
  logs: LogReader;
  runtime: Pick<Runtime, 'status'>;
  /** The Docker connection for the admin console (swarm runtime only). */
  docker?: (() => Promise<DockerConnectionInfo>) | null;
  /** The swarm's nodes (swarm runtime only; nodes need it). */
  swarmNodes?: SwarmNodes | null;
}

export interface ApiContext {
  config: Config;
  log: Logger;
  store: Store;
  redis: Redis;
  jobs: BullJobQueue;
  box: SecretBox;
  settings: Settings;
  vault: ConfigVault;
  releases: ReleaseService;
  repoStore: FsRepoStore;
  buildLogs: RedisBuildLogSink;
  /** The `heroku run` listener; main.ts makes it listen. */
  rendezvous: RendezvousServer;
  adapters: ApiAdapters;
  http: HttpContext;
  close(): Promise<void>;
}

export function urlConfig(config: Config): UrlConfig {
  return {
    apiUrl: config.api.publicUrl,
    domain: config.domain,
    edgePort: config.edge.port,
    edgeScheme: 'http',
    gitSshPort: config.gitSsh.port,
    gitSshHost: new URL(config.api.publicUrl).hostname,
    cookiesAlwaysSecure: config.api.publicUrl.startsWith('https:') && config.api.tlsPort === null,
  };
}

export function createApiContext(
  config: Config,
  log: Logger,
  makeAdapters: (deps: { redis: Redis; config: Config; log: Logger; settings: Settings }) => ApiAdapters,
  opts: { runner?: CommandRunner } = {},
): ApiContext {
  const pool = createPool(config.databaseUrl, 20, (err) => log.warn({ err: err.message }, 'idle database connection failed; it will be replaced'));
  const redis = createRedis(config.redis.url, { name: 'api' });
  const store = new Store(pool);
  const box = new SecretBox(loadOrCreateMasterKey(config.masterKeyFile));
  const queueRedis = createRedis(config.redis.url, { name: 'api-queue' });
  const jobs = new BullJobQueue(queueRedis, config.redis.prefix);
  const vault = new ConfigVault(box);
  const settings = new Settings({ store, config, box });
  const releases = new ReleaseService({ store, vault, jobs });
  const runner = opts.runner ?? new SpawnCommandRunner();
  const repoStore = new FsRepoStore({ dir: config.paths.repos, runner, hookPath: hookPath(config) });
  const adapters = makeAdapters({ redis, config, log, settings });
  const urls = urlConfig(config);
  const edgeTable = new RedisEdgeTable(redis, config.redis.prefix);
  const edgeCerts = new RedisEdgeCertificates(redis, config.redis.prefix, box);
  // the swarm edge's tasks reach the api (its ACME responder too) where they fetch their configuration
  const slugBase = new URL(config.api.slugBaseUrl);
  const edgeAcme = slugBase.protocol === 'http:' ? `${slugBase.hostname}:${slugBase.port || 80}` : null;
  const passwords = new PasswordHasher();
  const lookup = new AppLookup(store);
  const users = new UsersService({ store, passwords, settings });
  const orgs = new OrgsService({ store, settings });
  const buildLogs = new RedisBuildLogSink({ redis, prefix: config.redis.prefix, objects: adapters.objects });
  const graceHours = () => settings.get(suspensionGraceHours);
  const wallets = new OrgWalletService({ store, jobs, payments: new ManualPayments(), log, graceHours });
  const billingRuns = new HourlyBillingRun({ store, jobs, log, graceHours });
  const rendezvous = new RendezvousServer({ box, log: log.child({ component: 'rendezvous' }), publicHost: config.rendezvous.publicHost, port: config.rendezvous.port });
  const removal = new AppRemoval({ jobs, repos: repoStore });

  const http: HttpContext = {
    slugs: { urls: new SlugUrls(box, config.api.slugBaseUrl), objects: adapters.objects },
    log,
    store,
    urls,
    clientDir: config.api.clientDir,
    trustProxy: config.api.trustProxy,
    edge: config.runtime === 'swarm'
      ? {
          token: edgeAgentToken(box),
          render: async () => swarmEdgeConfig(await edgeTable.routes(), { certificates: await edgeCerts.certificates(), publicTlsPort: config.edge.tlsPort, acmeUpstream: edgeAcme }),
        }
      : null,
    acmeChallenges: new RedisHttp01Store({ redis, prefix: config.redis.prefix }),
    health: async () => {
      const db = await pool.query('SELECT 1').then(() => true, () => false);
      const r = await redis.ping().then((p) => p === 'PONG', () => false);
      return { ok: db && r, checks: { database: db, redis: r } };
    },
    services: {
      auth: new AuthService({ store, passwords, throttle: new LoginThrottle({ redis, prefix: config.redis.prefix, settings }) }),
      users,
      orgs,
      sshKeys: new SshKeysService({ store }),
      apps: new AppsService({ store, lookup, jobs, repos: repoStore, removal, domain: config.domain, log, settings, allowedBuildpackHosts: config.build.allowedBuildpackHosts }),
      config: new ConfigService({ store, lookup, vault, releases, jobs }),
      formation: new FormationService({ store, lookup, jobs }),
      domains: new DomainsService({ store, lookup, jobs, settings, domain: config.domain, apiHost: new URL(config.api.publicUrl).hostname }),
      sniEndpoints: new SniEndpointsService({ store, lookup, jobs, box }),
      releases: new ReleasesApiService({ store, lookup, releases, vault }),
      dynos: new DynosService({ store, lookup, jobs, runtime: adapters.runtime }),
      collaborators: new CollaboratorsService({ store, lookup, orgs }),
      oneOffs: new OneOffsService({ store, lookup, jobs, vault, rendezvous }),
      releaseOutputs: new ReleaseOutputs({ box, apiUrl: config.api.publicUrl, logs: buildLogs, store }),
      builds: new BuildsService({ store, lookup, buildLogs }),
      logSessions: new LogSessionsService({ lookup, redis, prefix: config.redis.prefix, apiUrl: config.api.publicUrl, logs: adapters.logs }),
      billingReports: new BillingReportsService({ store, wallets }),
      walletOperations: new WalletOperationsService({ store, wallets, billing: billingRuns }),
      plansAdmin: new PlansAdminService({ store, log }),
      nodes: new NodesAdminService({ store, box, jobs, swarm: adapters.swarmNodes ?? null, log }),
      admin: new AdminService({
        settings,
        config,
        infra: {
          runtime: config.runtime,
          docker: adapters.docker ?? null,
          objectStore: { kind: () => adapters.objects.kind, check: 'check' in adapters.objects ? () => (adapters.objects as S3ObjectStore).check() : undefined },
        },
      }),
      adminUsers: new AdminUsersService({ store, users, passwords, log }),
      adminOrgs: new AdminOrgsService({ store, wallets, removal, jobs, log }),
      adminOverview: new AdminOverviewService({
        store,
        // nodes by state on the swarm runtime (one machine on the local runtime: no nodes to count)
        nodes: config.runtime === 'swarm' ? async () => countBy(await store.repos.nodes.list(), (n) => n.status) : undefined,
      }),
      billingOverview: new BillingOverviewService({ store }),
    },
  };

  return {
    config, log, store, redis, jobs, box, settings, vault, releases, repoStore, buildLogs, rendezvous, adapters, http,
    async close() {
      await rendezvous.close();
      await jobs.close();
      queueRedis.disconnect();
      redis.disconnect();
      await pool.end();
    },
  };
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of items) out[key(t)] = (out[key(t)] ?? 0) + 1;
  return out;
}
