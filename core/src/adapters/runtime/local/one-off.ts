// A one-off process (the release phase, `release.1`): runs the command once in the release's
// sandbox (the app's uid, /app, the plan's limits; dyno-launcher.ts) with the release's config
// vars, output to the progress callback and to the LogStore; past the timeout every process in it
// gets SIGTERM, then SIGKILL after the grace. It is the worker's own child: it dies with the worker
// (a retried deploy must not find the first attempt's command still running). A one-off dyno
// (`heroku run:detached`, run.N) is the same with its own name, a stop signal and an onStart
// callback. Leaves out: attached one-off dynos (attached-one-off.ts), retries.
import { randomBytes } from 'node:crypto';
import type { OneOffResult, Progress, ReleaseSpec } from '../../../ports/runtime.port.js';
import type { CgroupLimits } from '../../sandbox/cgroups.js';
import { dynoEnv, exitStatus, type DynoContext } from './dyno.js';

export interface OneOffSpec {
  ctx: DynoContext;
  spec: ReleaseSpec;
  releaseDir: string;
  uid: number | null;
  limits: CgroupLimits;
  command: string;
  progress: Progress;
  timeoutMs: number;
  name?: string;
  /** Aborted: stop it (SIGTERM, then SIGKILL after the grace). */
  signal?: AbortSignal;
  onStart?: () => void;
}

export async function runOneOff(o: OneOffSpec): Promise<OneOffResult> {
  const name = o.name ?? 'release.1';
  const appId = o.spec.app.id;
  const log = (source: 'app' | 'platform', line: string) =>
    o.ctx.bestEffort('log append', o.ctx.logs.append(appId, { source, dyno: name, line }));
  log('platform', `Starting process with command \`${o.command}\``);
  const [type = 'release', index = '1'] = name.split('.');
  const proc = o.ctx.launcher.start({
    appId, instance: `v${o.spec.release.version}-${name}-oneoff-${randomBytes(3).toString('hex')}`, restarts: 0, name,
    release: o.spec.release.version, type, index: Number(index) || 1, port: null, releaseDir: o.releaseDir, uid: o.uid,
    command: o.command, env: dynoEnv(o.spec.env, name, null), limits: o.limits, supervised: false,
    onLine: (line) => {
      o.progress(line);
      log('app', line);
    },
  });
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    proc.signal('SIGTERM');
    killTimer ??= setTimeout(() => proc.signal('SIGKILL'), Math.min(o.ctx.stopGraceMs, 10_000));
  };
  const timer = setTimeout(() => {
    timedOut = true;
    log('platform', `Timed out after ${Math.round(o.timeoutMs / 1000)} s: stopping process with SIGTERM`);
    stop();
  }, o.timeoutMs);
  o.signal?.addEventListener('abort', stop, { once: true });
  // the sandbox is set up in the background: the dyno has started once it has a process
  let didStart = false;
  const start = () => {
    if (didStart || proc.pid === null) return;
    didStart = true;
    o.onStart?.();
  };
  const started = setInterval(() => {
    start();
    if (didStart || !proc.isRunning()) clearInterval(started);
  }, 50);
  const exit = await proc.exited;
  o.signal?.removeEventListener('abort', stop);
  clearInterval(started);
  if (!exit.error) start(); // a command quicker than the first look still started
  clearTimeout(timer);
  clearTimeout(killTimer);
  if (exit.error) {
    log('platform', `Process could not be started: ${exit.error}`);
    o.progress(`${name} could not be started: ${exit.error}`);
    return { exitCode: null, timedOut };
  }
  if (exit.oomKilled) {
    const line = `Error R15 (Memory quota vastly exceeded) -> ${name} reached its memory limit of ${o.limits.memoryMb} MB and was killed`;
    log('platform', line);
    o.progress(line);
  }
  const status = exitStatus(exit);
  log('platform', `Process exited with status ${status}`);
  return { exitCode: timedOut ? exit.code : status, timedOut };
}
