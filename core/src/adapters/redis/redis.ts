// ioredis connections. BullMQ workers need maxRetriesPerRequest: null; every process creates its
// own connections in main.ts and closes them on shutdown. Keys are namespaced by the configured
// prefix so several Slipway instances (and parallel tests) can share one Redis.
import { Redis } from 'ioredis';

export type { Redis };

export function createRedis(url: string, opts: { forWorker?: boolean; name?: string } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: opts.forWorker ? null : 3,
    enableReadyCheck: true,
    connectionName: opts.name,
    lazyConnect: false,
  });
}

export const redisKey = (prefix: string, ...parts: string[]): string => [prefix, ...parts].join(':');
