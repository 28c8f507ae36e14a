// Which hosts a buildpack may be cloned from: public addresses only, unless an operator allows a
// host explicitly (`host` or `host:port`). A name is resolved once and the address that passed the
// check is the one git connects to (pinned), so DNS cannot be swapped between check and use.
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { BuildFailure } from './build-failure.js';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['fe80::', 10], ['fc00::', 7], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64],
] as const) blocked.addSubnet(net, bits, 'ipv6');

/** True for an address on the public internet (not private, loopback, link-local, unique-local…). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  const lower = address.toLowerCase();
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses: judge the IPv4 inside.
  const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
  if (embedded) return isPublicAddress(embedded);
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const n = (parseInt(hex[1]!, 16) << 16) | parseInt(hex[2]!, 16);
    return isPublicAddress([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
  }
  return !blocked.check(address, 'ipv6');
}

export type Lookup = (hostname: string) => Promise<string[]>;

export const systemLookup: Lookup = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface HostDecision {
  /** Address to connect to (undefined when the host is operator-allowed and used as named). */
  address?: string;
}

/** Throws a message for the user when the URL's host may not be used; returns the pinned address. */
export async function checkHost(url: URL, allowed: readonly string[], lookup: Lookup = systemLookup): Promise<HostDecision> {
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const allow = new Set(allowed.map((a) => a.toLowerCase()));
  if (allow.has(host) || allow.has(hostname)) return {};
  let addresses: string[];
  if (isIP(hostname)) addresses = [hostname];
  else {
    try {
      addresses = await lookup(hostname);
    } catch {
      throw new BuildFailure(`cannot resolve buildpack host ${hostname}`);
    }
  }
  if (!addresses.length) throw new BuildFailure(`cannot resolve buildpack host ${hostname}`);
  const bad = addresses.find((a) => !isPublicAddress(a));
  if (bad !== undefined) {
    throw new BuildFailure(`buildpack host ${hostname} resolves to ${bad}, a private, loopback or link-local address; an operator can allow it`);
  }
  return { address: addresses[0]! };
}
