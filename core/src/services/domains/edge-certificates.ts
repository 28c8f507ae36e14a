// Which certificate serves which routed hostname. For each verified hostname: the app's own
// uploaded certificate (SNI endpoint) that covers it, else the ACME certificate issued for that
// domain, else the operator's wildcard for the platform domain. A certificate is only ever chosen
// for hostnames its own app holds verified, so a hostname that changes hands never gets the
// previous holder's certificate. Pure. Leaves out: opening keys, talking to the edge.
import { covers } from '../../domain/certificate-pem.js';
import type { CertificateRow } from '../../repositories/types.js';

export interface VerifiedHostname {
  id: string;
  appId: string;
  hostname: string;
}

export interface Wildcard {
  hostnames: string[];
  chainPem: string;
  keyPem: string;
}

export type Chosen = { cert: CertificateRow; hostnames: string[] } | { cert: 'wildcard'; hostnames: string[] };

export function chooseCertificates(domains: VerifiedHostname[], certs: CertificateRow[], wildcard: Wildcard | null, now = new Date()): Chosen[] {
  const live = certs.filter((c) => c.notAfter > now && c.notBefore <= now);
  const byCert = new Map<CertificateRow | 'wildcard', string[]>();
  const add = (k: CertificateRow | 'wildcard', h: string) => byCert.set(k, [...(byCert.get(k) ?? []), h]);
  for (const d of domains) {
    const uploaded = live
      .filter((c) => c.source === 'uploaded' && c.appId === d.appId && covers(c.hostnames, d.hostname))
      .sort((a, b) => b.notAfter.getTime() - a.notAfter.getTime())[0];
    const acme = live.find((c) => c.source === 'acme' && c.domainId === d.id && covers(c.hostnames, d.hostname));
    const pick = uploaded ?? acme ?? (wildcard && covers(wildcard.hostnames, d.hostname) ? 'wildcard' : null);
    if (pick) add(pick, d.hostname);
  }
  return [...byCert].map(([cert, hostnames]) => (cert === 'wildcard' ? { cert, hostnames } : { cert, hostnames }));
}
