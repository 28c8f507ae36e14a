// The worker's runtime-specific adapters: the Runtime and the BuildExecutor for config.runtime.
import type { Config } from '@slipway/core/config/config';
import type { Logger } from '@slipway/core/logger';
import type { Redis } from '@slipway/core/adapters/redis/redis';
import type { CommandRunner } from '@slipway/core/ports/command-runner.port';
import type { ObjectStore } from '@slipway/core/ports/object-store.port';
import type { LogStore } from '@slipway/core/ports/log-store.port';
import type { Runtime, ReleaseSpec } from '@slipway/core/ports/runtime.port';
import type { BuildExecutor } from '@slipway/core/ports/build-executor.port';
import { LocalRuntime } from '@slipway/core/adapters/runtime/local/local.runtime';
import { NginxEdge } from '@slipway/core/adapters/edge/nginx/nginx.edge';
import { SubprocessBuildExecutor } from '@slipway/core/adapters/build/subprocess.build-executor';
import { builderPaths } from '@slipway/builder/paths';
import { SwarmRuntime, type ReconcileOptions } from '@slipway/core/adapters/runtime/swarm/swarm.runtime';
import { ContainerBuildExecutor } from '@slipway/core/adapters/build/container.build-executor';
import { createDockerClient } from '@slipway/core/adapters/docker/docker.client';
import { RedisEdgeTable } from '@slipway/core/adapters/edge/swarm/swarm-edge.config';
import { RedisEdgeCertificates, type CertificateSink } from '@slipway/core/adapters/edge/swarm/swarm-edge.certificates';
import type { SecretBox } from '@slipway/core/crypto';
import { EDGE_SERVICE } from '@slipway/core/adapters/runtime/swarm/platform-services';
import type Docker from 'dockerode';
import { DockerEgressGuard, type ApiAddress } from '@slipway/core/adapters/docker/docker-egress-guard';
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import type { SlugUrls } from '@slipway/core/services/slug-urls';
import type { Store } from '@slipway/core/repositories/index';
import type { Settings } from '@slipway/core/settings/settings.service';
import { buildCpus, buildMaxProcesses, buildMemoryMb, dynoMaxProcesses } from '@slipway/core/settings/sandbox.settings';
import { SandboxHost } from '@slipway/core/adapters/sandbox/sandbox-host';
import type { CgroupLimits } from '@slipway/core/adapters/sandbox/cgroups';

export interface WorkerRuntime {
  runtime: Runtime;
  executor: BuildExecutor;
  /** Bring the runtime in line with the deployed releases (start-up, reconcile job); with `fresh`,
   *  each app is judged by its release read again under `fresh.guard` (the list may be stale). */
  recover(specs: ReleaseSpec[], fresh?: Required<ReconcileOptions>): Promise<void>;
  /** Where the edge's certificates go: the local nginx edge this worker drives, or the swarm edge's
   *  certificate set in Redis (the api renders it for the edge tasks). */
  edge: CertificateSink;
  /** How often the reconcile job runs (0: only at start-up). */
  reconcileEveryMs: number;
  /** The swarm runtime's engine (nodes, registry and edge are built on it by cluster.ts). */
  swarm?: { docker: Docker; runtime: SwarmRuntime };
  shutdown(): Promise<void>;
}

export interface WorkerRuntimeDeps {
  config: Config;
  log: Logger;
  redis: Redis;
  runner: CommandRunner;
  objects: ObjectStore;
  logs: LogStore;
  slugUrls: SlugUrls;
  store: Store;
  settings: Settings;
  box: SecretBox;
}

export function createWorkerRuntime(deps: WorkerRuntimeDeps): WorkerRuntime {
  return deps.config.runtime === 'swarm' ? swarmRuntime(deps) : localRuntime(deps);
}

/** Build limits from settings, read as each build starts. */
function buildLimits(settings: Settings): () => Promise<CgroupLimits> {
  return async () => ({ memoryMb: await settings.get(buildMemoryMb), cpus: await settings.get(buildCpus), pids: await settings.get(buildMaxProcesses) });
}

/** Where containers reach the api (slugs, the swarm edge's configuration): the slug base URL's
 *  address, its name looked up (IPv4) when it is not an address; undefined when it cannot be. */
export function containersApi(config: Config, log: Logger): () => Promise<ApiAddress | undefined> {
  const slugBase = new URL(config.api.slugBaseUrl);
  const port = Number(slugBase.port || (slugBase.protocol === 'https:' ? 443 : 80));
  const host = slugBase.hostname.replace(/^\[|\]$/g, '');
  return async () => {
    if (isIP(host)) return { ip: host, port };
    const found = await lookup(host, { family: 4 }).catch(() => null);
    if (!found) log.warn({ host }, 'the slug base URL names a host with no IPv4 address: containers may not reach the api beyond their machine');
    return found ? { ip: found.address, port } : undefined;
  };
}

