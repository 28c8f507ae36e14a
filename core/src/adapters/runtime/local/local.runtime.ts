// Runtime on one machine: every dyno is a supervised child process of the worker, on a port from
// config.local.portRange, behind the nginx edge. deploy() starts the new release beside the old
// one, waits for every new dyno to boot (web: health check), switches the edge, and only then
// stops the old dynos; a failed boot stops the new ones and leaves the old serving. Dyno status
// lives in Redis so the api process can read it. Operations on one app are serialised.
// recover() (worker start-up, reconcile) brings the machine in line with the given releases: it
// ends processes a dead worker left behind (pid files), starts what is missing, redeploys apps on
// another release, stops apps not listed, and rebuilds the edge's table; dynos that already run
// as they should are left alone. shutdown() stops every dyno gracefully.
// Leaves out: image artifacts, plan limits (cpu/memory are not enforced locally), per-app users.
import { rm } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { CommandFailedError, ValidationError } from '../../../errors.js';
import type { Logger } from '../../../logger.js';
import type { CommandRunner } from '../../../ports/command-runner.port.js';
import type { Edge, EdgeRoute } from '../../../ports/edge.port.js';
import type { LogStore } from '../../../ports/log-store.port.js';
import type { ObjectStore } from '../../../ports/object-store.port.js';
import type {
  OneOffDynoSpec,
  AppRef, DeployResult, DynoStatus, OneOffResult, Progress, ReleaseSpec, Routing, Runtime,
} from '../../../ports/runtime.port.js';
import { bootAll, Dyno, type Backoff, type DynoContext } from './dyno.js';
import { DynoStateStore } from './dyno-state.store.js';
import { resolveDynoUser, type DynoUser } from './dyno-user.js';
import { KeyedMutex } from './keyed-mutex.js';
import { PidFiles } from './pid-files.js';
import { PortAllocator } from './port-allocator.js';
import { appDir, assertAppId, ensureReachable, ensureReleaseDir, pruneReleaseDirs } from './release-dir.js';
import { runOneOff } from './one-off.js';
import { runAttachedOneOff } from './attached-one-off.js';
import { checkSpec } from './spec-check.js';

export interface LocalRuntimeDeps {
  /** config.paths.apps */
  appsDir: string;
  /** config.local */
  local: { bootTimeoutSeconds: number; stopGraceSeconds: number; portRange: [number, number] };
  redis: Redis;
  /** config.redis.prefix */
  redisPrefix: string;
  objects: ObjectStore;
  logs: LogStore;
  edge: Edge;
  commands: CommandRunner;
  logger: Logger;
  /** OS user for dynos when the platform runs as root (default "slipway-dyno", else "nobody"). */
  dynoUser?: string;
  /** How long a non-web dyno must stay up to count as booted (default 1000 ms). */
  settleMs?: number;
  backoff?: Partial<Backoff>;
}

interface AppState {
  app: AppRef;
  spec: ReleaseSpec;
  releaseDir: string;
  dynos: Dyno[];
}

const TARGET_HOST = '127.0.0.1';

