// The swarm edge's routing table and certificate set in Redis (keys sealed) and the configuration
// rendered from them, checked by the real nginx (`nginx -t`, Debian's nginx-light) the edge image runs.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type Redis } from '../../redis/redis.js';
import { testRedisUrl, uniquePrefix } from '../../../testing/test-env.js';
import { SecretBox } from '../../../crypto.js';
import { mainConfig, routesConfig } from '../nginx/nginx-config.js';
import { PlatformCa, platformCaFiles } from '../../tls/platform-ca.js';
import { RedisEdgeTable, SWARM_EDGE_LAYOUT, edgeAgentToken, swarmEdgeConfig } from './swarm-edge.config.js';
import { RedisEdgeCertificates } from './swarm-edge.certificates.js';

let redis: Redis;
let dir: string;
const route = (appId: string, name: string, replicas = 1) => ({
  appId, hostnames: [`${name}.apps.example.net`], maintenance: false, targets: replicas ? [{ host: `tasks.slw-${name}-web`, port: 5000 }] : [],
});

beforeAll(async () => {
  redis = createRedis(testRedisUrl());
  dir = await mkdtemp(path.join(process.env.SLIPWAY_TEST_SCRATCH ?? os.tmpdir(), 'swarm-edge-'));
});
afterAll(async () => {
  redis?.disconnect();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('swarm edge configuration', () => {
  it('keeps the routing table; a bad route is refused before it is stored', async () => {
    const table = new RedisEdgeTable(redis, uniquePrefix('edge'));
    await table.setRoute(route('a1', 'shop'));
    await table.setRoute(route('b2', 'blog', 0));
    await expect(table.setRoute({ ...route('c3', 'bad'), hostnames: ['x.example.net;include /etc/passwd'] })).rejects.toThrow(/Hostname/);
    expect((await table.routes()).map((r) => r.appId)).toEqual(['a1', 'b2']);
    await table.setRoute({ ...route('a1', 'shop'), hostnames: [] }); // no hostnames: no route
    expect((await table.routes()).map((r) => r.appId)).toEqual(['b2']);
    await table.replaceAll([route('d4', 'docs')]);
    expect(await table.routes()).toEqual([route('d4', 'docs')]);
    const { text, etag } = swarmEdgeConfig(await table.routes());
    expect(text).toContain('set $slw_target "tasks.slw-docs-web";');
    expect(swarmEdgeConfig(await table.routes()).etag).toBe(etag);
    expect(swarmEdgeConfig([]).etag).not.toBe(etag);
  });

  it('renders a configuration nginx accepts', async () => {
    const layout = { ...SWARM_EDGE_LAYOUT, dir };
    for (const d of ['logs', 'tmp', 'routes']) await mkdir(path.join(dir, d), { recursive: true });
    const text = mainConfig(layout, routesConfig(layout, [route('a1', 'shop', 3), route('b2', 'blog', 0), { ...route('c3', 'down'), maintenance: true }]));
    await writeFile(path.join(dir, 'nginx.conf'), text);
    const { stderr } = await promisify(execFile)('nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')]);
    expect(stderr).toMatch(/syntax is ok/);
  });

  it('keeps certificates with their keys sealed; nginx accepts the TLS configuration and its files', async () => {
    const ca = await PlatformCa.loadOrCreate(platformCaFiles(path.join(dir, 'ca')), 'Test CA');
    const issued = await ca.issueServerCert(['shop.apps.example.net'], 30);
    const prefix = uniquePrefix('edgecerts');
    const box = new SecretBox(Buffer.alloc(32, 7));
    const certs = new RedisEdgeCertificates(redis, prefix, box);
    await certs.setCertificates([{ hostnames: ['shop.apps.example.net'], certPem: issued.certPem, keyPem: issued.keyPem }]);
    const stored = (await redis.get(`${prefix}:edge:certificates`)) ?? '';
    expect(stored).toContain('BEGIN CERTIFICATE');
    expect(stored).not.toContain('PRIVATE KEY');
    const back = await new RedisEdgeCertificates(redis, prefix, box).certificates();
    expect(back).toEqual([{ hostnames: ['shop.apps.example.net'], certPem: issued.certPem, keyPem: issued.keyPem }]);
    await expect(new RedisEdgeCertificates(redis, prefix, new SecretBox(Buffer.alloc(32, 8))).certificates()).rejects.toThrow();
    await expect(certs.setCertificates([
      { hostnames: ['a.example.net'], certPem: issued.certPem, keyPem: issued.keyPem },
      { hostnames: ['a.example.net'], certPem: issued.certPem, keyPem: issued.keyPem },
    ])).rejects.toThrow(/two certificates/);
    expect(await certs.certificates()).toEqual(back); // refused: nothing changed

    // the rendered text under a scratch directory, with the files written as the agent would
    const rendered = swarmEdgeConfig([{ ...route('a1', 'shop'), httpsRedirect: true }], { certificates: back, publicTlsPort: 31443 });
    expect(rendered.files.size).toBe(1);
    const tlsDir = path.join(dir, 'tls');
    for (const d of ['logs', 'tmp', 'certs']) await mkdir(path.join(tlsDir, d), { recursive: true });
    for (const [name, pem] of rendered.files) await writeFile(path.join(tlsDir, 'certs', name), pem, { mode: 0o600 });
    const text = rendered.text.replaceAll(SWARM_EDGE_LAYOUT.dir, tlsDir).replace(/resolver 127\.0\.0\.11/, 'resolver 127.0.0.1');
    await writeFile(path.join(tlsDir, 'nginx.conf'), text);
    const { stderr } = await promisify(execFile)('nginx', ['-t', '-p', tlsDir, '-c', path.join(tlsDir, 'nginx.conf')]);
    expect(stderr).toMatch(/syntax is ok/);
  });

  it('derives the edge agent token from the master key', () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    expect(edgeAgentToken(box)).toBe(edgeAgentToken(new SecretBox(Buffer.alloc(32, 7))));
    expect(edgeAgentToken(box)).not.toBe(edgeAgentToken(new SecretBox(Buffer.alloc(32, 8))));
  });
});
