// Failed sign-ins, counted in Redis per account (the email the sign-in names) and per client
// address (the socket's, or the proxy's view of it when the operator trusts a proxy), whatever
// other headers a request carries. Over either limit in a 15-minute window, sign-in is refused
// before the password is checked, so a locked account stays locked even for the right password
// until the window ends. Counts survive an api restart and are shared by every api process.
// Leaves out: CAPTCHAs, notifying the account's owner.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ipKeyGenerator } from 'express-rate-limit';
import { RateLimitError } from '@slipway/core/errors';
import type { Settings } from '@slipway/core/settings/settings.service';
import { loginFailuresPerAccount, loginFailuresPerAddress } from '@slipway/core/settings/limits.settings';

export const LOGIN_WINDOW_SECONDS = 15 * 60;

export interface LoginAttempt {
  email: string;
  /** The client's address (req.ip); null when unknown (then only the account is counted). */
  ip: string | null;
}

export class LoginThrottle {
  constructor(private readonly deps: { redis: Redis; prefix: string; settings: Settings }) {}

  private keys(a: LoginAttempt): string[] {
    const account = createHash('sha256').update(a.email.trim().toLowerCase()).digest('hex').slice(0, 32);
    const keys = [`${this.deps.prefix}:login:account:${account}`];
    if (a.ip) keys.push(`${this.deps.prefix}:login:address:${ipKeyGenerator(a.ip)}`);
    return keys;
  }

  /** Throws RateLimitError when the account or the address used up its failures. */
  async check(a: LoginAttempt): Promise<void> {
    const [account, address] = this.keys(a);
    const [perAccount, perAddress] = await Promise.all([this.deps.settings.get(loginFailuresPerAccount), this.deps.settings.get(loginFailuresPerAddress)]);
    const counts = await this.deps.redis.mget(account!, address ?? account!);
    if (Number(counts[0] ?? 0) >= perAccount || (address && Number(counts[1] ?? 0) >= perAddress)) {
      throw new RateLimitError('Too many failed sign-in attempts for this account or from this address; wait 15 minutes and try again.');
    }
  }

  async failed(a: LoginAttempt): Promise<void> {
    const multi = this.deps.redis.multi();
    for (const key of this.keys(a)) multi.incr(key).expire(key, LOGIN_WINDOW_SECONDS, 'NX');
    await multi.exec();
  }

  /** A successful sign-in clears its account's count (the address keeps its own). */
  async succeeded(a: LoginAttempt): Promise<void> {
    await this.deps.redis.del(this.keys(a)[0]!);
  }
}
