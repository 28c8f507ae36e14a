// An app's runtime output from the Docker API's service logs (swarm), as LogLine values the log
// sessions already know (core/src/ports/log-store.port.ts): dyno "web.2" from the task's slot,
// source "app", the engine's timestamp.
// Promises: read() returns the last `lines` lines across the app's process services (optionally one
// type) in time order, then — with follow — new lines as they come until the signal aborts; the
// Docker stream framing (8-byte headers, stdout/stderr) is decoded here.
// Leaves out: platform events (the services append those to the LogStore), retention (Docker's
// log driver keeps what it keeps).
import { Readable } from 'node:stream';
import { LABEL_APP, LABEL_TYPE } from '../../../naming.js';
import { demuxLines } from '../../docker/docker-stream.js';
import type { LogLine, LogSource } from '../../../ports/log-store.port.js';
import { LABEL_KIND } from './service-spec.js';
import type { SwarmApi } from './swarm.api.js';

export interface RuntimeLogQuery {
  lines: number;
  follow: boolean;
  /** Only this process type. */
  type?: string;
  /** Only this dyno ("web.1"). */
  dyno?: string;
  /** Only app output, or only platform events (task exits, from Swarm's task history). */
  source?: LogSource;
  signal: AbortSignal;
}

/** A runtime whose processes' output can be read (the lead merges it into log sessions). */
export interface RuntimeLogReader {
  logs(appId: string, query: RuntimeLogQuery): AsyncIterable<LogLine>;
}

export interface ServiceLogLine {
  ts: string;
  taskId: string;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** "2024-…Z com.docker.swarm.node.id=…,com.docker.swarm.service.id=…,com.docker.swarm.task.id=… message" */
export function parseLogPayload(text: string): { ts: string; taskId: string; line: string } {
  let rest = text.replace(/\r?\n$/, '');
  let ts = '';
  const sp = rest.indexOf(' ');
  if (sp > 0 && /^\d{4}-\d\d-\d\dT/.test(rest)) {
    ts = rest.slice(0, sp);
    rest = rest.slice(sp + 1);
  }
  let taskId = '';
  const m = /^((?:[a-z0-9_.-]+=[^,\s]*,?)+) /i.exec(rest);
  if (m && m[1]!.includes('com.docker.swarm.')) {
    taskId = /com\.docker\.swarm\.task\.id=([^,\s]+)/.exec(m[1]!)?.[1] ?? '';
    rest = rest.slice(m[0].length);
  }
  const iso = ts ? new Date(Date.parse(ts)).toISOString() : new Date().toISOString();
  return { ts: iso, taskId, line: rest };
}

export async function* readServiceLogs(
  api: SwarmApi,
  serviceId: string,
  opts: { follow: boolean; tail: number | 'all'; signal?: AbortSignal },
): AsyncIterable<ServiceLogLine> {
  const res = (await api.docker.getService(serviceId).logs({
    stdout: true,
    stderr: true,
    timestamps: true,
    details: true,
    follow: opts.follow,
    tail: String(opts.tail),
    abortSignal: opts.signal,
  } as Record<string, unknown>)) as unknown as Buffer | string | Readable;
  const body: AsyncIterable<Buffer | string> = Buffer.isBuffer(res) || typeof res === 'string' ? Readable.from([res]) : res;
  for await (const f of demuxLines(body)) {
    if (!f.line) continue;
    yield { ...parseLogPayload(f.line), stream: f.stream };
  }
}

export class SwarmLogReader {
  constructor(private readonly api: SwarmApi) {}

  async *read(appId: string, q: RuntimeLogQuery): AsyncIterable<LogLine> {
    const labels: Record<string, string> = { [LABEL_APP]: appId, [LABEL_KIND]: 'process' };
    if (q.type) labels[LABEL_TYPE] = q.type;
    const services = await this.api.services(labels);
    const slots = new Map<string, string>();
    const dynoOf = async (serviceId: string, type: string, taskId: string): Promise<string> => {
      if (!taskId) return `${type}.?`;
      if (!slots.has(taskId)) for (const t of await this.api.tasks(serviceId)) slots.set(t.ID, `${type}.${t.Slot ?? 1}`);
      return slots.get(taskId) ?? `${type}.?`;
    };
    const wanted = (l: LogLine) => (!q.dyno || l.dyno === q.dyno) && (!q.source || l.source === q.source);
    // the tail: the last lines of every service and the platform events, merged in time order
    const tail: LogLine[] = [];
    for (const svc of services) {
      const type = svc.Spec.Labels[LABEL_TYPE] ?? 'app';
      if (q.source !== 'platform') {
        for await (const l of readServiceLogs(this.api, svc.ID, { follow: false, tail: q.lines, signal: q.signal })) {
          const line: LogLine = { ts: l.ts, source: 'app', dyno: await dynoOf(svc.ID, type, l.taskId), line: l.line };
          if (wanted(line)) tail.push(line);
        }
      }
      if (q.source !== 'app') {
        for (const t of await this.api.tasks(svc.ID)) {
          const code = t.Status.ContainerStatus?.ExitCode;
          if (code === undefined || !['failed', 'complete', 'shutdown'].includes(t.Status.State)) continue;
          const line: LogLine = { ts: new Date(Date.parse(t.Status.Timestamp ?? t.UpdatedAt)).toISOString(), source: 'platform', dyno: `${type}.${t.Slot ?? 1}`, line: `Process exited with status ${code}` };
          if (wanted(line)) tail.push(line);
        }
      }
    }
    tail.sort((a, b) => a.ts.localeCompare(b.ts));
    yield* tail.slice(-q.lines);
    if (q.source === 'platform') return;
    if (!q.follow || q.signal.aborted) return;
    // then live lines from every service (tail 0), as they arrive
    const queue: LogLine[] = [];
    const waiter: { wake: (() => void) | null } = { wake: null };
    let open = services.length;
    const since = tail.at(-1)?.ts ?? '';
    for (const svc of services) {
      const type = svc.Spec.Labels[LABEL_TYPE] ?? 'app';
      void (async () => {
        try {
          for await (const l of readServiceLogs(this.api, svc.ID, { follow: true, tail: 0, signal: q.signal })) {
            if (l.ts < since) continue;
            const line: LogLine = { ts: l.ts, source: 'app', dyno: await dynoOf(svc.ID, type, l.taskId), line: l.line };
            if (!wanted(line)) continue;
            queue.push(line);
            waiter.wake?.();
          }
        } catch {
          // aborted, or the service went away: that stream is over
        } finally {
          open--;
          waiter.wake?.();
        }
      })();
    }
    while (!q.signal.aborted && (open > 0 || queue.length)) {
      if (queue.length) {
        yield queue.shift()!;
        continue;
      }
      await new Promise<void>((resolve) => {
        waiter.wake = resolve;
        q.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      waiter.wake = null;
    }
  }
}
