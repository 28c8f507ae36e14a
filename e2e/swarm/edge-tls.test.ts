// HTTPS through Slipway's nginx edge on the swarm runtime (real dockerd + one-node swarm, the real
// slipway/edge image and its agent): an app pushed with git gets the operator's wildcard
// certificate (uploaded in the admin settings, issued by a throwaway CA the client trusts); the
// edge serves it over its published TLS port with that certificate (SNI), refuses names without
// one at the handshake, and answers plain HTTP with 308 to https on the published port; the next
// release goes live under request loops through the edge with no failed request.
// Stand-in: on the shared engine the worker runs no edge service (swarm_edge=traefik, see
// swarm-fixture.ts), so this test creates the edge service itself from edgeServiceSpec (the spec the
// worker's cluster service uses) under a name of its own, with no node placement, on the app's
// organization network; the cluster tier runs the edge the worker creates.
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { PeerCertificate } from 'node:tls';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgNetworkName } from '@slipway/core/naming';
import { SecretBox, loadOrCreateMasterKey } from '@slipway/core/crypto';
import { PlatformCa, platformCaFiles } from '@slipway/core/adapters/tls/platform-ca';
import { edgeAgentToken } from '@slipway/core/adapters/edge/swarm/swarm-edge.config';
import { edgeServiceSpec } from '@slipway/core/adapters/runtime/swarm/platform-services';
import { startStack, type Stack } from '../support/stack.js';
import { freePort } from '@slipway/core/testing/free-port';
import { ApiClient } from '../support/client.js';
import { WorkingCopy } from '../support/git.js';
import { demux, docker, env, gatewayAddress, startSlugServer, swarmStackEnv, until, type SlugServer } from './support/swarm-fixture.js';

const DOMAIN = 'swarm-tls.test';
const HOST = `tls-app.${DOMAIN}`;
const APP = `require('http').createServer((req, res) => res.end('hello over tls ' + req.headers['x-forwarded-proto'] + '\\n')).listen(process.env.PORT);\n`;

let d: Docker;
let s3: SlugServer;
let stack: Stack;
let ca: PlatformCa;
let ports: { http: number; tls: number };
const edge = { service: `slw-test-tls-edge-${randomBytes(3).toString('hex')}`, secret: '' };

interface Answer { status: number; body: string; location?: string; cert?: PeerCertificate }

function httpsGet(servername: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: ports.tls, servername, headers: { host: servername }, ca: ca.certPem, agent: false, timeout: 10_000 }, (res) => {
      const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cert }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

function httpGet(host: string, urlPath: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: ports.http, path: urlPath, headers: { host }, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: '', location: res.headers.location }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  d = docker();
  s3 = await startSlugServer(d);
  const gateway = await gatewayAddress(d);
  ports = { http: await freePort(), tls: await freePort() };
  stack = await startStack((p) => ({
    ...swarmStackEnv(s3, gateway)(p),
    SLIPWAY_DOMAIN: DOMAIN,
    SLIPWAY_EDGE_TLS_PORT: String(ports.tls),
    SLIPWAY_DOMAINS_INTERVAL_SECONDS: '2',
  }));
  ca = await PlatformCa.loadOrCreate(platformCaFiles(path.join(stack.dataDir, 'operator-ca')), 'Operator CA');
}, 300_000);

afterAll(async () => {
  await d?.getService(edge.service).remove().catch(() => undefined);
  if (edge.secret) await until('the edge secret to be free', async () => d.getSecret(edge.secret).remove().then(() => true), 30_000, 500).catch(() => undefined);
  await stack?.stop();
  await s3?.close();
});

