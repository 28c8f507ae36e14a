// Records every billing run (the hourly job and an administrator's "Run now") with its result or
// its error, for the admin console's billing page. Wraps the run: the run's own outcome is returned
// (or thrown) unchanged; the record is written after it, in its own statement.
import type { Store } from '../repositories/index.js';
import { AdminBillingRepository } from '../repositories/admin-billing.repository.js';

export async function recordBillingRun<T extends object>(store: Store, who: { trigger: 'schedule' | 'admin'; userId: string | null }, run: () => Promise<T>): Promise<T> {
  const startedAt = new Date();
  const repo = new AdminBillingRepository(store.pool);
  try {
    const result = await run();
    await repo.recordRun({ ...who, startedAt, ok: true, result: result as Record<string, unknown>, error: null });
    return result;
  } catch (err) {
    await repo.recordRun({ ...who, startedAt, ok: false, result: {}, error: (err as Error).message.slice(0, 500) });
    throw err;
  }
}
