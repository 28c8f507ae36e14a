// Billing pages of the admin console beyond what wallet-operations.service.ts does (credit, adjust,
// run, cursor): the record of billing runs, the organizations whose wallet is low or empty with
// their burn rate and time left, and every organization's ledger for the CSV export.
import type { Store } from '@slipway/core/repositories/index';
import { AdminBillingRepository, type BillingRunRow, type LedgerExportRow } from '@slipway/core/repositories/admin-billing.repository';
import { WalletRepository } from '@slipway/core/repositories/wallet.repository';
import { hoursLeft } from '@slipway/core/services/billing/money';

const EXPORT_PAGE = 5000;

export interface LowWallet {
  orgId: string;
  orgName: string;
  balance: number;
  burnRatePerHour: number;
  hoursLeft: number | null;
  lowBalanceSince: Date | null;
}

export class BillingOverviewService {
  constructor(private readonly deps: { store: Store }) {}

  runs(limit: number): Promise<BillingRunRow[]> {
    return new AdminBillingRepository(this.deps.store.pool).runs(limit);
  }

  async lowWallets(limit: number): Promise<LowWallet[]> {
    const rows = await new AdminBillingRepository(this.deps.store.pool).lowWallets(limit);
    const burn = await new WalletRepository(this.deps.store.pool).burnRates(rows.map((r) => r.orgId));
    return rows.map((r) => {
      const b = burn.get(r.orgId) ?? 0;
      return { ...r, burnRatePerHour: b, hoursLeft: hoursLeft(r.balance, b) };
    });
  }

  async *ledgerExport(): AsyncGenerator<LedgerExportRow[]> {
    const repo = new AdminBillingRepository(this.deps.store.pool);
    let before: number | null = null;
    for (;;) {
      const rows = await repo.ledgerPage(before, EXPORT_PAGE);
      if (rows.length) yield rows;
      if (rows.length < EXPORT_PAGE) return;
      before = rows.at(-1)!.id;
    }
  }
}
