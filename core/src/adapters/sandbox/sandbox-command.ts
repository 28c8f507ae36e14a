// The command line that starts untrusted code (a build, a dyno, a one-off) in a bubblewrap sandbox:
//   sh JOIN <cgroup.procs…> --          the launcher joins the cgroups, then execs (so every process
//                                       of the tree is in them from the first instruction on)
//   unshare --mount … sh OVERLAY …      (dynos) root mounts the app's overlay in a private mount
//                                       namespace, invisible to the host, gone with the sandbox
//   setpriv --reuid U --regid U …       drops to the app's own uid: no groups, no capabilities,
//                                       no new privileges
//   bwrap …                             new user, mount, PID, IPC, UTS and cgroup namespaces; the
//                                       system read-only, only the given directories, /proc of its
//                                       own PID namespace, a minimal /dev; nested user namespaces off
// Every stage is file + argv; the two sh scripts are constants that read their arguments, never
// text from a tenant. Stages run as root with only the environment the caller gives (never the
// app's config vars, which must not reach a root program: LD_PRELOAD and friends).
// Leaves out: the cgroups themselves (cgroups.ts), which host files a sandbox sees (callers).
import path from 'node:path';
import { ValidationError } from '../../errors.js';

export type SandboxMount =
  | { kind: 'ro' | 'rw'; src: string; dest: string }
  | { kind: 'symlink'; target: string; dest: string }
  | { kind: 'dir'; dest: string; mode?: number };

export interface SandboxCommandSpec {
  /** The Unix identity the code runs as; null: stays this process's user (a platform not run as root). */
  user: { uid: number; gid: number } | null;
  hostname: string;
  /** What the sandbox sees, in order (the system's own mounts first, see SandboxHost.systemMounts). */
  mounts: SandboxMount[];
  cwd: string;
  /** cgroup.procs files to join before anything runs (empty: no limits). */
  cgroupProcs: string[];
  /** Mounted by root in a private mount namespace before the sandbox starts (a writable /app). */
  overlay?: { lower: string; upper: string; work: string; merged: string };
  /** The sandbox is killed when the process that started it dies. */
  dieWithParent: boolean;
  argv: string[];
}

export const JOIN_CGROUPS = 'while [ "$#" -gt 0 ] && [ "$1" != -- ]; do echo "$$" > "$1" || exit 125; shift; done; shift; exec "$@"';
export const MOUNT_OVERLAY = 'mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" || exit 125; shift 4; exec "$@"';
/** Characters overlayfs' option string cannot carry. */
const OVERLAY_UNSAFE = /[,:\\\n]/;

export function sandboxCommand(spec: SandboxCommandSpec): { file: string; args: string[] } {
  if (!spec.argv.length) throw new ValidationError('a sandboxed command needs a program');
  const chain: string[] = [];
  if (spec.cgroupProcs.length) chain.push('/bin/sh', '-c', JOIN_CGROUPS, 'slipway-join', ...spec.cgroupProcs, '--');
  if (spec.overlay) {
    const o = spec.overlay;
    for (const p of [o.lower, o.upper, o.work, o.merged]) {
      if (!path.isAbsolute(p) || OVERLAY_UNSAFE.test(p)) throw new ValidationError(`overlay path ${p} must be absolute and free of , : \\`);
    }
    chain.push('unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', MOUNT_OVERLAY, 'slipway-overlay', o.lower, o.upper, o.work, o.merged);
  }
  if (spec.user) {
    const { uid, gid } = spec.user;
    if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0 || gid <= 0) throw new ValidationError('a sandbox never runs as root');
    chain.push('setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--no-new-privs', '--bounding-set=-all', '--inh-caps=-all', '--');
  }
  chain.push('bwrap', ...bwrapArgs(spec), '--', ...spec.argv);
  const [file, ...args] = chain;
  return { file: file!, args };
}

function bwrapArgs(spec: SandboxCommandSpec): string[] {
  const a = [
    '--unshare-user', '--disable-userns', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    '--new-session', '--hostname', spec.hostname,
  ];
  if (spec.dieWithParent) a.push('--die-with-parent');
  a.push('--proc', '/proc', '--dev', '/dev');
  for (const m of spec.mounts) {
    if (!path.isAbsolute(m.dest)) throw new ValidationError(`sandbox mount point ${m.dest} must be absolute`);
    if (m.kind === 'symlink') a.push('--symlink', m.target, m.dest);
    else if (m.kind === 'dir') a.push(...(m.mode !== undefined ? ['--perms', m.mode.toString(8).padStart(4, '0')] : []), '--dir', m.dest);
    else a.push(m.kind === 'ro' ? '--ro-bind' : '--bind', m.src, m.dest);
  }
  // the sandbox's own root (a tmpfs holding the mount points) is read-only too
  a.push('--remount-ro', '/', '--chdir', spec.cwd);
  return a;
}
