// Test and bench support (never used by server code): app uids kept in memory instead of the
// database, and a uid range of its own for each test rig (so two rigs on one machine never share
// a uid, a cgroup base or an egress chain).
import { randomInt } from 'node:crypto';
import { LimitError } from '../../errors.js';
import type { AppUids } from '../../ports/app-uids.port.js';

export function testUidRange(): [number, number] {
  const lo = 600_000 + randomInt(0, 20_000) * 100;
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
