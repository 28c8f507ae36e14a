// The OS user dynos run as. When the platform runs as root, app processes must not: they run as an
// unprivileged system user (scripts create `slipway-dyno`; `nobody` is the fallback), so an app
// cannot read the data directory (master key 0600 root, other apps' files). When the platform is
// not root, dynos run as the platform's own user (nothing to drop to).
// Leaves out: per-app users (every app shares the one dyno user).
import { readFile } from 'node:fs/promises';
import { UpstreamError } from '../../../errors.js';

export interface DynoUser {
  name: string;
  uid: number;
  gid: number;
}

export async function resolveDynoUser(preferred: string, passwdFile = '/etc/passwd'): Promise<DynoUser | null> {
  if (process.getuid?.() !== 0) return null;
  const text = await readFile(passwdFile, 'utf8');
  const users = new Map<string, DynoUser>();
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name && uid && gid) users.set(name, { name, uid: Number(uid), gid: Number(gid) });
  }
  const user = users.get(preferred) ?? users.get('nobody');
  if (!user || user.uid === 0) {
    throw new UpstreamError(`no unprivileged user to run apps as: create "${preferred}" (scripts/lib/common.sh ensure_dyno_user)`);
  }
  return user;
}
