// DnsLookup on node:dns (c-ares): a fresh Resolver per call, pointed at the configured servers
// (IP, IP:port or [IPv6]:port) or left on the system's. Error codes become the port's answers:
// ENOTFOUND → nxdomain, ENODATA → nodata, anything else → error with c-ares' reason.
// Leaves out: retries beyond c-ares' own (timeout 3 s, 2 tries).
import { Resolver } from 'node:dns/promises';
import type { DnsAnswer, DnsLookup } from '../../ports/dns.port.js';

export class NodeDnsLookup implements DnsLookup {
  txt(name: string, resolvers: string[]): Promise<DnsAnswer<string>> {
    return this.ask(resolvers, (r) => r.resolveTxt(name).then((rows) => rows.map((parts) => parts.join(''))));
  }

  cname(name: string, resolvers: string[]): Promise<DnsAnswer<string>> {
    return this.ask(resolvers, (r) => r.resolveCname(name).then((t) => t.map((n) => n.toLowerCase().replace(/\.$/, ''))));
  }

  a(name: string, resolvers: string[]): Promise<DnsAnswer<string>> {
    return this.ask(resolvers, (r) => r.resolve4(name));
  }

  private async ask(resolvers: string[], fn: (r: Resolver) => Promise<string[]>): Promise<DnsAnswer<string>> {
    const r = new Resolver({ timeout: 3000, tries: 2 });
    if (resolvers.length) r.setServers(resolvers);
    try {
      return { kind: 'found', records: await fn(r) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND') return { kind: 'nxdomain' };
      if (code === 'ENODATA') return { kind: 'nodata' };
      return { kind: 'error', message: `${code ?? 'DNS error'}${code === 'ETIMEOUT' ? ' (no answer from the resolver)' : code === 'ESERVFAIL' ? ' (the resolver could not answer)' : code === 'ECONNREFUSED' ? ' (the resolver refused the connection)' : ''}` };
    }
  }
}
