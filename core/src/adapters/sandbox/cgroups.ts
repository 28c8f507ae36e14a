// Control groups for sandboxed process trees (a build, a dyno): one group per tree with memory, CPU
// and process-count limits, on cgroup v1 controllers (memory, cpu, pids) or on the v2 unified
// hierarchy, whichever this machine has. Groups live under `slipway-<tag>` (the tag names one
// installation, so two Slipways on one machine never share a group): on v1 inside this process's own
// group of each controller, on v2 beside it (a v2 group with processes cannot delegate controllers).
// Promises: a process that writes its pid to every `procsFiles` entry before it execs anything
// keeps all its descendants inside the group; a group is found again from its recorded paths by a
// later process (a restarted worker adopts its dynos); oomKills() counts the kernel's OOM kills in
// the group; killAll() SIGKILLs until the group is empty; remove() also deletes it.
// CPU weight: the base weighs as much as one busy process per core (a new group weighs as one
// process): all the apps and builds together are entitled to the whole machine beside the
// platform's own processes; each group's weight under it follows its plan's CPUs.
// Leaves out: placing processes (the sandbox launcher does), choosing limits (settings and plans).
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UpstreamError, ValidationError } from '../../errors.js';

export interface CgroupLimits {
  memoryMb: number;
  /** CPU cores (0.5 = half a core), enforced as a CFS quota; also the group's CPU weight. */
  cpus: number;
  /** Processes and threads. */
  pids: number;
}

export type CgroupVersion = 'v1' | 'v2';
const V1_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$/;
const CPU_PERIOD_US = 100_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One group, by its directory in every hierarchy it spans (v1: memory, cpu, pids; v2: one). */
export class Cgroup {
  constructor(readonly version: CgroupVersion, readonly dirs: readonly string[]) {}

  /** The files a launcher writes its own pid to, to join the group. */
  get procsFiles(): string[] {
    return this.dirs.map((d) => path.join(d, 'cgroup.procs'));
  }

  /** The memory controller's directory (v1 dirs are in the order memory, cpu, pids). */
  get memoryDir(): string {
    return this.dirs[0]!;
  }

  async pids(): Promise<number[]> {
    const all = new Set<number>();
    for (const f of this.procsFiles) {
      const text = await readFile(f, 'utf8').catch(() => '');
      for (const line of text.split('\n')) if (/^\d+$/.test(line)) all.add(Number(line));
    }
    return [...all];
  }

  /** How many processes the kernel's OOM killer ended in this group (memory limit reached). */
  async oomKills(): Promise<number> {
    const file = this.version === 'v2' ? 'memory.events' : 'memory.oom_control';
    const text = await readFile(path.join(this.memoryDir, file), 'utf8').catch(() => '');
    const m = /^oom_kill (\d+)$/m.exec(text);
    return m ? Number(m[1]) : 0;
  }

  /** Times the group hit its CPU quota (cpu.stat nr_throttled). */
  async throttled(): Promise<number> {
    for (const d of this.dirs) {
      const m = /^nr_throttled (\d+)$/m.exec(await readFile(path.join(d, 'cpu.stat'), 'utf8').catch(() => ''));
      if (m) return Number(m[1]);
    }
    return 0;
  }

  /** SIGKILL every process in the group until none is left (new ones a fork race adds included). */
  async killAll(timeoutMs = 5_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const pids = await this.pids();
      if (!pids.length) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      if (Date.now() > end) throw new UpstreamError(`processes ${pids.join(', ')} in ${this.dirs[0]} did not die`);
      await sleep(20);
    }
  }

  /** Kills what is left and deletes the group (a group already gone is fine). */
  async remove(): Promise<void> {
    await this.killAll();
    for (const d of this.dirs) {
      for (let i = 0; ; i++) {
        try {
          await rmdir(d);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          // the kernel frees a group a moment after its last process is reaped
          if (code !== 'EBUSY' || i >= 50) throw err;
          await sleep(20);
        }
      }
    }
  }
}

interface Hierarchy {
  /** Where the controller is mounted, and the hierarchy path the mount shows as its root. */
  mount: string;
  root: string;
  /** This process's group in the hierarchy (from /proc/self/cgroup). */
  own: string;
}

/** The machine's cgroups, ready to make groups under `slipway-<tag>`. */
export class Cgroups {
  private constructor(readonly version: CgroupVersion, private readonly bases: readonly string[]) {}

  /** v1 when memory, cpu and pids are all mounted as v1 controllers; else v2 when the unified
   *  hierarchy offers all three; else null (nothing to limit with). Needs root to be useful. */
  static async detect(tag: string, procRoot = '/proc'): Promise<Cgroups | null> {
    if (!NAME_RE.test(tag)) throw new ValidationError(`cgroup tag "${tag}" is not a valid name`);
    const mounts = parseMountinfo(await readFile(path.join(procRoot, 'self/mountinfo'), 'utf8'));
    const own = parseProcCgroup(await readFile(path.join(procRoot, 'self/cgroup'), 'utf8'));
    const base = `slipway-${tag}`;
    const v1 = V1_CONTROLLERS.map((c) => {
      const m = mounts.find((x) => x.fstype === 'cgroup' && x.options.includes(c));
      const line = own.find((l) => l.controllers.includes(c));
      return m && line ? { mount: m.mountPoint, root: m.root, own: line.path } : null;
    });
    if (v1.every(Boolean)) {
      const dirs = (v1 as Hierarchy[]).map((h) => path.join(hierarchyDir(h, h.own), base));
      for (const d of dirs) await mkdir(d, { recursive: true });
      await writeFile(path.join(dirs[1]!, 'cpu.shares'), String(1024 * os.availableParallelism()));
      return new Cgroups('v1', dirs);
    }
    const unified = mounts.find((x) => x.fstype === 'cgroup2');
    const line = own.find((l) => l.hierarchyId === '0');
    if (!unified || !line) return null;
    const h: Hierarchy = { mount: unified.mountPoint, root: unified.root, own: line.path };
    const available = (await readFile(path.join(hierarchyDir(h, '/'), 'cgroup.controllers'), 'utf8').catch(() => '')).split(/\s+/);
    if (!['memory', 'cpu', 'pids'].every((c) => available.includes(c))) return null;
    // beside our own group: its parent must hand the controllers down (allowed: it has no processes
    // of its own unless it is the root, where processes are allowed anyway)
    const parent = hierarchyDir(h, path.posix.dirname(h.own));
    const dir = path.join(parent, base);
    await enableControllers(parent);
    await mkdir(dir, { recursive: true });
    await enableControllers(dir);
    await writeFile(path.join(dir, 'cpu.weight'), String(Math.min(10_000, 100 * os.availableParallelism())));
    return new Cgroups('v2', [dir]);
  }

