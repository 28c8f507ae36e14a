// Each app's Unix uid (table app_uids): handed out from a range on first use, one per app, unique
// among existing apps (a uid comes back into use only after its app is deleted).
import { LimitError } from '../errors.js';
import type { Queryable } from '../db/pool.js';

export class AppUidRepository {
  constructor(private readonly db: Queryable) {}

  /** The app's uid; allocates the next free one in [lo, hi] when it has none (or one outside the
   *  range, after the operator moved it). Concurrent callers are settled by the unique index. */
  async uidOf(appId: string, [lo, hi]: [number, number]): Promise<number> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const { rows } = await this.db.query(`SELECT uid FROM app_uids WHERE app_id = $1`, [appId]);
      const current = rows[0]?.uid as number | undefined;
      if (current !== undefined && current >= lo && current <= hi) return current;
      const next = await this.nextFree(lo, hi);
      try {
        const res = await this.db.query(
          `INSERT INTO app_uids (app_id, uid) VALUES ($1, $2)
           ON CONFLICT (app_id) DO UPDATE SET uid = EXCLUDED.uid WHERE app_uids.uid NOT BETWEEN $3 AND $4
           RETURNING uid`,
          [appId, next, lo, hi],
        );
        if (res.rows[0]) return res.rows[0].uid as number;
      } catch (err) {
        if ((err as { code?: string }).code !== '23505') throw err; // another app took it meanwhile
      }
    }
    throw new LimitError('could not allocate a Unix uid for the app; try again');
  }

  private async nextFree(lo: number, hi: number): Promise<number> {
    const { rows } = await this.db.query(`SELECT max(uid) AS top FROM app_uids WHERE uid BETWEEN $1 AND $2`, [lo, hi]);
    const top = rows[0]?.top as number | null;
    if (top === null || top === undefined) return lo;
    if (top < hi) return top + 1;
    const gap = await this.db.query(
      `SELECT s AS uid FROM generate_series($1::int, $2::int) s WHERE NOT EXISTS (SELECT 1 FROM app_uids WHERE uid = s) LIMIT 1`,
      [lo, hi],
    );
    if (!gap.rows[0]) throw new LimitError(`every Unix uid in ${lo}-${hi} belongs to an app; widen SLIPWAY_APP_UID_RANGE`);
    return gap.rows[0].uid as number;
  }
}
