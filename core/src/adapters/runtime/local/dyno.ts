// One supervised dyno ("web.1" of release vN): starts its process in its sandbox (dyno-launcher.ts:
// the app's uid, the plan's memory and CPU as cgroup limits), forwards its output to the LogStore
// (source "app") with Heroku-style platform events (source "platform"), reports its state to
// Redis, boots it (web: health check within the boot timeout; other types: must survive a short
// settle window), restarts it after a crash with backoff (1 s doubling to 60 s, reset after a
// minute up) once it is supervised, and stops it (SIGTERM to every process in the sandbox, SIGKILL
// after the grace period). A process the kernel killed at the memory limit is logged as Heroku's
// R15. A dyno a previous worker started is adopted (adopt()): same process, output flowing again.
// Leaves out: ports and routing (local.runtime.ts), fetching the release (release-dir.ts).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from '../../../logger.js';
import { SAFE_PATH } from '../../command/spawn.command-runner.js';
import type { CgroupLimits } from '../../sandbox/cgroups.js';
import type { LogStore } from '../../../ports/log-store.port.js';
import type { DynoState, DynoStatus } from '../../../ports/runtime.port.js';
import type { DynoStateStore } from './dyno-state.store.js';
import type { DynoLauncher, DynoRecord } from './dyno-launcher.js';
import type { DynoExit, DynoProcess } from './dyno-process.js';
import { probe } from './health.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}

/** What every dyno of one runtime shares. */
export interface DynoContext {
  logs: LogStore;
  states: DynoStateStore;
  launcher: DynoLauncher;
  logger: Logger;
  bootTimeoutMs: number;
  stopGraceMs: number;
  settleMs: number;
  backoff: Backoff;
  bestEffort(what: string, p: Promise<unknown>): void;
}

export interface DynoSpec {
  appId: string;
  release: number;
  type: string;
  index: number;
  command: string;
  releaseDir: string;
  env: Record<string, string>;
  port: number;
  healthCheckPath: string | null;
  /** Host header of the HTTP health check (the app's first hostname). */
  healthHost?: string;
  /** The app's Unix uid (null: the platform is not root and runs everything as itself). */
  uid: number | null;
  /** The plan's memory and CPU, the dyno process limit. */
  limits: CgroupLimits;
}

export type BootResult = { ok: true; detail: string } | { ok: false; reason: string };

const RECENT_LINES = 10;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The environment of a dyno process: exactly the app's config vars plus PORT, DYNO, HOME=/app
 *  (and a default PATH) — never the platform's. */
export function dynoEnv(env: Record<string, string>, name: string, port: number | null): Record<string, string> {
  const out: Record<string, string> = { PATH: SAFE_PATH, ...env, HOME: '/app', DYNO: name };
  if (port !== null) out.PORT = String(port);
  else delete out.PORT;
  return out;
}

export function exitStatus(exit: DynoExit): number | null {
  if (exit.code !== null) return exit.code;
  const n = exit.signal ? os.constants.signals[exit.signal as NodeJS.Signals] : undefined;
  return n === undefined ? null : 128 + n;
}

export class Dyno {
  readonly name: string;
  /** Unique per process slot (a restart of the same release gets a new instance id). */
  readonly instance: string;
  state: DynoState = 'down';
  restarts = 0;
  private startedAt: Date | null = null;
  private proc: DynoProcess | null = null;
  private supervised = false;
  private stopping: Promise<void> | null = null;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private readonly recent: string[] = [];

  constructor(private readonly ctx: DynoContext, readonly spec: DynoSpec, instance?: string) {
    this.name = `${spec.type}.${spec.index}`;
    this.instance = instance ?? `v${spec.release}-${this.name}-${randomBytes(3).toString('hex')}`;
    this.backoffMs = ctx.backoff.initialMs;
  }

  /** Takes over a dyno a previous worker left that is not wanted any more, only to stop it. */
  static adoptStray(ctx: DynoContext, rec: DynoRecord): Promise<Dyno> {
    const spec: DynoSpec = {
      appId: rec.appId, release: rec.release, type: rec.type, index: rec.index, command: '', releaseDir: '', env: {}, port: rec.port,
      healthCheckPath: null, uid: rec.uid, limits: { memoryMb: 0, cpus: 0, pids: 0 },
    };
    return Dyno.adopt(ctx, spec, rec);
  }

