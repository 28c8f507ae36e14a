// Runtime contract suite: the behaviour every Runtime adapter promises (runtime.port.ts), as vitest
// tests registered by runtimeContract(name, setup). LocalRuntime runs it in
// core/src/adapters/runtime/local/local.runtime.int.test.ts; SwarmRuntime runs the same suite with
// its own harness. Every test deploys its own app (fresh id and hostname) built from a tiny Node
// HTTP server (CommonJS, no dependencies) packed by the harness into whatever the runtime runs.
// Leaves out: adapter-specific behaviour (privilege drop, pid files, backoff timings, Traefik labels).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine, LogStore } from './log-store.port.js';
import type { AppRef, Artifact, ProcessSpec, ReleaseSpec, Runtime } from './runtime.port.js';
import { oneOffContract, type RendezvousHarness } from './runtime-one-off.contract.js';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RuntimeContractHarness {
  runtime: Runtime;
  logs: LogStore;
  /** Apps are routed at `<app name>.<domain>`. */
  domain: string;
  /** The boot timeout the runtime was configured with (ms). */
  bootTimeoutMs: number;
  /** Packs `files` (paths relative to the app root) into an artifact the runtime can run. */
  artifact(files: Record<string, string>): Promise<Artifact>;
  /** One GET through the runtime's edge with this Host header (fresh connection). */
  get(host: string, path?: string): Promise<HttpReply>;
  /** Where figures go (e.g. the request count of the zero-downtime test). */
  report?(line: string): void;
  /** A rendezvous listener the runtime's attached one-off dynos can reach. */
  rendezvous: RendezvousHarness;
}

export interface ContractSetup {
  harness: RuntimeContractHarness;
  teardown(): Promise<void>;
}

export interface TestAppOptions {
  body?: string;
  bootDelayMs?: number;
  /** Throw during start-up with this message (exit status 1). */
  crashOnBoot?: string;
  /** Health endpoint status (GET /health). */
  healthStatus?: number;
}

