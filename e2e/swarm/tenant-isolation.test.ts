// The isolation checks on the swarm runtime, as two ordinary users of two organizations, end to end
// (real dockerd + one-node swarm, builds in builder containers, git pushes): tenant A's container
// runs as a non-root user with no capabilities and no privilege escalation, and from inside it
// cannot reach tenant B's app, the platform's PostgreSQL or Redis, or the metadata address, while
// the internet stays reachable; it cannot read the swarm edge's configuration or certificate files
// from the api it reaches for slugs; the worker put its network guard on the engine's host.
import { spawnSync } from 'node:child_process';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgNetworkName } from '@slipway/core/naming';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy } from '../support/git.js';
import { docker, gatewayAddress, probe, startSlugServer, swarmStackEnv, type SlugServer } from './support/swarm-fixture.js';

interface Attempt { name: string; ok: boolean; detail: string }

// what the dyno itself sees: its identity, and every connection it tries
const PROBE_APP = `
const fs = require('fs');
const net = require('net');
const connect = (host, port) => new Promise((resolve) => {
  const s = net.connect({ host, port });
  const t = setTimeout(() => { s.destroy(); resolve('ETIMEDOUT'); }, 4000);
  s.on('connect', () => { clearTimeout(t); s.destroy(); resolve('connected'); });
  s.on('error', (e) => { clearTimeout(t); resolve(e.code || e.message); });
});
require('http').createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/self') {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const field = (k) => (new RegExp('^' + k + ':\\\\s+(.*)$', 'm').exec(status) || [])[1];
    const setuid = require('child_process').spawnSync('find', ['/', '-xdev', '-type', 'f', '-perm', '/6000'], { encoding: 'utf8' }).stdout.split('\\n').filter(Boolean);
    return res.end(JSON.stringify({ uid: field('Uid'), capEff: field('CapEff'), noNewPrivs: field('NoNewPrivs'), docker: fs.existsSync('/var/run/docker.sock'), setuid }));
  }
  if (url.pathname === '/probe') {
    const out = [];
    for (const t of JSON.parse(url.searchParams.get('targets'))) {
      const r = await connect(t.host, t.port);
      out.push({ name: t.name, ok: r === 'connected', detail: r });
    }
    return res.end(JSON.stringify(out));
  }
  if (url.pathname === '/fetch') {
    const out = [];
    for (const t of JSON.parse(url.searchParams.get('targets'))) {
      out.push(await new Promise((resolve) => {
        const r = require('http').get(t.url, { headers: t.headers || {}, timeout: 5000 }, (a) => {
          let body = '';
          a.on('data', (c) => (body += c));
          a.on('end', () => resolve({ name: t.name, status: a.statusCode, body: body.slice(0, 200) }));
        });
        r.on('timeout', () => r.destroy(new Error('ETIMEDOUT')));
        r.on('error', (e) => resolve({ name: t.name, status: 0, body: e.code || e.message }));
      }));
    }
    return res.end(JSON.stringify(out));
  }
  res.end('tenant here');
}).listen(process.env.PORT);
`;

let d: Docker;
let s3: SlugServer;
let stack: Stack;
let alice: ApiClient;
let bob: ApiClient;
let gateway: string;
const apps: Record<'a' | 'b', { id: string; net: string }> = { a: { id: '', net: '' }, b: { id: '', net: '' } };

async function deploy(user: ApiClient, name: string): Promise<{ id: string; net: string }> {
  const app = (await user.post('/apps', { name })).body;
  const wc = await WorkingCopy.create({ files: { Procfile: 'web: node probe.js\n', 'probe.js': PROBE_APP } });
  const push = await wc.push(`${stack.apiUrl}/${name}.git`, user.token!);
  expect(push.code, push.output).toBe(0);
  return { id: app.id, net: orgNetworkName(app.organization.id) };
}

const fromInside = async (app: string, net: string, path: string) => {
  const r = await probe(d, net, `curl -sS --max-time 40 'http://slw-${app}-web:5000${path}'`, 60_000);
  expect(r.exitCode, r.output).toBe(0);
  return JSON.parse(r.output);
};

beforeAll(async () => {
  d = docker();
  s3 = await startSlugServer(d);
  gateway = await gatewayAddress(d);
  stack = await startStack(swarmStackEnv(s3, gateway));
  alice = await ApiClient.signUp(stack.apiUrl, 'alice@swarm-a.example');
  bob = await ApiClient.signUp(stack.apiUrl, 'bob@swarm-b.example');
  [apps.a, apps.b] = await Promise.all([deploy(alice, 'iso-a'), deploy(bob, 'iso-b')]);
  expect(apps.a.net).not.toBe(apps.b.net);
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  await s3?.close();
});

