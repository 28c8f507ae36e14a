// The admin console's overview (one query: overview.repository.ts) and the platform's activity log:
// search with filters (actor, type, organization, time), paged by id, and the whole filtered log in
// pages for the CSV export.
import type { Store } from '@slipway/core/repositories/index';
import { OverviewRepository, type OverviewRow } from '@slipway/core/repositories/overview.repository';
import { AuditRepository, type AuditFilter, type AuditRow } from '@slipway/core/repositories/audit.repository';

/** Nodes of the cluster by state, when the runtime has nodes to report (null: one machine). */
export type NodeCounts = () => Promise<Record<string, number> | null>;

const EXPORT_PAGE = 5000;

export class AdminOverviewService {
  constructor(private readonly deps: { store: Store; nodes?: NodeCounts }) {}

  async overview(): Promise<OverviewRow & { nodes: Record<string, number> | null }> {
    const [row, nodes] = await Promise.all([new OverviewRepository(this.deps.store.pool).overview(), this.deps.nodes?.() ?? null]);
    return { ...row, nodes };
  }

  /** One page, newest first, and whether older entries exist. */
  async activity(filter: AuditFilter): Promise<{ entries: AuditRow[]; more: boolean }> {
    const rows = await new AuditRepository(this.deps.store.pool).search({ ...filter, limit: filter.limit + 1 });
    return { entries: rows.slice(0, filter.limit), more: rows.length > filter.limit };
  }

  async *activityExport(filter: Omit<AuditFilter, 'limit' | 'before'>): AsyncGenerator<AuditRow[]> {
    const repo = new AuditRepository(this.deps.store.pool);
    let before: number | undefined;
    for (;;) {
      const rows = await repo.search({ ...filter, before, limit: EXPORT_PAGE });
      if (rows.length) yield rows;
      if (rows.length < EXPORT_PAGE) return;
      before = rows.at(-1)!.id;
    }
  }

  actions(): Promise<string[]> {
    return new AuditRepository(this.deps.store.pool).actions();
  }
}
