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
import type { Edge } from '@slipway/core/ports/edge.port';
import { SubprocessBuildExecutor } from '@slipway/core/adapters/build/subprocess.build-executor';
import { builderPaths } from '@slipway/builder/paths';
import { SwarmRuntime, type ReconcileOptions } from '@slipway/core/adapters/runtime/swarm/swarm.runtime';
import { ContainerBuildExecutor } from '@slipway/core/adapters/build/container.build-executor';
import { createDockerClient } from '@slipway/core/adapters/docker/docker.client';
import type { SlugUrls } from '@slipway/core/services/slug-urls';

export interface WorkerRuntime {
  runtime: Runtime;
  executor: BuildExecutor;
  /** Bring the runtime in line with the deployed releases (start-up, reconcile job); with `fresh`,
   *  each app is judged by its release read again under `fresh.guard` (the list may be stale). */
  recover(specs: ReleaseSpec[], fresh?: Required<ReconcileOptions>): Promise<void>;
  /** The edge this worker drives (certificates are pushed to it), or null (swarm: not yet). */
  edge: Edge | null;
  /** How often the reconcile job runs (0: only at start-up). */
  reconcileEveryMs: number;
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
}

export function createWorkerRuntime(deps: WorkerRuntimeDeps): WorkerRuntime {
  return deps.config.runtime === 'swarm' ? swarmRuntime(deps) : localRuntime(deps);
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
    edgeService: config.traefik.service,
    logger: log.child({ component: 'swarm' }),
    logs: deps.logs,
  });
  const paths = builderPaths();
  const executor = new ContainerBuildExecutor({
    docker,
    builderImage: config.docker.builderImage,
    cliEntry: paths.cliPath,
    buildpacksDir: paths.buildpacksDir,
    stack: 'slipway-1',
    npmRegistry: config.build.npmRegistry,
    allowedBuildpackHosts: config.build.allowedBuildpackHosts,
    limits: { cpus: 2, memoryMb: 2048 },
    logger: log.child({ component: 'builder' }),
  });
  return {
    runtime,
    executor,
    recover: async (specs, fresh) => {
      const report = await runtime.reconcile(specs, undefined, fresh);
      const changed = report.created.length + report.updated.length + report.removed.length + report.errors.length > 0;
      if (changed) log.info({ report }, 'swarm reconciled');
      else log.debug('swarm reconciled: nothing to repair');
    },
    edge: null,
    reconcileEveryMs: config.docker.reconcileIntervalSeconds * 1000,
    shutdown: async () => undefined, // services keep running without the worker
  };
}

/** One machine: supervised processes behind nginx, builds as subprocesses. */
function localRuntime(deps: WorkerRuntimeDeps): WorkerRuntime {
  const { config, log } = deps;
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
  });
  const paths = builderPaths();
  const executor = new SubprocessBuildExecutor({
    runner: deps.runner,
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
    shutdown: () => runtime.shutdown(),
  };
}

/** Where the local edge sends ACME HTTP-01 challenges: the api's plain HTTP port on loopback. */
export function acmeUpstream(config: Config): string {
  const host = config.bind === '0.0.0.0' || config.bind === '::' || config.bind === '*' ? '127.0.0.1' : config.bind;
  return `${host.includes(':') ? `[${host}]` : host}:${config.api.port}`;
}
