// Log reads for the swarm runtime: app output comes from Docker's service logs (RuntimeLogReader),
// platform events from the LogStore; a session without a source filter gets both, the history
// merged by time and then live lines from either as they arrive.
// Leaves out: exact ordering of live lines between the two sources (each is in order).
import type { LogLine, LogQuery, LogStore } from '../../ports/log-store.port.js';
import type { RuntimeLogReader } from '../runtime/swarm/swarm.logs.js';

export type LogReader = Pick<LogStore, 'read'>;

export class MergedLogReader implements LogReader {
  constructor(private readonly platform: LogReader, private readonly runtime: RuntimeLogReader) {}

  private app(appId: string, q: LogQuery, lines: number, follow: boolean): AsyncIterable<LogLine> {
    return this.runtime.logs(appId, { lines, follow, dyno: q.dyno, source: 'app', signal: q.signal });
  }

  async *read(appId: string, q: LogQuery): AsyncIterable<LogLine> {
    if (q.source === 'platform') return yield* this.platform.read(appId, q);
    if (q.source === 'app') return yield* this.app(appId, q, q.lines, q.tail);
    const history: LogLine[] = [];
    for await (const l of this.platform.read(appId, { ...q, tail: false })) history.push(l);
    for await (const l of this.app(appId, q, q.lines, false)) history.push(l);
    history.sort((a, b) => a.ts.localeCompare(b.ts));
    yield* history.slice(-q.lines);
    if (!q.tail) return;
    yield* interleave([this.platform.read(appId, { ...q, lines: 0 }), this.app(appId, q, 0, true)], q.signal);
  }
}

/** Yields items from several async iterables as they come, until all end or the signal aborts. */
export async function* interleave<T>(sources: AsyncIterable<T>[], signal: AbortSignal): AsyncIterable<T> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const pull = (i: number) => pending.set(i, its[i]!.next().then((r) => ({ i, r })));
  its.forEach((_, i) => pull(i));
  try {
    while (pending.size && !signal.aborted) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) pending.delete(i);
      else {
        yield r.value;
        pull(i);
      }
    }
  } finally {
    await Promise.all(its.map((it) => it.return?.()));
  }
}
