// Reading certificates: splitting a PEM bundle (chain + key) the operator or a tenant uploads,
// checking that the key belongs to the leaf, and the facts the api and the edge need (names it
// covers, issuer, validity). Which hostname a certificate may serve is decided by `covers`
// (exact name, or a wildcard for exactly one more label). Pure functions over node:crypto.
// Leaves out: chain validation against a trust store (the edge serves what it is given; a tenant's
// own certificate may be self-signed, as on Heroku), storage, ACME.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { ValidationError } from '../errors.js';

export interface CertificateFacts {
  /** DNS names from subjectAltName (falling back to the subject CN), lowercased. */
  hostnames: string[];
  issuer: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  selfSigned: boolean;
}

const CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_RE = /-----BEGIN (EC |RSA )?PRIVATE KEY-----[\s\S]+?-----END (EC |RSA )?PRIVATE KEY-----/;

/** The PEM certificates in `text`, leaf first, each ending in a newline. */
export function pemCertificates(text: string): string[] {
  return (text.match(CERT_RE) ?? []).map((c) => `${c}\n`);
}

export function certificateFacts(certPem: string): CertificateFacts {
  const leaf = pemCertificates(certPem)[0];
  if (!leaf) throw new ValidationError('The certificate is not a PEM certificate (-----BEGIN CERTIFICATE-----).', { field: 'certificate_chain' });
  let x: X509Certificate;
  try {
    x = new X509Certificate(leaf);
  } catch {
    throw new ValidationError('The certificate could not be read (a PEM X.509 certificate is expected).', { field: 'certificate_chain' });
  }
  const sans = (x.subjectAltName ?? '')
    .split(', ')
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(x.subject)?.[1]?.toLowerCase();
  return {
    hostnames: sans.length ? [...new Set(sans)] : cn ? [cn] : [],
    issuer: oneLine(x.issuer),
    subject: oneLine(x.subject),
    notBefore: new Date(x.validFrom),
    notAfter: new Date(x.validTo),
    selfSigned: x.issuer === x.subject && x.verify(x.publicKey),
  };
}

/**
 * Splits an uploaded chain and key, checks the key signs for the leaf and the leaf is in its
 * validity period. Returns the chain (leaf first) and the key in PEM.
 */
export function parseCertificateBundle(chainText: string, keyText: string, now = new Date()): { chainPem: string; keyPem: string; facts: CertificateFacts } {
  const certs = pemCertificates(chainText);
  if (!certs.length) throw new ValidationError('certificate_chain must hold at least one PEM certificate.', { field: 'certificate_chain' });
  const keyMatch = KEY_RE.exec(keyText);
  if (!keyMatch) throw new ValidationError('private_key must be a PEM private key (-----BEGIN PRIVATE KEY-----).', { field: 'private_key' });
  let key: KeyObject;
  try {
    key = createPrivateKey(keyMatch[0]);
  } catch {
    throw new ValidationError('private_key could not be read (an unencrypted PEM key is expected).', { field: 'private_key' });
  }
  const facts = certificateFacts(certs[0]!);
  if (!new X509Certificate(certs[0]!).checkPrivateKey(key)) {
    throw new ValidationError('private_key does not belong to the first certificate of certificate_chain.', { field: 'private_key' });
  }
  if (facts.notAfter.getTime() <= now.getTime()) throw new ValidationError(`The certificate expired on ${facts.notAfter.toISOString()}.`, { field: 'certificate_chain' });
  if (!facts.hostnames.length) throw new ValidationError('The certificate names no DNS hostname.', { field: 'certificate_chain' });
  return { chainPem: certs.join(''), keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), facts };
}

/** One text holding the chain and the key (the platform wildcard setting). */
export function parseCombinedPem(text: string, now = new Date()): ReturnType<typeof parseCertificateBundle> {
  return parseCertificateBundle(text, text, now);
}

/** Does a certificate naming `names` serve `hostname`? Exact, or "*.rest" for one label + rest. */
export function covers(names: readonly string[], hostname: string): boolean {
  const h = hostname.toLowerCase();
  return names.some((n) => n === h || (n.startsWith('*.') && h.endsWith(n.slice(1)) && !h.slice(0, h.length - n.length + 1).includes('.') && h.length > n.length - 1));
}

const oneLine = (dn: string) => dn.split('\n').filter(Boolean).join(', ');
