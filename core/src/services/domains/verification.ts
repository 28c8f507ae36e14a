// Domain ownership by DNS, the rules: the records a user is asked to create, how a TXT answer is
// judged (with a message naming what was found and what was expected), whether the hostname
// already points at the platform, and the check schedule (soon after adding, then backing off,
// for 72 hours). Pure functions. Leaves out: asking DNS (DnsLookup port), storing results.
import type { DnsAnswer } from '../../ports/dns.port.js';

export const CHALLENGE_LABEL = '_slipway-challenge';
export const VERIFY_WINDOW_MS = 72 * 3600_000;
const DELAYS_MS = [60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 2 * 3_600_000, 4 * 3_600_000];

export const challengeName = (hostname: string): string => `${CHALLENGE_LABEL}.${hostname}`;

export interface DnsRecordToCreate {
  type: 'TXT' | 'CNAME' | 'A';
  name: string;
  value: string;
  /** ownership: proves the domain is yours; routing: sends its traffic to the platform. */
  purpose: 'ownership' | 'routing';
}

/** An apex (two labels, e.g. shop.test) cannot carry a CNAME; it needs A records (or ALIAS). */
export const isApex = (hostname: string): boolean => hostname.split('.').length <= 2;

export function recordsToCreate(d: { hostname: string; verificationToken: string | null }, target: { cname: string; ipv4: string[] }): DnsRecordToCreate[] {
  const out: DnsRecordToCreate[] = [];
  if (d.verificationToken) out.push({ type: 'TXT', name: challengeName(d.hostname), value: d.verificationToken, purpose: 'ownership' });
  if (isApex(d.hostname) && target.ipv4.length) for (const ip of target.ipv4) out.push({ type: 'A', name: d.hostname, value: ip, purpose: 'routing' });
  else out.push({ type: 'CNAME', name: d.hostname, value: target.cname, purpose: 'routing' });
  return out;
}

/** Did the TXT answer prove ownership? The message says what was seen, in the user's terms. */
export function judgeTxt(hostname: string, answer: DnsAnswer<string>, token: string): { verified: boolean; message: string } {
  const name = challengeName(hostname);
  switch (answer.kind) {
    case 'found': {
      if (answer.records.some((r) => r.trim() === token)) return { verified: true, message: `TXT record ${name} matches.` };
      const seen = answer.records.map((r) => `"${r.length > 80 ? `${r.slice(0, 80)}…` : r}"`).join(', ');
      return { verified: false, message: `TXT record ${name} has the wrong value: found ${seen || 'an empty record'}, expected "${token}".` };
    }
    case 'nxdomain':
      return { verified: false, message: `${name} does not exist (NXDOMAIN): create a TXT record there with the value "${token}".` };
    case 'nodata':
      return { verified: false, message: `${name} has no TXT record: create one with the value "${token}".` };
    case 'error':
      return { verified: false, message: `DNS lookup of ${name} failed: ${answer.message}. Slipway will look again.` };
  }
}

/** A note on where the hostname points (it does not decide ownership). */
export function judgeTarget(hostname: string, cname: DnsAnswer<string>, a: DnsAnswer<string>, target: { cname: string; ipv4: string[] }): { ok: boolean; message: string } {
  if (cname.kind === 'found' && cname.records.includes(target.cname)) return { ok: true, message: `${hostname} points at ${target.cname}.` };
  if (a.kind === 'found' && target.ipv4.length && a.records.some((ip) => target.ipv4.includes(ip))) return { ok: true, message: `${hostname} points at the platform.` };
  const want = isApex(hostname) && target.ipv4.length ? `A ${target.ipv4.join(', ')}` : `CNAME ${target.cname}`;
  const found = cname.kind === 'found' ? `CNAME ${cname.records.join(', ')}` : a.kind === 'found' ? `A ${a.records.join(', ')}` : 'no record';
  return { ok: false, message: `${hostname} does not point at the platform yet (found ${found}; create ${want}): HTTPS needs it.` };
}

/** When to check again after `checks` failed checks since `since`; null after 72 hours. */
export function nextCheckAt(checks: number, since: Date, now: Date): Date | null {
  const delay = DELAYS_MS[Math.min(checks, DELAYS_MS.length - 1)]!;
  const at = now.getTime() + delay;
  return at - since.getTime() > VERIFY_WINDOW_MS ? null : new Date(at);
}

/** Certificate orders that failed back off: 1 min, 5 min, 30 min, 2 h, then every 6 h. */
const TLS_DELAYS_MS = [60_000, 300_000, 1_800_000, 2 * 3_600_000, 6 * 3_600_000];
export const MAX_TLS_ATTEMPTS = 12;
export function nextTlsAttemptAt(attempts: number, now: Date): Date | null {
  if (attempts >= MAX_TLS_ATTEMPTS) return null;
  return new Date(now.getTime() + TLS_DELAYS_MS[Math.min(attempts - 1, TLS_DELAYS_MS.length - 1)]!);
}
