// No secret in logs, job payloads or error bodies: a canary config value and the user's token go
// through a full CRUD cycle, then every log line, every queued job and every response body is
// searched for them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient, type Reply } from '../support/client.js';
import { seedRelease } from '../support/seed.js';

const CANARY = 'canary-value-7f3a9c';
let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
});
afterAll(async () => h?.close());

describe('secrets', () => {
  it('never appear in server logs, job payloads or error bodies', async () => {
    const password = 'canary password 91c2';
    const ada = await ApiClient.signUp(h.url, 'ada@example.com', password);
    const token = ada.token!;
    const replies: Reply<any>[] = [];
    const keep = async (p: Promise<Reply<any>>) => {
      const r = await p;
      replies.push(r);
      return r;
    };
    const app = (await keep(ada.post('/apps', { name: 'secret-app' }))).body;
    await seedRelease(h.ctx, app.id);
    await keep(ada.patch('/apps/secret-app/config-vars', { DATABASE_URL: `postgres://u:${CANARY}@db/x`, API_KEY: CANARY }));
    await keep(ada.patch('/apps/secret-app/config-vars', { 'bad key': CANARY }));
    await keep(ada.patch('/apps/secret-app/config-vars', { API_KEY: 'x'.repeat(70_000) + CANARY }));
    await keep(ada.post('/apps/secret-app/releases', { release: '1' }));
    await keep(ada.patch('/apps/secret-app/formation', { updates: [{ type: 'web', quantity: 2 }] }));
    await keep(ada.post('/apps/secret-app/log-sessions', { lines: 10 }));
    await keep(new ApiClient(h.url, token + 'x').get('/apps'));
    await keep(ada.patch('/apps/secret-app/config-vars', { API_KEY: null, DATABASE_URL: null }));
    await keep(ada.delete('/apps/secret-app'));
    await fetch(`${h.url}/oauth/authorizations`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`ada@example.com:${password}x`).toString('base64')}` } });

    // the values really went through (viewable by the owner at the time)
    expect(replies[1]!.body.API_KEY).toBe(CANARY);

    const errorBodies = replies.filter((r) => r.status >= 400).map((r) => r.text);
    expect(errorBodies.length).toBeGreaterThanOrEqual(3);
    for (const b of errorBodies) {
      expect(b).not.toContain(CANARY);
      expect(b).not.toContain(token);
    }
    const logs = h.logs.join('');
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of [CANARY, token, password]) expect(logs).not.toContain(secret);

    // every key Slipway wrote to Redis: job payloads and queue bookkeeping
    const redis = h.ctx.redis;
    const keys = await redis.keys(`${h.config.redis.prefix}:*`);
    expect(keys.some((k) => k.includes(':deploy:'))).toBe(true);
    let dump = '';
    for (const k of keys) {
      const type = await redis.type(k);
      if (type === 'hash') dump += JSON.stringify(await redis.hgetall(k));
      else if (type === 'string') dump += await redis.get(k);
      else if (type === 'list') dump += JSON.stringify(await redis.lrange(k, 0, -1));
      else if (type === 'zset') dump += JSON.stringify(await redis.zrange(k, '0', '-1'));
      else if (type === 'stream') dump += JSON.stringify(await redis.xrange(k, '-', '+'));
    }
    expect(dump).toContain('releaseId'); // the job payloads were read
    for (const secret of [CANARY, token, password]) expect(dump).not.toContain(secret);

    // and the database holds config only sealed
    const { rows } = await h.ctx.store.pool.query(`SELECT encode(value, 'escape') AS v FROM config_vars UNION ALL SELECT encode(config, 'escape') FROM releases`);
    for (const r of rows) expect(r.v).not.toContain(CANARY);
  });
});
