// Billing operations of the platform administrator: top up or adjust any organization's wallet,
// run billing now (catch-up, tests), see the billing cursor. Routes guard these with
// requirePlatformAdmin.
import { NotFoundError } from '@slipway/core/errors';
import type { Store } from '@slipway/core/repositories/index';
import { BillingRepository } from '@slipway/core/repositories/billing.repository';
import { WalletRepository } from '@slipway/core/repositories/wallet.repository';
import type { BillingRunResult, BillingService } from '@slipway/core/services/billing/billing-run.service';
import type { EntryResult, WalletService } from '@slipway/core/services/billing/wallet.service';
import type { OrgRef } from './billing.service.js';
import { recordBillingRun } from '@slipway/core/services/billing-run-log';

export class BillingAdminService {
  constructor(private readonly deps: { store: Store; wallets: WalletService; billing: BillingService }) {}

  async topUp(userId: string, orgRef: string, input: { amount: number; note?: string; idempotencyKey?: string }): Promise<{ org: OrgRef } & EntryResult> {
    const org = await this.org(orgRef);
    const result = await this.deps.wallets.topUp({ orgId: org.id, amount: input.amount, note: input.note ?? '', userId, idempotencyKey: input.idempotencyKey });
    return { org, ...result };
  }

  async adjust(userId: string, orgRef: string, input: { amount: number; note: string }): Promise<{ org: OrgRef } & EntryResult> {
    const org = await this.org(orgRef);
    return { org, ...(await this.deps.wallets.adjust({ orgId: org.id, amount: input.amount, note: input.note, userId })) };
  }

  /** Bills now (recorded in billing_runs as an administrator's run). */
  run(userId: string | null, until?: Date): Promise<BillingRunResult> {
    return recordBillingRun(this.deps.store, { trigger: 'admin', userId }, () => this.deps.billing.run({ until }));
  }

  state(): Promise<{ billedThrough: Date; eventsSeen: number; lastRunAt: Date | null }> {
    return new BillingRepository(this.deps.store.pool).state();
  }

  private async org(ref: string): Promise<OrgRef> {
    const org = await new WalletRepository(this.deps.store.pool).findOrg(ref);
    if (!org) throw new NotFoundError("Couldn't find that organization.");
    return org;
  }
}
