// A stand-in for Traefik (no Traefik binary can be had here), so the Runtime contract's "GET through
// the edge" can run on Swarm. The routing decision is made from the services' real Traefik labels,
// converted by labelsToDynamicConfig (as Traefik's swarm provider would); the forwarding happens
// inside the swarm, in a small Node proxy running as a swarm service from the stack image that
// SwarmRuntime keeps on every organization network (its `edgeService` option, as for Traefik). The
// proxy resolves the chosen service's tasks by DNS (dnsrr), round-robins over them, and like the
// nginx edge (proxy_next_upstream error timeout, a bounded wait for the answer's head; here 8 tries
// of 1.5 s, resolving again each time) passes a GET that could not reach a task on to the next one:
// a task Swarm is just taking out of rotation is not a failed request. It answers 503 when a
// service's name resolves to no task three times, 502 when no task answers, and 404 when no router
// matches. Leaves out: TLS, entrypoints, middlewares, request bodies (the contract only GETs).
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { labelsToDynamicConfig, type DynamicConfig } from '@slipway/core/adapters/edge/traefik/traefik.dynamic-config';
import { EDGE_NETWORK } from '@slipway/core/adapters/edge/traefik/traefik.labels';
import { LABEL_MANAGED } from '@slipway/core/naming';
import type { HttpReply } from '@slipway/core/ports/runtime.contract';
import { demux } from './swarm-fixture.js';

const PROXY_JS = `
const http = require('http');
const dns = require('dns');
const resolver = new dns.promises.Resolver({ timeout: 500, tries: 1 });
const turn = new Map();
const TRIES = 8, ANSWER_MS = 1500;
const resolve = (host) => resolver.resolve4(host).catch(() => []);
const attempt = (req, addr, port, headers) => new Promise((done) => {
  const p = http.request({ host: addr, port: port, path: req.url, method: req.method, headers: headers, agent: false });
  const t = setTimeout(() => p.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })), ANSWER_MS);
  p.on('response', (r) => { clearTimeout(t); done({ r: r }); });
  p.on('error', (e) => { clearTimeout(t); done({ e: e }); });
  p.end();
});
http.createServer(async (req, res) => {
  const t0 = Date.now(), notes = [];
  res.on('finish', () => { if (Date.now() - t0 > 2000) console.log('slow ' + (Date.now() - t0) + ' ms ' + req.headers.host + ': ' + notes.join('; ')); });
  const up = req.headers['x-slw-upstream'];
  if (!up || up === 'none') { res.statusCode = 404; return res.end('404 page not found'); }
  const [host, port] = up.split(':');
  const headers = Object.assign({}, req.headers, { host: req.headers['x-slw-host'] || req.headers.host });
  let last = null, unresolved = 0;
  const pause = () => new Promise((r) => setTimeout(r, 100));
  for (let i = 0; i < TRIES; i++) {
    const tr = Date.now();
    const addrs = await resolve(host);
    if (Date.now() - tr > 300) notes.push('resolved ' + host + ' in ' + (Date.now() - tr) + ' ms');
    if (!addrs.length && ++unresolved < 3) { await pause(); continue; }
    if (!addrs.length) { if (last) break; res.statusCode = 503; return res.end('no available server'); }
    const n = (turn.get(host) || 0) % addrs.length;
    turn.set(host, n + 1);
    const ta = Date.now();
    const out = await attempt(req, addrs[n], Number(port), headers);
    notes.push(addrs[n] + ' ' + (out.r ? out.r.statusCode : out.e.code) + ' in ' + (Date.now() - ta) + ' ms');
    if (out.r) { res.writeHead(out.r.statusCode, out.r.headers); return out.r.pipe(res); }
    last = out.e;
    await pause();
  }
  res.statusCode = 502;
  res.end('bad gateway: ' + (last && last.code));
}).listen(8080, () => console.log('edge emulator listening'));
`;

