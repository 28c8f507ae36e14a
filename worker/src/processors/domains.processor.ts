// Domains queue processor: check one domain now, bring the edge's certificates up to date, or the
// scheduled sweep (verification backoff, certificate orders, renewals).
import type { Job } from 'bullmq';
import type { DomainJob } from '@slipway/core/queue/queues';
import type { DomainUpkeep } from '../services/domain-upkeep.service.js';

export function domainsProcessor(upkeep: DomainUpkeep) {
  return async (job: Job<DomainJob>): Promise<void> => {
    const d = job.data;
    if (d.kind === 'check') await upkeep.check(d.domainId);
    else if (d.kind === 'sync') await upkeep.syncEdge();
    else await upkeep.sweep();
  };
}
