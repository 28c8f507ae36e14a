// Build queue processor: one build per job (job id = build id). Retries come from BullMQ for
// infrastructure failures; the last attempt ends the build instead of leaving it running.
import type { Job } from 'bullmq';
import type { BuildJob } from '@slipway/core/queue/queues';
import type { BuildService } from '../services/build.service.js';

export function buildProcessor(builds: BuildService) {
  return async (job: Job<BuildJob>): Promise<void> => {
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await builds.run(job.data.buildId, finalAttempt);
  };
}