  /** Takes over a dyno a previous worker started (its process keeps running). */
  static async adopt(ctx: DynoContext, spec: DynoSpec, rec: DynoRecord): Promise<Dyno> {
    const d = new Dyno(ctx, spec, rec.instance);
    d.restarts = rec.restarts;
    d.startedAt = new Date(rec.startedAt);
    d.supervised = true;
    const proc = await ctx.launcher.attach(rec, (line) => d.onLine(line));
    d.proc = proc;
    d.setState('up');
    void proc.exited.then((exit) => d.onExit(proc, exit));
    return d;
  }

  get port(): number {
    return this.spec.port;
  }

  get pid(): number | null {
    return this.proc?.isRunning() ? this.proc.pid : null;
  }

  get isStopping(): boolean {
    return this.stopping !== null;
  }

  status(): DynoStatus {
    return {
      name: this.name,
      type: this.spec.type,
      state: this.state,
      releaseVersion: this.spec.release,
      startedAt: this.startedAt?.toISOString() ?? null,
      restarts: this.restarts,
    };
  }

  start(): void {
    if (this.stopping) return;
    this.setState('starting');
    this.platform(`Starting process with command \`${this.spec.command}\``);
    const s = this.spec;
    const proc = this.ctx.launcher.start({
      appId: s.appId, instance: this.instance, restarts: this.restarts, name: this.name, release: s.release, type: s.type, index: s.index,
      port: s.port, releaseDir: s.releaseDir, uid: s.uid, command: s.command, env: dynoEnv(s.env, this.name, s.port), limits: s.limits,
      supervised: true, onLine: (line) => this.onLine(line),
    });
    this.proc = proc;
    this.startedAt = new Date();
    void proc.exited.then((exit) => this.onExit(proc, exit));
  }

  /** Wait for the dyno to boot. A dyno that exits, or (web) is not healthy in time, fails. */
  async boot(): Promise<BootResult> {
    const proc = this.proc;
    if (!proc) return { ok: false, reason: `${this.name} was not started` };
    const t0 = Date.now();
    const exited = proc.exited.then((exit) => ({ exit }));
    if (this.spec.type !== 'web') {
      const r = await Promise.race([exited, sleep(Math.min(this.ctx.settleMs, this.ctx.bootTimeoutMs)).then(() => null)]);
      if (r) return this.bootFailure(r.exit);
      if (this.stopping || proc !== this.proc) return { ok: false, reason: `${this.name} was stopped during boot` };
      this.setState('up');
      return { ok: true, detail: `${this.name} is running` };
    }
    const deadline = t0 + this.ctx.bootTimeoutMs;
    let last = 'not checked yet';
    for (;;) {
      if (this.stopping || proc !== this.proc) return { ok: false, reason: `${this.name} was stopped during boot` };
      const left = Math.max(100, deadline - Date.now());
      const r = await Promise.race([exited, probe(this.port, this.spec.healthCheckPath, Math.min(2_000, left), this.spec.healthHost).then((p) => ({ p }))]);
      if ('exit' in r) return this.bootFailure(r.exit);
      if (r.p.ok) {
        if (this.stopping || proc !== this.proc) return { ok: false, reason: `${this.name} was stopped during boot` };
        this.setState('up');
        return { ok: true, detail: `${this.name} is up (${r.p.detail}, ${((Date.now() - t0) / 1000).toFixed(1)} s)` };
      }
      last = r.p.detail;
      if (Date.now() >= deadline) {
        const secs = Math.round(this.ctx.bootTimeoutMs / 1000);
        const what = this.spec.healthCheckPath ? `pass its health check (${last})` : 'bind to $PORT';
        this.platform(`Error R10 (Boot timeout) -> Web process failed to ${what} within ${secs} seconds of launch`);
        if (this.supervised) {
          this.platform('Stopping process with SIGKILL');
          proc.signal('SIGKILL');
        }
        return { ok: false, reason: `${this.name} did not become healthy within ${secs} s (${last})${this.recentText()}` };
      }
      const r2 = await Promise.race([exited, sleep(150).then(() => null)]);
      if (r2) return this.bootFailure(r2.exit);
    }
  }

