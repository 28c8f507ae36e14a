// The swarm edge's agent endpoints over real HTTP (express on a loopback port): the token is
// required, certificate file names are checked strictly, and only files the configuration names
// are served.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swarmEdgeConfig } from '@slipway/core/adapters/edge/swarm/swarm-edge.config';
import { edgeConfigRoutes } from './edge-config.routes.js';

const route = { appId: 'shop', hostnames: ['shop.apps.example.net'], maintenance: false, targets: [{ host: 'tasks.slw-shop-web', port: 5000 }] };
const cert = { hostnames: ['shop.apps.example.net'], certPem: '-----BEGIN CERTIFICATE-----\nc\n-----END CERTIFICATE-----', keyPem: '-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----' };
const rendered = swarmEdgeConfig([route], { certificates: [cert], publicTlsPort: 31443 });
const [certName, certPem] = [...rendered.files][0]!;

let server: Server;
let base: string;
const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });

beforeAll(async () => {
  const app = express();
  app.use(edgeConfigRoutes({ token: 'edge-secret', render: async () => rendered }));
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('edge config routes', () => {
  it('refuses requests without the edge token', async () => {
    for (const p of ['/internal/edge/nginx.conf', `/internal/edge/certs/${certName}`]) {
      expect((await get(p)).status).toBe(401);
      const wrong = await get(p, 'not-it');
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).not.toContain('PRIVATE KEY');
    }
  });

  it('serves the configuration, 304 when the edge has it', async () => {
    const r = await get('/internal/edge/nginx.conf', 'edge-secret');
    expect(r.status).toBe(200);
    expect(await r.text()).toContain(`ssl_certificate /var/lib/slipway-edge/certs/${certName};`);
    expect((await get('/internal/edge/nginx.conf', 'edge-secret', { 'if-none-match': `"${rendered.etag}"` })).status).toBe(304);
  });

  it('serves a certificate file the configuration names, 404 for any other name', async () => {
    const r = await get(`/internal/edge/certs/${certName}`, 'edge-secret');
    expect(r.status).toBe(200);
    expect(await r.text()).toBe(certPem);
    const unknown = `${'0'.repeat(64)}.pem`;
    for (const name of [unknown, certName.toUpperCase(), certName.replace('.pem', ''), `${certName}x`, '..%2Fnginx.conf', `${certName.slice(1)}`]) {
      const miss = await get(`/internal/edge/certs/${name}`, 'edge-secret');
      expect(miss.status, name).toBe(404);
      expect(await miss.text()).not.toContain('PRIVATE KEY');
    }
  });
});
