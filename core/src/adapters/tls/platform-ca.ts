// The platform's own certificate authority: created on first start under the data dir (key 0600,
// certificate 0644), then reused. It signs certificates for Slipway's own endpoints that have no
// public certificate: the api's TLS port when no operator or ACME certificate is given, the
// private registry on the swarm, and the rendezvous listener. Operators trust it by its PEM file
// (GIT_SSL_CAINFO, NODE_EXTRA_CA_CERTS, /etc/docker/certs.d/<registry>/ca.crt on nodes).
// Keys are ECDSA P-256. Leaves out: revocation (certificates are short-lived and re-issued),
// ACME (see the domains issue), anything tenant-facing.
import 'reflect-metadata';
import { createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface PlatformCaFiles {
  certFile: string;
  keyFile: string;
}

export function platformCaFiles(dataDir: string): PlatformCaFiles {
  return { certFile: path.join(dataDir, 'ca', 'ca.crt'), keyFile: path.join(dataDir, 'ca', 'ca.key') };
}

export class PlatformCa {
  private constructor(
    readonly certPem: string,
    private readonly cert: x509.X509Certificate,
    private readonly key: CryptoKey,
  ) {}

  /**
   * Loads the CA from the data dir, creating it (10 years) on first use. Processes that start
   * together on a new install (the api and the worker) end with the same CA: the key, then the
   * certificate made from the key on disk, are each put in place once (see commitOnce).
   */
  static async loadOrCreate(files: PlatformCaFiles, commonName = 'Slipway platform CA'): Promise<PlatformCa> {
    const existing = await readFile(files.certFile, 'utf8').catch(() => null);
    if (existing) return PlatformCa.fromPem({ certPem: existing, keyPem: await readFile(files.keyFile, 'utf8') });
    await mkdir(path.dirname(files.keyFile), { recursive: true, mode: 0o700 });
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const keyPem = await commitOnce(files.keyFile, await toPem(keys.privateKey), 0o600);
    const certPem = await commitOnce(files.certFile, await selfSigned(keyPem, commonName), 0o644);
    return PlatformCa.fromPem({ certPem, keyPem });
  }

  static async fromPem(pair: PemPair): Promise<PlatformCa> {
    const cert = new x509.X509Certificate(pair.certPem);
    const der = pemBody(pair.keyPem);
    const key = await webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
    return new PlatformCa(pair.certPem, cert, key as CryptoKey);
  }

  /**
   * Issues a server certificate for DNS names and IP addresses (at least one), valid for `days`
   * (default 90). The key is new each time and returned once, in PEM (PKCS#8).
   */
  async issueServerCert(names: string[], days = 90): Promise<PemPair> {
    if (!names.length) throw new Error('a server certificate needs at least one name');
    const san = new x509.SubjectAlternativeNameExtension(names.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n })));
    return this.issueLeaf(names[0]!, days, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, x509.ExtendedKeyUsage.serverAuth, [san]);
  }

  /**
   * Issues a client certificate (TLS client authentication) for `commonName`, valid for `days`
   * (default 365): how Slipway's own engines prove themselves to its registry (mutual TLS, Docker's
   * /etc/docker/certs.d/<registry>/client.cert). The key is new each time and returned once.
   */
  async issueClientCert(commonName: string, days = 365): Promise<PemPair> {
    if (!commonName) throw new Error('a client certificate needs a common name');
    return this.issueLeaf(commonName, days, x509.KeyUsageFlags.digitalSignature, x509.ExtendedKeyUsage.clientAuth, []);
  }

  /** A leaf certificate signed by this CA, with a new key returned once. */
  private async issueLeaf(commonName: string, days: number, usages: number, purpose: string, extra: x509.Extension[]): Promise<PemPair> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${escapeDn(commonName)}`,
      issuer: this.cert.subject,
      notBefore: new Date(now - 5 * 60_000),
      notAfter: new Date(now + days * DAY_MS),
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey: this.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(usages, true),
        new x509.ExtendedKeyUsageExtension([purpose]),
        ...extra,
        await x509.AuthorityKeyIdentifierExtension.create(this.cert),
      ],
    });
    return { certPem: cert.toString('pem'), keyPem: await toPem(keys.privateKey) };
  }

  /** Expiry of a PEM certificate (any issuer), for renewal decisions. */
  static expiresAt(certPem: string): Date {
    return new Date(new X509Certificate(certPem).validTo);
  }
}

/** A CA certificate for the key in `keyPem`, signed by itself. */
async function selfSigned(keyPem: string, commonName: string): Promise<string> {
  const spki = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  const keys = {
    privateKey: (await webcrypto.subtle.importKey('pkcs8', pemBody(keyPem), ALG, false, ['sign'])) as CryptoKey,
    publicKey: (await webcrypto.subtle.importKey('spki', spki, ALG, true, ['verify'])) as CryptoKey,
  };
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${escapeDn(commonName)}`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return cert.toString('pem');
}

/**
 * Puts `content` at `file` unless something is there already, and returns what is there: written
 * whole under a name of its own, then hard-linked into place (a link never replaces a file), so a
 * reader never sees half a file and the first of several writers wins.
 */
async function commitOnce(file: string, content: string, mode: number): Promise<string> {
  const tmp = `${file}.${process.pid}.${serial()}`;
  try {
    await writeFile(tmp, content, { mode, flag: 'wx' });
    await chmod(tmp, mode);
    await link(tmp, file);
    return content;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFile(file, 'utf8');
  } finally {
    await rm(tmp, { force: true });
  }
}

function serial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0]! & 0x7f; // positive
  return Buffer.from(b).toString('hex');
}

function escapeDn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

async function toPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
