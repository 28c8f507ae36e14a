// Billing queue: the hourly BullMQ job scheduler (minute 5 of every UTC hour by default: the hour
// that just ended, once formation changes stamped near its end have committed) and the processor
// that runs BillingService. A job retried after its first attempt committed finds those hours
// billed and charges nothing more. The setting billing_enabled=false makes scheduled runs skip
// (the hours are billed in order when it is true again); jobs with an explicit `until` always run.
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '@slipway/core/logger';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Store } from '@slipway/core/repositories/index';
import { QUEUE, type BillingJob } from '@slipway/core/queue/queues';
import { BillingService, type BillingRunResult } from '@slipway/core/services/billing/billing-run.service';
import { recordBillingRun } from '@slipway/core/services/billing-run-log';

export const BILLING_SCHEDULER_ID = 'billing-hourly';
export const DEFAULT_BILLING_SCHEDULE = '5 * * * *';

export interface BillingWorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  store: Store;
  jobs: JobQueue;
  log: Logger;
  /** Cron pattern (UTC) of the scheduled run; false removes the scheduler. Default DEFAULT_BILLING_SCHEDULE. */
  schedule?: string | false;
}

export interface BillingWorkerHandle {
  billing: BillingService;
  worker: Worker;
  close(): Promise<void>;
}

export function billingProcessor(deps: { billing: BillingService; store: Store; log: Logger }) {
  return async (job: Job<BillingJob>): Promise<BillingRunResult | { skipped: true }> => {
    if (!job.data.until && !(await deps.store.repos.settings.get<boolean>('billing_enabled', true))) {
      deps.log.info({ jobId: job.id }, 'billing is paused (setting billing_enabled is false); scheduled run skipped');
      return { skipped: true };
    }
    return recordBillingRun(deps.store, { trigger: 'schedule', userId: null }, () => deps.billing.run({ until: job.data.until ? new Date(job.data.until) : undefined }));
  };
}

/** Starts consuming the billing queue and installs (or removes) the hourly scheduler. */
export async function startBillingWorker(deps: BillingWorkerDeps): Promise<BillingWorkerHandle> {
  const log = deps.log.child({ component: 'billing' });
  const billing = new BillingService({ store: deps.store, jobs: deps.jobs, log });
  const queue = new Queue<BillingJob>(QUEUE.billing, { connection: deps.connection, prefix: deps.prefix });
  const schedule = deps.schedule ?? DEFAULT_BILLING_SCHEDULE;
  if (schedule === false) await queue.removeJobScheduler(BILLING_SCHEDULER_ID);
  else {
    await queue.upsertJobScheduler(BILLING_SCHEDULER_ID, { pattern: schedule, tz: 'UTC' }, {
      name: 'hourly',
      data: {},
      opts: { attempts: 5, backoff: { type: 'exponential', delay: 30_000 }, removeOnComplete: 200, removeOnFail: 200 },
    });
  }
  const worker = new Worker<BillingJob>(QUEUE.billing, billingProcessor({ billing, store: deps.store, log }), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 1,
    maxStalledCount: 2,
  });
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, 'billing job failed'));
  return {
    billing,
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
