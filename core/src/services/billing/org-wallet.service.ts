// Wallets: top-ups (through the PaymentsPort), adjustments, and the summary (balance, burn rate,
// hours left). Each entry and its balance change commit together, with their effects: a top-up
// that brings the balance above zero restores the organization's suspended apps; an adjustment
// that takes it to zero or below suspends them.
// Callers check who may do this (platform admins top up; members read summaries).
import { randomUUID } from 'node:crypto';
import { ConflictError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { JobQueue } from '../../ports/job-queue.port.js';
import type { PaymentsPort } from '../../ports/payments.port.js';
import type { Store } from '../../repositories/index.js';
import type { LedgerEntryRow } from '../../repositories/wallet.repository.js';
import { applyBalanceEffects } from './balance-effects.js';
import { dispatchBillingOutbox } from './outbox.js';
import { CURRENCY, hoursLeft, isLowBalance, validateAmount } from './money.js';

export interface WalletSummary {
  orgId: string;
  balance: number;
  burnRatePerHour: number;
  hoursLeft: number | null;
  currency: typeof CURRENCY;
  lowBalance: boolean;
}

export interface EntryResult {
  entry: LedgerEntryRow;
  /** false when the idempotency key had already been used for this same top-up. */
  created: boolean;
  wallet: WalletSummary;
  suspendedApps: number;
  resumedApps: number;
}

export class OrgWalletService {
  constructor(private readonly deps: { store: Store; jobs: JobQueue; payments: PaymentsPort; log: Logger }) {}

  async summary(orgId: string): Promise<WalletSummary> {
    const repo = this.deps.store.repos.wallets;
    const wallet = await repo.get(orgId);
    const burn = (await repo.burnRates([orgId])).get(orgId) ?? 0;
    return {
      orgId,
      balance: wallet.balance,
      burnRatePerHour: burn,
      hoursLeft: hoursLeft(wallet.balance, burn),
      currency: CURRENCY,
      lowBalance: isLowBalance(wallet.balance, burn),
    };
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
      const effects = await applyBalanceEffects(repos, changes, { entry_id: entry.id, kind: e.kind });
      return { entry, created: true, suspended: effects.suspended.length, resumed: effects.resumed.length };
    });
    if (out.suspended || out.resumed) await dispatchBillingOutbox(store, this.deps.jobs);
    if (out.created) log.info({ orgId: e.orgId, kind: e.kind, amount: e.amount, entryId: out.entry.id, resumedApps: out.resumed, suspendedApps: out.suspended }, 'wallet entry recorded');
    return { entry: out.entry, created: out.created, wallet: await this.summary(e.orgId), suspendedApps: out.suspended, resumedApps: out.resumed };
  }
}
