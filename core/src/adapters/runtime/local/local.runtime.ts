// Runtime on one machine: every dyno runs sandboxed as its app's own uid (dyno-launcher.ts: the
// plan's memory and CPU as cgroup limits, its own PID namespace, /app over the release's files)
// under a small supervisor of its own, on a port from config.local.portRange, behind the nginx
// edge. deploy() starts the new release beside the old one, waits for every new dyno to boot (web:
// health check), switches the edge, and only then stops the old dynos; a failed boot stops the new
// ones and leaves the old serving. Dyno status lives in Redis so the api process can read it.
// Operations on one app are serialised.
// recover() (worker start-up, reconcile) brings the machine in line with the given releases: dynos
// a previous worker started that still run the wanted release are adopted (same processes, their
// output flows again), the others are stopped, what is missing is started, apps on another release
// are redeployed, apps not listed are stopped, and the edge's table is rebuilt. shutdown() stops
// every dyno gracefully (a worker that dies without it leaves its dynos running for the next one).
// Leaves out: image artifacts.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { CommandFailedError, ValidationError } from '../../../errors.js';
import type { Logger } from '../../../logger.js';
import type { AppUids } from '../../../ports/app-uids.port.js';
import type { CommandRunner } from '../../../ports/command-runner.port.js';
import type { Edge, EdgeRoute } from '../../../ports/edge.port.js';
import type { LogStore } from '../../../ports/log-store.port.js';
import type { ObjectStore } from '../../../ports/object-store.port.js';
import type {
  OneOffDynoSpec,
  AppRef, DeployResult, DynoStatus, OneOffResult, Progress, ReleaseSpec, Routing, Runtime,
} from '../../../ports/runtime.port.js';
import type { SandboxHost } from '../../sandbox/sandbox-host.js';
import type { CgroupLimits } from '../../sandbox/cgroups.js';
import { bootAll, Dyno, type Backoff, type DynoContext, type DynoSpec } from './dyno.js';
import { DynoLauncher, sortForeign, type DynoRecord } from './dyno-launcher.js';
import { DynoStateStore } from './dyno-state.store.js';
import { KeyedMutex } from './keyed-mutex.js';
import { PortAllocator } from './port-allocator.js';
import { appDir, assertAppId, ensureReachable, ensureReleaseDir, pruneReleaseDirs, releaseDirOf } from './release-dir.js';
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
  sandbox: SandboxHost;
  uids: AppUids;
  /** The dyno process limit (setting), read when a dyno starts. */
  dynoMaxProcesses: () => Promise<number>;
  /** Node binary for dyno supervisors (default: this process's). */
  nodeBin?: string;
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
  private readonly launcher: DynoLauncher;
  private readonly uidCache = new Map<string, Promise<number | null>>();
  private readonly warned = new Map<string, number>();

  constructor(private readonly deps: LocalRuntimeDeps) {
    this.ports = new PortAllocator(deps.local.portRange);
    this.states = new DynoStateStore(deps.redis, deps.redisPrefix);
    this.launcher = new DynoLauncher({
      appsDir: deps.appsDir,
      sandbox: deps.sandbox,
      bestEffort: (what, p) => this.bestEffort(what, p),
      nodeBin: deps.nodeBin ?? process.execPath,
      // the compiled supervisor, whether this module runs compiled (dist) or from source (tests)
      supervisorScript: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../dist/adapters/runtime/local/dyno-supervisor.js'),
    });
  }

  // ---- Runtime --------------------------------------------------------------------------------

  deploy(spec: ReleaseSpec, progress: Progress): Promise<DeployResult> {
    checkSpec(spec);
    return this.mutex.run(spec.app.id, () => this.deployLocked(spec, progress));
  }

  async runOnce(spec: ReleaseSpec, command: string, progress: Progress, timeoutMs: number): Promise<OneOffResult> {
    checkSpec(spec);
    const dir = await this.mutex.run(spec.app.id, () => this.releaseDir(spec, progress));
    return runOneOff({
      ctx: this.context(), spec, releaseDir: dir, uid: await this.uidOf(spec.app.id), limits: await this.limits(spec), command, progress, timeoutMs,
    });
  }

  async runDyno(spec: ReleaseSpec, dyno: OneOffDynoSpec, progress: Progress): Promise<OneOffResult> {
    checkSpec(spec);
    const releaseDir = await this.mutex.run(spec.app.id, () => this.releaseDir(spec, progress));
    const ctx = this.context();
    const uid = await this.uidOf(spec.app.id);
    const limits = await this.limits({ ...spec, plan: dyno.plan });
    if (dyno.attach) return runAttachedOneOff({ ctx, spec, releaseDir, uid, limits, dyno: { ...dyno, attach: dyno.attach } });
    return runOneOff({
      ctx, spec: { ...spec, env: { ...spec.env, ...dyno.env } }, releaseDir, uid, limits, command: dyno.command, progress,
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
      this.uidCache.delete(app.id);
    });
  }

  status(appId: string): Promise<DynoStatus[]> {
    return this.states.list(appId);
  }

  // ---- worker life cycle ----------------------------------------------------------------------

  /** Worker start-up and reconcile: make the machine run exactly `specs` (see the file comment). */
  async recover(specs: ReleaseSpec[], progress: Progress = () => undefined): Promise<void> {
    await this.deps.sandbox.ready();
    const wanted = new Map(specs.map((s) => [s.app.id, s]));
    const adoptable = await this.collectForeign(wanted);
    for (const [appId, st] of [...this.apps]) {
      if (wanted.has(appId)) continue;
      await this.mutex.run(appId, async () => {
        this.apps.delete(appId);
        await this.stopDynos(st.dynos);
      });
    }
    const failures: string[] = [];
    // take over what still runs first, and route to it in one write of the edge's table: no
    // adopted app stops answering while the others are recovered
    for (const [appId, recs] of adoptable) {
      await this.mutex.run(appId, () => this.adopt(wanted.get(appId)!, recs, progress)).catch((err: unknown) => {
        failures.push(appId);
        this.deps.logger.error({ err, appId }, 'local runtime: could not adopt the running dynos of an app');
      });
    }
    if (adoptable.size) await this.deps.edge.replaceAll([...this.apps.values()].map((st) => this.routeOf(st)));
    const queue = [...specs];
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
    await this.states.prune(new Set([...this.apps.values()].flatMap((st) => st.dynos.map((d) => d.instance))));
    await this.launcher.sweepCgroups(new Set());
    if (failures.length) this.deps.logger.warn({ failures }, 'local runtime: some apps were not recovered');
  }

  /** Dynos another worker started: the dead are cleared away; the living that run a wanted release
   *  (one per process slot) are returned for adoption, the others are stopped. */
  private async collectForeign(wanted: Map<string, ReleaseSpec>): Promise<Map<string, DynoRecord[]>> {
    const found = await this.launcher.list();
    for (const f of found) if (!f.alive) await this.launcher.discard(f.record);
    const live = found.filter((f) => f.alive).map((f) => f.record);
    const { adopt, stop } = sortForeign(live, wanted, new Set(this.apps.keys()));
    await Promise.all(stop.map(async (rec) => (await Dyno.adoptStray(this.context(), rec)).stop()));
    if (stop.length) this.deps.logger.info({ stopped: stop.length }, 'local runtime: stopped dynos a previous worker left on another release');
    return adopt;
  }

  /** Takes over the running dynos of an app this worker does not run yet (no edge write). */
  private async adopt(spec: ReleaseSpec, recs: DynoRecord[], progress: Progress): Promise<void> {
    checkSpec(spec);
    // the running dynos' files are there (never re-made under them); only a missing dir is fetched
    const dir = releaseDirOf(this.deps.appsDir, spec.app.id, spec.release.version);
    const st: AppState = { app: spec.app, spec, releaseDir: existsSync(dir) ? dir : await this.releaseDir(spec, progress), dynos: [] };
    const uid = await this.uidOf(spec.app.id);
    const limits = await this.limits(spec);
    for (const rec of recs) {
      const proc = spec.processes.find((p) => p.type === rec.type)!;
      this.ports.hold(rec.port);
      st.dynos.push(await Dyno.adopt(this.context(), this.dynoSpec(st, rec.type, rec.index, rec.port, proc.command, uid, limits), rec));
    }
    this.apps.set(spec.app.id, st);
    this.deps.logger.info({ appId: spec.app.id, dynos: recs.length }, 'local runtime: adopted running dynos');
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
    this.apps.set(spec.app.id, fresh);
    await this.scaleLocked(fresh, spec);
  }

  /** Worker stop: stop every dyno gracefully (recover() starts them on the next start). A worker
   *  that dies without calling this leaves its dynos running for the next one to adopt. */
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
    await this.deps.sandbox.ready();
    await ensureReachable(this.deps.appsDir);
    const deps = { appsDir: this.deps.appsDir, objects: this.deps.objects, commands: this.deps.commands };
    return ensureReleaseDir(deps, spec, progress, await this.uidOf(spec.app.id));
  }

  /** The app's own uid, or null when the platform is not root (everything runs as itself). */
  private uidOf(appId: string): Promise<number | null> {
    let uid = this.uidCache.get(appId);
    if (!uid) {
      uid = this.deps.sandbox.ready().then((h) => (h.privileged ? this.deps.uids.uidOf(appId) : null));
      uid.catch(() => this.uidCache.delete(appId));
      this.uidCache.set(appId, uid);
    }
    return uid;
  }

  private async limits(spec: ReleaseSpec): Promise<CgroupLimits> {
    return { memoryMb: spec.plan.memoryMb, cpus: spec.plan.cpu, pids: await this.deps.dynoMaxProcesses() };
  }

  private context(): DynoContext {
    const b = this.deps.backoff ?? {};
    return {
      logs: this.deps.logs,
      states: this.states,
      launcher: this.launcher,
      logger: this.deps.logger,
      bootTimeoutMs: this.deps.local.bootTimeoutSeconds * 1000,
      stopGraceMs: this.deps.local.stopGraceSeconds * 1000,
      settleMs: this.deps.settleMs ?? 1000,
      backoff: { initialMs: b.initialMs ?? 1000, maxMs: b.maxMs ?? 60_000, resetAfterMs: b.resetAfterMs ?? 60_000 },
      bestEffort: (what, p) => this.bestEffort(what, p),
    };
  }

  private async newDyno(st: AppState, type: string, index: number): Promise<Dyno> {
    const proc = st.spec.processes.find((p) => p.type === type);
    if (!proc) throw new ValidationError(`release v${st.spec.release.version} has no process type "${type}"`);
    const spec = this.dynoSpec(st, type, index, await this.ports.take(), proc.command, await this.uidOf(st.app.id), await this.limits(st.spec));
    return new Dyno(this.context(), spec);
  }

  private dynoSpec(st: AppState, type: string, index: number, port: number, command: string, uid: number | null, limits: CgroupLimits): DynoSpec {
    return {
      appId: st.app.id, release: st.spec.release.version, type, index, command, releaseDir: st.releaseDir, env: st.spec.env, port,
      healthCheckPath: st.spec.healthCheckPath, healthHost: st.spec.routing.hostnames[0] ?? 'localhost', uid, limits,
    };
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
