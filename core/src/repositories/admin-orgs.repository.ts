// What only platform administrators do to an organization besides billing: close its wallet when
// it is deleted (the ledger stays: a closing entry brings its sum to zero
// first, so "balance = sum of the ledger" still holds if a last charge recreates the wallet).
import type { Queryable } from '../db/pool.js';

export class AdminOrgsRepository {
  constructor(private readonly db: Queryable) {}

  /** Writes the closing entry (when the balance is not zero) and deletes the wallet; returns the
   *  balance written off. Call inside the deletion's transaction. */
  async closeWallet(orgId: string, userId: string | null): Promise<number> {
    const { rows } = await this.db.query(`SELECT balance FROM wallets WHERE org_id = $1 FOR UPDATE`, [orgId]);
    const balance = rows[0] ? Number(rows[0].balance) : 0;
    if (balance !== 0) {
      await this.db.query(
        `INSERT INTO ledger_entries (org_id, kind, amount, description, created_by) VALUES ($1, 'adjustment', $2, 'Organization deleted: wallet closed', $3)`,
        [orgId, -balance, userId],
      );
    }
    await this.db.query(`DELETE FROM wallets WHERE org_id = $1`, [orgId]);
    return balance;
  }
}
