// Deploy queue processor: runtime changes that do not build (release, formation, restart,
// routing, stop, remove). Serialised per app inside RuntimeOps.
import type { Job } from 'bullmq';
import type { DeployJob } from '@slipway/core/queue/queues';
import type { RuntimeOps } from '../services/runtime-ops.service.js';

export function deployProcessor(ops: RuntimeOps) {
  return async (job: Job<DeployJob>): Promise<void> => {
    await ops.handle(job.data);
  };
}
