// Queues the 'formation' deploy jobs that suspensions and resumptions wrote to billing_outbox in
// their transaction. Called after those commits and at the start of every billing run, so a crash
// between commit and enqueue only delays the jobs. A row is deleted once its job is queued.
import type { JobQueue } from '../../ports/job-queue.port.js';
import type { Store } from '../../repositories/index.js';

const BATCH = 500;

export async function dispatchBillingOutbox(store: Store, jobs: JobQueue): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await store.transaction(async (repos) => {
      const outbox = repos.suspensions;
      const rows = await outbox.claimOutbox(BATCH);
      const appIds = [...new Set(rows.map((r) => r.appId))];
      for (let i = 0; i < appIds.length; i += 50) {
        await Promise.all(appIds.slice(i, i + 50).map((appId) => jobs.deploy({ kind: 'formation', appId })));
      }
      await outbox.deleteOutbox(rows.map((r) => r.id));
      return rows.length;
    });
    total += n;
    if (n < BATCH) return total;
  }
}