describe('HTTPS through the swarm edge', () => {
  it('serves an app with the wildcard certificate on the published TLS port and redirects HTTP there', async () => {
    const dev = await ApiClient.signUp(stack.apiUrl, 'tls@swarm.example');
    const app = (await dev.post('/apps', { name: 'tls-app' })).body;
    const wc = await WorkingCopy.create({ files: { Procfile: 'web: node server.js\n', 'server.js': APP } });
    const push = await wc.push(`${stack.apiUrl}/tls-app.git`, dev.token!);
    expect(push.code, push.output).toBe(0);

    const wildcard = await ca.issueServerCert([`*.${DOMAIN}`], 30);
    expect((await stack.admin.patch('/api/v1/admin/settings', { platform_wildcard_pem: `${wildcard.certPem}\n${wildcard.keyPem}` })).status).toBe(200);

    // the edge, as the worker's cluster service would start it (see the header)
    const token = edgeAgentToken(new SecretBox(loadOrCreateMasterKey(path.join(stack.dataDir, 'master.key'))));
    const secret = await d.createSecret({ Name: `${edge.service}-token`, Labels: { 'slipway.test-edge': 'true' }, Data: Buffer.from(token).toString('base64') });
    edge.secret = `${edge.service}-token`;
    const spec = edgeServiceSpec({
      image: env('SLIPWAY_EDGE_IMAGE'), port: ports.http, tlsPort: ports.tls,
      configUrl: `${stack.env.SLIPWAY_SLUG_BASE_URL}/internal/edge/nginx.conf`,
      token: { id: secret.id, name: edge.secret }, networks: [orgNetworkName(app.organization.id)],
    });
    spec.Name = edge.service;
    spec.Labels = { 'slipway.test-edge': 'true' };
    spec.TaskTemplate!.Placement = {};
    await d.createService(spec as Docker.CreateServiceOptions);

    let last: unknown;
    const answer = await until('the app over HTTPS through the edge', async () => {
      last = await httpsGet(HOST).catch((e: Error) => e.message);
      return typeof last === 'object' && (last as Answer).status === 200 ? (last as Answer) : undefined;
    }, 120_000, 1000).catch(async (e: Error) => {
      const svc = d.getService(edge.service) as unknown as { logs(o: object): Promise<Buffer> };
      const logs = await svc.logs({ stdout: true, stderr: true, tail: 30 }).then(demux, () => '');
      throw new Error(`${e.message}; last: ${JSON.stringify(last)}; edge logs: ${logs}`);
    });
    expect(answer.body).toBe('hello over tls https\n');
    expect(answer.cert?.subjectaltname).toBe(`DNS:*.${DOMAIN}`);

    // a name with no certificate is refused at the handshake
    await expect(httpsGet(`nobody.example.net`)).rejects.toThrow();

    // plain HTTP: 308 to https on the published TLS port (not the edge container's 8443)
    const redirect = await httpGet(HOST, '/some/path?q=1');
    expect(redirect).toMatchObject({ status: 308, location: `https://${HOST}:${ports.tls}/some/path?q=1` });

    // the next release goes live under two request loops through the edge: only 200s, old then new
    let running = true;
    const seen = new Map<string, number>();
    const loop = async () => {
      while (running) {
        const r = await httpsGet(HOST).catch((e: Error) => ({ status: -1, body: e.message }));
        const k = r.status === 200 ? r.body.trim() : `${r.status} ${r.body.slice(0, 80)}`;
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
    };
    const loops = [loop(), loop()];
    await wc.write({ 'server.js': APP.replace('hello over tls', 'v2 over tls') });
    await wc.commit('v2');
    const push2 = await wc.push(`${stack.apiUrl}/tls-app.git`, dev.token!);
    await until('v2 through the edge', async () => (await httpsGet(HOST).catch(() => null))?.body.startsWith('v2') || undefined, 60_000, 250);
    running = false;
    await Promise.all(loops);
    expect(push2.code, push2.output).toBe(0);
    console.log(`swarm edge: zero-downtime deploy, requests through the edge: ${JSON.stringify(Object.fromEntries(seen))}`);
    expect([...seen.keys()].sort()).toEqual(['hello over tls https', 'v2 over tls https']);
  });
});
