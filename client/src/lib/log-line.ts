// Log-session lines look like "2024-05-01T10:00:00.000Z app[web.1]: listening on 5000"
// (core/src/ports/log-store.port.ts formatLogLine). Parsed once on arrival for filtering.

export interface LogEntry {
  id: number;
  raw: string;
  ts: string;
  source: string;
  dyno: string;
  text: string;
}

const LINE = /^(\S+) ([a-z]+)\[([^\]]*)\]: ?(.*)$/s;

export function parseLogLine(raw: string, id: number): LogEntry {
  const m = LINE.exec(raw);
  if (!m) return { id, raw, ts: '', source: '', dyno: '', text: raw };
  return { id, raw, ts: m[1]!, source: m[2]!, dyno: m[3]!, text: m[4]! };
}

export interface LogFilter {
  text: string;
  dyno: string; // '' = all; "web" matches web.1, web.2; "web.1" matches only that dyno
  source: string; // '' | 'app' | 'platform'
}

export function matches(e: LogEntry, f: LogFilter): boolean {
  if (f.source && e.source !== f.source) return false;
  if (f.dyno && e.dyno !== f.dyno && !e.dyno.startsWith(`${f.dyno}.`)) return false;
  if (f.text && !e.raw.toLowerCase().includes(f.text.toLowerCase())) return false;
  return true;
}
