// bench/edge — requests/s directly to the app, through the local edge (nginx, routed by NginxEdge)
// over HTTP, and through the edge over HTTPS (its TLS port, SNI, a P-256 certificate from a
// throwaway platform CA), with their ratios, in one run; then the same app deployed as a dyno by
// the LocalRuntime, as the platform runs it (sandboxed, supervised; a plan of BENCH_DYNO_CPUS (2)
// CPUs, so no quota caps it), directly and through the same edge, against the plain process
// directly and through the edge, in BENCH_ROUNDS (3) back-to-back pairs: the sandbox's cost on
// throughput. Needs a build (npx tsc -b), nginx and the test Redis (./scripts/bench edge starts it).
// Uses wrk (Debian) when installed — its URL names the app's hostname, for the Host header and SNI,
// and a small Lua resolver sends it to 127.0.0.1 — else autocannon.
//   ./scripts/bench edge            (BENCH_SECONDS=10 BENCH_CONNECTIONS=64 BENCH_ROUNDS=3 by default)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@slipway/core/logger';
import { SpawnCommandRunner } from '@slipway/core/adapters/command/spawn.command-runner';
import { NginxEdge } from '@slipway/core/adapters/edge/nginx/nginx.edge';
import { PlatformCa, platformCaFiles } from '@slipway/core/adapters/tls/platform-ca';
import { startNginx, waitForPort } from '@slipway/core/adapters/edge/nginx/nginx.testing';
import { freePort } from '@slipway/core/testing/free-port';
import { startLocalRig } from '@slipway/core/adapters/runtime/local/local.testing';
import { testRedisUrl } from '@slipway/core/testing/test-env';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const dynoCpus = Number(process.env.BENCH_DYNO_CPUS ?? 2);
const HOST = 'bench.localhost';

const APP = `
const http = require('http');
const body = 'hello from the bench app\\n';
http.createServer((req, res) => { res.setHeader('content-type', 'text/plain'); res.end(body); })
  .listen(Number(process.argv[1]), '127.0.0.1');
`;

function hasWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

interface Figure {
  rps: number;
  errors: number;
  tool: string;
}

/** wrk resolves the URL's host through this script: every name goes to loopback. */
const WRK_LOOPBACK = 'wrk.resolve = function(host, service) wrk.addrs = wrk.lookup("127.0.0.1", service) end\n';

