// DnsLookup port: what the domain verification job asks of DNS. Promises: every answer says what
// was found in terms a user can act on — the records, "no such name" (NXDOMAIN), "the name exists
// but has no record of that type", or a resolver failure (timeout, SERVFAIL) — through the
// resolvers given per call (empty: the system's). Leaves out: caching (each check asks afresh),
// DNSSEC, writing records (DNS-01 is a later port).

export type DnsAnswer<T> =
  | { kind: 'found'; records: T[] }
  | { kind: 'nxdomain' }
  | { kind: 'nodata' }
  | { kind: 'error'; message: string };

export interface DnsLookup {
  /** TXT records of `name`, each one string (its character-strings joined). */
  txt(name: string, resolvers: string[]): Promise<DnsAnswer<string>>;
  /** The CNAME target of `name` (lowercased, no trailing dot). */
  cname(name: string, resolvers: string[]): Promise<DnsAnswer<string>>;
  /** IPv4 addresses of `name` (following CNAMEs). */
  a(name: string, resolvers: string[]): Promise<DnsAnswer<string>>;
}