export class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  private readonly apps = new Map<string, AppState>();
  private readonly mutex = new KeyedMutex();
  private readonly ports: PortAllocator;
  private readonly states: DynoStateStore;
  private readonly pids: PidFiles;
  private user: Promise<DynoUser | null> | null = null;
  private readonly warned = new Map<string, number>();
  private readonly owned = new Set<string>();

  constructor(private readonly deps: LocalRuntimeDeps) {
    this.ports = new PortAllocator(deps.local.portRange);
    this.states = new DynoStateStore(deps.redis, deps.redisPrefix);
    this.pids = new PidFiles(deps.appsDir);
  }

  // ---- Runtime --------------------------------------------------------------------------------

  deploy(spec: ReleaseSpec, progress: Progress): Promise<DeployResult> {
    checkSpec(spec);
    return this.mutex.run(spec.app.id, () => this.deployLocked(spec, progress));
  }

  async runOnce(spec: ReleaseSpec, command: string, progress: Progress, timeoutMs: number): Promise<OneOffResult> {
    checkSpec(spec);
    const dir = await this.mutex.run(spec.app.id, () => this.releaseDir(spec, progress));
    return runOneOff({ ctx: await this.context(), spec, releaseDir: dir, command, progress, timeoutMs });
  }

  async runDyno(spec: ReleaseSpec, dyno: OneOffDynoSpec, progress: Progress): Promise<OneOffResult> {
    checkSpec(spec);
    const releaseDir = await this.mutex.run(spec.app.id, () => this.releaseDir(spec, progress));
    const ctx = await this.context();
    if (dyno.attach) return runAttachedOneOff({ ctx, spec, releaseDir, dyno: { ...dyno, attach: dyno.attach } });
    return runOneOff({
      ctx, spec: { ...spec, env: { ...spec.env, ...dyno.env } }, releaseDir, command: dyno.command, progress,
      timeoutMs: dyno.timeoutMs, name: dyno.name, signal: dyno.signal, onStart: dyno.onStart,
    });
  }

  scale(spec: ReleaseSpec): Promise<void> {
    checkSpec(spec);
    return this.mutex.run(spec.app.id, async () => {
      const st = this.apps.get(spec.app.id);
      if (st && st.spec.release.version === spec.release.version) return this.scaleLocked(st, spec);
      const res = await this.deployLocked(spec, () => undefined);
      if (!res.ok) throw new CommandFailedError(`could not start v${spec.release.version}: ${res.reason}`);
    });
  }

  restart(app: AppRef, type?: string): Promise<void> {
    return this.mutex.run(app.id, async () => {
      const st = this.apps.get(app.id);
      if (!st) return;
      const targets = st.dynos.filter((d) => !type || d.spec.type === type);
      const web = targets.filter((d) => d.spec.type === 'web');
      const others = targets.filter((d) => d.spec.type !== 'web');
      // web: rolling — new processes first, traffic moves once they are healthy, then the old stop.
      const newWeb = await Promise.all(web.map((d) => this.newDyno(st, 'web', d.spec.index)));
      const failure = await bootAll(newWeb);
      if (failure) {
        await this.stopDynos(newWeb);
        throw new CommandFailedError(`restart failed, the running processes keep serving: ${failure}`);
      }
      newWeb.forEach((d) => d.supervise());
      const newOthers: Dyno[] = [];
      await Promise.all(others.map(async (d) => {
        await this.stopDyno(d);
        const n = await this.newDyno(st, d.spec.type, d.spec.index);
        n.supervise();
        n.start();
        newOthers.push(n);
        await n.boot();
      }));
      st.dynos = [...st.dynos.filter((d) => !targets.includes(d)), ...newWeb, ...newOthers];
      await this.applyRoute(st);
      await this.stopDynos(web);
    });
  }

  setRouting(app: AppRef, routing: Routing): Promise<void> {
    return this.mutex.run(app.id, async () => {
      const st = this.apps.get(app.id);
      if (st) {
        st.spec = { ...st.spec, routing };
        await this.applyRoute(st);
      } else {
        await this.deps.edge.setRoute({ appId: assertAppId(app.id), hostnames: routing.hostnames, maintenance: routing.maintenance, unavailable: routing.unavailable, targets: [], httpsRedirect: routing.httpsRedirect });
      }
    });
  }

  stop(app: AppRef): Promise<void> {
    return this.mutex.run(app.id, async () => {
      const st = this.apps.get(app.id);
      if (!st) return;
      const old = st.dynos;
      st.dynos = [];
      await this.applyRoute(st);
      await this.stopDynos(old);
    });
  }

  remove(app: AppRef): Promise<void> {
    return this.mutex.run(app.id, async () => {
      const dir = appDir(this.deps.appsDir, app.id);
      const st = this.apps.get(app.id);
      this.apps.delete(app.id);
      await this.deps.edge.removeRoute(app.id);
      if (st) await this.stopDynos(st.dynos);
      await this.states.clear(app.id);
      await rm(dir, { recursive: true, force: true });
    });
  }

  status(appId: string): Promise<DynoStatus[]> {
    return this.states.list(appId);
  }

  // ---- worker life cycle ----------------------------------------------------------------------

  /** Worker start-up and reconcile: make the machine run exactly `specs` (see the file comment). */
  async recover(specs: ReleaseSpec[], progress: Progress = () => undefined): Promise<void> {
    const ended = await this.pids.endLeftovers(this.deps.local.stopGraceSeconds * 1000, this.owned);
    if (ended) this.deps.logger.info({ ended }, 'local runtime: ended processes left by a previous worker');
    await this.states.prune(new Set([...this.apps.values()].flatMap((st) => st.dynos.map((d) => d.instance))));
    const wanted = new Set(specs.map((s) => s.app.id));
    for (const [appId, st] of [...this.apps]) {
      if (wanted.has(appId)) continue;
      await this.mutex.run(appId, async () => {
        this.apps.delete(appId);
        await this.stopDynos(st.dynos);
      });
    }
    const queue = [...specs];
    const failures: string[] = [];
    await Promise.all(Array.from({ length: Math.min(2, queue.length) }, async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        const spec = s;
        await this.mutex.run(spec.app.id, () => this.recoverApp(spec, progress)).catch((err: unknown) => {
          failures.push(spec.app.id);
          this.deps.logger.error({ err, appId: spec.app.id }, 'local runtime: could not recover app');
        });
      }
    }));
    await this.deps.edge.replaceAll([...this.apps.values()].map((st) => this.routeOf(st)));
    if (failures.length) this.deps.logger.warn({ failures }, 'local runtime: some apps were not recovered');
  }

  private async recoverApp(spec: ReleaseSpec, progress: Progress): Promise<void> {
    checkSpec(spec);
    const st = this.apps.get(spec.app.id);
    if (st && st.spec.release.version === spec.release.version) return this.scaleLocked(st, spec);
    if (st) {
      const res = await this.deployLocked(spec, progress);
      if (!res.ok) this.deps.logger.error({ appId: spec.app.id, reason: res.reason }, 'local runtime: reconcile deploy failed; the running release stays');
      return;
    }
    // Nothing of this app runs here: start it, supervised (a crash during boot is retried with backoff).
    const fresh: AppState = { app: spec.app, spec, releaseDir: await this.releaseDir(spec, progress), dynos: [] };
    for (const p of spec.processes) for (let i = 1; i <= p.quantity; i++) fresh.dynos.push(await this.newDyno(fresh, p.type, i));
    for (const d of fresh.dynos) {
      d.supervise();
      d.start();
    }
    this.apps.set(spec.app.id, fresh);
    await Promise.all(fresh.dynos.map((d) => d.boot()));
  }

  /** Worker stop: stop every dyno gracefully (recover() starts them on the next start). */
  async shutdown(): Promise<void> {
    const all = [...this.apps.values()];
    this.apps.clear();
    await Promise.all(all.map((st) => this.stopDynos(st.dynos)));
  }

  // ---- internals ------------------------------------------------------------------------------

  private async deployLocked(spec: ReleaseSpec, progress: Progress): Promise<DeployResult> {
    const dir = await this.releaseDir(spec, progress);
    const old = this.apps.get(spec.app.id);
    const st: AppState = { app: spec.app, spec, releaseDir: dir, dynos: [] };
    for (const p of spec.processes) for (let i = 1; i <= p.quantity; i++) st.dynos.push(await this.newDyno(st, p.type, i));
    for (const d of st.dynos) progress(`Starting ${d.name} of v${spec.release.version}: ${d.spec.command}`);
    const failure = await bootAll(st.dynos, progress);
    if (failure) {
      progress(`Boot failed: ${failure}`);
      await this.stopDynos(st.dynos);
      return { ok: false, reason: failure };
    }
    st.dynos.forEach((d) => d.supervise());
    try {
      if (this.hasRoute(st)) progress(`Routing traffic to v${spec.release.version}`);
      await this.applyRoute(st);
    } catch (err) {
      await this.stopDynos(st.dynos);
      throw err;
    }
    this.apps.set(spec.app.id, st);
    if (old?.dynos.length) {
      progress(`Stopping v${old.spec.release.version} (${old.dynos.length} process${old.dynos.length === 1 ? '' : 'es'})`);
      await this.stopDynos(old.dynos);
    }
    const keep = [spec.release.version, ...(old ? [old.spec.release.version] : [])];
    this.bestEffort('prune release directories', pruneReleaseDirs(this.deps.appsDir, spec.app.id, keep));
    progress(`v${spec.release.version} is live`);
    return { ok: true };
  }

  /** Apply quantities of the release `st` runs: start the missing dynos, stop the extra ones. */
  private async scaleLocked(st: AppState, spec: ReleaseSpec): Promise<void> {
    st.spec = spec;
    const keep: Dyno[] = [];
    const extra: Dyno[] = [];
    const fresh: Dyno[] = [];
    for (const d of st.dynos) {
      const want = spec.processes.find((p) => p.type === d.spec.type)?.quantity ?? 0;
      (d.spec.index <= want ? keep : extra).push(d);
    }
    for (const p of spec.processes) {
      const have = new Set(keep.filter((d) => d.spec.type === p.type).map((d) => d.spec.index));
      for (let i = 1; i <= p.quantity; i++) if (!have.has(i)) fresh.push(await this.newDyno(st, p.type, i));
    }
    for (const d of fresh) {
      d.supervise();
      d.start();
    }
    await Promise.all(fresh.map((d) => d.boot()));
    st.dynos = [...keep, ...fresh];
    await this.applyRoute(st);
    await this.stopDynos(extra);
  }

  private async releaseDir(spec: ReleaseSpec, progress: Progress): Promise<string> {
    await ensureReachable(this.deps.appsDir, await this.dynoUser());
    return ensureReleaseDir({ appsDir: this.deps.appsDir, objects: this.deps.objects, commands: this.deps.commands }, spec, progress);
  }

  private dynoUser(): Promise<DynoUser | null> {
    this.user ??= resolveDynoUser(this.deps.dynoUser ?? 'slipway-dyno');
    return this.user;
  }

  private async context(): Promise<DynoContext> {
    const b = this.deps.backoff ?? {};
    return {
      logs: this.deps.logs,
      states: this.states,
      pids: this.pids,
      logger: this.deps.logger,
      user: await this.dynoUser(),
      bootTimeoutMs: this.deps.local.bootTimeoutSeconds * 1000,
      stopGraceMs: this.deps.local.stopGraceSeconds * 1000,
      settleMs: this.deps.settleMs ?? 1000,
      backoff: { initialMs: b.initialMs ?? 1000, maxMs: b.maxMs ?? 60_000, resetAfterMs: b.resetAfterMs ?? 60_000 },
      owned: this.owned,
      bestEffort: (what, p) => this.bestEffort(what, p),
    };
  }

  private async newDyno(st: AppState, type: string, index: number): Promise<Dyno> {
    const proc = st.spec.processes.find((p) => p.type === type);
    if (!proc) throw new ValidationError(`release v${st.spec.release.version} has no process type "${type}"`);
    return new Dyno(await this.context(), {
      appId: st.app.id,
      release: st.spec.release.version,
      type,
      index,
      command: proc.command,
      releaseDir: st.releaseDir,
      env: st.spec.env,
      port: await this.ports.take(),
      healthCheckPath: st.spec.healthCheckPath,
      healthHost: st.spec.routing.hostnames[0] ?? 'localhost',
    });
  }

  private async stopDyno(d: Dyno): Promise<void> {
    await d.stop();
    this.ports.release(d.port);
  }

  private async stopDynos(dynos: Dyno[]): Promise<void> {
    await Promise.all(dynos.map((d) => this.stopDyno(d)));
  }

  private hasRoute(st: AppState): boolean {
    return st.spec.routing.hostnames.length > 0 && st.spec.processes.some((p) => p.type === 'web');
  }

  private routeOf(st: AppState): EdgeRoute {
    const { routing } = st.spec;
    return {
      appId: st.app.id,
      hostnames: this.hasRoute(st) ? routing.hostnames : [],
      maintenance: routing.maintenance,
      unavailable: routing.unavailable,
      httpsRedirect: routing.httpsRedirect,
      targets: st.dynos.filter((d) => d.spec.type === 'web' && !d.isStopping).map((d) => ({ host: TARGET_HOST, port: d.port })),
    };
  }

  private async applyRoute(st: AppState): Promise<void> {
    const route = this.routeOf(st);
    if (route.hostnames.length) await this.deps.edge.setRoute(route);
    else await this.deps.edge.removeRoute(st.app.id);
  }

  /** The one place a failure is only logged: log forwarding, status and pid bookkeeping. */
  private bestEffort(what: string, p: Promise<unknown>): void {
    p.catch((err: unknown) => {
      const last = this.warned.get(what) ?? 0;
      if (Date.now() - last < 10_000) return;
      this.warned.set(what, Date.now());
      this.deps.logger.warn({ err }, `local runtime: ${what} failed (best effort; repeats muted for 10 s)`);
    });
  }
}
