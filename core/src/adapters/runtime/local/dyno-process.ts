// A sandboxed dyno process as the worker sees it, two ways:
// - supervised (dynos): a detached dyno supervisor (dyno-supervisor.ts) runs the sandbox; the worker
//   attaches to its socket for output lines and the exit, and a later worker attaches again after
//   this one died — the dyno never notices;
// - attached (one-off and release-phase commands): the sandbox is the worker's own child and dies
//   with it (the command must not run twice when a job is retried).
// Either way the app's env reaches the sandbox on fd 3 (see DYNO_BOOT), output arrives line by
// line, signal() reaches every process in the sandbox (process-tree.ts), and `exited` resolves once.
// Leaves out: directories, cgroups and the sandbox command (dyno-launcher.ts); supervision (dyno.ts).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { processStartTime, sameProcess, signalSandbox } from './process-tree.js';
import type { Writable } from 'node:stream';
import { EXIT_FILE, SUPERVISOR_LOG, sendEnv, splitLines, viaShortPath, type ExitMessage, type SupervisorMessage, type SupervisorSpec } from './supervisor-protocol.js';

export interface DynoExit {
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started (or its supervisor vanished). */
  error?: string;
  /** The kernel's OOM killer ended a process of the dyno (its memory limit was reached). */
  oomKilled?: boolean;
}

export interface DynoProcess {
  /** The sandbox's outer process (bwrap), once known. */
  readonly pid: number | null;
  exited: Promise<DynoExit>;
  isRunning(): boolean;
  /** Signal every process in the sandbox (SIGKILL: end the sandbox). */
  signal(sig: NodeJS.Signals): void;
}

/** The first program inside a dyno's sandbox: takes the app's env from fd 3, sources .profile.d,
 *  then runs the Procfile command (an argument, never pasted into this script) with bash. */
export const DYNO_BOOT =
  'while IFS= read -r -d "" kv; do export "$kv"; done <&3; exec 3<&-; unset kv; cd /app || exit 1; ' +
  'for f in .profile.d/*.sh; do if [ -r "$f" ]; then . "$f"; fi; done; unset f; exec /bin/bash -c "$1"';
const MAX_LINE = 16 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SupervisorHandle {
  supervisorPid: number;
  supervisorStart: string | null;
}

/** Starts a detached supervisor for `spec` in `runDir`; resolves once it is running. */
export async function startSupervisor(runDir: string, spec: SupervisorSpec, o: { nodeBin: string; script: string }): Promise<SupervisorHandle> {
  const log = openSync(path.join(runDir, SUPERVISOR_LOG), 'a', 0o600);
  try {
    const child = spawn(o.nodeBin, ['--max-old-space-size=32', o.script, runDir], {
      detached: true, cwd: '/', env: { PATH: spec.env.PATH ?? '/usr/bin:/bin' }, stdio: ['pipe', 'ignore', log],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid!));
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(JSON.stringify(spec));
    child.unref();
    return { supervisorPid: pid, supervisorStart: processStartTime(pid) };
  } finally {
    closeSync(log);
  }
}

/** Attaches to the supervisor in `runDir` (a new dyno, or one a previous worker started). */
export function attachSupervised(runDir: string, handle: SupervisorHandle, onLine: (line: string) => void): DynoProcess {
  let childPid: number | null = null;
  let done = false;
  let resolveExit!: (e: DynoExit) => void;
  const exited = new Promise<DynoExit>((r) => (resolveExit = r));
  const finish = (e: DynoExit) => {
    if (done) return;
    done = true;
    resolveExit(e);
  };
  const supervisorAlive = () => sameProcess(handle.supervisorPid, handle.supervisorStart);
  const fromExitFile = async (): Promise<DynoExit> => {
    const text = await readFile(path.join(runDir, EXIT_FILE), 'utf8').catch(() => null);
    if (!text) return { code: null, signal: null, error: 'its supervisor ended unexpectedly' };
    const m = JSON.parse(text) as ExitMessage;
    return { code: m.code, signal: m.signal, ...(m.error ? { error: m.error } : {}) };
  };

  const connect = async (): Promise<void> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (done) return;
      const sock = await viaShortPath(runDir, (p) => new Promise<net.Socket | null>((resolve) => {
        const s = net.connect(p);
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(null));
      })).catch(() => null);
      if (sock) return session(sock);
      if (!supervisorAlive() || Date.now() > deadline) return finish(await fromExitFile());
      await sleep(25);
    }
  };
  const session = (sock: net.Socket): void => {
    let buf = '';
    let gotExit = false;
    sock.setEncoding('utf8');
    sock.on('data', (text: string) => {
      buf += text;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const raw = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let m: SupervisorMessage;
        try {
          m = JSON.parse(raw) as SupervisorMessage;
        } catch {
          continue;
        }
        if (m.t === 'hello') childPid = m.childPid;
        else if (m.t === 'line') onLine(m.line.length > MAX_LINE ? m.line.slice(0, MAX_LINE) : m.line);
        else if (m.t === 'exit') {
          gotExit = true;
          finish({ code: m.code, signal: m.signal, ...(m.error ? { error: m.error } : {}) });
          sock.end();
        }
      }
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      if (gotExit || done) return;
      // another worker took the socket, or the supervisor died: try again while it lives
      void sleep(200).then(connect);
    });
  };
  void connect();
  return {
    get pid() {
      return childPid;
    },
    exited,
    isRunning: () => !done,
    signal: (sig) => {
      if (done) return;
      if (childPid !== null) signalSandbox(childPid, sig);
      // not started far enough to know its sandbox: the sandbox dies with its supervisor
      else if (sig === 'SIGKILL' && supervisorAlive()) process.kill(handle.supervisorPid, 'SIGKILL');
    },
  };
}

/** Runs the sandbox command as the worker's own child (it dies with the worker). */
export function runAttached(spec: SupervisorSpec, onLine: (line: string) => void): DynoProcess {
  const child = spawn(spec.file, spec.args, { env: spec.env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  sendEnv(child.stdio[3] as Writable, spec.appEnv);
  let running = child.pid !== undefined;
  const drained = Promise.all([child.stdout!, child.stderr!].map((stream) => splitLines(stream, onLine)));
  const exited = new Promise<DynoExit>((resolve) => {
    child.once('error', (err) => {
      running = false;
      resolve({ code: null, signal: null, error: err.message });
    });
    child.once('exit', (code, signal) => {
      running = false;
      void Promise.race([drained, sleep(200)]).then(() => resolve({ code, signal }));
    });
  });
  return {
    pid: child.pid ?? null,
    exited,
    isRunning: () => running,
    signal: (sig) => {
      if (child.pid !== undefined && running) signalSandbox(child.pid, sig);
    },
  };
}
