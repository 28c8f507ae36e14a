// NginxEdge against a real nginx (Debian's nginx-light) and real Node HTTP servers on loopback.
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpawnCommandRunner } from '../../command/spawn.command-runner.js';
import { createLogger } from '../../../logger.js';
import { UpstreamError } from '../../../errors.js';
import { NginxEdge, childrenOf } from './nginx.edge.js';
import { bootstrapEdge } from '../nginx-bootstrap.js';
import { hostGet, startNginx, type RunningNginx } from './nginx.testing.js';
import { freePort } from '../../../testing/free-port.js';

let dir: string;
let nginx: RunningNginx;
let edge: NginxEdge;
const servers: http.Server[] = [];

/** A backend that answers with its name and echoes the proxy headers it received. */
async function backend(name: string, delayMs = 0): Promise<number> {
  const srv = http.createServer((req, res) => {
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name, headers: req.headers }));
    }, req.url === '/slow' ? delayMs : 0);
  });
  srv.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(`echo:${d.toString()}`));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  servers.push(srv);
  return (srv.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  const scratch = process.env.SLIPWAY_TEST_SCRATCH ?? os.tmpdir();
  dir = await mkdtemp(path.join(scratch, 'edge-'));
  const port = await freePort();
  nginx = await startNginx({ dir, port });
  edge = new NginxEdge({
    dir, port, bind: '127.0.0.1', nginxBin: 'nginx',
    commands: new SpawnCommandRunner(), logger: createLogger({ level: 'silent', name: 'test' }),
  });
});

