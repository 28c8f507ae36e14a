// What a balance change does, in the transaction that made it: a debit that leaves a wallet at or
// below zero suspends the organization's apps; a credit that leaves it above zero restores them;
// either way the low-balance flag is re-evaluated (a notification when it is first raised).
import type { Repositories } from '../../repositories/index.js';
import type { BalanceChange } from '../../repositories/wallet.repository.js';
import type { SuspendedApp } from '../../repositories/suspension.repository.js';
import { LOW_BALANCE_HOURS } from './money.js';

export interface BalanceEffects {
  suspended: SuspendedApp[];
  resumed: SuspendedApp[];
  /** Organizations whose wallet just became low. */
  lowBalance: string[];
}

export async function applyBalanceEffects(repos: Repositories, changes: BalanceChange[], cause: Record<string, unknown>): Promise<BalanceEffects> {
  const { suspensions } = repos;
  const empty = changes.filter((c) => c.delta < 0 && c.balance <= 0).map((c) => c.orgId);
  const refilled = changes.filter((c) => c.delta > 0 && c.balance > 0).map((c) => c.orgId);
  const suspended = await suspensions.suspend(empty, { ...cause, reason: 'wallet_empty' });
  const resumed = await suspensions.resume(refilled, { ...cause, reason: 'wallet_topped_up' });
  const lowBalance = await repos.wallets.refreshLowBalance(changes.map((c) => c.orgId), LOW_BALANCE_HOURS);
  return { suspended, resumed, lowBalance };
}
