// Organizations as a platform administrator sees them: search, a view (members, apps, wallet,
// suspension), suspend and resume (through billing's suspension mechanism, with its own reason:
// the apps stop and come back exactly as when a wallet runs out), and delete after the name is
// typed: its apps (with their services, networks, domains, slugs and logs: app-removal.ts), its
// memberships and its wallet go; the organization stays as a tombstone so its ledger and its
// activity remain for accounting and audit. Wallet credits and adjustments: wallet-operations.service.
import { ConflictError, NotFoundError, ValidationError } from '@slipway/core/errors';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Logger } from '@slipway/core/logger';
import type { Store } from '@slipway/core/repositories/index';
import type { MemberRow, OrgRow } from '@slipway/core/repositories/types';
import type { OrgSearchRow } from '@slipway/core/repositories/user.repository';
import { AdminOrgsRepository } from '@slipway/core/repositories/admin-orgs.repository';
import { resumeOrganization, suspendOrganization } from '@slipway/core/services/billing/org-suspension';
import type { OrgWalletService, WalletSummary } from '@slipway/core/services/billing/org-wallet.service';
import type { AppRemoval } from './app-removal.js';

export interface OrgView {
  org: OrgRow;
  members: MemberRow[];
  apps: Awaited<ReturnType<Store['repos']['apps']['listInOrg']>>;
  /** With the organization's suspensions per reason. */
  wallet: WalletSummary;
}

export class AdminOrgsService {
  constructor(private readonly deps: { store: Store; wallets: OrgWalletService; removal: AppRemoval; jobs: JobQueue; log: Logger }) {}

  search(q: string, limit: number, offset: number): Promise<OrgSearchRow[]> {
    return this.deps.store.repos.orgs.search(q, limit, offset);
  }

  async view(ref: string): Promise<OrgView> {
    const { repos } = this.deps.store;
    const org = await this.live(ref);
    const [members, apps, wallet] = await Promise.all([repos.orgs.members(org.id), repos.apps.listInOrg(org.id), this.deps.wallets.summary(org.id)]);
    return { org, members, apps, wallet };
  }

  /** Stops every app of the organization (reason 'admin') until an administrator resumes it. */
  async suspend(userId: string, ref: string, note: string): Promise<{ org: OrgRow; suspendedApps: number }> {
    const org = await this.live(ref);
    const apps = await suspendOrganization(this.deps, org.id, 'admin', { by: userId, ...(note ? { note } : {}) });
    await this.deps.store.repos.activity.record({ orgId: org.id, userId, action: 'org.suspended', details: { name: org.name, apps: apps.length, ...(note ? { note } : {}) } });
    this.deps.log.info({ orgId: org.id, userId, apps: apps.length }, 'organization suspended by an administrator');
    return { org, suspendedApps: apps.length };
  }

  /** Lifts the administrator's suspension; apps whose wallet suspension stands stay stopped. */
  async resume(userId: string, ref: string): Promise<{ org: OrgRow; resumedApps: number }> {
    const org = await this.live(ref);
    const apps = await resumeOrganization(this.deps, org.id, 'admin', { by: userId });
    await this.deps.store.repos.activity.record({ orgId: org.id, userId, action: 'org.resumed', details: { name: org.name, apps: apps.length } });
    this.deps.log.info({ orgId: org.id, userId, apps: apps.length }, 'organization resumed by an administrator');
    return { org, resumedApps: apps.length };
  }

  /** `confirm` must be the organization's name. */
  async delete(userId: string, ref: string, confirm: unknown): Promise<{ org: OrgRow; apps: string[]; balanceWrittenOff: number }> {
    const org = await this.live(ref);
    if (confirm !== org.name) throw new ValidationError(`To delete ${org.name}, send its name as "confirm".`, { field: 'confirm' });
    if (org.personal) throw new ConflictError(`${org.name} is a personal organization: it goes with its user. Disable the user instead, or delete its apps.`);
    const removal = this.deps.removal;
    const out = await this.deps.store.transaction(async (repos, client) => {
      if (!(await repos.orgs.lock(org.id))) throw new NotFoundError("Couldn't find that organization.");
      const apps = await repos.apps.listInOrg(org.id);
      for (const app of apps) await removal.deleteRows(repos, app, userId, 'organization deleted');
      const balance = await new AdminOrgsRepository(client).closeWallet(org.id, userId);
      await repos.orgs.tombstone(org.id);
      await repos.activity.record({ orgId: org.id, userId, action: 'org.deleted', details: { name: org.name, apps: apps.map((a) => a.name), balance_written_off: balance } });
      return { apps, balance };
    });
    for (const app of out.apps) await removal.cleanUp(app);
    this.deps.log.info({ orgId: org.id, userId, apps: out.apps.length }, 'organization deleted');
    return { org, apps: out.apps.map((a) => a.name), balanceWrittenOff: out.balance };
  }

  private async live(ref: string): Promise<OrgRow> {
    const org = await this.deps.store.repos.orgs.findLive(ref);
    if (!org) throw new NotFoundError("Couldn't find that organization.");
    return org;
  }
}
