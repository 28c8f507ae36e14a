// LogStore port: an app's runtime log (its processes' stdout/stderr and platform events).
// Promises: lines are timestamped and carry the dyno ("web.1") and source ("app" | "platform");
// read() returns the last N lines, optionally filtered, then (tail) streams new ones until aborted;
// retention is bounded by count and by age.
// Leaves out: full-text search, long-term archive.

export type LogSource = 'app' | 'platform';

export interface LogLine {
  ts: string;
  source: LogSource;
  dyno: string;
  line: string;
}

export interface LogQuery {
  lines: number;
  tail: boolean;
  dyno?: string;
  source?: LogSource;
  signal: AbortSignal;
}

export interface LogStore {
  append(appId: string, entry: Omit<LogLine, 'ts'> & { ts?: string }): Promise<void>;
  read(appId: string, query: LogQuery): AsyncIterable<LogLine>;
  remove(appId: string): Promise<void>;
}

export function formatLogLine(l: LogLine): string {
  return `${l.ts} ${l.source}[${l.dyno}]: ${l.line}`;
}
