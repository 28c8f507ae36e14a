// An attached one-off dyno on the local runtime (`heroku run bash`): joins the rendezvous session
// as the dyno side, and once the client is there starts the command in the release's directory as
// the dyno user, with the app's config + the request's variables, in a pseudo-terminal (util-
// linux `script`, which the CLI's raw terminal talks to) or with plain pipes (`--no-tty`, where
// the CLI's "\x04" ends stdin). Output goes to the client only; the exit status follows it in-band
// (Heroku's "heroku-command-exit-status" line). The client leaving hangs the process up (SIGHUP,
// then SIGKILL after the grace); so do the time to live and a stop request.
// Leaves out: the log of its output (attached output is the client's), detached one-offs (one-off.ts).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { OneOffDynoSpec, OneOffResult, ReleaseSpec } from '../../../ports/runtime.port.js';
import { connectDynoSide } from '../../rendezvous/dyno-side.js';
import { exitStatusLine } from '../../rendezvous/protocol.js';
import { exitStatus, type DynoContext } from './dyno.js';
import { dynoEnv } from './dyno-process.js';
import { processStartTime, signalGroup } from './pid-files.js';

export interface AttachedOneOffSpec {
  ctx: DynoContext;
  spec: ReleaseSpec;
  releaseDir: string;
  dyno: OneOffDynoSpec & { attach: NonNullable<OneOffDynoSpec['attach']> };
  /** How long the dyno waits for its client. */
  attachTimeoutMs?: number;
}

// In the pty: the terminal size the client reported, the app's .profile.d, then the command
// (taken from the environment, never pasted into this script).
const TTY_BOOT =
  'c=$SLIPWAY_RUN_COMMAND; unset SLIPWAY_RUN_COMMAND; ' +
  'if [ -n "$COLUMNS" ]; then stty cols "$COLUMNS" rows "${LINES:-24}" 2>/dev/null; fi; ' +
  'for f in .profile.d/*.sh; do if [ -r "$f" ]; then . "$f"; fi; done; unset f; exec /bin/bash -c "$c"';
const PIPE_BOOT = 'for f in .profile.d/*.sh; do if [ -r "$f" ]; then . "$f"; fi; done; unset f; exec /bin/bash -c "$1"';
const EOT = 0x04;

export async function runAttachedOneOff(o: AttachedOneOffSpec): Promise<OneOffResult> {
  const { ctx, dyno } = o;
  const appId = o.spec.app.id;
  const platform = (line: string) => ctx.bestEffort('log append', ctx.logs.append(appId, { source: 'platform', dyno: dyno.name, line }));
  let socket;
  try {
    socket = await connectDynoSide({ ...dyno.attach, timeoutMs: o.attachTimeoutMs ?? 300_000, signal: dyno.signal });
  } catch (err) {
    platform(`Not started: ${(err as Error).message}`);
    return { exitCode: null, timedOut: false };
  }
  platform(`Starting process with command \`${dyno.command}\``);
  const env = dynoEnv({ env: { ...o.spec.env, ...dyno.env }, port: null, name: dyno.name, cwd: o.releaseDir });
  const tty = dyno.attach.tty;
  const child = tty
    ? spawn('script', ['-q', '-e', '-c', TTY_BOOT, '/dev/null'], { cwd: o.releaseDir, env: { TERM: 'xterm', ...env, SHELL: '/bin/bash', SLIPWAY_RUN_COMMAND: dyno.command }, detached: true, stdio: ['pipe', 'pipe', 'pipe'], ...(ctx.user ? { uid: ctx.user.uid, gid: ctx.user.gid } : {}) })
    : spawn('/bin/bash', ['-c', PIPE_BOOT, 'slipway-dyno', dyno.command], { cwd: o.releaseDir, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'], ...(ctx.user ? { uid: ctx.user.uid, gid: ctx.user.gid } : {}) });
  const pid = child.pid ?? null;
  const key = `v${o.spec.release.version}-${dyno.name}-oneoff-${randomBytes(3).toString('hex')}`;
  ctx.owned.add(key);
  if (pid !== null) ctx.bestEffort('pid file write', ctx.pids.write(appId, key, { pid, startTime: processStartTime(pid), dyno: dyno.name, release: o.spec.release.version }));
  const signal = (sig: NodeJS.Signals) => {
    if (pid !== null) signalGroup(pid, sig);
  };
  let killTimer: NodeJS.Timeout | undefined;
  const hangUp = (first: NodeJS.Signals) => {
    signal(first);
    killTimer ??= setTimeout(() => signal('SIGKILL'), Math.min(ctx.stopGraceMs, 10_000)).unref();
  };

  let lastByte = 0x0a;
  const toClient = (chunk: Buffer) => {
    if (chunk.length) lastByte = chunk[chunk.length - 1]!;
    if (!socket.destroyed) socket.write(chunk);
  };
  child.stdout!.on('data', toClient);
  child.stderr!.on('data', toClient);
  child.stdin!.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    if (tty) return void child.stdin!.write(chunk);
    // without a terminal, the CLI sends EOT when its stdin ends
    const eot = chunk.indexOf(EOT);
    if (eot < 0) return void child.stdin!.write(chunk);
    child.stdin!.end(chunk.subarray(0, eot));
  });
  socket.on('close', () => hangUp('SIGHUP'));
  socket.resume();
  dyno.onStart();

  let timedOut = false;
  const ttl = setTimeout(() => {
    timedOut = true;
    platform(`Time to live of ${Math.round(dyno.timeoutMs / 1000)} s reached: stopping process`);
    hangUp('SIGTERM');
  }, dyno.timeoutMs);
  const onStop = () => hangUp('SIGTERM');
  dyno.signal.addEventListener('abort', onStop, { once: true });

  const exit = await new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, error: err.message }));
    child.once('exit', (code, sig) => {
      // output still in the pipes belongs before the status; a grandchild holding them is not waited for
      const drained = Promise.all([child.stdout!, child.stderr!].map((s) => new Promise((r) => (s.readableEnded || s.destroyed ? r(null) : s.once('close', r)))));
      void Promise.race([drained, new Promise((r) => setTimeout(r, 200))]).then(() => resolve({ code, signal: sig }));
    });
  });
  clearTimeout(ttl);
  clearTimeout(killTimer);
  dyno.signal.removeEventListener('abort', onStop);
  signal('SIGKILL'); // whatever the command left behind in its group
  ctx.owned.delete(key);
  ctx.bestEffort('pid file remove', ctx.pids.remove(appId, key));
  if (exit.error) {
    platform(`Process could not be started: ${exit.error}`);
    socket.end(`Slipway: the process could not be started: ${exit.error}\r\n${exitStatusLine(127)}`);
    return { exitCode: null, timedOut };
  }
  const status = exitStatus(exit) ?? 1;
  platform(`Process exited with status ${status}`);
  if (!socket.destroyed) socket.end((lastByte === 0x0a ? '' : '\r\n') + exitStatusLine(status));
  return { exitCode: status, timedOut };
}
