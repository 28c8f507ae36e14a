// Starts one dyno process: `/bin/bash -c '<source .profile.d/*.sh>; exec bash -c "$1"' - <command>`
// in the release directory, as the dyno user, in its own process group, with exactly the app's
// config vars + PORT + DYNO + HOME (+ a default PATH) — never the platform's environment. The
// Procfile command is passed as an argument, not pasted into our script; it is the app's own shell
// code and runs only as the app's own process. Output arrives line by line.
// Leaves out: supervision, restarts, health (dyno.ts).
import { spawn } from 'node:child_process';
import { SAFE_PATH } from '../../command/spawn.command-runner.js';
import type { DynoUser } from './dyno-user.js';
import { processStartTime, signalGroup } from './pid-files.js';

export interface DynoProcessSpec {
  name: string;
  command: string;
  cwd: string;
  env: Record<string, string>;
  port: number | null;
  user: DynoUser | null;
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
}

export interface DynoExit {
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started at all. */
  error?: string;
}

export interface DynoProcess {
  pid: number | null;
  startTime: string | null;
  exited: Promise<DynoExit>;
  isRunning(): boolean;
  /** Signal the whole process group. */
  signal(sig: NodeJS.Signals): void;
}

const BOOT_SCRIPT =
  'for f in .profile.d/*.sh; do if [ -r "$f" ]; then . "$f"; fi; done; unset f; exec /bin/bash -c "$1"';
const MAX_LINE = 16 * 1024;

export function dynoEnv(spec: Pick<DynoProcessSpec, 'env' | 'port' | 'name' | 'cwd'>): Record<string, string> {
  const env: Record<string, string> = { PATH: SAFE_PATH, ...spec.env, HOME: spec.cwd, DYNO: spec.name };
  if (spec.port !== null) env.PORT = String(spec.port);
  else delete env.PORT;
  return env;
}

export function startDynoProcess(spec: DynoProcessSpec): DynoProcess {
  const child = spawn('/bin/bash', ['-c', BOOT_SCRIPT, 'slipway-dyno', spec.command], {
    cwd: spec.cwd,
    env: dynoEnv(spec),
    shell: false,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
  });
  let running = child.pid !== undefined;
  const split = (stream: 'stdout' | 'stderr') => {
    let buf = '';
    const src = stream === 'stdout' ? child.stdout! : child.stderr!;
    src.setEncoding('utf8');
    src.on('data', (text: string) => {
      buf += text;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        spec.onLine(buf.slice(0, i).replace(/\r$/, ''), stream);
        buf = buf.slice(i + 1);
      }
      if (buf.length > MAX_LINE) {
        spec.onLine(buf, stream);
        buf = '';
      }
    });
    return new Promise<void>((resolve) => src.once('close', () => {
      if (buf) spec.onLine(buf.replace(/\r$/, ''), stream);
      resolve();
    }));
  };
  const drained = Promise.all([split('stdout'), split('stderr')]);
  const exited = new Promise<DynoExit>((resolve) => {
    child.once('error', (err) => {
      running = false;
      resolve({ code: null, signal: null, error: err.message });
    });
    child.once('exit', (code, signal) => {
      running = false;
      // Output still buffered in the pipes belongs before the exit event; don't wait on a pipe a
      // grandchild keeps open, though.
      void Promise.race([drained, new Promise((r) => setTimeout(r, 200))]).then(() => resolve({ code, signal }));
    });
  });
  const pid = child.pid ?? null;
  return {
    pid,
    startTime: pid === null ? null : processStartTime(pid),
    exited,
    isRunning: () => running,
    signal: (sig) => {
      if (pid !== null) signalGroup(pid, sig);
    },
  };
}
