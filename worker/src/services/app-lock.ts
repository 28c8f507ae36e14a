// One runtime change per app at a time, across every worker process: a PostgreSQL advisory lock
// held on a dedicated connection for the duration of the change.
import type { Pool } from '@slipway/core/db/pool';

export class AppLocks {
  constructor(private readonly pool: Pool) {}

  async with<T>(appId: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(`SELECT pg_advisory_lock(hashtext('slipway:app:' || $1))`, [appId]);
      try {
        return await fn();
      } finally {
        await client.query(`SELECT pg_advisory_unlock(hashtext('slipway:app:' || $1))`, [appId]);
      }
    } finally {
      client.release();
    }
  }
}
