// What provisioning sends to a node, for each kind of node: the package manager's install
// commands, sudo for a non-root user, the order in which Docker is started, the join command shown
// without its token, and how /proc and df output become figures.
import { describe, expect, it } from 'vitest';
import {
  asRoot, cpuLine, cpuPercent, installDockerCommands, joinCommand, memTotalMb, packageManagerFor, parseDf, parseOsRelease, registryDir,
  startDockerCommands,
} from './node-commands.js';

describe('node commands', () => {
  it('installs docker.io with apt-get on Debian and Ubuntu, non-interactively, as root', () => {
    expect(packageManagerFor(['ubuntu', 'debian'])).toBe('apt-get');
    expect(installDockerCommands('apt-get', 'root')).toEqual([
      ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-q'],
      ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', 'docker.io'],
    ]);
    expect(installDockerCommands('apt-get', 'deploy')[1]!.slice(0, 3)).toEqual(['sudo', '-n', '--']);
  });

  it('uses the distribution\'s own Docker package elsewhere, and none where the distribution has none', () => {
    expect(packageManagerFor(['fedora'])).toBe('dnf');
    expect(installDockerCommands('dnf', 'root')).toEqual([['dnf', 'install', '-y', 'moby-engine']]);
    expect(packageManagerFor(['opensuse-leap', 'suse', 'opensuse'])).toBe('zypper');
    expect(installDockerCommands('zypper', 'ops')).toEqual([['sudo', '-n', '--', 'zypper', '--non-interactive', 'install', 'docker']]);
    expect(packageManagerFor(['rocky', 'rhel', 'centos', 'fedora'])).toBeNull();
    expect(packageManagerFor(['arch'])).toBeNull();
  });

  it('starts Docker with systemd when it runs, else the init script, else a plain dockerd', () => {
    expect(startDockerCommands('root', '/usr/sbin/dockerd', true).map((w) => w.what)).toEqual(['systemd', 'init script', 'plain dockerd']);
    const ways = startDockerCommands('deploy', '/usr/sbin/dockerd', false);
    expect(ways.map((w) => w.what)).toEqual(['init script', 'plain dockerd']);
    expect(ways[1]!.argv).toEqual([
      'sudo', '-n', '--', 'start-stop-daemon', '--start', '--background', '--make-pidfile', '--pidfile', '/run/slipway-dockerd.pid',
      '--output', '/var/log/slipway-dockerd.log', '--exec', '/usr/sbin/dockerd', '--', '--log-level', 'warn',
    ]);
    expect(() => startDockerCommands('root', '/usr/sbin/dockerd; id', false)).toThrow();
  });

  it('joins with the token in the argv but never in what is shown', () => {
    const j = joinCommand('root', 'SWMTKN-1-secret', '10.0.0.2:2377', '10.0.0.7');
    expect(j.argv).toEqual(['docker', 'swarm', 'join', '--token', 'SWMTKN-1-secret', '--advertise-addr', '10.0.0.7', '10.0.0.2:2377']);
    expect(j.display).toBe('docker swarm join --token <worker token> --advertise-addr 10.0.0.7 10.0.0.2:2377');
    expect(joinCommand('ops', 'SWMTKN-1-other', 'm:2377', null)).toMatchObject({ argv: expect.arrayContaining(['sudo', 'SWMTKN-1-other']), display: 'sudo -n -- docker swarm join --token <worker token> m:2377' });
    expect(asRoot('root', ['id'])).toEqual(['id']);
  });

  it('puts the registry\'s certificates where Docker looks, for a checked address only', () => {
    expect(registryDir('10.0.0.2:5443')).toBe('/etc/docker/certs.d/10.0.0.2:5443');
    expect(() => registryDir('10.0.0.2:5443/../../x')).toThrow();
  });

  it('reads os-release, meminfo, df and /proc/stat', () => {
    expect(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n')).toEqual({ PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', ID: 'debian' });
    expect(memTotalMb('MemTotal:       24573952 kB\nMemFree: 1 kB\n')).toBe(23998);
    expect(parseDf('Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 263174212 28311568 221423352 12% /\n'))
      .toEqual({ totalMb: 257006, usedMb: 27648, freeMb: 216233 });
    const a = cpuLine('cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 2 3\n');
    const b = cpuLine('cpu  150 0 150 900 0 0 0 0 0 0\n');
    expect(cpuPercent(null, a)).toBeNull();
    expect(cpuPercent(a, b)).toBe(50);
  });
});
