// Wallets: top-ups (through the PaymentsPort), adjustments, the starting credit of a new
// organization, the unbilled flag, and the summary (balance, burn rate, hours left, grace period,
// suspensions). Each entry and its balance change commit together, with their effects
// (balance-effects.ts): a top-up that brings the balance above zero cancels a pending suspension
// and restores the apps suspended for the wallet; a debit that takes it to zero or below starts the
// grace period. An unbilled organization's burn rate is 0: it is never charged.
// Callers check who may do this (platform admins top up; members read summaries).
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { JobQueue } from '../../ports/job-queue.port.js';
import type { PaymentsPort } from '../../ports/payments.port.js';
import type { Repositories, Store } from '../../repositories/index.js';
import type { LedgerEntryRow } from '../../repositories/wallet.repository.js';
import type { SuspensionSummary } from '../../repositories/suspension.repository.js';
import { applyBalanceEffects } from './balance-effects.js';
import { dispatchBillingOutbox } from './outbox.js';
import { CURRENCY, LOW_BALANCE_HOURS, hoursLeft, isLowBalance, validateAmount } from './money.js';

export interface WalletSummary {
  orgId: string;
  balance: number;
  burnRatePerHour: number;
  hoursLeft: number | null;
  currency: typeof CURRENCY;
  lowBalance: boolean;
  /** Usage is metered, never charged; never suspended for the wallet. */
  unbilled: boolean;
  /** Set from the moment a debit emptied the wallet until a credit brings it above zero: the apps
   *  are stopped at endsAt (by the next billing run) if it is still empty; they stay set while the
   *  apps are suspended for it. */
  grace: { startedAt: Date; endsAt: Date } | null;
  /** Apps suspended now, per reason ('wallet', 'admin'), and since when. */
  suspensions: SuspensionSummary[];
}

export interface EntryResult {
  entry: LedgerEntryRow;
  /** false when the idempotency key had already been used for this same top-up. */
  created: boolean;
  wallet: WalletSummary;
  suspendedApps: number;
  resumedApps: number;
}

/** The reference of an organization's starting credit: unique in the ledger, so it is credited once. */
export const startingCreditReference = (orgId: string) => `starting-credit:${orgId}`;

/** Credits a new organization's starting credit (setting starting_credit; nothing when 0). Call it
 *  in the transaction that creates the organization: the entry and the balance commit with it, and
 *  the unique reference makes a second call (a retry, a concurrent caller) credit nothing. */
export async function grantStartingCredit(repos: Repositories, orgId: string, amount: number): Promise<LedgerEntryRow | null> {
  if (amount <= 0) return null;
  const entry = await repos.wallets.insertEntry({
    orgId, kind: 'credit', amount, description: 'Starting credit for a new organization', reference: startingCreditReference(orgId),
  });
  if (entry) await repos.wallets.applyDeltas([{ orgId, amount }]);
  return entry;
}

export interface OrgWalletDeps {
  store: Store;
  jobs: JobQueue;
  payments: PaymentsPort;
  log: Logger;
  /** suspension_grace_hours in effect. */
  graceHours: () => Promise<number>;
}

export class OrgWalletService {
  constructor(private readonly deps: OrgWalletDeps) {}

  async summary(orgId: string): Promise<WalletSummary> {
    const { wallets, suspensions } = this.deps.store.repos;
    const wallet = await wallets.get(orgId);
    const burn = wallet.unbilled ? 0 : ((await wallets.burnRates([orgId])).get(orgId) ?? 0);
    return {
      orgId,
      balance: wallet.balance,
      burnRatePerHour: burn,
      hoursLeft: hoursLeft(wallet.balance, burn),
      currency: CURRENCY,
      lowBalance: isLowBalance(wallet.balance, burn),
      unbilled: wallet.unbilled,
      grace: wallet.graceStartedAt && wallet.graceEndsAt ? { startedAt: wallet.graceStartedAt, endsAt: wallet.graceEndsAt } : null,
      suspensions: await suspensions.summary(orgId),
    };
  }

