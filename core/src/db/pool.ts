// PostgreSQL access: one pool per process, created in main.ts. Repositories take a Queryable so the
// same code runs on the pool or inside a transaction.
import pg from 'pg';

export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;
export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// bigint (int8) columns hold money in micro-units: keep them exact as JS bigint-safe numbers.
// Values beyond 2^53 would be refused loudly rather than rounded.
pg.types.setTypeParser(20, (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${v} exceeds the safe integer range`);
  return n;
});

/** onIdleError: an idle pooled connection failed (database restarted, network blip). The pool
 *  drops it and makes a new one on demand; without a listener pg would crash the process. */
export function createPool(url: string, max = 10, onIdleError: (err: Error) => void = () => undefined): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  pool.on('error', onIdleError);
  return pool;
}

export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Postgres unique-violation check, for mapping to ConflictError in repositories. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
