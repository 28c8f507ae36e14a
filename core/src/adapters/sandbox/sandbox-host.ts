// What this machine offers for sandboxing builds and dynos, found once per worker: bubblewrap (and
// unprivileged user namespaces), root (per-app uids, cgroups, the egress guard), cgroups (v1 or
// v2), overlayfs for a writable per-dyno /app. ready() checks and sets up (the egress guard for the
// apps' uid range) before the first sandbox starts; it fails with a message naming what is missing.
// Also: the read-only system view every sandbox gets (/usr, the /bin-style links, a short list of
// /etc files; never the host's /home, /root, /var, /run or the data dir), per-uid /etc/passwd and
// /etc/group files, and the check that a uid can walk to the directories bound into its sandbox.
// Leaves out: what each kind of sandbox binds (build executor, dyno launcher).
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import path from 'node:path';
import { UpstreamError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { CommandRunner } from '../../ports/command-runner.port.js';
import { Cgroups } from './cgroups.js';
import { EgressGuard } from './egress-guard.js';
import { sandboxCommand, type SandboxMount } from './sandbox-command.js';

export interface SandboxHostSpec {
  /** config.dataDir: sandbox support files go to <dataDir>/sandbox; also names the cgroup base. */
  dataDir: string;
  /** Unix uids handed to apps (config.sandbox.uidRange). */
  uidRange: [number, number];
  /** Dyno ports (local runtime): reachable from loopback only. */
  dynoPortRange?: [number, number];
  commands: CommandRunner;
  logger: Logger;
  /** `host` or `host:port` entries builds may reach though private (config.build.allowedBuildpackHosts). */
  allowedHosts?: string[];
  /** Directories of the data dir whose contents are bound into sandboxes (apps/, builds/, cache/):
   *  made traversable, not listable (0711). */
  bindRoots?: string[];
}

export interface HostSandbox {
  /** Root: per-app uids, cgroups and the egress guard are in force. */
  privileged: boolean;
  cgroups: Cgroups | null;
  /** overlayfs can give each dyno a writable /app over the shared release files. */
  overlay: boolean;
  systemMounts: SandboxMount[];
  /** <dataDir>/sandbox: support files readable by every sandbox uid. */
  dir: string;
}

const ETC_FILES = [
  'alternatives', 'ca-certificates', 'ca-certificates.conf', 'ssl', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'localtime',
  'timezone', 'nsswitch.conf', 'host.conf', 'hosts', 'resolv.conf', 'gai.conf', 'protocols', 'services', 'mime.types',
  'os-release', 'debian_version', 'bash.bashrc', 'profile', 'inputrc', 'magic',
];
const ROOT_LINKS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

export class SandboxHost {
  private setup: Promise<HostSandbox> | null = null;
  private readonly identities = new Map<number, Promise<SandboxMount[]>>();
  private guard: EgressGuard | null = null;
  readonly dir: string;
  readonly tag: string;

  constructor(private readonly spec: SandboxHostSpec) {
    this.dir = path.join(path.resolve(spec.dataDir), 'sandbox');
    this.tag = createHash('sha256').update(path.resolve(spec.dataDir)).digest('hex').slice(0, 12);
  }

  get uidRange(): [number, number] {
    return this.spec.uidRange;
  }

  ready(): Promise<HostSandbox> {
    this.setup ??= this.prepare().catch((err: unknown) => {
      this.setup = null;
      throw err;
    });
    return this.setup;
  }

  /** Worker stop, after every sandbox was stopped: ends whatever is left in this installation's
   *  cgroups (nothing survives a stopped platform), removes them and the egress guard. */
  async close(): Promise<void> {
    const host = await this.setup?.catch(() => null);
    await host?.cgroups?.destroy();
    await this.guard?.remove();
    this.guard = null;
    this.setup = null;
  }

  /** /etc/passwd and /etc/group for a sandbox running as `uid` ("app", home /app). */
  identityFiles(uid: number): Promise<SandboxMount[]> {
    let files = this.identities.get(uid);
    if (!files) {
      files = this.writeIdentity(uid);
      files.catch(() => this.identities.delete(uid));
      this.identities.set(uid, files);
    }
    return files;
  }

  private async writeIdentity(uid: number): Promise<SandboxMount[]> {
    const dir = path.join(this.dir, 'etc', String(uid));
    const passwd = path.join(dir, 'passwd');
    if (!(await stat(passwd).then(() => true, () => false))) {
      await mkdir(dir, { recursive: true, mode: 0o755 });
      await writeFile(path.join(dir, 'group'), `root:x:0:\napp:x:${uid}:\nnogroup:x:65534:\n`, { mode: 0o644 });
      await writeFile(`${passwd}.tmp`, `root:x:0:0:root:/root:/usr/sbin/nologin\napp:x:${uid}:${uid}:app:/app:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`, { mode: 0o644 });
      await rename(`${passwd}.tmp`, passwd);
    }
    return [
      { kind: 'ro', src: passwd, dest: '/etc/passwd' },
      { kind: 'ro', src: path.join(dir, 'group'), dest: '/etc/group' },
    ];
  }

  private async prepare(): Promise<HostSandbox> {
    const { commands, logger } = this.spec;
    const version = await commands.run({ file: 'bwrap', args: ['--version'], captureStdout: true, timeoutMs: 10_000 }).catch(() => null);
    if (!version || version.exitCode !== 0) {
      throw new UpstreamError('bubblewrap (bwrap) is needed to run builds and apps sandboxed: install the Debian package "bubblewrap"');
    }
    const privileged = process.getuid?.() === 0;
    await mkdir(this.dir, { recursive: true });
    await chmod(this.dir, 0o711);
    // the data dir is ours: sandbox uids may pass through it (not list it); above it is the operator's
    const data = path.dirname(this.dir);
    const st = await stat(data);
    if (privileged && (st.mode & 0o001) === 0) await chmod(data, (st.mode & 0o7777) | 0o001);
    await assertTraversable(this.dir);
    for (const dir of this.spec.bindRoots ?? []) {
      await mkdir(dir, { recursive: true, mode: 0o711 });
      await chmod(dir, 0o711);
    }
    const systemMounts = await systemView();
    const host: HostSandbox = { privileged, cgroups: null, overlay: false, systemMounts, dir: this.dir };
    await this.selfTest(host);
    if (!privileged) {
      logger.warn('not running as root: builds and apps run sandboxed as this user, without per-app users, resource limits or the network guard');
      return host;
    }
    host.cgroups = await Cgroups.detect(this.tag);
    if (!host.cgroups) logger.warn('no usable cgroups (memory, cpu, pids): builds and apps run without resource limits');
    host.overlay = await this.overlayWorks();
    if (!host.overlay) logger.warn('overlayfs is not available under the data dir: dynos see their release read-only at /app');
    this.guard = new EgressGuard({ uidRange: this.spec.uidRange, portRange: this.spec.dynoPortRange, commands, allow: await resolveAllowed(this.spec.allowedHosts ?? []) });
    await this.guard.apply();
    logger.info({ cgroups: host.cgroups?.version ?? null, overlay: host.overlay, uidRange: this.spec.uidRange }, 'sandbox ready');
    return host;
  }

  /** Runs `true` in a sandbox as the first app uid: user namespaces and bwrap work here. */
  private async selfTest(host: HostSandbox): Promise<void> {
    const cmd = sandboxCommand({
      user: host.privileged ? { uid: this.spec.uidRange[0], gid: this.spec.uidRange[0] } : null,
      hostname: 'probe', mounts: host.systemMounts, cwd: '/', cgroupProcs: [], dieWithParent: true, argv: ['/bin/true'],
    });
    const lines: string[] = [];
    const res = await this.spec.commands.run({ ...cmd, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, timeoutMs: 30_000, onLine: (l) => lines.push(l) });
    if (res.exitCode !== 0) {
      throw new UpstreamError(`cannot start a sandbox (bwrap: ${lines.slice(-1)[0] ?? `exit ${res.exitCode}`}); user namespaces must be enabled (sysctl kernel.unprivileged_userns_clone=1)`);
    }
  }

  private async overlayWorks(): Promise<boolean> {
    const probe = path.join(this.dir, `probe-${randomBytes(4).toString('hex')}`);
    const [lower, upper, work, merged] = ['l', 'u', 'w', 'm'].map((d) => path.join(probe, d)) as [string, string, string, string];
    try {
      for (const d of [lower, upper, work, merged]) await mkdir(d, { recursive: true });
      const res = await this.spec.commands.run({
        file: 'unshare', args: ['--mount', '--propagation', 'private', '--', 'mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged],
        timeoutMs: 10_000,
      });
      return res.exitCode === 0;
    } finally {
      await rm(probe, { recursive: true, force: true });
    }
  }
}

/** The operator's allowed private hosts, resolved to addresses (an unresolvable name is skipped). */
async function resolveAllowed(hosts: string[]): Promise<{ address: string; port: number | null }[]> {
  const out: { address: string; port: number | null }[] = [];
  for (const entry of hosts) {
    const m = /^\[(.+)\]:(\d+)$/.exec(entry) ?? /^([^:]+):(\d+)$/.exec(entry);
    const host = m ? m[1]! : entry.replace(/^\[|\]$/g, '');
    const port = m ? Number(m[2]) : null;
    const addrs = net.isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
    for (const address of addrs) out.push({ address, port });
  }
  return out;
}

/** /usr read-only, the root-level links into it (merged /usr), and a short list of /etc files. */
async function systemView(): Promise<SandboxMount[]> {
  const out: SandboxMount[] = [{ kind: 'ro', src: '/usr', dest: '/usr' }];
  for (const name of ROOT_LINKS) {
    const p = `/${name}`;
    const st = await lstat(p).catch(() => null);
    if (!st) continue;
    if (st.isSymbolicLink()) out.push({ kind: 'symlink', target: await readlink(p), dest: p });
    else if (st.isDirectory()) out.push({ kind: 'ro', src: p, dest: p });
  }
  for (const name of ETC_FILES) {
    const p = `/etc/${name}`;
    if (await stat(p).then(() => true, () => false)) out.push({ kind: 'ro', src: p, dest: p });
  }
  return out;
}

/** Throws unless every directory from / to `dir` lets others through (o+x): sandbox uids are
 *  "others" everywhere on the host, and bwrap opens what it binds as the sandbox's uid. */
export async function assertTraversable(dir: string): Promise<void> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = await stat(d);
    if ((st.mode & 0o001) === 0) {
      throw new UpstreamError(
        `sandboxed builds and apps cannot reach ${dir}: ${d} is not traversable by other users. ` +
        `Put SLIPWAY_DATA_DIR somewhere others can traverse (e.g. /var/lib/slipway), or chmod o+x ${d}.`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}
