// LogStore on Redis streams: one stream per app (`<prefix>:logs:<appId>`).
// Promises: append() adds a timestamped entry (XADD, MAXLEN ~ maxLines) and keeps the stream
// bounded by age too (XTRIM MINID at most every few seconds per app, and the key expires when the
// app stops logging); read() gives the last N lines matching the dyno/source filter in order, then
// with tail=true blocks on XREAD on a dedicated connection (closed when the signal aborts or the
// reader stops) and yields new matching lines as they come. Lines longer than maxLineBytes are cut.
// Leaves out: search, archiving, per-app quotas on rate.
import type { Redis } from 'ioredis';
import { redisKey } from '../redis/redis.js';
import type { LogLine, LogQuery, LogSource, LogStore } from '../../ports/log-store.port.js';

export interface RedisLogStoreDeps {
  redis: Redis;
  prefix: string;
  /** Lines kept per app (approximately; Redis trims whole nodes). Default 5000. */
  maxLines?: number;
  /** Oldest line kept, in seconds. Default 7 days. */
  maxAgeSeconds?: number;
  maxLineBytes?: number;
  /** XREAD BLOCK timeout per round (ms); the reader loops until aborted. Default 5000. */
  blockMs?: number;
  /** Minimum interval between age trims of one app's stream (ms). Default 5000. */
  trimEveryMs?: number;
  /** Retention that may change while the process runs (the log settings); wins over maxLines and
   *  maxAgeSeconds. Called on every append: it must be cheap (Settings caches). */
  retention?: () => Promise<{ maxLines: number; maxAgeSeconds: number }>;
}

type Fields = string[];
type StreamEntry = [id: string, fields: Fields];

export class RedisLogStore implements LogStore {
  private readonly maxLines: number;
  private readonly maxAgeMs: number;
  private readonly maxLineBytes: number;
  private readonly lastTrim = new Map<string, number>();

  constructor(private readonly deps: RedisLogStoreDeps) {
    this.maxLines = deps.maxLines ?? 5000;
    this.maxAgeMs = (deps.maxAgeSeconds ?? 7 * 24 * 3600) * 1000;
    this.maxLineBytes = deps.maxLineBytes ?? 10_000;
  }

  private key(appId: string): string {
    return redisKey(this.deps.prefix, 'logs', appId);
  }

  async append(appId: string, entry: Omit<LogLine, 'ts'> & { ts?: string }): Promise<void> {
    const key = this.key(appId);
    const ts = entry.ts ?? new Date().toISOString();
    const line = entry.line.length > this.maxLineBytes ? `${entry.line.slice(0, this.maxLineBytes)}…` : entry.line;
    const { maxLines, maxAgeMs } = await this.limits();
    const now = Date.now();
    const multi = this.deps.redis.multi();
    multi.xadd(key, 'MAXLEN', '~', String(maxLines), '*', 't', ts, 's', entry.source, 'd', entry.dyno, 'l', line);
    if (now - (this.lastTrim.get(appId) ?? 0) >= (this.deps.trimEveryMs ?? 5_000)) {
      this.lastTrim.set(appId, now);
      multi.xtrim(key, 'MINID', String(now - maxAgeMs));
    }
    multi.pexpire(key, maxAgeMs);
    const res = await multi.exec();
    const failed = res?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  private async limits(): Promise<{ maxLines: number; maxAgeMs: number }> {
    if (!this.deps.retention) return { maxLines: this.maxLines, maxAgeMs: this.maxAgeMs };
    const r = await this.deps.retention();
    return { maxLines: r.maxLines, maxAgeMs: r.maxAgeSeconds * 1000 };
  }

  async remove(appId: string): Promise<void> {
    this.lastTrim.delete(appId);
    await this.deps.redis.del(this.key(appId));
  }

  read(appId: string, query: LogQuery): AsyncIterable<LogLine> {
    return this.iterate(appId, query);
  }

  private matches(l: LogLine, q: LogQuery): boolean {
    if (q.source && l.source !== q.source) return false;
    if (q.dyno && l.dyno !== q.dyno && !l.dyno.startsWith(`${q.dyno}.`)) return false;
    return true;
  }

  private toLine(id: string, fields: Fields): LogLine | null {
    if (Number(id.split('-')[0]) < Date.now() - this.maxAgeMs) return null;
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
    const source: LogSource = f.s === 'platform' ? 'platform' : 'app';
    return { ts: f.t ?? new Date(Number(id.split('-')[0])).toISOString(), source, dyno: f.d ?? '', line: f.l ?? '' };
  }

  private async *iterate(appId: string, q: LogQuery): AsyncGenerator<LogLine> {
    const key = this.key(appId);
    const want = Math.max(0, Math.floor(q.lines));
    // Newest first, page by page, until `want` matching lines are found or the stream ends.
    const found: LogLine[] = [];
    let lastId = '0-0';
    let end = '+';
    const page = Math.min(Math.max(want * 2, 200), 5000);
    for (let first = true; ; first = false) {
      if (q.signal.aborted) return;
      const entries = (await this.deps.redis.xrevrange(key, end, '-', 'COUNT', page)) as StreamEntry[];
      if (first && entries[0]) lastId = entries[0][0];
      for (const [id, fields] of entries) {
        if (found.length >= want) break;
        const l = this.toLine(id, fields);
        if (l && this.matches(l, q)) found.push(l);
      }
      if (found.length >= want || entries.length < page) break;
      end = `(${entries[entries.length - 1]![0]}`;
    }
    for (let i = found.length - 1; i >= 0; i--) yield found[i]!;
    if (!q.tail || q.signal.aborted) return;

    const conn = this.deps.redis.duplicate();
    const close = () => conn.disconnect();
    q.signal.addEventListener('abort', close, { once: true });
    try {
      while (!q.signal.aborted) {
        let res: [string, StreamEntry[]][] | null;
        try {
          res = (await conn.xread('COUNT', 500, 'BLOCK', this.deps.blockMs ?? 5000, 'STREAMS', key, lastId)) as
            | [string, StreamEntry[]][]
            | null;
        } catch (err) {
          if (q.signal.aborted) return;
          throw err;
        }
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            const l = this.toLine(id, fields);
            if (l && this.matches(l, q) && !q.signal.aborted) yield l;
          }
        }
      }
    } finally {
      q.signal.removeEventListener('abort', close);
      conn.disconnect();
    }
  }
}
