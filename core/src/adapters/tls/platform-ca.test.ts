// The platform CA against Node's own TLS stack: a server with an issued certificate is trusted by a
// client that trusts only the CA, for the names it was issued for and no other.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { PlatformCa, platformCaFiles } from './platform-ca.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function serveWith(pair: { certPem: string; keyPem: string }) {
  const server = https.createServer({ cert: pair.certPem, key: pair.keyPem }, (_req, res) => res.end('hello over tls'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

function get(port: number, ca: string, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, ca, servername, path: '/' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('PlatformCa', () => {
  it('creates the CA once (key 0600), reuses it, and issues certificates a CA-trusting client accepts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'slw-ca-'));
    dirs.push(dir);
    const files = platformCaFiles(dir);
    const ca = await PlatformCa.loadOrCreate(files);
    expect((await stat(files.keyFile)).mode & 0o777).toBe(0o600);
    const again = await PlatformCa.loadOrCreate(files);
    expect(again.certPem).toBe(ca.certPem);
    expect(await readFile(files.certFile, 'utf8')).toBe(ca.certPem);

    const pair = await again.issueServerCert(['api.slipway.test', '127.0.0.1'], 30);
    const days = (PlatformCa.expiresAt(pair.certPem).getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    const server = await serveWith(pair);
    const { port } = server.address() as AddressInfo;
    try {
      expect(await get(port, ca.certPem, 'api.slipway.test')).toBe('hello over tls');
      await expect(get(port, ca.certPem, 'other.slipway.test')).rejects.toThrow(/altnames|Hostname/i);
      const stranger = await PlatformCa.loadOrCreate(platformCaFiles(path.join(dir, 'other')));
      await expect(get(port, stranger.certPem, 'api.slipway.test')).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    } finally {
      server.close();
    }
  });

  it('ends with one CA when several starters create it at once (api and worker on a new install), and the file on disk verifies its certificates', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'slw-ca-'));
    dirs.push(dir);
    const files = platformCaFiles(dir);
    const cas = await Promise.all(Array.from({ length: 6 }, () => PlatformCa.loadOrCreate(files)));
    const onDisk = await readFile(files.certFile, 'utf8');
    expect(new Set(cas.map((c) => c.certPem))).toEqual(new Set([onDisk]));
    expect((await stat(files.keyFile)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir + '/ca')).toEqual(['ca.crt', 'ca.key']);
    const server = await serveWith(await cas[5]!.issueServerCert(['api.slipway.test']));
    try {
      expect(await get((server.address() as AddressInfo).port, onDisk, 'api.slipway.test')).toBe('hello over tls');
    } finally {
      server.close();
    }
  });

  it('issues client certificates a server requiring the CA accepts, and only for client use', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'slw-ca-'));
    dirs.push(dir);
    const ca = await PlatformCa.loadOrCreate(platformCaFiles(dir));
    const serverPair = await ca.issueServerCert(['registry.slipway.test']);
    const server = https.createServer({ cert: serverPair.certPem, key: serverPair.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) =>
      res.end(`hello ${(req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN}`),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const call = (pair?: { certPem: string; keyPem: string }) =>
      new Promise<string>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, ca: ca.certPem, servername: 'registry.slipway.test', cert: pair?.certPem, key: pair?.keyPem }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve(body));
          })
          .on('error', reject);
      });
    try {
      expect(await call(await ca.issueClientCert('node-1'))).toBe('hello node-1');
      await expect(call()).rejects.toThrow();
      // a server certificate is not a client certificate (extended key usage)
      await expect(call(serverPair)).rejects.toThrow();
    } finally {
      server.close();
    }
  });
});
