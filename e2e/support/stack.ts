// Test support: the whole platform as real processes, the way ./scripts/up runs it — the nginx
// edge, the api (HTTP + git smart HTTP + git SSH) and the worker — on free ports, with a fresh
// database, Redis prefix and data dir. PostgreSQL and Redis are the ones scripts/test started.
// With `supervised`, the api and the worker run under scripts/lib/supervise as ./scripts/up runs
// them: a crash (kill -9) is followed by a restart with backoff.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, REPO_ROOT, requireEnv, setTestSetting, testRedisUrl, uniquePrefix, type TestDatabase } from '@slipway/core/testing/test-env';
import { EgressGuard } from '@slipway/core/adapters/sandbox/egress-guard';
import { SpawnCommandRunner } from '@slipway/core/adapters/command/spawn.command-runner';
import { freePort } from '@slipway/core/testing/free-port';
import { ApiClient } from './client.js';

export interface Stack {
  apiUrl: string;
  edgePort: number;
  sshPort: number;
  dataDir: string;
  env: Record<string, string>;
  admin: ApiClient;
  db: TestDatabase;
  /** Restart the worker process (e.g. after killing it); supervised: wait for the supervisor's restart. */
  restartWorker(): Promise<void>;
  killWorker(signal?: NodeJS.Signals): Promise<void>;
  /** Supervised stacks: the current pid of the api's or the worker's node process. */
  pidOf(name: 'api' | 'worker'): Promise<number | null>;
  stop(): Promise<void>;
}

function waitExit(p: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      resolve();
    }, ms);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Wait until `url` answers 200; `exited` says why waiting is over early (the process is gone). */
async function waitHttp(url: string, ms: number, exited: () => string | null): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    const why = exited();
    if (why) throw new Error(why);
    if (Date.now() > end) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type StackEnv = Record<string, string> | ((ports: { api: number; edge: number; ssh: number }) => Record<string, string>);

const range = (lowHigh: string) => lowHigh.split('-').map(Number) as [number, number];

async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat !== null && !/^\d+ \(.*\) Z /.test(stat);
}

