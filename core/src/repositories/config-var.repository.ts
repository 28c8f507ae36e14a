// Config vars: values arrive and leave sealed (the service seals/opens with the org key).
import type { Queryable } from '../db/pool.js';

export class ConfigVarRepository {
  constructor(private readonly db: Queryable) {}

  async all(appId: string): Promise<Map<string, Buffer>> {
    const { rows } = await this.db.query<{ key: string; value: Buffer }>(
      `SELECT key, value FROM config_vars WHERE app_id = $1 ORDER BY key`,
      [appId],
    );
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async upsert(appId: string, key: string, sealed: Buffer): Promise<void> {
    await this.db.query(
      `INSERT INTO config_vars (app_id, key, value) VALUES ($1, $2, $3)
       ON CONFLICT (app_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [appId, key, sealed],
    );
  }

  async delete(appId: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM config_vars WHERE app_id = $1 AND key = $2`, [appId, key]);
  }

  async replaceAll(appId: string, entries: [string, Buffer][]): Promise<void> {
    await this.db.query(`DELETE FROM config_vars WHERE app_id = $1`, [appId]);
    for (const [key, sealed] of entries) await this.upsert(appId, key, sealed);
  }
}
