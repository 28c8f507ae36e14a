// The rules that keep a retried build from running twice or going live after its push was
// rejected, against a real PostgreSQL: numbered attempts (only the newest may end or release a
// build), the release claim (an ended build cannot be claimed; a claimed build cannot be ended by
// anyone but its attempt, or the reaper once no attempt runs), and the build lock (a second
// attempt waits while the first one's connection lives, and goes on once it is gone).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '@slipway/core/repositories/index';
import { createTestDatabase, type TestDatabase } from '@slipway/core/testing/test-env';
import { BuildLocks } from './app-lock.js';

let db: TestDatabase;
let store: Store;
let appId = '';

async function newBuild(): Promise<string> {
  const id = randomUUID();
  await store.repos.builds.create({ id, appId, commit: 'a'.repeat(40), ref: 'refs/heads/main', userId: null as unknown as string, sourceKey: `sources/${appId}/${id}.tar`, deadlineAt: new Date(Date.now() + 60_000) });
  return id;
}

const status = async (id: string) => (await store.repos.builds.findById(id))!.status;
const failed = { status: 'failed' as const, error: 'x' };

beforeAll(async () => {
  db = await createTestDatabase();
  store = new Store(db.pool);
  const org = await store.repos.orgs.create({ name: 'fence', personal: false });
  const plan = await store.repos.plans.findDefault();
  appId = (await db.pool.query(`INSERT INTO apps (org_id, name, plan_id) VALUES ($1, 'fenced', $2) RETURNING id`, [org.id, plan.id])).rows[0].id;
});
afterAll(() => db?.drop());

describe('build attempts', () => {
  it('numbers attempts; an older attempt can neither end nor release the build', async () => {
    const id = await newBuild();
    expect(await store.repos.builds.start(id)).toBe(1);
    expect(await store.repos.builds.start(id)).toBe(2); // the job was retried
    expect(await store.repos.builds.isCurrent(id, 1)).toBe(false);
    expect(await store.repos.builds.claimRelease(id, 1, 30)).toBe(false);
    expect(await store.repos.builds.finish(id, failed, { attempt: 1 })).toBe(false);
    expect(await status(id)).toBe('building');
    expect(await store.repos.builds.finish(id, { status: 'succeeded' }, { attempt: 2 })).toBe(true);
    expect(await store.repos.builds.start(id)).toBeNull(); // ended: no further attempt
  });

  it('a build ended before its release (its push reported rejected) cannot be claimed for release', async () => {
    const id = await newBuild();
    const attempt = (await store.repos.builds.start(id))!;
    expect(await store.repos.builds.finish(id, failed)).toBe(true); // a newer push supersedes it
    expect(await store.repos.builds.claimRelease(id, attempt, 30)).toBe(false);
    expect(await store.repos.builds.finish(id, { status: 'succeeded' }, { attempt })).toBe(false);
    expect(await status(id)).toBe('failed');
  });

  it('a claimed build is ended only by its attempt, or by the reaper once no attempt runs', async () => {
    const id = await newBuild();
    const attempt = (await store.repos.builds.start(id))!;
    expect(await store.repos.builds.claimRelease(id, attempt, 30)).toBe(true);
    expect(await store.repos.builds.finish(id, failed)).toBe(false); // a newer push leaves it to finish
    expect(await status(id)).toBe('building');
    expect(await store.repos.builds.finish(id, failed, { evenIfReleasing: true })).toBe(true);
    const other = await newBuild();
    const a = (await store.repos.builds.start(other))!;
    await store.repos.builds.claimRelease(other, a, 30);
    expect(await store.repos.builds.finish(other, { status: 'succeeded' }, { attempt: a })).toBe(true);
  });

  it('a retry resets the claim of an attempt whose worker died while releasing', async () => {
    const id = await newBuild();
    expect(await store.repos.builds.claimRelease(id, (await store.repos.builds.start(id))!, 30)).toBe(true);
    const retry = (await store.repos.builds.start(id))!;
    expect((await store.repos.builds.findById(id))!.releasingAt).toBeNull();
    expect(await store.repos.builds.finish(id, failed)).toBe(true); // not releasing any more: a newer push may end it
    expect(await store.repos.builds.claimRelease(id, retry, 30)).toBe(false);
  });
});

describe('the build lock', () => {
  it('makes a second attempt wait while the first lives, and lets it go on once the first is gone', async () => {
    const id = await newBuild();
    const locks = new BuildLocks(db.pool);
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((r) => (releaseFirst = r));
    let firstIn!: () => void;
    const firstStarted = new Promise<void>((r) => (firstIn = r));
    const order: string[] = [];
    const first = locks.with(id, async () => {
      order.push('first starts');
      firstIn();
      await firstHolds;
      order.push('first ends');
    });
    await firstStarted;
    expect(await locks.ifFree(id, async () => 'reaped')).toBeUndefined(); // the reaper leaves a live attempt alone
    const second = locks.with(id, async () => void order.push('second starts'));
    await new Promise((r) => setTimeout(r, 300));
    expect(order).toEqual(['first starts']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first starts', 'first ends', 'second starts']);
    expect(await locks.ifFree(id, async () => 'reaped')).toBe('reaped');
  });

  it('is released when the holding process dies (its connection closes)', async () => {
    const id = await newBuild();
    const dying = await db.pool.connect();
    await dying.query(`SELECT pg_advisory_lock(hashtext('slipway:build:' || $1))`, [id]);
    const pid = (await dying.query(`SELECT pg_backend_pid() AS pid`)).rows[0].pid as number;
    const locks = new BuildLocks(db.pool);
    expect(await locks.ifFree(id, async () => true)).toBeUndefined();
    dying.on('error', () => undefined);
    await db.pool.query(`SELECT pg_terminate_backend($1)`, [pid]); // as a kill -9 of its worker would
    dying.release(true);
    expect(await locks.with(id, async () => 'second attempt runs')).toBe('second attempt runs');
  });
});
