// The network fence around sandboxed code on one machine (local runtime): every process whose uid is
// in the apps' uid range (builds, dynos, one-offs) may open connections to the internet and to the
// machine's DNS resolvers, and to nothing else — not loopback (PostgreSQL, Redis, the api, another
// dyno's port), not any address of this machine, not private, link-local (the cloud metadata
// address 169.254.169.254), carrier-grade NAT or multicast networks. Replies on connections others
// opened to a dyno (the edge, health checks) pass. Dyno ports accept connections from loopback
// only (the edge runs here), never from another machine.
// How: iptables owner match on the uid range in OUTPUT (and the same for IPv6), one chain per uid
// range, written with iptables-restore so the chain changes in one step; INPUT guards the port range.
// Promises: apply() is idempotent and leaves rules of other ranges alone; remove() deletes only this
// range's chains and jumps. Needs root; IPv6 rules are required when the machine has IPv6.
// Leaves out: Unix sockets (the sandbox's mount namespace hides them), containers (docker guard).
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { UpstreamError, ValidationError } from '../../errors.js';
import type { CommandRunner } from '../../ports/command-runner.port.js';

export interface EgressGuardSpec {
  uidRange: [number, number];
  /** TCP ports dynos listen on: reachable from loopback only. */
  portRange?: [number, number];
  /** Addresses the operator lets builds reach though they are private (allowed buildpack hosts). */
  allow?: { address: string; port: number | null }[];
  commands: CommandRunner;
  resolvConf?: string;
  /** /proc/net/if_inet6: IPv6 rules are mandatory when it lists an address. */
  inet6File?: string;
}

const BLOCKED_V4 = ['127.0.0.0/8', '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/4', '240.0.0.0/4'];
const BLOCKED_V6 = ['::1/128', '::/128', '::ffff:0:0/96', 'fc00::/7', 'fe80::/10', 'ff00::/8'];

export class EgressGuard {
  private readonly out: string;
  private readonly in: string;

  constructor(private readonly spec: EgressGuardSpec) {
    const [lo, hi] = spec.uidRange;
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo > 0 && lo <= hi)) throw new ValidationError('the apps uid range must be LOW-HIGH above 0');
    this.out = `SLW-OUT-${lo}`;
    this.in = `SLW-IN-${lo}`;
  }

  private get owner(): string[] {
    return ['-m', 'owner', '--uid-owner', `${this.spec.uidRange[0]}-${this.spec.uidRange[1]}`];
  }

  private get inMatch(): string[] {
    const [a, b] = this.spec.portRange!;
    return ['-p', 'tcp', '-m', 'tcp', '--dport', `${a}:${b}`];
  }

  async apply(): Promise<void> {
    const resolvers = await nameservers(this.spec.resolvConf ?? '/etc/resolv.conf');
    await this.applyFamily('v4', resolvers.filter((r) => net.isIPv4(r)));
    const inet6 = (await readFile(this.spec.inet6File ?? '/proc/net/if_inet6', 'utf8').catch(() => '')).trim();
    if (inet6) await this.applyFamily('v6', resolvers.filter((r) => net.isIPv6(r)));
  }

  async remove(): Promise<void> {
    for (const v of ['v4', 'v6'] as const) {
      const bin = v === 'v4' ? 'iptables' : 'ip6tables';
      for (const [chain, jump] of this.jumps()) {
        while ((await this.run(bin, ['-w', '-D', chain, ...jump], true)) === 0) { /* every copy */ }
      }
      for (const chain of [this.out, this.in]) {
        await this.run(bin, ['-w', '-F', chain], true);
        await this.run(bin, ['-w', '-X', chain], true);
      }
    }
  }

  private jumps(): [string, string[]][] {
    const out: [string, string[]][] = [['OUTPUT', [...this.owner, '-j', this.out]]];
    if (this.spec.portRange) out.push(['INPUT', [...this.inMatch, '-j', this.in]]);
    return out;
  }

  private async applyFamily(v: 'v4' | 'v6', resolvers: string[]): Promise<void> {
    const bin = v === 'v4' ? 'iptables' : 'ip6tables';
    const reject = v === 'v4' ? ['-j', 'REJECT', '--reject-with', 'icmp-admin-prohibited'] : ['-j', 'REJECT', '--reject-with', 'icmp6-adm-prohibited'];
    const rules: string[][] = [['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN']];
    for (const r of resolvers) {
      for (const proto of ['udp', 'tcp']) rules.push(['-d', r, '-p', proto, '-m', proto, '--dport', '53', '-j', 'RETURN']);
    }
    for (const a of this.spec.allow ?? []) {
      if ((v === 'v4') !== net.isIPv4(a.address)) continue;
      rules.push(['-d', a.address, '-p', 'tcp', ...(a.port === null ? [] : ['-m', 'tcp', '--dport', String(a.port)]), '-j', 'RETURN']);
    }
    rules.push(['-m', 'addrtype', '--dst-type', 'LOCAL', ...reject]);
    for (const net of v === 'v4' ? BLOCKED_V4 : BLOCKED_V6) rules.push(['-d', net, ...reject]);
    const lines = ['*filter', `:${this.out} - [0:0]`, ...rules.map((r) => ['-A', this.out, ...r].join(' '))];
    if (this.spec.portRange) {
      lines.push(`:${this.in} - [0:0]`, `-A ${this.in} -i lo -j RETURN`, `-A ${this.in} -p tcp -j REJECT --reject-with tcp-reset`);
    }
    for (const [chain, jump] of this.jumps()) {
      if ((await this.run(bin, ['-w', '-C', chain, ...jump], true)) !== 0) lines.push(['-I', chain, '1', ...jump].join(' '));
    }
    lines.push('COMMIT', '');
    const res = await this.spec.commands.run({ file: `${bin}-restore`, args: ['--noflush', '-w'], stdin: lines.join('\n'), timeoutMs: 30_000 });
    if (res.exitCode !== 0) throw new UpstreamError(`${bin}-restore could not install the apps' egress guard (exit ${res.exitCode ?? res.signal})`);
  }

  private async run(file: string, args: string[], quiet = false): Promise<number | null> {
    const res = await this.spec.commands.run({ file, args, timeoutMs: 30_000 });
    if (!quiet && res.exitCode !== 0) throw new UpstreamError(`${file} ${args[0]} failed (exit ${res.exitCode})`);
    return res.exitCode;
  }
}

/** The machine's DNS resolvers (a sandbox may query them, and only them, on port 53). */
export async function nameservers(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').flatMap((l) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(l);
    return m && net.isIP(m[1]!.replace(/%.*$/, '')) ? [m[1]!.replace(/%.*$/, '')] : [];
  });
}
