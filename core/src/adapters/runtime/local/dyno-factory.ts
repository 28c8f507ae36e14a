// The dynos of the LocalRuntime, made and stopped: each on a port from config.local.portRange, as its
// app's own uid (null when the platform is not root: everything runs as itself), with its plan's
// memory and CPU and the dyno process limit, over the release's files (release-dir.ts), sharing one
// context (log store, status in Redis, the launcher, boot and stop timings, backoff).
// Promises: a port newDyno() takes is given back by stopDyno(); an app's uid is looked up once
// (forget() when the app is removed); a release dir is ready before a dyno is made from it.
// Leaves out: which dynos run, routing and the per-app lock (LocalRuntime).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { ValidationError } from '../../../errors.js';
import type { Logger } from '../../../logger.js';
import type { AppUids } from '../../../ports/app-uids.port.js';
import type { CommandRunner } from '../../../ports/command-runner.port.js';
import type { LogStore } from '../../../ports/log-store.port.js';
import type { ObjectStore } from '../../../ports/object-store.port.js';
import type { AppRef, Progress, ReleaseSpec } from '../../../ports/runtime.port.js';
import type { SandboxHost } from '../../sandbox/sandbox-host.js';
import type { CgroupLimits } from '../../sandbox/cgroups.js';
import { Dyno, type Backoff, type DynoContext, type DynoSpec } from './dyno.js';
import { DynoLauncher } from './dyno-launcher.js';
import { DynoStateStore } from './dyno-state.store.js';
import { PortAllocator } from './port-allocator.js';
import { ensureReachable, ensureReleaseDir } from './release-dir.js';

export interface DynoFactoryDeps {
  /** config.paths.apps */
  appsDir: string;
  /** config.local */
  local: { bootTimeoutSeconds: number; stopGraceSeconds: number; portRange: [number, number] };
  redis: Redis;
  /** config.redis.prefix */
  redisPrefix: string;
  objects: ObjectStore;
  logs: LogStore;
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

/** What runs of one app: its release, the release's files and its dynos. */
export interface AppState {
  app: AppRef;
  spec: ReleaseSpec;
  releaseDir: string;
  dynos: Dyno[];
}

export class DynoFactory {
  readonly ports: PortAllocator;
  readonly states: DynoStateStore;
  readonly launcher: DynoLauncher;
  private readonly uidCache = new Map<string, Promise<number | null>>();

  constructor(private readonly deps: DynoFactoryDeps, private readonly bestEffort: (what: string, p: Promise<unknown>) => void) {
    this.ports = new PortAllocator(deps.local.portRange);
    this.states = new DynoStateStore(deps.redis, deps.redisPrefix);
    this.launcher = new DynoLauncher({
      appsDir: deps.appsDir,
      sandbox: deps.sandbox,
      bestEffort,
      nodeBin: deps.nodeBin ?? process.execPath,
      // the compiled supervisor, whether this module runs compiled (dist) or from source (tests)
      supervisorScript: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../dist/adapters/runtime/local/dyno-supervisor.js'),
    });
  }

  context(): DynoContext {
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
      bestEffort: this.bestEffort,
    };
  }

  async releaseDir(spec: ReleaseSpec, progress: Progress): Promise<string> {
    await this.deps.sandbox.ready();
    await ensureReachable(this.deps.appsDir);
    const deps = { appsDir: this.deps.appsDir, objects: this.deps.objects, commands: this.deps.commands };
    return ensureReleaseDir(deps, spec, progress, await this.uidOf(spec.app.id));
  }

  /** The app's own uid, or null when the platform is not root (everything runs as itself). */
  uidOf(appId: string): Promise<number | null> {
    let uid = this.uidCache.get(appId);
    if (!uid) {
      uid = this.deps.sandbox.ready().then((h) => (h.privileged ? this.deps.uids.uidOf(appId) : null));
      uid.catch(() => this.uidCache.delete(appId));
      this.uidCache.set(appId, uid);
    }
    return uid;
  }

  forget(appId: string): void {
    this.uidCache.delete(appId);
  }

  async limits(spec: ReleaseSpec): Promise<CgroupLimits> {
    return { memoryMb: spec.plan.memoryMb, cpus: spec.plan.cpu, pids: await this.deps.dynoMaxProcesses() };
  }

  async newDyno(st: AppState, type: string, index: number): Promise<Dyno> {
    const proc = st.spec.processes.find((p) => p.type === type);
    if (!proc) throw new ValidationError(`release v${st.spec.release.version} has no process type "${type}"`);
    const spec = this.dynoSpec(st, type, index, await this.ports.take(), proc.command, await this.uidOf(st.app.id), await this.limits(st.spec));
    return new Dyno(this.context(), spec);
  }

  dynoSpec(st: AppState, type: string, index: number, port: number, command: string, uid: number | null, limits: CgroupLimits): DynoSpec {
    return {
      appId: st.app.id, release: st.spec.release.version, type, index, command, releaseDir: st.releaseDir, env: st.spec.env, port,
      healthCheckPath: st.spec.healthCheckPath, healthHost: st.spec.routing.hostnames[0] ?? 'localhost', uid, limits,
    };
  }

  async stopDyno(d: Dyno): Promise<void> {
    await d.stop();
    this.ports.release(d.port);
  }

  async stopDynos(dynos: Dyno[]): Promise<void> {
    await Promise.all(dynos.map((d) => this.stopDyno(d)));
  }
}
