// A one-off process (the release phase, `release.1`): runs the command once in the release's
// directory with the release's config vars, as the dyno user, output to the progress callback and
// to the LogStore; past the timeout its process group gets SIGTERM, then SIGKILL after the grace.
// A one-off dyno (`heroku run:detached`, run.N) is the same with its own name, a stop signal and
// an onStart callback. Leaves out: attached one-off dynos (attached-one-off.ts), retries.
import { randomBytes } from 'node:crypto';
import type { OneOffResult, Progress, ReleaseSpec } from '../../../ports/runtime.port.js';
import { exitStatus, type DynoContext } from './dyno.js';
import { startDynoProcess } from './dyno-process.js';

export interface OneOffSpec {
  ctx: DynoContext;
  spec: ReleaseSpec;
  releaseDir: string;
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
  const proc = startDynoProcess({
    name,
    command: o.command,
    cwd: o.releaseDir,
    env: o.spec.env,
    port: null,
    user: o.ctx.user,
    onLine: (line) => {
      o.progress(line);
      log('app', line);
    },
  });
  const key = `v${o.spec.release.version}-${name}-oneoff-${randomBytes(3).toString('hex')}`;
  o.ctx.owned.add(key);
  if (proc.pid !== null) {
    o.ctx.bestEffort('pid file write', o.ctx.pids.write(appId, key, { pid: proc.pid, startTime: proc.startTime, dyno: name, release: o.spec.release.version }));
  }
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
  if (proc.pid !== null) o.onStart?.();
  const exit = await proc.exited;
  o.signal?.removeEventListener('abort', stop);
  clearTimeout(timer);
  clearTimeout(killTimer);
  proc.signal('SIGKILL'); // anything the command left behind in its group
  o.ctx.owned.delete(key);
  o.ctx.bestEffort('pid file remove', o.ctx.pids.remove(appId, key));
  if (exit.error) {
    log('platform', `Process could not be started: ${exit.error}`);
    o.progress(`${name} could not be started: ${exit.error}`);
    return { exitCode: null, timedOut };
  }
  const status = exitStatus(exit);
  log('platform', `Process exited with status ${status}`);
  return { exitCode: timedOut ? exit.code : status, timedOut };
}
