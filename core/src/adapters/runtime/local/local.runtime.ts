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
// Dynos are made and stopped by dyno-factory.ts (port, uid, limits, release files).
// Leaves out: image artifacts.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { CommandFailedError } from '../../../errors.js';
import type { Edge, EdgeRoute } from '../../../ports/edge.port.js';
import type {
  OneOffDynoSpec,
  AppRef, DeployResult, DynoStatus, OneOffResult, Progress, ReleaseSpec, Routing, Runtime,
} from '../../../ports/runtime.port.js';
import { bootAll, Dyno } from './dyno.js';
import { sortForeign, type DynoRecord } from './dyno-launcher.js';
import { DynoFactory, type AppState, type DynoFactoryDeps } from './dyno-factory.js';
import { KeyedMutex } from './keyed-mutex.js';
import { appDir, assertAppId, pruneReleaseDirs, releaseDirOf } from './release-dir.js';
import { runOneOff } from './one-off.js';
import { runAttachedOneOff } from './attached-one-off.js';
import { checkSpec } from './spec-check.js';

export interface LocalRuntimeDeps extends DynoFactoryDeps {
  edge: Edge;
}

const TARGET_HOST = '127.0.0.1';

export class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  private readonly apps = new Map<string, AppState>();
  private readonly mutex = new KeyedMutex();
  private readonly factory: DynoFactory;
  private readonly warned = new Map<string, number>();

  constructor(private readonly deps: LocalRuntimeDeps) {
    this.factory = new DynoFactory(deps, (what, p) => this.bestEffort(what, p));
  }

  // ---- Runtime --------------------------------------------------------------------------------

  deploy(spec: ReleaseSpec, progress: Progress): Promise<DeployResult> {
    checkSpec(spec);
    return this.mutex.run(spec.app.id, () => this.deployLocked(spec, progress));
  }

  async runOnce(spec: ReleaseSpec, command: string, progress: Progress, timeoutMs: number): Promise<OneOffResult> {
    checkSpec(spec);
    const dir = await this.mutex.run(spec.app.id, () => this.factory.releaseDir(spec, progress));
    return runOneOff({
      ctx: this.factory.context(), spec, releaseDir: dir, uid: await this.factory.uidOf(spec.app.id), limits: await this.factory.limits(spec), command, progress, timeoutMs,
    });
  }

  async runDyno(spec: ReleaseSpec, dyno: OneOffDynoSpec, progress: Progress): Promise<OneOffResult> {
    checkSpec(spec);
    const releaseDir = await this.mutex.run(spec.app.id, () => this.factory.releaseDir(spec, progress));
    const ctx = this.factory.context();
    const uid = await this.factory.uidOf(spec.app.id);
    const limits = await this.factory.limits({ ...spec, plan: dyno.plan });
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
      const newWeb = await Promise.all(web.map((d) => this.factory.newDyno(st, 'web', d.spec.index)));
      const failure = await bootAll(newWeb);
      if (failure) {
        await this.factory.stopDynos(newWeb);
        throw new CommandFailedError(`restart failed, the running processes keep serving: ${failure}`);
      }
      newWeb.forEach((d) => d.supervise());
      const newOthers: Dyno[] = [];
      await Promise.all(others.map(async (d) => {
        await this.factory.stopDyno(d);
        const n = await this.factory.newDyno(st, d.spec.type, d.spec.index);
        n.supervise();
        n.start();
        newOthers.push(n);
        await n.boot();
      }));
      st.dynos = [...st.dynos.filter((d) => !targets.includes(d)), ...newWeb, ...newOthers];
      await this.applyRoute(st);
      await this.factory.stopDynos(web);
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
      await this.factory.stopDynos(old);
    });
  }

  remove(app: AppRef): Promise<void> {
    return this.mutex.run(app.id, async () => {
      const dir = appDir(this.deps.appsDir, app.id);
      const st = this.apps.get(app.id);
      this.apps.delete(app.id);
      await this.deps.edge.removeRoute(app.id);
      if (st) await this.factory.stopDynos(st.dynos);
      await this.factory.states.clear(app.id);
      await rm(dir, { recursive: true, force: true });
      this.factory.forget(app.id);
    });
  }

  status(appId: string): Promise<DynoStatus[]> {
    return this.factory.states.list(appId);
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
        await this.factory.stopDynos(st.dynos);
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
    await this.factory.states.prune(new Set([...this.apps.values()].flatMap((st) => st.dynos.map((d) => d.instance))));
    await this.factory.launcher.sweepCgroups(new Set());
    if (failures.length) this.deps.logger.warn({ failures }, 'local runtime: some apps were not recovered');
  }

  /** Dynos another worker started: the dead are cleared away; the living that run a wanted release
   *  (one per process slot) are returned for adoption, the others are stopped. */
  private async collectForeign(wanted: Map<string, ReleaseSpec>): Promise<Map<string, DynoRecord[]>> {
    const found = await this.factory.launcher.list();
    for (const f of found) if (!f.alive) await this.factory.launcher.discard(f.record);
    const live = found.filter((f) => f.alive).map((f) => f.record);
    const { adopt, stop } = sortForeign(live, wanted, new Set(this.apps.keys()));
    await Promise.all(stop.map(async (rec) => (await Dyno.adoptStray(this.factory.context(), rec)).stop()));
    if (stop.length) this.deps.logger.info({ stopped: stop.length }, 'local runtime: stopped dynos a previous worker left on another release');
    return adopt;
  }

  /** Takes over the running dynos of an app this worker does not run yet (no edge write). */
  private async adopt(spec: ReleaseSpec, recs: DynoRecord[], progress: Progress): Promise<void> {
    checkSpec(spec);
    // the running dynos' files are there (never re-made under them); only a missing dir is fetched
    const dir = releaseDirOf(this.deps.appsDir, spec.app.id, spec.release.version);
    const st: AppState = { app: spec.app, spec, releaseDir: existsSync(dir) ? dir : await this.factory.releaseDir(spec, progress), dynos: [] };
    const uid = await this.factory.uidOf(spec.app.id);
    const limits = await this.factory.limits(spec);
    for (const rec of recs) {
      const proc = spec.processes.find((p) => p.type === rec.type)!;
      this.factory.ports.hold(rec.port);
      st.dynos.push(await Dyno.adopt(this.factory.context(), this.factory.dynoSpec(st, rec.type, rec.index, rec.port, proc.command, uid, limits), rec));
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
    const fresh: AppState = { app: spec.app, spec, releaseDir: await this.factory.releaseDir(spec, progress), dynos: [] };
    this.apps.set(spec.app.id, fresh);
    await this.scaleLocked(fresh, spec);
  }

  /** Worker stop: stop every dyno gracefully (recover() starts them on the next start). A worker
   *  that dies without calling this leaves its dynos running for the next one to adopt. */
  async shutdown(): Promise<void> {
    const all = [...this.apps.values()];
    this.apps.clear();
    await Promise.all(all.map((st) => this.factory.stopDynos(st.dynos)));
  }

  // ---- internals ------------------------------------------------------------------------------

  private async deployLocked(spec: ReleaseSpec, progress: Progress): Promise<DeployResult> {
    const dir = await this.factory.releaseDir(spec, progress);
    const old = this.apps.get(spec.app.id);
    const st: AppState = { app: spec.app, spec, releaseDir: dir, dynos: [] };
    for (const p of spec.processes) for (let i = 1; i <= p.quantity; i++) st.dynos.push(await this.factory.newDyno(st, p.type, i));
    for (const d of st.dynos) progress(`Starting ${d.name} of v${spec.release.version}: ${d.spec.command}`);
    const failure = await bootAll(st.dynos, progress);
    if (failure) {
      progress(`Boot failed: ${failure}`);
      await this.factory.stopDynos(st.dynos);
      return { ok: false, reason: failure };
    }
    st.dynos.forEach((d) => d.supervise());
    try {
      if (this.hasRoute(st)) progress(`Routing traffic to v${spec.release.version}`);
      await this.applyRoute(st);
    } catch (err) {
      await this.factory.stopDynos(st.dynos);
      throw err;
    }
    this.apps.set(spec.app.id, st);
    if (old?.dynos.length) {
      progress(`Stopping v${old.spec.release.version} (${old.dynos.length} process${old.dynos.length === 1 ? '' : 'es'})`);
      await this.factory.stopDynos(old.dynos);
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
      for (let i = 1; i <= p.quantity; i++) if (!have.has(i)) fresh.push(await this.factory.newDyno(st, p.type, i));
    }
    for (const d of fresh) {
      d.supervise();
      d.start();
    }
    await Promise.all(fresh.map((d) => d.boot()));
    st.dynos = [...keep, ...fresh];
    await this.applyRoute(st);
    await this.factory.stopDynos(extra);
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