export async function startStack(extra: StackEnv = {}, opts: { supervised?: boolean } = {}): Promise<Stack> {
  const scratch = requireEnv('SLIPWAY_TEST_SCRATCH');
  const dataDir = await mkdtemp(path.join(scratch, 'stack-'));
  const db = await createTestDatabase({ migrate: false });
  const [apiPort, freeEdgePort, sshPort, rendezvousPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const adminPassword = 'stack admin password';
  const extraEnv = typeof extra === 'function' ? extra({ api: apiPort, edge: freeEdgePort, ssh: sshPort }) : extra;
  // a test may put the edge on a port chosen beforehand (the ACME test CA validates on a fixed one)
  const edgePort = Number(extraEnv.SLIPWAY_EDGE_PORT ?? freeEdgePort);
  // the swarm tier's engine and images (scripts/lib/docker.sh exports them)
  const passThrough = Object.fromEntries(
    ['SLIPWAY_DOCKER_HOST', 'SLIPWAY_STACK_IMAGE', 'SLIPWAY_BUILDER_IMAGE'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
  );
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
    SLIPWAY_DATA_DIR: dataDir,
    SLIPWAY_API_PORT: String(apiPort),
    SLIPWAY_EDGE_PORT: String(edgePort),
    SLIPWAY_GIT_SSH_PORT: String(sshPort),
    SLIPWAY_RENDEZVOUS_PORT: String(rendezvousPort),
    SLIPWAY_DATABASE_URL: db.url,
    SLIPWAY_REDIS_URL: testRedisUrl(),
    SLIPWAY_REDIS_PREFIX: uniquePrefix('s'),
    SLIPWAY_ADMIN_EMAIL: 'admin@example.com',
    SLIPWAY_ADMIN_PASSWORD: adminPassword,
    SLIPWAY_CLIENT_DIR: path.join(REPO_ROOT, 'client/dist'),
    SLIPWAY_LOG_LEVEL: 'debug',
    SLIPWAY_BOOT_TIMEOUT_SECONDS: '30',
    SLIPWAY_STOP_GRACE_SECONDS: '5',
    SLIPWAY_APP_PORT_RANGE: `${10000 + (apiPort % 200) * 100}-${10000 + (apiPort % 200) * 100 + 99}`, // below the kernel's ephemeral range, where free ports come from
    // app uids of this stack's own (a uid, cgroup base and egress chain are never shared between stacks)
    SLIPWAY_APP_UID_RANGE: `${500_000 + (apiPort % 5000) * 100}-${500_000 + (apiPort % 5000) * 100 + 99}`,
    ...passThrough,
    ...extraEnv,
  };
  const logDir = path.join(dataDir, 'logs');
  const run = (file: string, args: string[], name: string): ChildProcess => {
    const p = spawn(file, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    p.stdout!.pipe(out);
    p.stderr!.pipe(out);
    return p;
  };
  await import('node:fs/promises').then((fs) => fs.mkdir(logDir, { recursive: true }));

  const setup = run(process.execPath, ['api/dist/cli/setup.js'], 'setup');
  const setupCode = await new Promise<number>((r) => setup.on('exit', (c) => r(c ?? 1)));
  if (setupCode !== 0) throw new Error(`setup failed; see ${logDir}/setup.log`);
  // Hourly billing would suspend the test organizations (they have no credit) at minute 5 of any
  // hour a test runs across; tests that bill call the explicit run endpoint instead.
  if (!extraEnv.SLIPWAY_TEST_KEEP_BILLING) await setTestSetting(db.pool, 'billing_enabled', false);
  // the tests play ordinary users who sign up (a fresh install has sign-up off)
  await setTestSetting(db.pool, 'signup_enabled', true);

  // the edge, as scripts/lib/edge.sh starts it
  const edgeDir = path.join(dataDir, 'edge');
  // (on the swarm runtime the TLS port is the swarm edge's: the local nginx leaves it free)
  const tlsFlags = env.SLIPWAY_EDGE_TLS_PORT && env.SLIPWAY_RUNTIME !== 'swarm' ? ['--tls-port', env.SLIPWAY_EDGE_TLS_PORT] : [];
  const boot = run(process.execPath, ['core/dist/adapters/edge/nginx-bootstrap.js', edgeDir, String(edgePort), '127.0.0.1', ...tlsFlags, '--acme-upstream', `127.0.0.1:${apiPort}`], 'edge-bootstrap');
  if ((await new Promise<number>((r) => boot.on('exit', (c) => r(c ?? 1)))) !== 0) throw new Error('edge bootstrap failed');
  const nginx = run('nginx', ['-p', edgeDir, '-c', path.join(edgeDir, 'nginx.conf'), '-g', 'daemon off;'], 'nginx');
  const runDir = path.join(dataDir, 'run');
  await import('node:fs/promises').then((fs) => fs.mkdir(runDir, { recursive: true }));
  const pidFile = (name: string) => path.join(runDir, `${name}.pid`);
  const pidOf = async (name: 'api' | 'worker') => {
    const pid = Number((await readFile(pidFile(name), 'utf8').catch(() => '')).trim());
    return pid > 0 && (await alive(pid)) ? pid : null;
  };
  const start = (name: 'api' | 'worker'): ChildProcess =>
    opts.supervised
      ? spawn(path.join(REPO_ROOT, 'scripts/lib/supervise'), [name, path.join(logDir, `${name}.log`), pidFile(name), process.execPath, `${name}/dist/main.js`], { cwd: REPO_ROOT, env, stdio: 'ignore' })
      : run(process.execPath, [`${name}/dist/main.js`], name);
  const api = start('api');
  let worker = start('worker');
  let killed: number | null = null;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  // why an api that exits while starting did so: its stderr, whole once 'close' has come
  let apiStderr = '';
  let apiClosed = false;
  api.stderr?.on('data', (c: Buffer) => (apiStderr = (apiStderr + c.toString()).slice(-4000)));
  api.once('close', () => (apiClosed = true));
  const apiExited = () => (opts.supervised || !apiClosed ? null : `the api exited while starting (${api.exitCode ?? api.signalCode}): ${apiStderr}`);
  const stop = async (): Promise<void> => {
    worker.kill('SIGTERM');
    api.kill('SIGTERM');
    await Promise.all([waitExit(worker, 40_000), waitExit(api, opts.supervised ? 40_000 : 10_000)]);
    nginx.kill('SIGQUIT');
    await waitExit(nginx, 10_000);
    await db.drop();
    // the worker leaves its network fence in place (it outlives restarts); a test stack takes its own down
    if (process.getuid?.() === 0) await new EgressGuard({ uidRange: range(env.SLIPWAY_APP_UID_RANGE!), portRange: range(env.SLIPWAY_APP_PORT_RANGE!), commands: new SpawnCommandRunner() }).remove();
    if (!process.env.SLIPWAY_KEEP_STACK) await rm(dataDir, { recursive: true, force: true });
  };
  let admin: ApiClient;
  try {
    await waitHttp(`${apiUrl}/healthz`, 60_000, apiExited);
    admin = await ApiClient.login(apiUrl, 'admin@example.com', adminPassword);
  } catch (err) {
    await stop(); // a stack that did not start leaves nothing behind
    throw err;
  }

  return {
    apiUrl, edgePort, sshPort, dataDir, env, admin, db, pidOf,
    async killWorker(signal = 'SIGKILL') {
      if (!opts.supervised) {
        worker.kill(signal);
        return waitExit(worker, 40_000);
      }
      killed = await pidOf('worker');
      if (!killed) throw new Error('the supervised worker is not running');
      process.kill(killed, signal);
      const end = Date.now() + 40_000;
      while ((await alive(killed)) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    },
    async restartWorker() {
      if (!opts.supervised) {
        await waitExit(worker, 40_000);
        worker = start('worker');
        return;
      }
      const end = Date.now() + 60_000;
      for (;;) {
        const pid = await pidOf('worker');
        if (pid && pid !== killed) return;
        if (Date.now() > end) throw new Error('the supervisor did not restart the worker within 60 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop,
  };
}
