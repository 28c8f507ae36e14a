// An attached one-off dyno on the local runtime (`heroku run bash`): joins the rendezvous session
// as the dyno side, and once the client is there starts the command in the app's sandbox (its uid,
// /app, the plan's limits: dyno-launcher.ts), with the app's config + the request's variables, in
// a pseudo-terminal (util-linux `script`, which the CLI's raw terminal talks to) or with plain
// pipes (`--no-tty`, where the CLI's "\x04" ends stdin). Output goes to the client only; the exit status follows it in-band
// (Heroku's "heroku-command-exit-status" line). The client leaving hangs the process up (SIGHUP,
// then SIGKILL after the grace); so do the time to live and a stop request.
// Leaves out: the log of its output (attached output is the client's), detached one-offs (one-off.ts).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { OneOffDynoSpec, OneOffResult, ReleaseSpec } from '../../../ports/runtime.port.js';
import { connectDynoSide } from '../../rendezvous/dyno-side.js';
import { exitStatusLine } from '../../rendezvous/protocol.js';
import type { CgroupLimits } from '../../sandbox/cgroups.js';
import { dynoEnv, exitStatus, type DynoContext } from './dyno.js';
import { signalSandbox } from './process-tree.js';
import { sendEnv } from './supervisor-protocol.js';

export interface AttachedOneOffSpec {
  ctx: DynoContext;
  spec: ReleaseSpec;
  releaseDir: string;
  uid: number | null;
  limits: CgroupLimits;
  dyno: OneOffDynoSpec & { attach: NonNullable<OneOffDynoSpec['attach']> };
  /** How long the dyno waits for its client. */
  attachTimeoutMs?: number;
}

// The sandbox's boot (DYNO_BOOT) reads the environment, enters /app, sources .profile.d and runs
// this with bash. With a terminal: the size the client reported, then the command (taken from the
// environment, never pasted into this script) in a pseudo-terminal.
const TTY_COMMAND =
  'exec script -q -e -c \'if [ -n "$COLUMNS" ]; then stty cols "$COLUMNS" rows "${LINES:-24}" 2>/dev/null; fi; ' +
  'c=$SLIPWAY_RUN_COMMAND; unset SLIPWAY_RUN_COMMAND; exec /bin/bash -c "$c"\' /dev/null';
const PIPE_COMMAND = 'c=$SLIPWAY_RUN_COMMAND; unset SLIPWAY_RUN_COMMAND; exec /bin/bash -c "$c"';
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
  const tty = dyno.attach.tty;
  const env = { ...dynoEnv({ ...o.spec.env, ...dyno.env }, dyno.name, null), SLIPWAY_RUN_COMMAND: dyno.command, ...(tty ? { TERM: 'xterm', SHELL: '/bin/bash' } : {}) };
  let prepared;
  try {
    prepared = await ctx.launcher.prepareInteractive({
      appId, instance: `v${o.spec.release.version}-${dyno.name}-oneoff-${randomBytes(3).toString('hex')}`, restarts: 0, name: dyno.name,
      release: o.spec.release.version, type: 'run', index: Number(dyno.name.split('.')[1]) || 1, port: null, releaseDir: o.releaseDir, uid: o.uid,
      command: tty ? TTY_COMMAND : PIPE_COMMAND, env, limits: o.limits, supervised: false, onLine: () => undefined,
    });
  } catch (err) {
    platform(`Process could not be started: ${(err as Error).message}`);
    socket.end(`Slipway: the process could not be started\r\n${exitStatusLine(127)}`);
    return { exitCode: null, timedOut: false };
  }
  const child = spawn(prepared.file, prepared.args, { env: prepared.env, cwd: '/', stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  sendEnv(child.stdio[3] as Writable, env);
  const pid = child.pid ?? null;
  const signal = (sig: NodeJS.Signals) => {
    if (pid !== null && child.exitCode === null && child.signalCode === null) signalSandbox(pid, sig);
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
  await prepared.cleanUp({ code: exit.code, signal: exit.signal });
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
