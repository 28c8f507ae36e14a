// Billing as the platform administrator watches it: the record of billing runs (each run, hourly or
// "Run now", with its result or error), the organizations whose wallet is low or empty, and every
// organization's ledger at once for the CSV export (newest first, in pages by id).
import type { Queryable } from '../db/pool.js';
import { camelAll } from './sql.js';
import type { LedgerEntryRow } from './wallet.repository.js';

export interface BillingRunRow {
  id: number;
  trigger: 'schedule' | 'admin';
  userId: string | null;
  userEmail: string | null;
  startedAt: Date;
  finishedAt: Date;
  ok: boolean;
  result: Record<string, unknown>;
  error: string | null;
}

export interface LowWalletRow {
  orgId: string;
  orgName: string;
  balance: number;
  lowBalanceSince: Date | null;
}

export type LedgerExportRow = LedgerEntryRow & { orgName: string };

export class AdminBillingRepository {
  constructor(private readonly db: Queryable) {}

  async recordRun(r: { trigger: 'schedule' | 'admin'; userId: string | null; startedAt: Date; ok: boolean; result: Record<string, unknown>; error: string | null }): Promise<void> {
    await this.db.query(
      `INSERT INTO billing_runs (trigger, user_id, started_at, ok, result, error) VALUES ($1, $2, $3, $4, $5, $6)`,
      [r.trigger, r.userId, r.startedAt, r.ok, JSON.stringify(r.result), r.error],
    );
  }

  async runs(limit: number): Promise<BillingRunRow[]> {
    const { rows } = await this.db.query(
      `SELECT r.*, u.email AS user_email FROM billing_runs r LEFT JOIN users u ON u.id = r.user_id ORDER BY r.finished_at DESC, r.id DESC LIMIT $1`,
      [limit],
    );
    return camelAll<BillingRunRow>(rows).map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** Live organizations whose wallet is flagged low or is at or below zero, lowest balance first. */
  async lowWallets(limit: number): Promise<LowWalletRow[]> {
    const { rows } = await this.db.query(
      `SELECT w.org_id, o.name AS org_name, w.balance, w.low_balance_since FROM wallets w JOIN organizations o ON o.id = w.org_id
       WHERE o.deleted_at IS NULL AND (w.low_balance_since IS NOT NULL OR w.balance <= 0)
       ORDER BY w.balance, o.name LIMIT $1`,
      [limit],
    );
    return camelAll<LowWalletRow>(rows);
  }

  /** One page of every organization's ledger, newest first; `before` is an entry id (exclusive). */
  async ledgerPage(before: number | null, limit: number): Promise<LedgerExportRow[]> {
    const { rows } = await this.db.query(
      `SELECT l.*, coalesce(o.deleted_name, o.name) AS org_name FROM ledger_entries l JOIN organizations o ON o.id = l.org_id
       WHERE ($1::bigint IS NULL OR l.id < $1) ORDER BY l.id DESC LIMIT $2`,
      [before, limit],
    );
    return camelAll<LedgerExportRow>(rows);
  }
}