  /** Marks the organization unbilled (its usage is metered, never charged, and it is never
   *  suspended for its wallet: a pending suspension is cancelled and apps suspended for the wallet
   *  are restored) or billed again (from the next charge on; an empty wallet then starts a grace
   *  period). Recorded in the activity log. */
  async setUnbilled(spec: { orgId: string; unbilled: boolean; userId: string | null }): Promise<{ changed: boolean; wallet: WalletSummary; resumedApps: number }> {
    const { store, log } = this.deps;
    const out = await store.transaction(async (repos) => {
      const before = await repos.wallets.setUnbilled(spec.orgId, spec.unbilled);
      if (before === null) throw new NotFoundError("Couldn't find that organization.");
      if (before === spec.unbilled) return { changed: false, resumed: 0 };
      const cause = { trigger: spec.unbilled ? 'unbilled' : 'billed' };
      await repos.activity.record({ orgId: spec.orgId, userId: spec.userId, action: spec.unbilled ? 'org.unbilled' : 'org.billed', details: {} });
      let resumed = 0;
      if (spec.unbilled) {
        await repos.suspensions.endGrace([spec.orgId], 'This organization is no longer billed: the apps will not be stopped.', cause);
        resumed = (await repos.suspensions.resume([spec.orgId], 'wallet', cause)).length;
      }
      await repos.wallets.refreshLowBalance([spec.orgId], LOW_BALANCE_HOURS);
      return { changed: true, resumed };
    });
    if (out.resumed) await dispatchBillingOutbox(store, this.deps.jobs);
    if (out.changed) log.info({ orgId: spec.orgId, unbilled: spec.unbilled, resumedApps: out.resumed }, 'organization billing changed');
    return { changed: out.changed, wallet: await this.summary(spec.orgId), resumedApps: out.resumed };
  }

  /** Collects a payment and credits it. The same idempotency key credits once. */
  async topUp(spec: { orgId: string; amount: number; note: string; userId: string | null; idempotencyKey?: string }): Promise<EntryResult> {
    const amount = validateAmount(spec.amount, { allowNegative: false });
    const payment = await this.deps.payments.collect({
      orgId: spec.orgId,
      amount,
      currency: CURRENCY,
      idempotencyKey: spec.idempotencyKey ?? randomUUID(),
      description: spec.note,
    });
    return this.post({
      orgId: spec.orgId,
      kind: 'credit',
      amount,
      description: spec.note || `Top-up (${payment.provider})`,
      reference: payment.reference,
      createdBy: spec.userId,
    });
  }

  /** A correction (positive or negative) recorded by an operator. */
  async adjust(spec: { orgId: string; amount: number; note: string; userId: string | null }): Promise<EntryResult> {
    const amount = validateAmount(spec.amount, { allowNegative: true });
    return this.post({ orgId: spec.orgId, kind: 'adjustment', amount, description: spec.note, reference: null, createdBy: spec.userId });
  }

  private async post(e: { orgId: string; kind: 'credit' | 'adjustment'; amount: number; description: string; reference: string | null; createdBy: string | null }): Promise<EntryResult> {
    const { store, log } = this.deps;
    const graceHours = await this.deps.graceHours();
    const out = await store.transaction(async (repos) => {
      const { wallets } = repos;
      const entry = await wallets.insertEntry(e);
      if (!entry) {
        const prior = (await wallets.findByReference(e.reference!))!;
        if (prior.orgId !== e.orgId || prior.amount !== e.amount || prior.kind !== e.kind) {
          throw new ConflictError('That idempotency key was already used for a different payment.');
        }
        return { entry: prior, created: false, suspended: 0, resumed: 0 };
      }
      const changes = await wallets.applyDeltas([{ orgId: e.orgId, amount: e.amount }]);
      const effects = await applyBalanceEffects(repos, changes, { entry_id: entry.id, kind: e.kind }, { graceHours, clock: null });
      return { entry, created: true, suspended: effects.suspended.length, resumed: effects.resumed.length };
    });
    if (out.suspended || out.resumed) await dispatchBillingOutbox(store, this.deps.jobs);
    if (out.created) log.info({ orgId: e.orgId, kind: e.kind, amount: e.amount, entryId: out.entry.id, resumedApps: out.resumed, suspendedApps: out.suspended }, 'wallet entry recorded');
    return { entry: out.entry, created: out.created, wallet: await this.summary(e.orgId), suspendedApps: out.suspended, resumedApps: out.resumed };
  }
}