describe('tenant containers on the swarm runtime', () => {
  it('run as a non-root user with no capabilities and no privilege escalation, without the Docker socket', async () => {
    const spec = (await d.getService('slw-iso-a-web').inspect()).Spec.TaskTemplate.ContainerSpec;
    // (an engine older than Docker 25 keeps no Privileges.NoNewPrivileges in a service's spec)
    expect({ User: spec.User, CapabilityDrop: spec.CapabilityDrop }).toEqual({ User: '10000:10000', CapabilityDrop: ['ALL'] });
    expect(spec.Mounts ?? []).toEqual([]);
    const self = await fromInside('iso-a', apps.a.net, '/self');
    expect(self).toMatchObject({ uid: expect.stringMatching(/^10000\s/), capEff: '0000000000000000', docker: false, setuid: [] });
    // no-new-privileges as the engine applied it (an engine older than Docker 25 cannot set it on a
    // service; without setuid programs in the image there is nothing to gain from it anyway)
    const task = (await d.listContainers({ filters: JSON.stringify({ label: [`com.docker.swarm.service.name=slw-iso-a-web`] }) }))[0]!;
    const secOpt = ((await d.getContainer(task.Id).inspect()).HostConfig.SecurityOpt ?? []) as string[];
    if (secOpt.some((o) => o.startsWith('no-new-privileges'))) expect(self.noNewPrivs).toBe('1');
  });

  it("cannot reach tenant B, the platform's PostgreSQL or Redis, or the metadata address; the internet is reachable", async () => {
    const tasks = (await d.listTasks({ filters: JSON.stringify({ service: ['slw-iso-b-web'], 'desired-state': ['running'] }) })) as { NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[] }[];
    const ipB = tasks[0]!.NetworksAttachments!.find((n) => n.Network?.Spec?.Name === apps.b.net)!.Addresses![0]!.split('/')[0]!;
    const pg = Number(new URL(stack.env.SLIPWAY_DATABASE_URL!).port);
    const redis = Number(new URL(stack.env.SLIPWAY_REDIS_URL!).port);
    const targets = [
      { name: 'B by service name', host: 'slw-iso-b-web', port: 5000 },
      { name: 'B by container address', host: ipB, port: 5000 },
      { name: 'PostgreSQL on the host', host: gateway, port: pg },
      { name: 'PostgreSQL on loopback', host: '127.0.0.1', port: pg },
      { name: 'Redis on the host', host: gateway, port: redis },
      { name: 'Redis on loopback', host: '127.0.0.1', port: redis },
      { name: 'the metadata address', host: '169.254.169.254', port: 80 },
      { name: 'the internet (npm registry)', host: 'registry.npmjs.org', port: 443 },
    ];
    const report = (await fromInside('iso-a', apps.a.net, `/probe?targets=${encodeURIComponent(JSON.stringify(targets))}`)) as Attempt[];
    const seen = Object.fromEntries(report.map((r) => [r.name, r]));
    for (const t of targets.slice(0, -1)) expect(seen[t.name], JSON.stringify(report)).toMatchObject({ ok: false, detail: expect.stringMatching(/^(ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ENETUNREACH)$/) });
    expect(seen['the internet (npm registry)'], JSON.stringify(report)).toMatchObject({ ok: true });
    // B answers in its own network: the target was real
    const b = await probe(d, apps.b.net, `curl -sS --max-time 5 http://${ipB}:5000/`);
    expect(b.output.trim()).toBe('tenant here');
  });

  it("cannot read the swarm edge's configuration or certificate files from the api it reaches for slugs", async () => {
    const base = stack.env.SLIPWAY_SLUG_BASE_URL!;
    const targets = [
      { name: 'configuration, no token', url: `${base}/internal/edge/nginx.conf` },
      { name: 'configuration, forged token', url: `${base}/internal/edge/nginx.conf`, headers: { authorization: 'Bearer forged' } },
      { name: 'a certificate file, no token', url: `${base}/internal/edge/certs/${'a'.repeat(64)}.pem` },
      { name: 'a certificate file, forged token', url: `${base}/internal/edge/certs/${'a'.repeat(64)}.pem`, headers: { authorization: 'Bearer forged' } },
    ];
    const report = (await fromInside('iso-a', apps.a.net, `/fetch?targets=${encodeURIComponent(JSON.stringify(targets))}`)) as { name: string; status: number; body: string }[];
    expect(report.map((r) => [r.name, r.status]), JSON.stringify(report)).toEqual(targets.map((t) => [t.name, 401]));
    expect(JSON.stringify(report)).not.toMatch(/server_name|PRIVATE KEY/);
  });

  it("the worker's network guard is on the engine's host", () => {
    const ipt = (args: string[]) => spawnSync('iptables', ['-w', ...args], { encoding: 'utf8' }).stdout;
    const pg = new URL(stack.env.SLIPWAY_DATABASE_URL!).port;
    expect(ipt(['-S', 'SLW-CONTAINERS'])).toContain(`--dport ${pg} -j REJECT`);
    expect(ipt(['-S', 'DOCKER-USER'])).toMatch(/-d 169\.254\.0\.0\/16 .*-j REJECT/);
  });
});
