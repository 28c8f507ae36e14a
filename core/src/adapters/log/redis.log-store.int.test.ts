// RedisLogStore against the real Redis that scripts/test starts (own key prefix per file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type Redis } from '../redis/redis.js';
import { testRedisUrl, uniquePrefix } from '../../testing/test-env.js';
import type { LogLine } from '../../ports/log-store.port.js';
import { RedisLogStore } from './redis.log-store.js';

let redis: Redis;
const prefix = uniquePrefix('logs');

beforeAll(() => {
  redis = createRedis(testRedisUrl());
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

const never = () => new AbortController().signal;

describe('RedisLogStore', () => {
  it('returns the last N lines in order, filtered by dyno and source', async () => {
    const store = new RedisLogStore({ redis, prefix });
    for (let i = 1; i <= 30; i++) {
      await store.append('app1', { source: 'app', dyno: i % 2 ? 'web.1' : 'worker.1', line: `line ${i}` });
    }
    await store.append('app1', { source: 'platform', dyno: 'web.2', line: 'State changed from starting to up' });

    const last5 = await collect(store.read('app1', { lines: 5, tail: false, signal: never() }));
    expect(last5.map((l) => l.line)).toEqual(['line 27', 'line 28', 'line 29', 'line 30', 'State changed from starting to up']);
    expect(last5[0]!.ts).toMatch(/^\d{4}-\d\d-\d\dT/);

    const web1 = await collect(store.read('app1', { lines: 3, tail: false, dyno: 'web.1', signal: never() }));
    expect(web1.map((l) => l.line)).toEqual(['line 25', 'line 27', 'line 29']);

    const allWeb = await collect(store.read('app1', { lines: 100, tail: false, dyno: 'web', signal: never() }));
    expect(allWeb).toHaveLength(16);
    expect(allWeb.at(-1)!.dyno).toBe('web.2');

    const platform = await collect(store.read('app1', { lines: 100, tail: false, source: 'platform', signal: never() }));
    expect(platform).toEqual([expect.objectContaining({ source: 'platform', dyno: 'web.2' })]);

    const other = await collect(store.read('nothing-here', { lines: 10, tail: false, signal: never() }));
    expect(other).toEqual([]);
  });

  it('tail streams a new line within 2 s and stops when aborted', async () => {
    const store = new RedisLogStore({ redis, prefix, blockMs: 500 });
    await store.append('app2', { source: 'app', dyno: 'web.1', line: 'before' });
    const ac = new AbortController();
    const got: LogLine[] = [];
    const reader = (async () => {
      for await (const l of store.read('app2', { lines: 1, tail: true, signal: ac.signal, source: 'app' })) got.push(l);
    })();
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await store.append('app2', { source: 'platform', dyno: 'web.1', line: 'filtered out' });
    await store.append('app2', { source: 'app', dyno: 'web.1', line: 'after' });
    while (got.length < 2 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 20));
    expect(got.map((l) => l.line)).toEqual(['before', 'after']);
    expect(Date.now() - t0).toBeLessThan(2000);
    const clientsBefore = Number((await redis.info('clients')).match(/connected_clients:(\d+)/)![1]);
    ac.abort();
    await reader; // ends promptly: the blocking connection is closed
    await new Promise((r) => setTimeout(r, 100));
    const clientsAfter = Number((await redis.info('clients')).match(/connected_clients:(\d+)/)![1]);
    expect(clientsAfter).toBeLessThan(clientsBefore);
  });

  it('keeps the stream bounded by count and by age', async () => {
    const byCount = new RedisLogStore({ redis, prefix, maxLines: 50 });
    for (let i = 0; i < 600; i++) await byCount.append('app3', { source: 'app', dyno: 'web.1', line: `n${i}` });
    const len = await redis.xlen(`${prefix}:logs:app3`);
    expect(len).toBeGreaterThanOrEqual(50);
    expect(len).toBeLessThan(250);
    const tail = await collect(byCount.read('app3', { lines: 2, tail: false, signal: never() }));
    expect(tail.map((l) => l.line)).toEqual(['n598', 'n599']);

    const byAge = new RedisLogStore({ redis, prefix, maxAgeSeconds: 1 });
    await byAge.append('app4', { source: 'app', dyno: 'web.1', line: 'old' });
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = await collect(byAge.read('app4', { lines: 10, tail: false, signal: never() }));
    expect(fresh).toEqual([]); // too old to show even before trimming
    // the whole key expires when nothing new arrives
    await new Promise((r) => setTimeout(r, 200));
    expect(await redis.exists(`${prefix}:logs:app4`)).toBe(0);

    const trims = new RedisLogStore({ redis, prefix, maxAgeSeconds: 2, trimEveryMs: 0 });
    await trims.append('app5', { source: 'app', dyno: 'web.1', line: 'old' });
    await new Promise((r) => setTimeout(r, 1200));
    await trims.append('app5', { source: 'app', dyno: 'web.1', line: 'middle' }); // keeps the key alive
    await new Promise((r) => setTimeout(r, 1000));
    await trims.append('app5', { source: 'app', dyno: 'web.1', line: 'new' });
    const kept = await redis.xrange(`${prefix}:logs:app5`, '-', '+');
    expect(kept.map(([, f]) => f[f.indexOf('l') + 1])).toEqual(['middle', 'new']);

    await trims.remove('app5');
    expect(await redis.exists(`${prefix}:logs:app5`)).toBe(0);
  });
});
