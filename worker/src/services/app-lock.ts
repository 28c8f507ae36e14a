// Advisory locks in PostgreSQL, each held on a dedicated connection for as long as its work runs,
// so they hold across every worker process and end with a process that dies (its connection
// closes). AppLocks: one runtime change per app at a time. BuildLocks: one attempt of a build at a
// time (a retried job waits until its earlier attempt is gone, never runs beside it).
import type { Pool } from '@slipway/core/db/pool';

class AdvisoryLocks {
  constructor(private readonly pool: Pool, private readonly namespace: string) {}

  /** Runs `fn` holding the lock, waiting for an earlier holder first. */
  with<T>(id: string, fn: () => Promise<T>): Promise<T> {
    return this.hold(id, true, fn) as Promise<T>;
  }

  /** Runs `fn` only when nobody holds the lock; undefined otherwise. */
  ifFree<T>(id: string, fn: () => Promise<T>): Promise<T | undefined> {
    return this.hold(id, false, fn);
  }

  private async hold<T>(id: string, wait: boolean, fn: () => Promise<T>): Promise<T | undefined> {
    const client = await this.pool.connect();
    try {
      const take = wait ? `SELECT pg_advisory_lock(hashtext($1 || $2)), true AS ok` : `SELECT pg_try_advisory_lock(hashtext($1 || $2)) AS ok`;
      const { rows } = await client.query(take, [this.namespace, id]);
      if (!rows[0].ok) return undefined;
      try {
        return await fn();
      } finally {
        await client.query(`SELECT pg_advisory_unlock(hashtext($1 || $2))`, [this.namespace, id]);
      }
    } finally {
      client.release();
    }
  }
}

export class AppLocks extends AdvisoryLocks {
  constructor(pool: Pool) {
    super(pool, 'slipway:app:');
  }
}

export class BuildLocks extends AdvisoryLocks {
  constructor(pool: Pool) {
    super(pool, 'slipway:build:');
  }
}
