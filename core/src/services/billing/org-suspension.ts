// Suspending and resuming an organization's apps for a reason other than its wallet (a platform
// administrator: reason 'admin'), with the machinery a wallet suspension uses: one transaction
// (saved state, formation 0, status 'suspended', activity, a notification, the outbox), then the
// 'formation' jobs queued. Reasons do not lift each other (suspension.repository.ts): resuming
// 'admin' leaves apps stopped while their wallet suspension stands, and a top-up never restarts
// what an administrator stopped. Callers check who may do this.
import type { JobQueue } from '../../ports/job-queue.port.js';
import type { Store } from '../../repositories/index.js';
import type { SuspendedApp, SuspensionReason } from '../../repositories/suspension.repository.js';
import { dispatchBillingOutbox } from './outbox.js';

export interface OrgSuspensionDeps {
  store: Store;
  jobs: JobQueue;
}

/** Stops every app of the organization for `reason`; returns the apps newly stopped. */
export async function suspendOrganization(deps: OrgSuspensionDeps, orgId: string, reason: SuspensionReason, details: Record<string, unknown>): Promise<SuspendedApp[]> {
  const apps = await deps.store.transaction((repos) => repos.suspensions.suspend([orgId], reason, details));
  await dispatchBillingOutbox(deps.store, deps.jobs);
  return apps;
}

/** Lifts `reason`; returns the apps that run again (those with no other reason left). */
export async function resumeOrganization(deps: OrgSuspensionDeps, orgId: string, reason: SuspensionReason, details: Record<string, unknown>): Promise<SuspendedApp[]> {
  const apps = await deps.store.transaction((repos) => repos.suspensions.resume([orgId], reason, details));
  await dispatchBillingOutbox(deps.store, deps.jobs);
  return apps;
}
