// BuildLogSink on Redis Streams + the ObjectStore. Each build has a stream; append() adds a line,
// finish() adds an end marker, archives the whole log as text and lets the stream expire.
// follow() reads the stream from its first entry and then blocks for new ones, so replay and live
// lines come through one cursor with nothing lost in between. A build whose stream has expired is
// read from its archive.
// Leaves out: app runtime logs (LogStore), ANSI handling (clients render).
import type { Redis } from 'ioredis';
import type { BuildLogEvent, BuildLogSink, BuildOutcome } from '../../ports/build-log.port.js';
import type { ObjectStore } from '../../ports/object-store.port.js';

const LIVE_TTL_SECONDS = 3600;
const MAX_LINES = 200_000;

export class RedisBuildLogSink implements BuildLogSink {
  constructor(private readonly deps: { redis: Redis; prefix: string; objects: ObjectStore }) {}

  private key(buildId: string): string {
    return `${this.deps.prefix}:buildlog:${buildId}`;
  }

  async append(buildId: string, line: string): Promise<void> {
    await this.deps.redis.xadd(this.key(buildId), 'MAXLEN', '~', String(MAX_LINES), '*', 'l', line);
  }

  async finish(buildId: string, outcome: BuildOutcome, archiveKey: string): Promise<void> {
    const key = this.key(buildId);
    await this.deps.redis.xadd(key, '*', 'end', JSON.stringify(outcome));
    const entries = await this.deps.redis.xrange(key, '-', '+');
    const text = entries.flatMap(([, fields]) => (fields[0] === 'l' ? [fields[1] ?? ''] : [])).join('\n');
    await this.deps.objects.put(archiveKey, text + (text ? '\n' : ''), { contentType: 'text/plain; charset=utf-8' });
    await this.deps.redis.expire(key, LIVE_TTL_SECONDS);
  }

  /** Whether the log has started (live) or was archived. */
  async exists(buildId: string, archiveKey: string): Promise<boolean> {
    return (await this.deps.redis.exists(this.key(buildId))) > 0 || (await this.deps.objects.head(archiveKey)) !== null;
  }

  async *follow(buildId: string, signal: AbortSignal, archiveKey?: string): AsyncIterable<BuildLogEvent> {
    const key = this.key(buildId);
    if (archiveKey && !(await this.deps.redis.exists(key)) && (await this.deps.objects.head(archiveKey))) {
      const stream = await this.deps.objects.get(archiveKey);
      let buf = '';
      for await (const chunk of stream) {
        buf += chunk.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const line of lines) yield { kind: 'line', line };
      }
      if (buf) yield { kind: 'line', line: buf };
      return;
    }
    const conn = this.deps.redis.duplicate();
    const onAbort = () => conn.disconnect();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      let last = '0-0';
      while (!signal.aborted) {
        const res = (await conn.xread('COUNT', 500, 'BLOCK', 10_000, 'STREAMS', key, last).catch((err) => {
          if (signal.aborted) return null;
          throw err;
        })) as [string, [string, string[]][]][] | null;
        if (!res) continue;
        for (const [id, fields] of res[0]![1]) {
          last = id;
          if (fields[0] === 'end') {
            yield { kind: 'end', outcome: JSON.parse(fields[1] ?? '{}') as BuildOutcome };
            return;
          }
          yield { kind: 'line', line: fields[1] ?? '' };
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      conn.disconnect();
    }
  }
}
