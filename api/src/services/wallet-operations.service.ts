// Billing operations of the platform administrator: top up or adjust any organization's wallet,
// mark an organization unbilled (or billed again), run billing now (catch-up, tests), see the
// billing cursor. Routes guard these with
// requirePlatformAdmin.
import { NotFoundError } from '@slipway/core/errors';
import type { Store } from '@slipway/core/repositories/index';
import type { BillingRunResult, HourlyBillingRun } from '@slipway/core/services/billing/hourly-billing-run.service';
import type { EntryResult, OrgWalletService, WalletSummary } from '@slipway/core/services/billing/org-wallet.service';
import type { OrgRef } from './billing-reports.service.js';
import { recordBillingRun } from '@slipway/core/services/billing-run-log';

export class WalletOperationsService {
  constructor(private readonly deps: { store: Store; wallets: OrgWalletService; billing: HourlyBillingRun }) {}

  async topUp(userId: string, orgRef: string, input: { amount: number; note?: string; idempotencyKey?: string }): Promise<{ org: OrgRef } & EntryResult> {
    const org = await this.org(orgRef);
    const result = await this.deps.wallets.topUp({ orgId: org.id, amount: input.amount, note: input.note ?? '', userId, idempotencyKey: input.idempotencyKey });
    return { org, ...result };
  }

  async adjust(userId: string, orgRef: string, input: { amount: number; note: string }): Promise<{ org: OrgRef } & EntryResult> {
    const org = await this.org(orgRef);
    return { org, ...(await this.deps.wallets.adjust({ orgId: org.id, amount: input.amount, note: input.note, userId })) };
  }

  /** PATCH /api/v1/admin/organizations/:org {unbilled}. */
  async setUnbilled(userId: string, orgRef: string, unbilled: boolean): Promise<{ org: OrgRef; unbilled: boolean; wallet: WalletSummary; resumedApps: number }> {
    const org = await this.org(orgRef);
    const result = await this.deps.wallets.setUnbilled({ orgId: org.id, unbilled, userId });
    return { org, unbilled: result.wallet.unbilled, wallet: result.wallet, resumedApps: result.resumedApps };
  }

  /** Bills now (recorded in billing_runs as an administrator's run). */
  run(userId: string | null, until?: Date): Promise<BillingRunResult> {
    return recordBillingRun(this.deps.store, { trigger: 'admin', userId }, () => this.deps.billing.run({ until }));
  }

  state(): Promise<{ billedThrough: Date; eventsSeen: number; lastRunAt: Date | null }> {
    return this.deps.store.repos.billing.state();
  }

  private async org(ref: string): Promise<OrgRef> {
    const org = await this.deps.store.repos.wallets.findOrg(ref);
    if (!org) throw new NotFoundError("Couldn't find that organization.");
    return org;
  }
}
