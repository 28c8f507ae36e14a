// Billing queue: the processor that runs the hourly billing run, and the BullMQ job scheduler that
// queues it (minute 5 of every UTC hour by default: the hour that just ended, once formation
// changes stamped near its end have committed). Both are wired in worker/src/context.ts. A job
// retried after its first attempt committed finds those hours billed and charges nothing more.
// The setting billing_enabled=false makes scheduled runs skip (the hours are billed in order when
// it is true again), and with them the suspensions of organizations whose grace period ran out
// (the run enforces those); jobs with an explicit `until` always run. Every run is recorded
// (billing_runs) with its result or error, for the admin console.
import type { Job, Queue } from 'bullmq';
import type { Logger } from '@slipway/core/logger';
import type { BillingJob } from '@slipway/core/queue/queues';
import type { Store } from '@slipway/core/repositories/index';
import type { Settings } from '@slipway/core/settings/settings.service';
import { billingEnabled } from '@slipway/core/settings/core.settings';
import type { BillingRunResult, HourlyBillingRun } from '@slipway/core/services/billing/hourly-billing-run.service';
import { recordBillingRun } from '@slipway/core/services/billing-run-log';

export const BILLING_SCHEDULER_ID = 'billing-hourly';
export const DEFAULT_BILLING_SCHEDULE = '5 * * * *';

export function billingProcessor(deps: { billing: HourlyBillingRun; settings: Settings; store: Store; log: Logger }) {
  return async (job: Job<BillingJob>): Promise<BillingRunResult | { skipped: true }> => {
    if (!job.data.until && !(await deps.settings.get(billingEnabled))) {
      deps.log.info({ jobId: job.id }, 'billing is paused (setting billing_enabled is false); scheduled run skipped');
      return { skipped: true };
    }
    return recordBillingRun(deps.store, { trigger: 'schedule', userId: null }, () => deps.billing.run({ until: job.data.until ? new Date(job.data.until) : undefined }));
  };
}

/** Installs the hourly scheduler (cron pattern, UTC), or removes it when `schedule` is false. */
export async function installBillingSchedule(queue: Queue<BillingJob>, schedule: string | false = DEFAULT_BILLING_SCHEDULE): Promise<void> {
  if (schedule === false) {
    await queue.removeJobScheduler(BILLING_SCHEDULER_ID);
    return;
  }
  await queue.upsertJobScheduler(BILLING_SCHEDULER_ID, { pattern: schedule, tz: 'UTC' }, {
    name: 'hourly',
    data: {},
    opts: { attempts: 5, backoff: { type: 'exponential', delay: 30_000 }, removeOnComplete: 200, removeOnFail: 200 },
  });
}
