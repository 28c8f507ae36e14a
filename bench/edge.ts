// bench/edge — requests/s through the local edge (nginx, routed by NginxEdge) and directly to the
// app, and their ratio, in one run; then the same app deployed as a dyno by the LocalRuntime (as
// the platform runs it: sandboxed, supervised; plan of 2 CPUs so no quota caps it) through its
// edge. Needs a build (npx tsc -b), nginx and the test Redis (./scripts/bench edge starts it); uses
// wrk when installed (Debian package), else autocannon.
//   ./scripts/bench edge            (BENCH_SECONDS=10 BENCH_CONNECTIONS=64 by default)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@slipway/core/logger';
import { SpawnCommandRunner } from '@slipway/core/adapters/command/spawn.command-runner';
import { NginxEdge } from '@slipway/core/adapters/edge/nginx/nginx.edge';
import { freePort, startNginx, waitForPort } from '@slipway/core/adapters/edge/nginx/nginx.testing';
import { startLocalRig } from '@slipway/core/adapters/runtime/local/local.testing';
import { testRedisUrl } from '@slipway/core/testing/test-env';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
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

async function measure(url: string, host: string): Promise<{ rps: number; errors: number; tool: string }> {
  if (hasWrk()) {
    const r = spawnSync('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '-H', `Host: ${host}`, '--', url], { encoding: 'utf8' });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
    const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
    const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
    if (!Number.isFinite(rps)) throw new Error(`wrk failed: ${r.stdout}${r.stderr}`);
    return { rps, errors, tool: 'wrk' };
  }
  const { default: autocannon } = await import('autocannon');
  const res = await autocannon({ url, connections, duration: seconds, headers: { host } });
  return { rps: res.requests.average, errors: res.errors + res.non2xx, tool: 'autocannon' };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-bench-edge-'));
  const appPort = await freePort();
  const edgePort = await freePort();
  const app = spawn(process.execPath, ['-e', APP, String(appPort)], { stdio: 'inherit' });
  const nginx = await startNginx({ dir, port: edgePort });
  try {
    await waitForPort(appPort);
    const edge = new NginxEdge({
      dir, port: edgePort, bind: '127.0.0.1', nginxBin: 'nginx',
      commands: new SpawnCommandRunner(), logger: createLogger({ level: 'warn', name: 'bench-edge' }),
    });
    await edge.setRoute({ appId: 'bench', hostnames: [HOST], maintenance: false, targets: [{ host: '127.0.0.1', port: appPort }] });
    console.log(`bench/edge: ${seconds} s per run, ${connections} connections, ${os.cpus().length} cores`);
    const direct = await measure(`http://127.0.0.1:${appPort}/`, `127.0.0.1:${appPort}`);
    const through = await measure(`http://127.0.0.1:${edgePort}/`, HOST);
    const line = (name: string, r: { rps: number; errors: number }) =>
      `  ${name.padEnd(14)} ${r.rps.toFixed(0).padStart(8)} requests/s${r.errors ? `  (${r.errors} errors)` : ''}`;
    console.log(`  tool: ${direct.tool}`);
    console.log(line('direct', direct));
    console.log(line('through edge', through));
    console.log(`  ratio          ${(through.rps / direct.rps).toFixed(2)} (edge / direct)`);
    const dyno = await measureDyno();
    console.log(line('edge → dyno', dyno));
    console.log(`  ratio          ${(dyno.rps / through.rps).toFixed(2)} (edge → dyno / edge → plain process)`);
  } finally {
    app.kill('SIGTERM');
    await nginx.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same app as a dyno of the LocalRuntime, measured through the runtime's own edge. */
async function measureDyno(): Promise<{ rps: number; errors: number; tool: string }> {
  const rig = await startLocalRig({ scratch: os.tmpdir(), redisUrl: testRedisUrl(), bootTimeoutSeconds: 30 });
  try {
    const app = { id: 'benchedge01', name: 'bench-dyno', orgId: 'o' };
    const server = APP.replace("Number(process.argv[1])", 'Number(process.env.PORT)');
    const res = await rig.runtime.deploy({
      app, release: { id: 'r1', version: 1 }, artifact: await rig.harness.artifact({ 'server.js': server }), env: {},
      processes: [{ type: 'web', command: 'node server.js', quantity: 1 }], plan: { cpu: 2, memoryMb: 1024, maxReplicas: 1 },
      healthCheckPath: null, routing: { hostnames: ['bench-dyno.localhost'], maintenance: false },
    }, () => undefined);
    if (!res.ok) throw new Error(`the bench dyno did not start: ${res.reason}`);
    return await measure(`http://127.0.0.1:${rig.nginx.port}/`, 'bench-dyno.localhost');
  } finally {
    await rig.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
