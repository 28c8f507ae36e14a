// Starts one process of a dyno (or a one-off) in its sandbox, as the app's own uid:
// - a run directory per start, `<apps dir>/<app id>/dynos/<run id>/`: tmp/ (the dyno's private
//   /tmp) and, with overlayfs, upper/ + work/ + app/ — the release's files (shared, never changed)
//   under a per-start writable layer, seen at /app as on Heroku: the app may write there, and a
//   restart starts from the release again;
// - a cgroup per start with the plan's memory and CPU and the dyno process limit; the dyno reads its
//   own memory limit at /sys/fs/cgroup (Node sizes its heap from it);
// - the sandbox: the system read-only, /etc/passwd naming its uid "app", HOME=/app, its own PID
//   namespace (it sees only its own processes) and nothing else of the host.
// Dynos are supervised (dyno-process.ts) and recorded (record.json, root-only) so that a later
// worker finds, attaches to or discards them; one-offs are attached and die with the worker.
// Promises: when a process has exited, `exited` says whether the OOM killer ended it and its cgroup
// and run directory are gone.
// Leaves out: restart policy, health, logs (dyno.ts), the release's files (release-dir.ts).
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SAFE_PATH } from '../../command/spawn.command-runner.js';
import type { Cgroup, CgroupLimits } from '../../sandbox/cgroups.js';
import { sandboxCommand, type SandboxMount } from '../../sandbox/sandbox-command.js';
import type { HostSandbox, SandboxHost } from '../../sandbox/sandbox-host.js';
import { attachSupervised, DYNO_BOOT, runAttached, startSupervisor, type DynoExit, type DynoProcess } from './dyno-process.js';
import { sameProcess } from './process-tree.js';
import type { SupervisorSpec } from './supervisor-protocol.js';

/** What a later worker needs to find a running dyno again. */
export interface DynoRecord {
  version: 1;
  appId: string;
  instance: string;
  runId: string;
  release: number;
  type: string;
  index: number;
  port: number;
  uid: number | null;
  startedAt: string;
  restarts: number;
  supervisorPid: number;
  supervisorStart: string | null;
  cgroup: string[] | null;
}

export interface LaunchSpec {
  appId: string;
  /** The dyno's instance (stable across restarts), and how many times it was restarted. */
  instance: string;
  restarts: number;
  /** "web.1", also the sandbox's hostname. */
  name: string;
  release: number;
  type: string;
  index: number;
  port: number | null;
  releaseDir: string;
  uid: number | null;
  command: string;
  /** The app's whole environment (config vars, PORT, DYNO, HOME, PATH). */
  env: Record<string, string>;
  limits: CgroupLimits;
  /** Dynos: yes (they outlive the worker). One-offs: no (they die with it). */
  supervised: boolean;
  onLine(line: string): void;
}

export interface DynoLauncherDeps {
  appsDir: string;
  sandbox: SandboxHost;
  /** Cleaning up after a process is best effort (the next worker sweeps what is left). */
  bestEffort(what: string, p: Promise<unknown>): void;
  nodeBin: string;
  /** dyno-supervisor.js */
  supervisorScript: string;
}

const RECORD = 'record.json';

/** Which live dynos of a previous worker to adopt (the wanted release, one per process slot, of an
 *  app this worker does not run yet) and which to stop (the rest). */
export function sortForeign(live: DynoRecord[], wanted: ReadonlyMap<string, { release: { version: number }; processes: { type: string; quantity: number }[] }>, running: ReadonlySet<string>): { adopt: Map<string, DynoRecord[]>; stop: DynoRecord[] } {
  const adopt = new Map<string, DynoRecord[]>();
  const stop: DynoRecord[] = [];
  const seen = new Set<string>();
  for (const rec of live) {
    const spec = wanted.get(rec.appId);
    const slot = `${rec.appId}/${rec.type}.${rec.index}`;
    const want = spec?.processes.find((p) => p.type === rec.type)?.quantity ?? 0;
    if (spec && !running.has(rec.appId) && spec.release.version === rec.release && rec.index <= want && !seen.has(slot)) {
      seen.add(slot);
      adopt.set(rec.appId, [...(adopt.get(rec.appId) ?? []), rec]);
    } else {
      stop.push(rec);
    }
  }
  return { adopt, stop };
}

export class DynoLauncher {
  /** Run ids of the processes this launcher runs (list() leaves them out). */
  private readonly mine = new Set<string>();

  constructor(private readonly deps: DynoLauncherDeps) {}

  dynosDir(appId: string): string {
    return path.join(this.deps.appsDir, appId, 'dynos');
  }

