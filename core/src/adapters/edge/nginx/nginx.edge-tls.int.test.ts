// NginxEdge's HTTPS against a real nginx: SNI from the certificate set, HTTP/2 by ALPN, a refused
// handshake for names without a certificate, the HTTP→HTTPS redirect, ACME challenges answered
// before the app, and a certificate swap under a request loop without one failed request.
// Certificates come from a throwaway PlatformCa (the real one the api uses).
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpawnCommandRunner } from '../../command/spawn.command-runner.js';
import { createLogger } from '../../../logger.js';
import { PlatformCa, platformCaFiles } from '../../tls/platform-ca.js';
import { NginxEdge } from './nginx.edge.js';
import { hostGet, startNginx, type RunningNginx } from './nginx.testing.js';
import { freePort } from '../../../testing/free-port.js';

let dir: string;
let nginx: RunningNginx;
let edge: NginxEdge;
let ca: PlatformCa;
let tlsPort: number;
const servers: http.Server[] = [];

async function serve(handler: http.RequestListener): Promise<number> {
  const srv = http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  servers.push(srv);
  return (srv.address() as net.AddressInfo).port;
}

/** One HTTPS request on a fresh connection, trusting only the test CA; with the served cert's serial. */
function httpsGet(host: string, p = '/'): Promise<{ status: number; body: string; serial: string; proto: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: tlsPort, servername: host, path: p, headers: { host }, ca: ca.certPem, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, serial: (res.socket as tls.TLSSocket).getPeerCertificate().serialNumber, proto: res.headers['x-proto'] as string | undefined }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const scratch = process.env.SLIPWAY_TEST_SCRATCH ?? os.tmpdir();
  dir = await mkdtemp(path.join(scratch, 'edge-tls-'));
  ca = await PlatformCa.loadOrCreate(platformCaFiles(path.join(dir, 'data')));
  const acmePort = await serve((req, res) => res.end(`answer for ${req.url}`));
  const [port, tp] = [await freePort(), await freePort()];
  tlsPort = tp;
  nginx = await startNginx({ dir: path.join(dir, 'edge'), port, tlsPort, acmeUpstream: `127.0.0.1:${acmePort}` });
  edge = new NginxEdge({
    dir: path.join(dir, 'edge'), port, bind: '127.0.0.1', nginxBin: 'nginx', tlsPort, acmeUpstream: `127.0.0.1:${acmePort}`,
    commands: new SpawnCommandRunner(), logger: createLogger({ level: 'silent', name: 'test' }),
  });
  const app = await serve((req, res) => res.setHeader('x-proto', String(req.headers['x-forwarded-proto'])).end(`app ${req.url}`));
  await edge.setRoute({ appId: 'tls-app', hostnames: ['a.tls.test', 'b.tls.test'], maintenance: false, targets: [{ host: '127.0.0.1', port: app }], httpsRedirect: true });
  await edge.setCertificates([{ hostnames: ['a.tls.test'], ...pair(await ca.issueServerCert(['a.tls.test'], 30)) }]);
});

const pair = (p: { certPem: string; keyPem: string }) => ({ certPem: p.certPem, keyPem: p.keyPem });

afterAll(async () => {
  await nginx?.stop();
  for (const s of servers) { s.closeAllConnections(); s.close(); }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('NginxEdge over TLS', () => {
  it('serves a hostname with a certificate over HTTPS with HTTP/2 offered, and redirects its plain HTTP', async () => {
    const r = await httpsGet('a.tls.test', '/x?y=1');
    expect(r).toMatchObject({ status: 200, body: 'app /x?y=1', proto: 'https' });
    const alpn = await new Promise<string | false>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: tlsPort, servername: 'a.tls.test', ca: ca.certPem, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
        resolve(s.alpnProtocol);
        s.destroy();
      });
      s.on('error', reject);
    });
    expect(alpn).toBe('h2');
    const plain = await hostGet(nginx.port, 'a.tls.test', '/x?y=1');
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`https://a.tls.test:${tlsPort}/x?y=1`);
    // the key file is readable by its owner only
    const files = await readdir(path.join(dir, 'edge', 'certs'));
    expect(files).toHaveLength(1);
    expect((await stat(path.join(dir, 'edge', 'certs', files[0]!))).mode & 0o077).toBe(0);
  });

  it('refuses the handshake for a name without a certificate, which stays on plain HTTP', async () => {
    await expect(httpsGet('b.tls.test')).rejects.toThrow();
    await expect(httpsGet('unknown.tls.test')).rejects.toThrow();
    const plain = await hostGet(nginx.port, 'b.tls.test', '/');
    expect(plain).toMatchObject({ status: 200, body: 'app /' });
  });

  it('answers ACME challenges before the app and the redirect, for routed and unknown hosts', async () => {
    for (const host of ['a.tls.test', 'b.tls.test', 'nobody.tls.test']) {
      const r = await hostGet(nginx.port, host, '/.well-known/acme-challenge/tok_123');
      expect(r).toMatchObject({ status: 200, body: 'answer for /.well-known/acme-challenge/tok_123' });
    }
  });

  it('swaps a certificate under a request loop without one failed request', async () => {
    const first = (await httpsGet('a.tls.test')).serial;
    let stop = false;
    const failures: string[] = [];
    let ok = 0;
    const loops = Array.from({ length: 2 }, async () => {
      while (!stop) {
        try {
          const r = await httpsGet('a.tls.test');
          if (r.status === 200) ok++;
          else failures.push(`status ${r.status}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    });
    for (let i = 0; i < 2; i++) {
      await edge.setCertificates([{ hostnames: ['a.tls.test'], ...pair(await ca.issueServerCert(['a.tls.test'], 30)) }]);
      await new Promise((r) => setTimeout(r, 200));
    }
    const last = (await httpsGet('a.tls.test')).serial;
    stop = true;
    await Promise.all(loops);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(10);
    expect(last).not.toBe(first);
    // only the file of the certificate in use is left
    expect(await readdir(path.join(dir, 'edge', 'certs'))).toHaveLength(1);
  });
});