  /** From now on a crash restarts the dyno (with backoff) instead of failing a boot. */
  supervise(): void {
    this.supervised = true;
    if (this.state === 'crashed' && !this.restartTimer && !this.stopping) this.scheduleRestart();
  }

  stop(graceMs = this.ctx.stopGraceMs): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      const proc = this.proc;
      if (proc?.isRunning()) {
        this.setState('stopping');
        this.platform('Stopping all processes with SIGTERM');
        proc.signal('SIGTERM');
        const inTime = await Promise.race([proc.exited.then(() => true), sleep(graceMs).then(() => false)]);
        if (!inTime) {
          this.platform('Stopping process with SIGKILL');
          proc.signal('SIGKILL');
        }
      }
      // the sandbox ends with its main process; its cgroup and files are gone once exited resolves
      if (proc) await proc.exited;
      this.setState('down');
    })();
    return this.stopping;
  }

  private recentText(): string {
    return this.recent.length ? `: ${this.recent.join('\n')}` : '';
  }

  private bootFailure(exit: DynoExit): BootResult {
    if (this.stopping) return { ok: false, reason: `${this.name} was stopped during boot` };
    if (exit.error) return { ok: false, reason: `${this.name} could not be started: ${exit.error}` };
    if (exit.oomKilled) return { ok: false, reason: `${this.name} ran out of memory during boot (its plan allows ${this.spec.limits.memoryMb} MB)${this.recentText()}` };
    return { ok: false, reason: `${this.name} exited with status ${exitStatus(exit)} during boot${this.recentText()}` };
  }

  private onLine(line: string): void {
    this.recent.push(line);
    if (this.recent.length > RECENT_LINES) this.recent.shift();
    this.ctx.bestEffort('log append', this.ctx.logs.append(this.spec.appId, { source: 'app', dyno: this.name, line }));
  }

  private platform(line: string): void {
    this.ctx.bestEffort('log append', this.ctx.logs.append(this.spec.appId, { source: 'platform', dyno: this.name, line }));
  }

  private setState(next: DynoState): void {
    const prev = this.state;
    if (prev === next) return;
    this.state = next;
    if (prev !== 'down' && next !== 'stopping' && !(prev === 'stopping' && next === 'down')) {
      this.platform(`State changed from ${prev} to ${next}`);
    }
    const { appId } = this.spec;
    if (next === 'down') this.ctx.bestEffort('dyno state', this.ctx.states.delete(appId, this.instance));
    else this.ctx.bestEffort('dyno state', this.ctx.states.put(appId, this.instance, this.status()));
  }

  private onExit(proc: DynoProcess, exit: DynoExit): void {
    if (proc !== this.proc) return;
    const status = exitStatus(exit);
    if (exit.oomKilled) {
      this.platform(`Error R15 (Memory quota vastly exceeded) -> the dyno reached its memory limit of ${this.spec.limits.memoryMb} MB and was killed`);
    }
    this.platform(exit.error ? `Process could not be started: ${exit.error}` : `Process exited with status ${status}`);
    if (this.stopping) return;
    this.setState('crashed');
    this.ctx.logger.warn({ appId: this.spec.appId, dyno: this.name, release: this.spec.release, status }, 'dyno exited');
    if (this.supervised) this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const ranMs = this.startedAt ? Date.now() - this.startedAt.getTime() : 0;
    if (ranMs >= this.ctx.backoff.resetAfterMs) this.backoffMs = this.ctx.backoff.initialMs;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.ctx.backoff.maxMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.restarts += 1;
      this.start();
      void this.boot();
    }, delay);
  }
}

/** Starts and boots dynos; resolves with the first failure (fail fast), or null when all are up. */
export function bootAll(dynos: Dyno[], progress: (line: string) => void = () => undefined): Promise<string | null> {
  for (const d of dynos) d.start();
  return new Promise((resolve) => {
    let left = dynos.length;
    if (!left) resolve(null);
    for (const d of dynos) {
      void d.boot().then((r) => {
        if (!r.ok) return resolve(r.reason);
        progress(r.detail);
        if (--left === 0) resolve(null);
      });
    }
  });
}
