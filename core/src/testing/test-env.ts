// Test support (used by *.int.test.ts and e2e tests; never by server code).
// Each test file gets its own database (created from scratch and migrated) and its own Redis key
// prefix, so files run in parallel against the one PostgreSQL and Redis that scripts/test starts.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createPool, type Pool } from '../db/pool.js';
import { runMigrations } from '../db/migrate.js';
import { createLogger } from '../logger.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const MIGRATIONS_DIR = path.join(REPO_ROOT, 'migrations');

export function requireEnv(name: string): string {
  // eslint-disable-next-line no-restricted-properties -- test support reads the harness's variables
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this tier through ./scripts/test`);
  return v;
}

export interface TestDatabase {
  url: string;
  name: string;
  pool: Pool;
  drop(): Promise<void>;
}

export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = requireEnv('SLIPWAY_TEST_PG_URL');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = adminUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const pool = createPool(url, 20);
  if (opts.migrate !== false) await runMigrations(pool, MIGRATIONS_DIR, createLogger({ level: 'silent', name: 'test' }));
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export function testRedisUrl(): string {
  return requireEnv('SLIPWAY_TEST_REDIS_URL');
}

export function uniquePrefix(tag = 't'): string {
  return `${tag}${randomBytes(4).toString('hex')}`;
}

/** Stores a platform setting straight in the database (what an admin would do in the console). */
export async function setTestSetting(pool: { query(sql: string, params: unknown[]): Promise<unknown> }, key: string, value: unknown): Promise<void> {
  await pool.query(
    `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [key, JSON.stringify(value)],
  );
}