async function measure(scheme: 'http' | 'https', host: string, port: number, tool: 'wrk' | 'autocannon', script: string): Promise<Figure> {
  if (tool === 'wrk') {
    const r = spawnSync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '-s', script, '--', `${scheme}://${host}:${port}/`], { encoding: 'utf8' });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
    const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
    const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
    if (!Number.isFinite(rps)) throw new Error(`wrk failed: ${r.stdout}${r.stderr}`);
    return { rps, errors, tool: 'wrk' };
  }
  const { default: autocannon } = await import('autocannon');
  const url = `${scheme}://127.0.0.1:${port}/`;
  const res = await autocannon({ url, connections, duration: seconds, headers: { host }, ...(scheme === 'https' ? { servername: host } : {}) });
  return { rps: res.requests.average, errors: res.errors + res.non2xx, tool: 'autocannon' };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-bench-edge-'));
  const appPort = await freePort();
  const edgePort = await freePort();
  let tlsPort = await freePort();
  while (tlsPort === edgePort || tlsPort === appPort) tlsPort = await freePort(); // a port just freed can come back
  const app = spawn(process.execPath, ['-e', APP, String(appPort)], { stdio: 'inherit' });
  const nginx = await startNginx({ dir: path.join(dir, 'edge'), port: edgePort, tlsPort }).catch((err: unknown) => {
    app.kill('SIGTERM');
    throw err;
  });
  try {
    await waitForPort(appPort);
    const edge = new NginxEdge({
      dir: path.join(dir, 'edge'), port: edgePort, bind: '127.0.0.1', nginxBin: 'nginx', tlsPort,
      commands: new SpawnCommandRunner(), logger: createLogger({ level: 'warn', name: 'bench-edge' }),
    });
    // redirect off: plain HTTP keeps serving the app, so HTTP and HTTPS measure the same route
    await edge.setRoute({ appId: 'bench', hostnames: [HOST], maintenance: false, targets: [{ host: '127.0.0.1', port: appPort }], httpsRedirect: false });
    const ca = await PlatformCa.loadOrCreate(platformCaFiles(path.join(dir, 'ca')));
    const cert = await ca.issueServerCert([HOST], 1);
    await edge.setCertificates([{ hostnames: [HOST], certPem: cert.certPem, keyPem: cert.keyPem }]);
    const script = path.join(dir, 'loopback.lua');
    await writeFile(script, WRK_LOOPBACK);
    const tool = hasWrk() ? 'wrk' : 'autocannon';
    console.log(`bench/edge: ${seconds} s per run, ${connections} connections, ${os.cpus().length} cores, ${tool} (kept-alive connections: one TLS handshake per connection)`);
    const line = (name: string, r: Figure, ratio?: string) =>
      `  ${name.padEnd(16)} ${r.rps.toFixed(0).padStart(8)} requests/s${r.errors ? `  (${r.errors} errors)` : ''}${ratio ? `   ${ratio}` : ''}`;
    const direct = await measure('http', '127.0.0.1', appPort, tool, script);
    const http = await measure('http', HOST, edgePort, tool, script);
    const https = await measure('https', HOST, tlsPort, tool, script);
    console.log(line('direct', direct));
    console.log(line('edge HTTP', http, `${(http.rps / direct.rps).toFixed(2)} of direct`));
    console.log(line('edge HTTPS', https, `${(https.rps / direct.rps).toFixed(2)} of direct, ${(https.rps / http.rps).toFixed(2)} of edge HTTP`));
    // before/after the sandbox: the plain process and the sandboxed dyno measured back to back in
    // pairs, in turn first (ABBA: a shared machine's load drifts between runs); the cost is the
    // median of the pairs' ratios, which compares like with like better than a ratio of medians
    const dyno = await startDyno(edge, edgePort);
    try {
      const runs: Record<'process' | 'dyno' | 'processEdge' | 'dynoEdge', Figure[]> = { process: [], dyno: [], processEdge: [], dynoEdge: [] };
      const both = async (i: number, plain: () => Promise<Figure>, sandboxed: () => Promise<Figure>): Promise<[Figure, Figure]> => {
        if (i % 2 === 0) return [await plain(), await sandboxed()];
        const d = await sandboxed();
        return [await plain(), d];
      };
      for (let i = 0; i < rounds; i++) {
        const [p, d] = await both(i, () => measure('http', '127.0.0.1', appPort, tool, script), () => measure('http', '127.0.0.1', dyno.appPort, tool, script));
        const [pe, de] = await both(i, () => measure('http', HOST, edgePort, tool, script), () => measure('http', dyno.host, dyno.edgePort, tool, script));
        runs.process.push(p); runs.dyno.push(d); runs.processEdge.push(pe); runs.dynoEdge.push(de);
      }
      const each = (r: Figure[]) => `rounds ${r.map((x) => x.rps.toFixed(0)).join(', ')}`;
      const pair = (name: string, plain: Figure[], sandboxed: Figure[]) => {
        const [p, d] = [median(plain), median(sandboxed)];
        const ratios = plain.map((x, i) => sandboxed[i]!.rps / x.rps).sort((a, b) => a - b);
        const ratio = middle(ratios);
        console.log(line(`${name} → process`, p, `median of ${rounds}; ${each(plain)}`));
        console.log(line(`${name} → dyno`, d, `median of ${rounds}; ${each(sandboxed)}`));
        console.log(`  ${name} sandbox ratio   ${ratio.toFixed(2)} of a plain process (median of the ${rounds} pairs: ${ratios.map((r) => r.toFixed(2)).join(', ')})`);
      };
      pair('direct', runs.process, runs.dyno);
      pair('edge', runs.processEdge, runs.dynoEdge);
    } finally {
      await dyno.stop();
    }
  } finally {
    app.kill('SIGTERM');
    await nginx.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same app as a dyno of the LocalRuntime (sandboxed, supervised), behind `edge`. */
async function startDyno(edge: NginxEdge, edgePort: number): Promise<{ host: string; edgePort: number; appPort: number; stop(): Promise<void> }> {
  // routed by the same nginx as the plain process, so the two edge figures differ only by the dyno
  const rig = await startLocalRig({ scratch: os.tmpdir(), redisUrl: testRedisUrl(), bootTimeoutSeconds: 30, deps: { edge } });
  try {
    const server = APP.replace('Number(process.argv[1])', 'Number(process.env.PORT)');
    const res = await rig.runtime.deploy({
      app: { id: 'benchedge01', name: 'bench-dyno', orgId: 'o' }, release: { id: 'r1', version: 1 },
      artifact: await rig.harness.artifact({ 'server.js': server }), env: {},
      processes: [{ type: 'web', command: 'node server.js', quantity: 1 }], plan: { cpu: dynoCpus, memoryMb: 1024, maxReplicas: 1 },
      healthCheckPath: null, routing: { hostnames: ['bench-dyno.localhost'], maintenance: false },
    }, () => undefined);
    if (!res.ok) throw new Error(`the bench dyno did not start: ${res.reason}`);
    const dynos = path.join(rig.appsDir, 'benchedge01', 'dynos');
    const record = JSON.parse(await readFile(path.join(dynos, (await readdir(dynos))[0]!, 'record.json'), 'utf8')) as { port: number };
    return { host: 'bench-dyno.localhost', edgePort, appPort: record.port, stop: () => rig.teardown() };
  } catch (err) {
    await rig.teardown();
    throw err;
  }
}

/** The median of sorted numbers (an even count: the mean of the two in the middle). */
function middle(sorted: number[]): number {
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function median(runs: Figure[]): Figure {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)]!;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
