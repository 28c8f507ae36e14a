// Log sessions (Heroku's POST /apps/{app}/log-sessions): an unguessable, short-lived URL that
// serves the app's log as server-sent events — the last N lines, then (tail) new lines live.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { NotFoundError } from '@slipway/core/errors';
import type { LogLine, LogSource } from '@slipway/core/ports/log-store.port';
import type { LogReader } from '@slipway/core/adapters/log/merged.log-reader';
import type { AppLookup } from './app-lookup.js';

export interface LogSessionOptions {
  lines: number;
  tail: boolean;
  dyno?: string;
  source?: LogSource;
  /** Name the platform's lines "heroku[…]", as Heroku's tools expect (the dashboard says "platform"). */
  herokuNames?: boolean;
}

const TTL_SECONDS = 300;

export class LogSessionsService {
  constructor(private readonly deps: { lookup: AppLookup; redis: Redis; prefix: string; apiUrl: string; logs: LogReader }) {}

  private key(token: string) {
    return `${this.deps.prefix}:logsession:${token}`;
  }

  async create(userId: string, idOrName: string, opts: LogSessionOptions) {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'read logs');
    const token = randomBytes(24).toString('base64url');
    await this.deps.redis.set(this.key(token), JSON.stringify({ appId: app.id, ...opts }), 'EX', TTL_SECONDS);
    const now = new Date().toISOString();
    return { id: token.slice(0, 12), logplex_url: `${this.deps.apiUrl}/log-sessions/${token}`, created_at: now, updated_at: now };
  }

  /** The session behind a logplex_url token; NotFound when unknown or expired. */
  async open(token: string): Promise<LogSessionOptions & { appId: string }> {
    const raw = /^[A-Za-z0-9_-]{32}$/.test(token) ? await this.deps.redis.get(this.key(token)) : null;
    if (!raw) throw new NotFoundError('That log session does not exist or has expired.');
    return JSON.parse(raw) as LogSessionOptions & { appId: string };
  }

  stream(s: LogSessionOptions & { appId: string }, signal: AbortSignal): AsyncIterable<LogLine> {
    return this.deps.logs.read(s.appId, { lines: s.lines, tail: s.tail, dyno: s.dyno, source: s.source, signal });
  }
}
