// Adapter choices of the api process (by config.runtime / config.objectStore).
import type { Config } from '@slipway/core/config/config';
import type { Redis } from '@slipway/core/adapters/redis/redis';
import type { Runtime } from '@slipway/core/ports/runtime.port';
import type { Logger } from '@slipway/core/logger';
import type { LogStore } from '@slipway/core/ports/log-store.port';
import { DynoStateStore } from '@slipway/core/adapters/runtime/local/dyno-state.store';
import { SwarmRuntime } from '@slipway/core/adapters/runtime/swarm/swarm.runtime';
import { createDockerClient, dockerConnectionInfo, type DockerConnectionInfo } from '@slipway/core/adapters/docker/docker.client';
import { MergedLogReader, type LogReader } from '@slipway/core/adapters/log/merged.log-reader';
import { SwarmNodes } from '@slipway/core/adapters/runtime/swarm/swarm.nodes';
export { createObjectStore } from '@slipway/core/adapters/object-store/create-object-store';

export interface RuntimeView {
  /** Dyno status, read-only. */
  runtime: Pick<Runtime, 'status'>;
  /** What log sessions read. */
  logs: LogReader;
  /** The Docker connection for the admin console (swarm only). */
  docker: (() => Promise<DockerConnectionInfo>) | null;
  /** The swarm's nodes (swarm only). */
  swarmNodes: SwarmNodes | null;
}

/** The api's read-only view of the runtime: dyno status and logs from wherever the runtime keeps them. */
export function createRuntimeView(config: Config, redis: Redis, logStore: LogStore, log: Logger): RuntimeView {
  if (config.runtime === 'local') {
    const states = new DynoStateStore(redis, config.redis.prefix);
    return { runtime: { status: (appId) => states.list(appId) }, logs: logStore, docker: null, swarmNodes: null };
  }
  const docker = createDockerClient({ host: config.docker.host, tlsDir: config.docker.tlsDir });
  const swarm = new SwarmRuntime({
    docker,
    stackImage: config.docker.stackImage,
    slugUrl: async () => {
      throw new Error('the api does not deploy');
    },
    attachableNetworks: config.docker.attachableNetworks,
    certResolver: config.traefik.certResolver,
    logger: log.child({ component: 'swarm' }),
  });
  return { runtime: swarm, logs: new MergedLogReader(logStore, swarm), docker: () => dockerConnectionInfo(docker, config.docker.host), swarmNodes: new SwarmNodes(docker) };
}
