// Settings for custom domains and certificates: the ACME CA and account, the DNS resolver used to
// verify ownership, the renewal window, the operator's wildcard certificate for the platform
// domain, per-host ACME for apps' default domains, and the HTTP→HTTPS redirect default.
// First-boot defaults come from SLIPWAY_ACME_DIRECTORY_URL, SLIPWAY_ACME_EMAIL and
// SLIPWAY_DNS_RESOLVER (through Config). Leaves out: what the values do (services/domains/).
import net from 'node:net';
import { z } from 'zod';
import { parseCombinedPem } from '../domain/certificate-pem.js';
import { defineSetting } from './setting.js';

export const acmeDirectoryUrl = defineSetting<string>({
  key: 'acme_directory_url',
  group: 'domains',
  description: "The ACME CA's directory URL certificates are ordered from (Let's Encrypt by default).",
  schema: z.string().url('acme_directory_url must be an https URL').refine((u) => u.startsWith('https://'), 'acme_directory_url must be an https URL'),
  default: (c) => c.acme.directoryUrl,
});

export const acmeEmail = defineSetting<string>({
  key: 'acme_email',
  group: 'domains',
  description: 'Contact e-mail of the ACME account (the CA writes about expiring certificates); empty: none.',
  schema: z.union([z.literal(''), z.string().email('acme_email must be an e-mail address or empty')]),
  default: (c) => c.acme.email,
});

/** "" (the system's resolvers) or a comma-separated list of IP[:port] / [IPv6]:port. */
export const dnsResolver = defineSetting<string>({
  key: 'dns_resolver',
  group: 'domains',
  description: "DNS servers that verify domain ownership (IP or IP:port, comma-separated); empty: the system's.",
  schema: z.string().max(500).refine((v) => v.trim() === '' || v.split(',').every((s) => resolverAddress(s.trim()) !== null), 'dns_resolver must be empty or IP addresses with optional ports, comma-separated'),
  default: (c) => c.dnsResolver,
});

export const renewDaysBeforeExpiry = defineSetting<number>({
  key: 'certificate_renew_days',
  group: 'domains',
  description: 'Certificates are renewed this many days before they expire.',
  schema: z.number({ error: 'certificate_renew_days must be a number' }).int('certificate_renew_days must be a whole number').min(1, 'certificate_renew_days must be from 1 to 365').max(365, 'certificate_renew_days must be from 1 to 365'),
  default: () => 30,
});

export const httpsRedirectDefault = defineSetting<boolean>({
  key: 'https_redirect_default',
  group: 'domains',
  description: 'Apps redirect plain HTTP to HTTPS for hostnames that have a certificate, unless the app says otherwise.',
  schema: z.boolean({ error: 'https_redirect_default must be true or false' }),
  default: () => true,
});

export const platformDomainAcme = defineSetting<boolean>({
  key: 'platform_domain_acme',
  group: 'domains',
  description: "Order an ACME certificate for each app's default hostname (when no wildcard certificate covers it).",
  schema: z.boolean({ error: 'platform_domain_acme must be true or false' }),
  default: () => false,
});

export const edgePublicIpv4 = defineSetting<string>({
  key: 'edge_public_ipv4',
  group: 'domains',
  description: "The edge's public IPv4 address(es), comma-separated: the A record shown for apex domains; empty: only the CNAME target is shown.",
  schema: z.string().max(200).refine((v) => v.trim() === '' || v.split(',').every((s) => net.isIPv4(s.trim())), 'edge_public_ipv4 must be empty or IPv4 addresses, comma-separated'),
  default: () => '',
});

export const apiAcme = defineSetting<boolean>({
  key: 'api_acme',
  group: 'domains',
  description: "Order an ACME certificate for the api's own hostname (its HTTP-01 challenges reach the api through the edge on port 80).",
  schema: z.boolean({ error: 'api_acme must be true or false' }),
  default: () => false,
});

export const apiTlsPem = defineSetting<string>({
  key: 'api_tls_pem',
  group: 'domains',
  description: "The operator's certificate for the api's TLS port: the PEM certificate chain followed by its private key (wins over ACME and the platform CA).",
  schema: z.string().max(64_000, 'api_tls_pem is too long').superRefine((v, ctx) => pemIssue(v, 'api_tls_pem', ctx)),
  default: () => '',
  secret: true,
});

/** PEM: the certificate chain for *.<platform domain>, then its private key. */
export const platformWildcardPem = defineSetting<string>({
  key: 'platform_wildcard_pem',
  group: 'domains',
  description: 'Wildcard certificate for the platform domain: the PEM certificate chain followed by its private key.',
  schema: z.string().max(64_000, 'platform_wildcard_pem is too long').superRefine((v, ctx) => pemIssue(v, 'platform_wildcard_pem', ctx)),
  default: () => '',
  secret: true,
});

// Only settings are exported from this file (catalog.ts lists every export).
function pemIssue(v: string, key: string, ctx: z.RefinementCtx): void {
  if (v === '') return;
  try {
    parseCombinedPem(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `${key} must hold a PEM certificate chain and its private key: ${(err as Error).message}` });
  }
}

/** "IP", "IP:port", "[v6]:port" as node:dns accepts them; null when not an address. */
function resolverAddress(s: string): string | null {
  const v6 = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/i.exec(s);
  if (v6) return net.isIPv6(v6[1]!) && okPort(v6[2]) ? s : null;
  if (net.isIP(s)) return s;
  const m = /^([0-9.]+):(\d{1,5})$/.exec(s);
  return m && net.isIPv4(m[1]!) && okPort(m[2]) ? s : null;
}

const okPort = (p: string | undefined) => p === undefined || (Number(p) >= 1 && Number(p) <= 65535);
