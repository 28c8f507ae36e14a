// An organization's billing as its members see it: the wallet summary, the ledger and usage.
// Access: the organization must be the caller's (another organization's id is "not found"), or the
// caller a platform administrator. The wallet summary (balance, burn rate, hours left) is readable
// by every member, viewers included: whoever deploys should see the org is about to be suspended.
// The ledger and usage need 'org:billing' (admin or owner).
import { NotFoundError, ValidationError } from '@slipway/core/errors';
import { assertCan } from '@slipway/core/domain/access';
import type { Store } from '@slipway/core/repositories/index';
import type { UserRow } from '@slipway/core/repositories/types';
import type { LedgerEntryRow, UsageRow } from '@slipway/core/repositories/wallet.repository';
import type { BillingNotificationRow } from '@slipway/core/repositories/suspension.repository';
import type { OrgWalletService, WalletSummary } from '@slipway/core/services/billing/org-wallet.service';

export interface OrgRef {
  id: string;
  name: string;
}

export const LEDGER_PAGE = { default: 50, max: 1000 };
const CSV_PAGE = 5000;
const DAY_MS = 86_400_000;
const MAX_USAGE_DAYS = 400;

export class BillingReportsService {
  constructor(private readonly deps: { store: Store; wallets: OrgWalletService }) {}

  async wallet(user: UserRow, orgRef: string): Promise<{ org: OrgRef; wallet: WalletSummary }> {
    const org = await this.resolve(user, orgRef, false);
    return { org, wallet: await this.deps.wallets.summary(org.id) };
  }

  /** Newest first. `before` is an entry id (exclusive). */
  async ledger(user: UserRow, orgRef: string, page: { before?: number; limit: number; from?: Date; to?: Date }): Promise<{ org: OrgRef; entries: LedgerEntryRow[]; more: boolean }> {
    const org = await this.resolve(user, orgRef, true);
    const rows = await this.deps.store.repos.wallets.ledger(org.id, { ...page, limit: page.limit + 1 });
    return { org, entries: rows.slice(0, page.limit), more: rows.length > page.limit };
  }

  /** The whole ledger (or the from/to window), newest first, in pages: for CSV export. */
  async ledgerExport(user: UserRow, orgRef: string, window: { from?: Date; to?: Date }): Promise<{ org: OrgRef; pages: AsyncGenerator<LedgerEntryRow[]> }> {
    const org = await this.resolve(user, orgRef, true);
    const repo = this.deps.store.repos.wallets;
    async function* pages() {
      let before: number | undefined;
      for (;;) {
        const rows = await repo.ledger(org.id, { ...window, before, limit: CSV_PAGE });
        if (rows.length) yield rows;
        if (rows.length < CSV_PAGE) return;
        before = rows.at(-1)!.id;
      }
    }
    return { org, pages: pages() };
  }

  /** Charged usage per app per UTC day. Default window: the last 30 days up to now. */
  async usage(user: UserRow, orgRef: string, window: { from?: Date; to?: Date }): Promise<{ org: OrgRef; from: Date; to: Date; rows: UsageRow[] }> {
    const org = await this.resolve(user, orgRef, true);
    const to = window.to ?? new Date();
    const from = window.from ?? new Date(Math.floor(to.getTime() / DAY_MS) * DAY_MS - 30 * DAY_MS);
    if (from >= to) throw new ValidationError('from must be before to.', { field: 'from' });
    if (to.getTime() - from.getTime() > MAX_USAGE_DAYS * DAY_MS) throw new ValidationError(`A usage report covers at most ${MAX_USAGE_DAYS} days.`, { field: 'from' });
    return { org, from, to, rows: await this.deps.store.repos.wallets.usage(org.id, from, to) };
  }

  async notifications(user: UserRow, orgRef: string, limit: number): Promise<{ org: OrgRef; notifications: BillingNotificationRow[] }> {
    const org = await this.resolve(user, orgRef, true);
    return { org, notifications: await this.deps.store.repos.suspensions.notifications(org.id, limit) };
  }

  private async resolve(user: UserRow, ref: string, billing: boolean): Promise<OrgRef> {
    const member = await this.deps.store.repos.orgs.findForUser(user.id, ref);
    if (member) {
      if (billing && !user.isAdmin) assertCan(member.role, 'org:billing', "see this organization's ledger and usage");
      return { id: member.id, name: member.name };
    }
    if (user.isAdmin) {
      const org = await this.deps.store.repos.wallets.findOrg(ref);
      if (org) return org;
    }
    throw new NotFoundError("Couldn't find that organization.");
  }
}
