// The worker's cluster part (swarm runtime only): the swarm's own services (registry, edge) and the
// nodes queue — provisioning, drain/remove, and the heartbeat scheduled every
// node_heartbeat_seconds (re-scheduled within one beat when the setting changes), and run at once
// when the swarm announces a node's state changed; a beat that finds a ready node missing for the
// first time is followed by another within CONFIRM_MS (so a stopped node is down about 10 s after the
// swarm notices, not two periods). A beat asked for while one runs runs right after it.
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type Docker from 'dockerode';
import type { Config } from '@slipway/core/config/config';
import type { Logger } from '@slipway/core/logger';
import type { SecretBox } from '@slipway/core/crypto';
import type { Store } from '@slipway/core/repositories/index';
import type { Settings } from '@slipway/core/settings/settings.service';
import { nodeHeartbeatSeconds } from '@slipway/core/settings/nodes.settings';
import { QUEUE } from '@slipway/core/queue/queues';
import { SwarmNodes } from '@slipway/core/adapters/runtime/swarm/swarm.nodes';
import type { SwarmRuntime } from '@slipway/core/adapters/runtime/swarm/swarm.runtime';
import { Ssh2RemoteShell } from '@slipway/core/adapters/ssh/ssh2.remote-shell';
import { PrivateRegistry } from './services/cluster/registry.service.js';
import { ClusterService } from './services/cluster/cluster.service.js';
import { NodeAccess } from './services/nodes/node-access.js';
import { Provisioner } from './services/nodes/provisioner.service.js';
import { NodeHealth } from './services/nodes/node-health.service.js';
import { NodeLifecycle } from './services/nodes/node-lifecycle.service.js';
import { NodeEvents } from './services/nodes/node-events.js';
import { nodesProcessor } from './processors/nodes.processor.js';
import { containersApi } from './runtime.js';
import { NodeFence } from './services/nodes/node-fence.js';

const CONFIRM_MS = 10_000;

export interface ClusterDeps {
  config: Config;
  log: Logger;
  store: Store;
  settings: Settings;
  box: SecretBox;
  connection: ConnectionOptions;
  docker: Docker;
  runtime: SwarmRuntime;
}

export interface WorkerCluster {
  /** Registry, images and edge, before the runtime recovers. */
  prepare(): Promise<void>;
  /** Consume the nodes queue and schedule the heartbeat. */
  start(): Promise<Worker>;
  close(): Promise<void>;
}

export function createWorkerCluster(deps: ClusterDeps): WorkerCluster {
  const { config, store, settings, box, docker, runtime, connection } = deps;
  const log = deps.log.child({ component: 'cluster' });
  const nodes = new SwarmNodes(docker);
  const registry = new PrivateRegistry({ docker, nodes, config, log });
  const cluster = new ClusterService({ docker, nodes, registry, runtime, settings, box, config, log });
  const access = new NodeAccess({ store, shell: new Ssh2RemoteShell(), box, nodes, log });
  const stackImage = () => runtime.specOptions.stackImage;
  const fence = new NodeFence({ stackImage, api: containersApi(config, log) });
  const provisioner = new Provisioner({ store, access, nodes, registry, settings, log, stackImage, fence });
  const health = new NodeHealth({ store, nodes, access, log, fence });
  const lifecycle = new NodeLifecycle({ store, nodes, access, registry, log });
  const queue = new Queue(QUEUE.nodes, { connection, prefix: config.redis.prefix });
  let everyMs = 0;

  const schedule = async () => {
    const ms = (await settings.get(nodeHeartbeatSeconds)) * 1000;
    if (ms === everyMs) return;
    everyMs = ms;
    await queue.upsertJobScheduler('heartbeat', { every: ms }, { name: 'heartbeat', data: { kind: 'heartbeat' }, opts: { removeOnComplete: 50, removeOnFail: 50 } });
  };
  let beating = false;
  let again = false;
  const heartbeat = async () => {
    if (beating) {
      again = true; // the running beat may have read the swarm before the change: one more after it
      return;
    }
    beating = true;
    try {
      do {
        again = false;
        await cluster.sync();
        const suspect = await health.beat();
        await schedule();
        // a ready node just missed its first beat: the second look comes soon, not a whole period later
        if (suspect) await queue.add('heartbeat', { kind: 'heartbeat' }, { delay: Math.min(everyMs, CONFIRM_MS), removeOnComplete: 50, removeOnFail: 50 });
      } while (again);
    } finally {
      beating = false;
    }
  };
  const events = new NodeEvents({
    docker,
    log,
    onChange: (node, state) => {
      log.info({ swarmNodeId: node, state }, 'the swarm reports a node state change: checking the nodes now');
      void queue.add('heartbeat', { kind: 'heartbeat' }, { removeOnComplete: 50, removeOnFail: 50 }).catch((err: Error) => log.warn({ err }, 'could not queue a heartbeat'));
    },
  });

  return {
    prepare: () => cluster.prepare(),
    async start() {
      // provisioning waits for SSH and Docker: several may run at once; one heartbeat at a time
      const worker = new Worker(QUEUE.nodes, nodesProcessor({ provisioner, lifecycle, heartbeat }), {
        connection, prefix: config.redis.prefix, concurrency: 8, maxStalledCount: 2, lockDuration: 60_000,
      });
      await schedule();
      events.start();
      return worker;
    },
    async close() {
      events.stop();
      await queue.close();
    },
  };
}