/** Docker Swarm: services from the stack image, builds in throwaway builder containers. */
function swarmRuntime(deps: WorkerRuntimeDeps): WorkerRuntime {
  const { config, log } = deps;
  const docker = createDockerClient({ host: config.docker.host, tlsDir: config.docker.tlsDir });
  const runtime = new SwarmRuntime({
    docker,
    stackImage: config.docker.stackImage,
    slugUrl: async (spec) => {
      if (spec.artifact.kind !== 'slug') throw new Error('image artifacts do not need a slug URL');
      return deps.slugUrls.url(spec.artifact.objectKey);
    },
    attachableNetworks: config.docker.attachableNetworks,
    certResolver: config.traefik.certResolver,
    // Slipway's nginx edge or an operator's Traefik, whichever runs (swarm_edge setting)
    edgeService: [EDGE_SERVICE, config.traefik.service],
    routes: new RedisEdgeTable(deps.redis, config.redis.prefix),
    logger: log.child({ component: 'swarm' }),
    logs: deps.logs,
  });
  // the platform's own ports on the engine's host, closed to containers
  const platformPorts = [config.databaseUrl, config.redis.url].map((u) => Number(new URL(u).port)).filter((p) => p > 0);
  const guard = new DockerEgressGuard({ docker, image: config.docker.stackImage, platformPorts, api: containersApi(config, log) });
  const paths = builderPaths();
  const executor = new ContainerBuildExecutor({
    docker,
    builderImage: config.docker.builderImage,
    cliEntry: paths.cliPath,
    buildpacksDir: paths.buildpacksDir,
    stack: 'slipway-1',
    npmRegistry: config.build.npmRegistry,
    allowedBuildpackHosts: config.build.allowedBuildpackHosts,
    limits: buildLimits(deps.settings),
    logger: log.child({ component: 'builder' }),
  });
  return {
    runtime,
    executor,
    recover: async (specs, fresh) => {
      await guard.apply();
      const report = await runtime.reconcile(specs, undefined, fresh);
      const changed = report.created.length + report.updated.length + report.removed.length + report.errors.length > 0;
      if (changed) log.info({ report }, 'swarm reconciled');
      else log.debug('swarm reconciled: nothing to repair');
    },
    edge: new RedisEdgeCertificates(deps.redis, config.redis.prefix, deps.box),
    reconcileEveryMs: config.docker.reconcileIntervalSeconds * 1000,
    swarm: { docker, runtime },
    shutdown: () => guard.remove(), // services keep running without the worker
  };
}

/** One machine: sandboxed, supervised processes behind nginx; builds in sandboxes too. */
function localRuntime(deps: WorkerRuntimeDeps): WorkerRuntime {
  const { config, log } = deps;
  const sandbox = new SandboxHost({
    dataDir: config.dataDir, uidRange: config.sandbox.uidRange, dynoPortRange: config.local.portRange, allowedHosts: config.build.allowedBuildpackHosts,
    bindRoots: [config.paths.apps, config.paths.builds, config.paths.cache], commands: deps.runner, logger: log.child({ component: 'sandbox' }),
  });
  const uids = { uidOf: (appId: string) => deps.store.repos.appUids.uidOf(appId, config.sandbox.uidRange) };
  const edge = new NginxEdge({
    dir: config.edge.confDir, port: config.edge.port, bind: config.bind, nginxBin: config.edge.nginxBin, commands: deps.runner, logger: log.child({ component: 'edge' }),
    tlsPort: config.edge.tlsPort, acmeUpstream: acmeUpstream(config),
  });
  const runtime = new LocalRuntime({
    appsDir: config.paths.apps,
    local: config.local,
    redis: deps.redis,
    redisPrefix: config.redis.prefix,
    objects: deps.objects,
    logs: deps.logs,
    edge,
    commands: deps.runner,
    logger: log.child({ component: 'runtime' }),
    sandbox,
    uids,
    dynoMaxProcesses: () => deps.settings.get(dynoMaxProcesses),
  });
  const paths = builderPaths();
  const executor = new SubprocessBuildExecutor({
    runner: deps.runner,
    sandbox,
    uids,
    limits: buildLimits(deps.settings),
    logger: log.child({ component: 'builder' }),
    nodeBin: process.execPath,
    cliPath: paths.cliPath,
    buildpacksDir: paths.buildpacksDir,
    stack: 'slipway-1',
    npmRegistry: config.build.npmRegistry,
    allowedBuildpackHosts: config.build.allowedBuildpackHosts,
    npmCaFile: config.build.npmCaFile,
  });
  return {
    runtime,
    executor,
    edge,
    recover: (specs) => runtime.recover(specs),
    reconcileEveryMs: 0, // start-up only: the supervisor restarts dynos, and nothing outside Slipway edits them
    shutdown: async () => {
      await runtime.shutdown();
      await sandbox.close();
    },
  };
}

/** Where the local edge sends ACME HTTP-01 challenges: the api's plain HTTP port on loopback. */
export function acmeUpstream(config: Config): string {
  const host = config.bind === '0.0.0.0' || config.bind === '::' || config.bind === '*' ? '127.0.0.1' : config.bind;
  return `${host.includes(':') ? `[${host}]` : host}:${config.api.port}`;
}
