// Test and bench support (never used by server code): app uids kept in memory instead of the
// database, and a uid range of its own for each test rig (so two rigs on one machine never share
// a uid, a cgroup base or an egress chain).
import { randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { LimitError } from '../../errors.js';
import type { AppUids } from '../../ports/app-uids.port.js';

export function testUidRange(): [number, number] {
  const lo = 1_000_000 + randomInt(0, 10_000) * 100; // stacks (e2e/support/stack.ts) use 500000-999999
  return [lo, lo + 99];
}

export function memoryAppUids([lo, hi]: [number, number]): AppUids {
  const byApp = new Map<string, number>();
  return {
    async uidOf(appId) {
      let uid = byApp.get(appId);
      if (uid === undefined) {
        uid = lo + byApp.size;
        if (uid > hi) throw new LimitError('test uid range exhausted');
        byApp.set(appId, uid);
      }
      return uid;
    },
  };
}

/** Pids of the processes running as `uid` on this machine (none once an app's dynos are gone). */
export function processesOf(uid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      if (new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(status) && !/^State:\s+[ZX]/m.test(status)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

/** Polls until no process runs as `uid` (the kernel ends a killed namespace's processes a moment
 *  later); returns what is still there after `timeoutMs` (empty when all are gone). */
export async function processesGone(uid: number, timeoutMs = 3_000): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const left = processesOf(uid);
    if (!left.length || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}