  /** Makes (or resets the limits of) the group `name` under this installation's base. */
  async create(name: string, limits: CgroupLimits): Promise<Cgroup> {
    if (!NAME_RE.test(name)) throw new ValidationError(`cgroup name "${name}" is not a valid name`);
    const group = new Cgroup(this.version, this.bases.map((b) => path.join(b, name)));
    for (const d of group.dirs) await mkdir(d, { recursive: true });
    await this.limit(group, limits);
    return group;
  }

  /** A group recorded earlier, if its paths are this installation's and it still exists. */
  open(dirs: readonly string[]): Cgroup | null {
    const ok = dirs.length === this.bases.length && dirs.every((d, i) => path.dirname(d) === this.bases[i] && NAME_RE.test(path.basename(d)));
    return ok && dirs.every((d) => existsSync(d)) ? new Cgroup(this.version, dirs) : null;
  }

  /** Names of the groups under this installation's base. */
  async list(): Promise<string[]> {
    const entries = await readdir(this.bases[0]!, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && NAME_RE.test(e.name)).map((e) => e.name);
  }

  /** Kills and removes every group of this installation, then its base (worker stop). */
  async destroy(): Promise<void> {
    for (const name of await this.list()) await this.groupOf(name).remove();
    await new Cgroup(this.version, this.bases).remove();
  }

  groupOf(name: string): Cgroup {
    return new Cgroup(this.version, this.bases.map((b) => path.join(b, name)));
  }

  async limit(group: Cgroup, limits: CgroupLimits): Promise<void> {
    const bytes = String(Math.max(16, Math.round(limits.memoryMb)) * 1024 * 1024);
    const quota = Math.max(1_000, Math.round(limits.cpus * CPU_PERIOD_US));
    const pids = String(Math.max(16, Math.round(limits.pids)));
    const set = async (dir: string, file: string, value: string, optional = false) => {
      const f = path.join(dir, file);
      if (optional && !existsSync(f)) return;
      await writeFile(f, value);
    };
    if (this.version === 'v2') {
      const d = group.dirs[0]!;
      await set(d, 'memory.max', bytes);
      await set(d, 'memory.swap.max', '0', true);
      await set(d, 'memory.oom.group', '1', true);
      await set(d, 'cpu.max', `${quota} ${CPU_PERIOD_US}`);
      await set(d, 'cpu.weight', String(Math.min(10_000, Math.max(1, Math.round(limits.cpus * 100)))));
      await set(d, 'pids.max', pids);
      return;
    }
    const [memory, cpu, pidsDir] = group.dirs as [string, string, string];
    // memsw (memory + swap) must stay >= the memory limit: raise it first, set it to the limit last
    const memsw = path.join(memory, 'memory.memsw.limit_in_bytes');
    const hasSwap = existsSync(memsw);
    if (hasSwap) await writeFile(memsw, '-1').catch(() => undefined);
    await set(memory, 'memory.limit_in_bytes', bytes);
    if (hasSwap) await writeFile(memsw, bytes);
    await set(cpu, 'cpu.cfs_period_us', String(CPU_PERIOD_US));
    await set(cpu, 'cpu.cfs_quota_us', String(quota));
    await set(cpu, 'cpu.shares', String(Math.max(2, Math.round(limits.cpus * 1024))));
    await set(pidsDir, 'pids.max', pids);
  }
}

async function enableControllers(dir: string): Promise<void> {
  const control = path.join(dir, 'cgroup.subtree_control');
  const on = (await readFile(control, 'utf8').catch(() => '')).split(/\s+/);
  const missing = ['memory', 'cpu', 'pids'].filter((c) => !on.includes(c));
  if (missing.length) await writeFile(control, missing.map((c) => `+${c}`).join(' '));
}

function hierarchyDir(h: Hierarchy, groupPath: string): string {
  const rel = path.posix.relative(h.root, groupPath);
  return rel.startsWith('..') ? h.mount : path.join(h.mount, rel);
}

interface MountEntry {
  root: string;
  mountPoint: string;
  fstype: string;
  options: string[];
}

/** /proc/self/mountinfo: "id parent major:minor root mountpoint opts [optional…] - fstype source superopts". */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (left.length < 6 || right.length < 3) continue;
    out.push({ root: unescape(left[3]!), mountPoint: unescape(left[4]!), fstype: right[0]!, options: right[2]!.split(',') });
  }
  return out;
}

/** /proc/self/cgroup: "hierarchy-id:controller,list:/path". */
export function parseProcCgroup(text: string): { hierarchyId: string; controllers: string[]; path: string }[] {
  return text.split('\n').flatMap((line) => {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    return m ? [{ hierarchyId: m[1]!, controllers: m[2]!.split(','), path: m[3]! }] : [];
  });
}