/** server.js: answers BODY on /, its instance id on /id, env as JSON on /env, /crash exits 3. */
export function testApp(o: TestAppOptions = {}): Record<string, string> {
  const server = `
const http = require('http');
const fs = require('fs');
const id = require('crypto').randomUUID() + ':' + process.pid;
const body = ${JSON.stringify(o.body ?? 'hello')};
${o.crashOnBoot ? `console.log('booting'); throw new Error(${JSON.stringify(o.crashOnBoot)});` : ''}
const srv = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/health') { res.statusCode = ${o.healthStatus ?? 200}; return res.end('health'); }
  if (url.pathname === '/id') return res.end(id);
  if (url.pathname === '/env') return res.end(JSON.stringify(process.env));
  if (url.pathname === '/read') {
    try { return res.end(fs.readFileSync(url.searchParams.get('file'), 'utf8')); }
    catch (e) { res.statusCode = 403; return res.end(String(e.code)); }
  }
  if (url.pathname === '/crash') { res.end('bye'); console.log('crashing on request'); setTimeout(() => process.exit(3), 20); return; }
  res.end(body);
});
setTimeout(() => srv.listen(process.env.PORT, () => console.log('listening on ' + process.env.PORT)), ${o.bootDelayMs ?? 0});
process.on('SIGTERM', () => { console.log('SIGTERM received'); srv.close(() => process.exit(0)); setTimeout(() => process.exit(0), 500).unref(); });
`;
  const worker = `
let n = 0;
console.log('worker started');
setInterval(() => console.log('tick ' + (++n)), 200);
process.on('SIGTERM', () => process.exit(0));
`;
  return { 'server.js': server, 'worker.js': worker };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function runtimeContract(name: string, setup: () => Promise<ContractSetup>): void {
  describe(`Runtime contract: ${name}`, () => {
    let h: RuntimeContractHarness;
    let teardown: (() => Promise<void>) | undefined;
    const made: AppRef[] = [];

    beforeAll(async () => {
      const s = await setup();
      h = s.harness;
      teardown = s.teardown;
    });
    afterAll(async () => {
      for (const app of made) await h.runtime.remove(app).catch(() => undefined);
      await teardown?.();
    });

    let version = 0;
    const newApp = (): AppRef => {
      const app = { id: randomBytes(8).toString('hex'), name: `c${randomBytes(4).toString('hex')}`, orgId: 'org1' };
      made.push(app);
      return app;
    };
    const host = (app: AppRef) => `${app.name}.${h.domain}`;
    const spec = async (app: AppRef, files: Record<string, string>, over: Partial<ReleaseSpec> & { processes?: ProcessSpec[] } = {}): Promise<ReleaseSpec> => ({
      app,
      release: { id: randomBytes(6).toString('hex'), version: ++version },
      artifact: await h.artifact(files),
      env: {},
      processes: [{ type: 'web', command: 'node server.js', quantity: 1 }],
      plan: { cpu: 1, memoryMb: 256, maxReplicas: 10 },
      healthCheckPath: null,
      routing: { hostnames: [host(app)], maintenance: false },
      ...over,
    });
    const deployOk = async (s: ReleaseSpec) => {
      const lines: string[] = [];
      const res = await h.runtime.deploy(s, (l) => lines.push(l));
      expect(res, lines.join('\n')).toEqual({ ok: true });
      return lines;
    };
    const eventually = async (what: string, fn: () => Promise<boolean>, ms = 10_000) => {
      const end = Date.now() + ms;
      while (!(await fn().catch(() => false))) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await sleep(100);
      }
    };
    const readLogs = async (appId: string, filter: Partial<Pick<LogLine, 'dyno' | 'source'>> = {}) => {
      const out: LogLine[] = [];
      for await (const l of h.logs.read(appId, { lines: 500, tail: false, signal: new AbortController().signal, ...filter })) out.push(l);
      return out;
    };

    it('deploys a release and serves it through the edge; status shows the dyno up', async () => {
      const app = newApp();
      const progress = await deployOk(await spec(app, testApp({ body: 'v1 body' })));
      expect(progress.join('\n')).toMatch(/web\.1/);
      const r = await h.get(host(app));
      expect(r.status).toBe(200);
      expect(r.body).toBe('v1 body');
      const st = await h.runtime.status(app.id);
      expect(st).toEqual([expect.objectContaining({ name: 'web.1', type: 'web', state: 'up', releaseVersion: version })]);
    });

    it('answers an unknown host with 404', async () => {
      const r = await h.get(`nobody-${randomBytes(3).toString('hex')}.${h.domain}`);
      expect(r.status).toBe(404);
    });

    it('switches to a new release with zero downtime (only 200s while deploying)', async ({ annotate }) => {
      const app = newApp();
      await deployOk(await spec(app, testApp({ body: 'one' })));
      let running = true;
      const statuses = new Map<string, number>();
      const bodies = new Set<string>();
      const loop = async () => {
        while (running) {
          const r = await h.get(host(app)).catch((e: Error) => ({ status: -1, body: e.message, headers: {} }));
          const k = r.status === 200 ? '200' : `${r.status} ${r.body.slice(0, 80)}`;
          statuses.set(k, (statuses.get(k) ?? 0) + 1);
          if (r.status === 200) bodies.add(r.body);
        }
      };
      const loops = [loop(), loop()];
      await sleep(200);
      await deployOk(await spec(app, testApp({ body: 'two', bootDelayMs: 300 })));
      await sleep(300);
      running = false;
      await Promise.all(loops);
      const total = [...statuses.values()].reduce((a, b) => a + b, 0);
      const figure = `${name}: zero-downtime deploy, ${total} requests through the edge, statuses ${JSON.stringify(Object.fromEntries(statuses))}`;
      await annotate(figure);
      h.report?.(figure);
      expect(Object.fromEntries(statuses)).toEqual({ '200': total });
      expect(total).toBeGreaterThan(20);
      expect(bodies).toEqual(new Set(['one', 'two']));
      expect((await h.get(host(app))).body).toBe('two');
    });

    it('fails a release that crashes on boot and keeps the old one serving', async () => {
      const app = newApp();
      await deployOk(await spec(app, testApp({ body: 'good' })));
      const res = await h.runtime.deploy(await spec(app, testApp({ crashOnBoot: 'boom on boot' })), () => undefined);
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.reason).toMatch(/web\.1 exited with status 1 during boot[\s\S]*boom on boot/);
      expect((await h.get(host(app))).body).toBe('good');
      await sleep(300);
      expect((await h.get(host(app))).body).toBe('good');
      expect((await h.runtime.status(app.id)).map((d) => d.releaseVersion)).toEqual([version - 1]);
    });

    it('fails a release whose health check does not pass in time', async () => {
      const app = newApp();
      await deployOk(await spec(app, testApp({ body: 'healthy' }), { healthCheckPath: '/health' }));
      const t0 = Date.now();
      const res = await h.runtime.deploy(await spec(app, testApp({ healthStatus: 500 }), { healthCheckPath: '/health' }), () => undefined);
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.reason).toMatch(/health|500/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(h.bootTimeoutMs - 500);
      expect((await h.get(host(app))).body).toBe('healthy');
    });

    it('scales web 1 → 3 → 1 with distinct processes behind the edge', async () => {
      const app = newApp();
      const s = await spec(app, testApp());
      await deployOk(s);
      const ids = async (n: number) => {
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) seen.add((await h.get(host(app), '/id')).body);
        return seen;
      };
      await h.runtime.scale({ ...s, processes: [{ type: 'web', command: 'node server.js', quantity: 3 }] });
      expect((await h.runtime.status(app.id)).filter((d) => d.state === 'up').map((d) => d.name)).toEqual(['web.1', 'web.2', 'web.3']);
      expect((await ids(30)).size).toBe(3);
      await h.runtime.scale({ ...s, processes: [{ type: 'web', command: 'node server.js', quantity: 1 }] });
      expect((await h.runtime.status(app.id)).map((d) => d.name)).toEqual(['web.1']);
      expect((await ids(10)).size).toBe(1);
    });

    it('restarts one process type, then all dynos (new processes, still serving)', async () => {
      const app = newApp();
      await deployOk(await spec(app, testApp(), {
        processes: [{ type: 'web', command: 'node server.js', quantity: 1 }, { type: 'worker', command: 'node worker.js', quantity: 1 }],
      }));
      const starts = async () => (await readLogs(app.id, { dyno: 'worker.1', source: 'app' })).filter((l) => l.line === 'worker started').length;
      await eventually('the worker', async () => (await starts()) === 1);
      const before = (await h.get(host(app), '/id')).body;
      await h.runtime.restart(app, 'worker');
      await eventually('the worker restarted', async () => (await starts()) === 2);
      expect((await h.get(host(app), '/id')).body).toBe(before);
      await h.runtime.restart(app);
      const after = await h.get(host(app), '/id');
      expect(after.status).toBe(200);
      expect(after.body).not.toBe(before);
      await eventually('the worker restarted again', async () => (await starts()) === 3);
      expect((await h.runtime.status(app.id)).map((d) => `${d.name} ${d.state}`)).toEqual(['web.1 up', 'worker.1 up']);
    });

    it('serves a 503 maintenance page and comes back', async () => {
      const app = newApp();
      await deployOk(await spec(app, testApp({ body: 'live' })));
      await h.runtime.setRouting(app, { hostnames: [host(app)], maintenance: true });
      const m = await h.get(host(app));
      expect(m.status).toBe(503);
      expect(m.body).toMatch(/maintenance/i);
      await h.runtime.setRouting(app, { hostnames: [host(app)], maintenance: false });
      expect((await h.get(host(app))).body).toBe('live');
    });

    it('runs a worker-only app: no route, its output reaches the log store', async () => {
      const app = newApp();
      await deployOk(await spec(app, testApp(), {
        processes: [{ type: 'worker', command: 'node worker.js', quantity: 1 }],
        routing: { hostnames: [], maintenance: false },
      }));
      expect((await h.get(host(app))).status).toBe(404);
      await eventually('worker log lines', async () => (await readLogs(app.id, { dyno: 'worker.1', source: 'app' })).some((l) => l.line === 'tick 2'));
      expect((await h.runtime.status(app.id))[0]).toMatchObject({ name: 'worker.1', state: 'up' });
    });

    it('gives the process exactly its config vars, PORT and DYNO', async () => {
      const app = newApp();
      const tricky = `line one\nline "two" with 'quotes' and $HOME and \`ticks\`\n  indented; $(echo no)`;
      await deployOk(await spec(app, testApp(), { env: { TRICKY: tricky, EMPTY: '', DATABASE_URL: 'postgres://u:p@h/db' } }));
      const env = JSON.parse((await h.get(host(app), '/env')).body) as Record<string, string>;
      expect(env.TRICKY).toBe(tricky);
      expect(env.EMPTY).toBe('');
      expect(env.DATABASE_URL).toBe('postgres://u:p@h/db');
      expect(env.DYNO).toBe('web.1');
      expect(Number(env.PORT)).toBeGreaterThan(0);
      expect(Object.keys(env).filter((k) => k.startsWith('SLIPWAY_'))).toEqual([]);
    });

    it('restarts a dyno that crashes after boot', async () => {
      const app = newApp();
      await deployOk(await spec(app, testApp({ body: 'phoenix' })));
      const first = (await h.get(host(app), '/id')).body;
      await h.get(host(app), '/crash');
      await eventually('a restarted dyno', async () => {
        const r = await h.get(host(app), '/id');
        return r.status === 200 && r.body !== first;
      }, 15_000);
      const [d] = await h.runtime.status(app.id);
      expect(d!.restarts).toBeGreaterThanOrEqual(1);
      expect((await readLogs(app.id, { source: 'platform' })).map((l) => l.line)).toContain('Process exited with status 3');
    });

    it('runs one-off commands with exit codes, output and a timeout', async () => {
      const app = newApp();
      const s = await spec(app, testApp(), { env: { GREETING: 'hi there' } });
      const out: string[] = [];
      expect(await h.runtime.runOnce(s, 'echo "$GREETING from $DYNO"; exit 0', (l) => out.push(l), 10_000)).toEqual({ exitCode: 0, timedOut: false });
      expect(out).toContain('hi there from release.1');
      expect(await h.runtime.runOnce(s, 'echo failing >&2; exit 7', () => undefined, 10_000)).toEqual({ exitCode: 7, timedOut: false });
      const t0 = Date.now();
      const slow = await h.runtime.runOnce(s, 'sleep 30', () => undefined, 1_000);
      expect(slow.timedOut).toBe(true);
      expect(Date.now() - t0).toBeLessThan(15_000);
    });

    oneOffContract(() => ({ runtime: h.runtime, rendezvous: h.rendezvous }), () => spec(newApp(), testApp(), { env: { GREETING: 'hi there' } }));

    it('stops an app (503, no dynos) and removes it (404)', async () => {
      const app = newApp();
      await deployOk(await spec(app, testApp({ body: 'here' })));
      await h.runtime.stop(app);
      expect(await h.runtime.status(app.id)).toEqual([]);
      expect((await h.get(host(app))).status).toBe(503);
      await h.runtime.remove(app);
      expect((await h.get(host(app))).status).toBe(404);
    });
  });
}
