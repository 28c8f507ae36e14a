// Pid files for dynos under `<apps dir>/<app id>/run/`, so a worker that died without stopping its
// children can find and end them on the next start. A record holds the pid and the kernel's start
// time of that process, so a recycled pid is never signalled.
// Leaves out: adopting old processes (their output pipes died with the old worker: they are ended
// and started afresh).
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface PidRecord {
  pid: number;
  startTime: string | null;
  dyno: string;
  release: number;
}

/** Kernel start time of a process (field 22 of /proc/PID/stat), or null when it is gone. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM the group, wait up to graceMs for it to empty, then SIGKILL what is left. */
export async function endGroup(pgid: number, graceMs: number): Promise<'term' | 'kill'> {
  signalGroup(pgid, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (Date.now() < end) {
    if (!groupAlive(pgid)) return 'term';
    await sleep(50);
  }
  if (!groupAlive(pgid)) return 'term';
  signalGroup(pgid, 'SIGKILL');
  return 'kill';
}

export class PidFiles {
  constructor(private readonly appsDir: string) {}

  private file(appId: string, key: string): string {
    return path.join(this.appsDir, appId, 'run', `${key}.pid`);
  }

  async write(appId: string, key: string, rec: PidRecord): Promise<void> {
    const f = this.file(appId, key);
    await mkdir(path.dirname(f), { recursive: true, mode: 0o700 });
    await writeFile(f, JSON.stringify(rec), { mode: 0o600 });
  }

  async remove(appId: string, key: string): Promise<void> {
    await rm(this.file(appId, key), { force: true });
  }

  /** Ends every recorded process except those whose key is in `spare` (this worker's own), and
   *  removes their pid files. Returns how many were still running. */
  async endLeftovers(graceMs: number, spare: ReadonlySet<string> = new Set()): Promise<number> {
    const apps = await readdir(this.appsDir).catch(() => [] as string[]);
    const live: PidRecord[] = [];
    const files: string[] = [];
    for (const app of apps) {
      const dir = path.join(this.appsDir, app, 'run');
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (!name.endsWith('.pid') || spare.has(name.slice(0, -4))) continue;
        const f = path.join(dir, name);
        files.push(f);
        try {
          const rec = JSON.parse(await readFile(f, 'utf8')) as PidRecord;
          if (Number.isInteger(rec.pid) && rec.pid > 1 && processStartTime(rec.pid) === rec.startTime) live.push(rec);
        } catch {
          // unreadable record: nothing to signal
        }
      }
    }
    await Promise.all(live.map((r) => endGroup(r.pid, graceMs)));
    await Promise.all(files.map((f) => rm(f, { force: true })));
    return live.length;
  }
}
