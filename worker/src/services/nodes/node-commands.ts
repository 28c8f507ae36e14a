// What provisioning and the heartbeat send to a node, as argv (the RemoteShell quotes them), and
// how their output is read. Pure functions: every value that reaches an argv is a constant or was
// validated before (the registry address, the manager address, paths made of them).
// Promises: a non-root SSH user gets `sudo -n --` in front of what needs root (never a password
// prompt); Docker is installed from the node's own package manager (apt-get → docker.io,
// dnf on Fedora → moby-engine, zypper → docker); "start Docker" tries systemd, then the init script, then
// a plain dockerd under start-stop-daemon (Debian's init script fails where ulimit is not allowed,
// and containers have no systemd).
// Leaves out: running them (provisioner.service.ts).
import { validateNodeHost, validateNodePort } from '@slipway/core/domain/node-rules';

export type Argv = string[];

export const asRoot = (user: string, argv: Argv): Argv => (user === 'root' ? argv : ['sudo', '-n', '--', ...argv]);

export interface OsFacts {
  kernel: string;
  arch: string;
  /** /etc/os-release ID and ID_LIKE words, e.g. ["debian"] or ["ubuntu", "debian"]. */
  ids: string[];
  prettyName: string;
  cpus: number;
  memoryMb: number;
  diskFreeGb: number;
}

/** KEY=value lines of /etc/os-release. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return out;
}

export const memTotalMb = (meminfo: string): number => Math.floor(Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0) / 1024);

/** `df -Pk DIR` → { totalMb, usedMb, freeMb } of the file system holding DIR. */
export function parseDf(text: string): { totalMb: number; usedMb: number; freeMb: number } | null {
  const row = text.trim().split('\n').at(-1)?.split(/\s+/);
  if (!row || row.length < 6 || !/^\d+$/.test(row[1]!)) return null;
  const kb = (i: number) => Math.floor(Number(row[i]) / 1024);
  return { totalMb: kb(1), usedMb: kb(2), freeMb: kb(3) };
}

export type PackageManager = 'apt-get' | 'dnf' | 'zypper';

/** From /etc/os-release's ID then ID_LIKE words: the distributions whose own repositories carry a
 *  Docker engine (Debian and Ubuntu: docker.io; Fedora: moby-engine; openSUSE: docker). Others
 *  (RHEL and its rebuilds need Docker's own repository) get null: install Docker by hand. */
export function packageManagerFor(ids: string[]): PackageManager | null {
  if (ids.some((i) => ['debian', 'ubuntu'].includes(i))) return 'apt-get';
  if (ids[0] === 'fedora') return 'dnf';
  if (ids.some((i) => i.startsWith('opensuse') || i === 'suse')) return 'zypper';
  return null;
}

/** The commands that install Docker with the node's package manager, in order. */
export function installDockerCommands(pm: PackageManager, user: string): Argv[] {
  switch (pm) {
    case 'apt-get':
      return [
        asRoot(user, ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-q']),
        asRoot(user, ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', 'docker.io']),
      ];
    case 'dnf':
      return [asRoot(user, ['dnf', 'install', '-y', 'moby-engine'])];
    case 'zypper':
      return [asRoot(user, ['zypper', '--non-interactive', 'install', 'docker'])];
  }
}

export const DOCKERD_PIDFILE = '/run/slipway-dockerd.pid';
export const DOCKERD_LOG = '/var/log/slipway-dockerd.log';

/** The ways to start Docker, tried in order until `docker info` answers. */
export function startDockerCommands(user: string, dockerdPath: string, systemd: boolean): { what: string; argv: Argv }[] {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(dockerdPath)) throw new Error(`unexpected dockerd path ${dockerdPath}`);
  const ways: { what: string; argv: Argv }[] = [];
  if (systemd) ways.push({ what: 'systemd', argv: asRoot(user, ['systemctl', 'enable', '--now', 'docker']) });
  ways.push({ what: 'init script', argv: asRoot(user, ['service', 'docker', 'start']) });
  ways.push({
    what: 'plain dockerd',
    argv: asRoot(user, [
      'start-stop-daemon', '--start', '--background', '--make-pidfile', '--pidfile', DOCKERD_PIDFILE,
      '--output', DOCKERD_LOG, '--exec', dockerdPath, '--', '--log-level', 'warn',
    ]),
  });
  return ways;
}

/** host:port of the registry, checked again before it becomes a path on the node. */
export function registryDir(address: string): string {
  const i = address.lastIndexOf(':');
  validateNodeHost(address.slice(0, i));
  validateNodePort(address.slice(i + 1));
  return `/etc/docker/certs.d/${address}`;
}

export function joinCommand(user: string, token: string, managerAddr: string, advertise: string | null): { argv: Argv; display: string } {
  const tail = [...(advertise ? ['--advertise-addr', advertise] : []), managerAddr];
  return {
    argv: asRoot(user, ['docker', 'swarm', 'join', '--token', token, ...tail]),
    display: [...asRoot(user, ['docker', 'swarm', 'join', '--token', '<worker token>']), ...tail].join(' '),
  };
}

/** CPU busy share between two /proc/stat "cpu" lines (null for the first sample). */
export function cpuPercent(prev: number[] | null, now: number[]): number | null {
  if (!prev || prev.length !== now.length || now.length < 4) return null;
  const idle = (v: number[]) => v[3]! + (v[4] ?? 0);
  const total = (v: number[]) => v.reduce((a, b) => a + b, 0);
  const dt = total(now) - total(prev);
  if (dt <= 0) return null;
  return Math.round(((dt - (idle(now) - idle(prev))) / dt) * 1000) / 10;
}

export const cpuLine = (stat: string): number[] => (/^cpu\s+(.*)$/m.exec(stat)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