export interface EdgeEmulator {
  serviceName: string;
  get(host: string, path?: string): Promise<HttpReply>;
  /** The stand-in's notes on requests that took over 2 s (its service log). */
  slowRequests(): Promise<string[]>;
  /** The stand-in's tasks, oldest first (more than one: Swarm replaced it during the run). */
  tasks(): Promise<string[]>;
  close(): Promise<void>;
}

function once(port: number, path: string, headers: Record<string, string>): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('edge request timed out')));
    req.on('error', reject);
    req.end();
  });
}

export async function startEdgeEmulator(d: Docker, stackImage: string, port: number): Promise<EdgeEmulator> {
  const serviceName = `slw-test-edge-${randomBytes(3).toString('hex')}`;
  const nets = await d.listNetworks({ filters: JSON.stringify({ name: [EDGE_NETWORK] }) });
  if (!nets.some((n) => n.Name === EDGE_NETWORK)) {
    await d.createNetwork({ Name: EDGE_NETWORK, Driver: 'overlay', Attachable: true, Labels: { [LABEL_MANAGED]: 'true', 'slipway.kind': 'edge-network' } });
  }
  await d.createService({
    Name: serviceName,
    Labels: { 'slipway.test-edge': 'true' },
    TaskTemplate: {
      ContainerSpec: { Image: stackImage, Args: ['exec node -e "$EDGE_JS"'], Env: [`EDGE_JS=${PROXY_JS}`], StopGracePeriod: 1_000_000_000 },
      Networks: [{ Target: EDGE_NETWORK }],
      RestartPolicy: { Condition: 'any', Delay: 200_000_000 },
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', Delay: 0 },
    EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: port, PublishMode: 'host' }] },
  } as unknown as Docker.CreateServiceOptions);

  // read on every request: the contract expects routing changes to show at once
  const routes = async (): Promise<DynamicConfig> => {
    const services = await d.listServices({ filters: JSON.stringify({ label: ['traefik.enable=true'] }) });
    return labelsToDynamicConfig(services.map((s) => ({ name: s.Spec!.Name!, labels: s.Spec!.Labels ?? {} })));
  };

  const get = async (host: string, path = '/'): Promise<HttpReply> => {
    const config = await routes();
    const router = Object.values(config.http.routers).find((r) => r.rule === `Host(\`${host}\`)`);
    const url = router?.service ? config.http.services[router.service]?.loadBalancer.servers[0]?.url : undefined;
    const upstream = url ? new URL(url).host : 'none';
    const end = Date.now() + 60_000;
    for (;;) {
      try {
        return await once(port, path, { host, 'x-slw-host': host, 'x-slw-upstream': upstream });
      } catch (err) {
        // the emulator itself restarting (SwarmRuntime just put it on a new network): wait for it
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'ECONNREFUSED' && code !== 'ECONNRESET') || Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  // wait until it answers
  const end = Date.now() + 60_000;
  for (;;) {
    const r = await once(port, '/', { 'x-slw-upstream': 'none' }).catch(() => null);
    if (r?.status === 404) break;
    if (Date.now() > end) throw new Error('the edge emulator did not come up');
    await new Promise((res) => setTimeout(res, 300));
  }

  return {
    serviceName,
    get,
    async slowRequests() {
      const svc = d.getService(serviceName) as unknown as { logs(o: object): Promise<Buffer> };
      const raw = await svc.logs({ stdout: true, stderr: true, tail: 500 }).catch(() => Buffer.alloc(0));
      return demux(raw).split('\n').filter((l) => l.includes('slow '));
    },
    async tasks() {
      const list = await d.listTasks({ filters: JSON.stringify({ service: [serviceName] }) }).catch(() => []);
      return list
        .sort((a, b) => String(a.CreatedAt).localeCompare(String(b.CreatedAt)))
        .map((t) => `task ${String(t.ID).slice(0, 8)} created ${t.CreatedAt} updated ${t.UpdatedAt}: ${t.Status?.State} (desired ${t.DesiredState})${t.Status?.Message ? `, ${t.Status.Message}` : ''}${t.Status?.Err ? `, ${t.Status.Err}` : ''}`);
    },
    async close() {
      await d.getService(serviceName).remove().catch(() => undefined);
    },
  };
}
