// Nodes queue processor: provision (or resume), drain, activate, remove one node; the heartbeat.
import type { Job } from 'bullmq';
import type { NodeJob } from '@slipway/core/queue/queues';
import type { Provisioner } from '../services/nodes/provisioner.service.js';
import type { NodeLifecycle } from '../services/nodes/node-lifecycle.service.js';

export function nodesProcessor(deps: { provisioner: Provisioner; lifecycle: NodeLifecycle; heartbeat: () => Promise<void> }) {
  return async (job: Job<NodeJob>): Promise<void> => {
    const d = job.data;
    switch (d.kind) {
      case 'provision': return deps.provisioner.run(d.nodeId);
      case 'drain': return deps.lifecycle.drain(d.nodeId);
      case 'activate': return deps.lifecycle.activate(d.nodeId);
      case 'remove': return deps.lifecycle.remove(d.nodeId);
      case 'heartbeat': return deps.heartbeat();
    }
  };
}