afterAll(async () => {
  await nginx?.stop();
  for (const s of servers) { s.closeAllConnections(); s.close(); }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('NginxEdge', () => {
  it('answers unknown hosts with a clear 404 page', async () => {
    const r = await hostGet(nginx.port, 'nope.localhost');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.body).toContain('No such app');
  });

  it('routes hostnames to targets with forwarding headers and request ids', async () => {
    const a = await backend('a');
    await edge.setRoute({ appId: 'app-a', hostnames: ['alpha.localhost', 'www.alpha.test'], maintenance: false, targets: [{ host: '127.0.0.1', port: a }] });
    const r = await hostGet(nginx.port, `alpha.localhost:${nginx.port}`, '/x', { 'x-forwarded-for': '10.0.0.9' });
    expect(r.status).toBe(200);
    const seen = JSON.parse(r.body) as { name: string; headers: Record<string, string> };
    expect(seen.name).toBe('a');
    expect(seen.headers['x-forwarded-for']).toBe('10.0.0.9, 127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe('alpha.localhost');
    expect(seen.headers['x-forwarded-port']).toBe(String(nginx.port));
    expect(seen.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(r.headers['x-request-id']).toBe(seen.headers['x-request-id']);

    const custom = await hostGet(nginx.port, 'www.alpha.test', '/', { 'x-request-id': 'client-chosen-id-123' });
    expect(JSON.parse(custom.body).headers['x-request-id']).toBe('client-chosen-id-123');
    const hostile = await hostGet(nginx.port, 'www.alpha.test', '/', { 'x-request-id': 'bad id"; with spaces' });
    expect(JSON.parse(hostile.body).headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);

    expect((await readFile(path.join(dir, 'routes', 'active.conf'), 'utf8'))).toContain('keepalive');
    await new Promise((r) => setTimeout(r, 1200)); // access log is flushed every second
    expect(await readFile(path.join(dir, 'logs', 'access.log'), 'utf8')).toContain('"alpha.localhost"');
  });

  it('carries a 5 MB upload and a 3 MB response (workers need no temp files in a private dir)', async () => {
    const srv = http.createServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => { n += c.length; });
      req.on('end', () => res.end(`${'x'.repeat(3_000_000)}${n}`));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    servers.push(srv);
    await edge.setRoute({ appId: 'app-big', hostnames: ['big.localhost'], maintenance: false, targets: [{ host: '127.0.0.1', port: (srv.address() as net.AddressInfo).port }] });
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: nginx.port, method: 'POST', path: '/', agent: false, headers: { host: 'big.localhost' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(Buffer.alloc(5_000_000, 97));
    });
    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(3_000_007);
    expect(reply.body.endsWith('5000000')).toBe(true);
  });

  it('passes websocket upgrades through', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(nginx.port, '127.0.0.1', () => {
        s.write('GET /ws HTTP/1.1\r\nHost: alpha.localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      });
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\r\n\r\n') && !buf.includes('echo:')) s.write('ping');
        if (buf.includes('echo:ping')) { s.destroy(); resolve(buf); }
      });
      s.on('error', reject);
      setTimeout(() => reject(new Error(`no websocket echo: ${buf}`)), 5000);
    });
    expect(reply).toMatch(/^HTTP\/1.1 101/);
  });

  it('serves the maintenance page, then the app again', async () => {
    const route = (await edge.routes()).find((r) => r.appId === 'app-a')!;
    await edge.setRoute({ ...route, maintenance: true });
    const m = await hostGet(nginx.port, 'alpha.localhost');
    expect(m.status).toBe(503);
    expect(m.body).toContain('Offline for maintenance');
    expect(m.headers['retry-after']).toBe('120');
    expect(m.headers['content-type']).toMatch(/text\/html/);
    await edge.setRoute({ ...route, maintenance: false });
    expect((await hostGet(nginx.port, 'alpha.localhost')).status).toBe(200);
  });

  it('shows an application error page when no target answers, and a 503 with no targets', async () => {
    const dead = await freePort();
    await edge.setRoute({ appId: 'app-dead', hostnames: ['dead.localhost'], maintenance: false, targets: [{ host: '127.0.0.1', port: dead }] });
    const r = await hostGet(nginx.port, 'dead.localhost');
    expect(r.status).toBe(502);
    expect(r.body).toContain('Application error');
    await edge.setRoute({ appId: 'app-dead', hostnames: ['dead.localhost'], maintenance: false, targets: [] });
    const none = await hostGet(nginx.port, 'dead.localhost');
    expect(none.status).toBe(503);
    expect(none.body).toContain('no web processes');
    await edge.setRoute({ appId: 'app-dead', hostnames: ['dead.localhost'], maintenance: false, unavailable: true, targets: [] });
    const off = await hostGet(nginx.port, 'dead.localhost');
    expect(off.status).toBe(503);
    expect(off.body).toContain('Application unavailable');
    expect((await edge.routes()).find((r) => r.appId === 'app-dead')?.unavailable).toBe(true);
    await edge.removeRoute('app-dead');
    expect((await hostGet(nginx.port, 'dead.localhost')).status).toBe(404);
  });

  it('keeps the previous table when nginx -t rejects the candidate', async () => {
    const before = await readFile(path.join(dir, 'routes', 'active.conf'), 'utf8');
    const err = await edge
      .setRoute({ appId: 'app-bad', hostnames: ['bad.localhost'], maintenance: false, targets: [{ host: 'no-such-host.invalid', port: 80 }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/invalid.*host not found/);
    expect(await readFile(path.join(dir, 'routes', 'active.conf'), 'utf8')).toBe(before);
    expect((await edge.routes()).map((r) => r.appId)).not.toContain('app-bad');
    expect((await hostGet(nginx.port, 'alpha.localhost')).status).toBe(200);
    expect(await readdir(path.join(dir, 'routes'))).not.toContain('candidate.conf');
  });

  it('refuses hostnames that are not DNS names before anything is written', async () => {
    await expect(edge.setRoute({ appId: 'app-x', hostnames: ['evil.localhost; include /etc/passwd'], maintenance: false, targets: [] })).rejects.toThrow(/Hostname/);
    await expect(edge.setRoute({ appId: 'app-y', hostnames: ['alpha.localhost'], maintenance: false, targets: [] })).rejects.toThrow(/two apps/);
  });

  it('lets an in-flight request finish across a reload, then serves the new target', async () => {
    const slow = await backend('old', 1500);
    const fresh = await backend('new');
    await edge.setRoute({ appId: 'app-s', hostnames: ['swap.localhost'], maintenance: false, targets: [{ host: '127.0.0.1', port: slow }] });
    const inflight = hostGet(nginx.port, 'swap.localhost', '/slow');
    await new Promise((r) => setTimeout(r, 200));
    await edge.setRoute({ appId: 'app-s', hostnames: ['swap.localhost'], maintenance: false, targets: [{ host: '127.0.0.1', port: fresh }] });
    const r = await inflight;
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).name).toBe('old');
    expect(JSON.parse((await hostGet(nginx.port, 'swap.localhost')).body).name).toBe('new');
  });

  it('fails loudly when nginx is not running and keeps the table as it was', async () => {
    const other = await mkdtemp(path.join(dir, 'stopped-'));
    bootstrapEdge({ dir: other, port: await freePort(), bind: '127.0.0.1', user: null });
    const before = await readFile(path.join(other, 'routes', 'active.conf'), 'utf8');
    const idle = new NginxEdge({ dir: other, port: 1, bind: '127.0.0.1', nginxBin: 'nginx', commands: new SpawnCommandRunner(), logger: createLogger({ level: 'silent', name: 't' }) });
    const err = await idle.setRoute({ appId: 'app-z', hostnames: ['z.localhost'], maintenance: false, targets: [{ host: '127.0.0.1', port: 9 }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as Error).message).toMatch(/not running/);
    expect(await idle.routes()).toEqual([]);
    expect(await readFile(path.join(other, 'routes', 'active.conf'), 'utf8')).toBe(before);
  });

  it('runs nginx workers unprivileged when the master is root', async () => {
    if (process.getuid?.() !== 0) return;
    const workers = await childrenOf(nginx.pid);
    expect(workers.length).toBeGreaterThan(0);
    for (const w of workers) expect((await stat(`/proc/${w}`)).uid).not.toBe(0);
  });
});
