// Maintenance queue processor: the reaper (every minute) and runtime reconciliation.
import type { Job } from 'bullmq';
import type { MaintenanceJob } from '@slipway/core/queue/queues';
import type { Reaper } from '../services/reaper.service.js';

export function maintenanceProcessor(deps: { reaper: Reaper; reconcile: () => Promise<void> }) {
  return async (job: Job<MaintenanceJob>): Promise<void> => {
    if (job.data.kind === 'reap') await deps.reaper.run();
    else await deps.reconcile();
  };
}