  /** Starts the process; setup happens in the background (a failure resolves `exited` with it). */
  start(spec: LaunchSpec): DynoProcess {
    const runId = `${spec.instance}-${spec.restarts}-${randomBytes(2).toString('hex')}`;
    const runDir = path.join(this.dynosDir(spec.appId), runId);
    this.mine.add(runId);
    let inner: DynoProcess | null = null;
    let killed = false;
    let group: Cgroup | null = null;
    const ready = (async () => {
      const host = await this.deps.sandbox.ready();
      group = host.cgroups ? await host.cgroups.create(`dyno-${runId}`, spec.limits) : null;
      const command = await this.command(host, spec, runDir, group);
      const sup: SupervisorSpec = { ...command, env: { PATH: SAFE_PATH }, appEnv: spec.env };
      if (!spec.supervised) return runAttached(sup, spec.onLine);
      const handle = await startSupervisor(runDir, sup, { nodeBin: this.deps.nodeBin, script: this.deps.supervisorScript });
      const record: DynoRecord = {
        version: 1, appId: spec.appId, instance: spec.instance, runId, release: spec.release, type: spec.type, index: spec.index,
        port: spec.port ?? 0, uid: spec.uid, startedAt: new Date().toISOString(), restarts: spec.restarts, ...handle, cgroup: group?.dirs ? [...group.dirs] : null,
      };
      await writeFile(path.join(runDir, RECORD), JSON.stringify(record), { mode: 0o600 });
      return attachSupervised(runDir, handle, spec.onLine);
    })().then((p) => {
      inner = p;
      if (killed) p.signal('SIGKILL');
      return p;
    });
    const exited = ready.then((p) => p.exited, (err: unknown): DynoExit => ({ code: null, signal: null, error: (err as Error).message }))
      .then((exit) => this.cleanUp(runId, runDir, () => group, exit));
    let done = false;
    void exited.then(() => (done = true));
    return {
      get pid() {
        return inner?.pid ?? null;
      },
      exited,
      isRunning: () => !done,
      signal: (sig) => {
        if (inner) inner.signal(sig);
        else if (sig === 'SIGKILL') killed = true;
      },
    };
  }

  /** An interactive one-off (`heroku run bash`): its sandbox made ready (run directory, cgroup) and
   *  the command that starts it, for the caller to spawn with its own pipes (the app's environment
   *  goes to fd 3, as supervisor-protocol.ts's sendEnv writes it); cleanUp() once it has exited. */
  async prepareInteractive(spec: LaunchSpec): Promise<{ file: string; args: string[]; env: Record<string, string>; cleanUp(exit: DynoExit): Promise<DynoExit> }> {
    const runId = `${spec.instance}-${spec.restarts}-${randomBytes(2).toString('hex')}`;
    const runDir = path.join(this.dynosDir(spec.appId), runId);
    this.mine.add(runId);
    let group: Cgroup | null = null;
    try {
      const host = await this.deps.sandbox.ready();
      group = host.cgroups ? await host.cgroups.create(`dyno-${runId}`, spec.limits) : null;
      const command = await this.command(host, spec, runDir, group);
      return { ...command, env: { PATH: SAFE_PATH }, cleanUp: (exit) => this.cleanUp(runId, runDir, () => group, exit) };
    } catch (err) {
      await this.cleanUp(runId, runDir, () => group, { code: null, signal: null });
      throw err;
    }
  }

  /** Attaches to a dyno a previous worker started (its supervisor still runs). */
  async attach(rec: DynoRecord, onLine: (line: string) => void): Promise<DynoProcess> {
    const runDir = path.join(this.dynosDir(rec.appId), rec.runId);
    const host = await this.deps.sandbox.ready();
    const group = rec.cgroup && host.cgroups ? host.cgroups.open(rec.cgroup) : null;
    this.mine.add(rec.runId);
    const inner = attachSupervised(runDir, { supervisorPid: rec.supervisorPid, supervisorStart: rec.supervisorStart }, onLine);
    const exited = inner.exited.then((exit) => this.cleanUp(rec.runId, runDir, () => group, exit));
    return { get pid() { return inner.pid; }, exited, isRunning: () => inner.isRunning(), signal: (sig) => inner.signal(sig) };
  }

