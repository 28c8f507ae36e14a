// Http01Store on Redis: `<prefix>:acme:http01:<token>` with a TTL, written by the worker while an
// order runs and read by every api process (the edge proxies /.well-known/acme-challenge/ there).
// Tokens are checked against the ACME token alphabet before they reach a key.
// Leaves out: anything but HTTP-01 key authorizations (they are public by design, not secrets).
import type { Redis } from 'ioredis';
import type { Http01Store } from '../../ports/acme.port.js';
import { redisKey } from '../redis/redis.js';

const TOKEN_RE = /^[A-Za-z0-9_-]{8,256}$/;
export const isAcmeToken = (t: string): boolean => TOKEN_RE.test(t);

export class RedisHttp01Store implements Http01Store {
  constructor(private readonly deps: { redis: Redis; prefix: string }) {}

  async put(token: string, keyAuthorization: string, ttlSeconds: number): Promise<void> {
    await this.deps.redis.set(this.key(token), keyAuthorization, 'EX', ttlSeconds);
  }

  async get(token: string): Promise<string | null> {
    if (!isAcmeToken(token)) return null;
    return this.deps.redis.get(this.key(token));
  }

  async remove(token: string): Promise<void> {
    if (isAcmeToken(token)) await this.deps.redis.del(this.key(token));
  }

  private key(token: string): string {
    if (!isAcmeToken(token)) throw new Error('not an ACME token');
    return redisKey(this.deps.prefix, 'acme', 'http01', token);
  }
}
