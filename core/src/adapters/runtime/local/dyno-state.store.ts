// Dyno status in Redis, so the api process can read what the worker's local runtime is running.
// One hash per app (`<prefix>:local:dynos:<app id>`), a field per dyno instance, JSON DynoStatus.
// Leaves out: history (a stopped dyno's field is deleted).
import type { Redis } from 'ioredis';
import { redisKey } from '../../redis/redis.js';
import type { DynoStatus } from '../../../ports/runtime.port.js';

export class DynoStateStore {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private key(appId: string): string {
    return redisKey(this.prefix, 'local', 'dynos', appId);
  }

  async put(appId: string, instance: string, status: DynoStatus): Promise<void> {
    await this.redis.hset(this.key(appId), instance, JSON.stringify(status));
  }

  async delete(appId: string, instance: string): Promise<void> {
    await this.redis.hdel(this.key(appId), instance);
  }

  async list(appId: string): Promise<DynoStatus[]> {
    const all = await this.redis.hgetall(this.key(appId));
    return Object.values(all)
      .map((v) => JSON.parse(v) as DynoStatus)
      .sort((a, b) => a.type.localeCompare(b.type) || num(a.name) - num(b.name) || a.releaseVersion - b.releaseVersion);
  }

  async clear(appId: string): Promise<void> {
    await this.redis.del(this.key(appId));
  }

  /** Drops every recorded dyno except `keep` (instances this worker runs): the rest is stale. */
  async prune(keep: ReadonlySet<string>): Promise<void> {
    const stream = this.redis.scanStream({ match: redisKey(this.prefix, 'local', 'dynos', '*'), count: 200 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      for (const key of keys) {
        const stale = (await this.redis.hkeys(key)).filter((f) => !keep.has(f));
        if (stale.length) await this.redis.hdel(key, ...stale);
      }
    }
  }
}

const num = (name: string): number => Number(name.split('.')[1] ?? 0);