  /** Every recorded dyno on this machine that this launcher does not run, and whether its
   *  supervisor still runs. Run directories without a record (a start cut short) are removed. */
  async list(): Promise<{ record: DynoRecord; alive: boolean }[]> {
    const out: { record: DynoRecord; alive: boolean }[] = [];
    for (const app of await readdir(this.deps.appsDir).catch(() => [] as string[])) {
      for (const run of await readdir(this.dynosDir(app)).catch(() => [] as string[])) {
        if (this.mine.has(run)) continue;
        const text = await readFile(path.join(this.dynosDir(app), run, RECORD), 'utf8').catch(() => null);
        let record: DynoRecord | null = null;
        try {
          record = text ? (JSON.parse(text) as DynoRecord) : null;
        } catch {
          record = null;
        }
        if (!record || record.appId !== app || record.runId !== run) {
          // a start that never got going (or a one-off's leftovers): nothing runs there
          await rm(path.join(this.dynosDir(app), run), { recursive: true, force: true });
          continue;
        }
        out.push({ record, alive: sameProcess(record.supervisorPid, record.supervisorStart) });
      }
    }
    return out;
  }

  /** Ends what is left of a recorded dyno whose supervisor is gone, and removes its traces. */
  async discard(rec: DynoRecord): Promise<void> {
    const host = await this.deps.sandbox.ready();
    const group = rec.cgroup && host.cgroups ? host.cgroups.open(rec.cgroup) : null;
    await group?.remove();
    await rm(path.join(this.dynosDir(rec.appId), rec.runId), { recursive: true, force: true });
  }

  /** Removes dyno cgroups no live dyno uses (left by a worker or machine that died), given the run
   *  ids of the live dynos this launcher did not start. */
  async sweepCgroups(live: ReadonlySet<string>): Promise<void> {
    const host = await this.deps.sandbox.ready();
    if (!host.cgroups) return;
    for (const name of await host.cgroups.list()) {
      const group = host.cgroups.groupOf(name);
      const run = name.slice(5);
      if (name.startsWith('dyno-') && !live.has(run) && !this.mine.has(run)) await group.remove();
      else if (name.startsWith('build-') && !(await group.pids()).length) await group.remove();
    }
  }

  private async command(host: HostSandbox, spec: LaunchSpec, runDir: string, group: Cgroup | null): Promise<{ file: string; args: string[] }> {
    const owner = async (dir: string, mode: number) => {
      await mkdir(dir, { recursive: true });
      if (spec.uid !== null) await chown(dir, spec.uid, spec.uid);
      await chmod(dir, mode);
    };
    await mkdir(runDir, { recursive: true });
    await chmod(path.dirname(runDir), 0o711);
    await chmod(runDir, 0o711);
    await owner(path.join(runDir, 'tmp'), 0o1777);
    const mounts: SandboxMount[] = [...host.systemMounts];
    if (spec.uid !== null) mounts.push(...(await this.deps.sandbox.identityFiles(spec.uid)));
    let overlay;
    if (host.overlay) {
      await owner(path.join(runDir, 'upper'), 0o755);
      await mkdir(path.join(runDir, 'work'), { mode: 0o700 });
      await mkdir(path.join(runDir, 'app'), { mode: 0o755 });
      overlay = { lower: spec.releaseDir, upper: path.join(runDir, 'upper'), work: path.join(runDir, 'work'), merged: path.join(runDir, 'app') };
      mounts.push({ kind: 'rw', src: overlay.merged, dest: '/app' });
    } else {
      mounts.push({ kind: 'ro', src: spec.releaseDir, dest: '/app' });
    }
    mounts.push({ kind: 'rw', src: path.join(runDir, 'tmp'), dest: '/tmp' });
    if (group) mounts.push({ kind: 'ro', src: group.memoryDir, dest: group.version === 'v2' ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory' });
    return sandboxCommand({
      user: spec.uid === null ? null : { uid: spec.uid, gid: spec.uid },
      hostname: spec.name,
      mounts,
      cwd: '/app',
      cgroupProcs: group?.procsFiles ?? [],
      ...(overlay ? { overlay } : {}),
      dieWithParent: true,
      argv: ['/bin/bash', '-c', DYNO_BOOT, 'slipway-dyno', spec.command],
    });
  }

  private async cleanUp(runId: string, runDir: string, group: () => Cgroup | null, exit: DynoExit): Promise<DynoExit> {
    const g = group();
    const oomKilled = g ? (await g.oomKills().catch(() => 0)) > 0 : false;
    const removal = (async () => {
      await g?.remove();
      await rm(runDir, { recursive: true, force: true });
    })();
    this.deps.bestEffort('dyno cleanup', removal);
    await removal.catch(() => undefined);
    this.mine.delete(runId);
    return oomKilled ? { ...exit, oomKilled } : exit;
  }
}
