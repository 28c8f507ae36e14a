// What a balance change does, in the transaction that made it, and the grace period's end.
//  - A debit that leaves a billed organization's wallet at or below zero starts its grace period
//    (suspension_grace_hours, from the clock): the organization is warned at once (activity, a
//    'wallet_empty' notification; the dashboard shows a banner with the time left) and its apps
//    keep running.
//  - A credit that leaves the wallet above zero ends the grace period (the pending suspension is
//    cancelled) and restores the apps suspended for the wallet (never those an admin suspended).
//  - When the grace period has run out and the balance is still not above zero, the apps are
//    suspended with reason 'wallet'. This is enforced by suspendAfterGrace, which the hourly billing
//    run calls at the end of every run (minute 5 of each hour: apps stop within an hour of the
//    grace period's end); a balance change also checks its own organizations, so a grace period
//    of 0 suspends in the transaction of the charge, as before grace periods existed.
//  - Unbilled organizations are never in grace and never suspended for their wallet.
//  - Either way the low-balance flag is re-evaluated (a notification when it is first raised).
// The clock is now, or the earlier moment a billing run was asked to bill up to (null: now).
import type { Repositories } from '../../repositories/index.js';
import type { BalanceChange } from '../../repositories/wallet.repository.js';
import type { SuspendedApp } from '../../repositories/suspension.repository.js';
import { LOW_BALANCE_HOURS } from './money.js';

export interface BalanceEffects {
  suspended: SuspendedApp[];
  resumed: SuspendedApp[];
  /** Organizations warned that their wallet ran out (grace period started). */
  graceStarted: string[];
  /** Organizations whose pending suspension a credit cancelled. */
  graceCancelled: string[];
  /** Organizations whose wallet just became low. */
  lowBalance: string[];
}

export interface GracePolicy {
  /** suspension_grace_hours in effect. */
  graceHours: number;
  clock: Date | null;
}

export async function applyBalanceEffects(repos: Repositories, changes: BalanceChange[], cause: Record<string, unknown>, policy: GracePolicy): Promise<BalanceEffects> {
  const { suspensions } = repos;
  const empty = changes.filter((c) => c.delta < 0 && c.balance <= 0 && !c.unbilled).map((c) => c.orgId);
  const refilled = changes.filter((c) => c.delta > 0 && c.balance > 0).map((c) => c.orgId);
  const started = await suspensions.startGrace(empty, policy.clock, policy.graceHours, cause);
  const suspended = await suspendAfterGrace(repos, policy.clock, cause, empty);
  const graceCancelled = await suspensions.endGrace(refilled, 'The wallet was topped up: the apps will not be stopped.', cause);
  const resumed = await suspensions.resume(refilled, 'wallet', { ...cause, trigger: 'wallet_topped_up' });
  const lowBalance = await repos.wallets.refreshLowBalance(changes.map((c) => c.orgId), LOW_BALANCE_HOURS);
  return { suspended, resumed, graceStarted: started.map((s) => s.orgId), graceCancelled, lowBalance };
}

/** Suspends (reason 'wallet') the apps of billed organizations (of `orgIds`, or all) whose grace
 *  period has run out by the clock while the balance is still not above zero. Idempotent. */
export async function suspendAfterGrace(repos: Repositories, clock: Date | null, cause: Record<string, unknown>, orgIds?: string[]): Promise<SuspendedApp[]> {
  if (orgIds && orgIds.length === 0) return [];
  const due = await repos.suspensions.graceExpired(clock, orgIds);
  return repos.suspensions.suspend(due, 'wallet', { ...cause, trigger: 'grace_ended' });
}
