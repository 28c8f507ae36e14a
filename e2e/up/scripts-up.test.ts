// ./scripts/up on this machine, as an operator and two ordinary users meet a fresh install: the
// first run initialises everything, keeps every generated secret in a 0600 file, and prints the
// admin's password once; that password works and no other credential does (PostgreSQL and Redis
// refuse connections without their passwords); sign-up is off until the admin turns it on; a
// crashed api or worker (kill -9) is restarted by its supervisor; Ctrl-C stops every process it
// started. A second run on the data dir, made to look like one from the older scripts (PostgreSQL
// trusting loopback, Redis without a password, no password files), migrates it and reuses the
// data (same admin, no new password); SIGTERM stops it too. The api's TLS port answers a client
// that trusts the private CA whose path up prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { chmod, readdir, readFile, rm, mkdtemp, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, requireEnv } from '@slipway/core/testing/test-env';
import { freePort } from '@slipway/core/testing/free-port';
import { ApiClient } from '../support/client.js';
import { eventually, report } from '../support/wait.js';

let dataDir = '';
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function processesUsing(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (cmd.includes(dir) || env.includes(`SLIPWAY_DATA_DIR=${dir}`)) found.push(`${pid}: ${cmd.replace(/\0/g, ' ')}`);
  }
  return found;
}

function startUp(env: Record<string, string>): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  const child = spawn(path.join(REPO_ROOT, 'scripts/up'), [], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const ready = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`scripts/up not ready in time:\n${out}`)), 240_000);
    const check = () => {
      if (out.includes('Slipway is up')) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      // what the api and the worker said (their logs are under the data dir, removed afterwards)
      const tails = ['api', 'worker'].map((n) => {
        try {
          return `--- ${n}.log\n${readFileSync(path.join(env.SLIPWAY_DATA_DIR!, 'logs', `${n}.log`), 'utf8').split('\n').slice(-15).join('\n')}`;
        } catch {
          return '';
        }
      });
      reject(new Error(`scripts/up exited with ${code}:\n${out}\n${tails.join('\n')}`));
    });
  });
  return { child, output: () => out, ready };
}

function exited(child: ChildProcess, ms: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const t = setTimeout(() => reject(new Error('scripts/up did not stop in time')), ms);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

/** The PostgreSQL error a connection meets (null when it connects). */
async function pgRefusal(opts: pg.ClientConfig): Promise<string | null> {
  const c = new pg.Client({ user: 'slipway', database: 'slipway', connectionTimeoutMillis: 5_000, ...opts });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The Redis error a connection meets on its first command (null when PING answers). */
async function redisRefusal(port: number, auth: { username?: string; password?: string }): Promise<string | null> {
  const r = new Redis({ host: '127.0.0.1', port, ...auth, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let refused: string | null = null;
  r.on('error', (err: Error) => (refused ??= err.message)); // what the server answered (NOAUTH, WRONGPASS)
  try {
    await r.connect();
    return (await r.ping()) === 'PONG' ? null : 'no PONG';
  } catch (err) {
    return refused ?? (err as Error).message;
  } finally {
    r.disconnect();
  }
}

async function pidFile(name: string): Promise<number> {
  return Number((await readFile(path.join(dataDir, 'run', `${name}.pid`), 'utf8')).trim());
}

const mode = async (p: string) => ((await stat(path.join(dataDir, p))).mode & 0o777).toString(8);

describe('./scripts/up', () => {
  it('starts locked down, restarts crashes, reuses and migrates its data dir, and leaves nothing running when stopped', async () => {
    dataDir = await mkdtemp(path.join(requireEnv('SLIPWAY_TEST_SCRATCH'), 'up-'));
    await chmod(dataDir, 0o700); // a private dir, as mkdtemp makes it: up must cope
    const ports = new Set<number>();
    while (ports.size < 8) ports.add(await freePort()); // eight different ones
    const [apiPort, edgePort, sshPort, pgPortN, redisPortN, apiTlsPort, edgeTlsPort, rendezvousPort] = [...ports].map(String);
    const env = {
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_API_PORT: apiPort!,
      SLIPWAY_EDGE_PORT: edgePort!,
      SLIPWAY_GIT_SSH_PORT: sshPort!,
      SLIPWAY_RENDEZVOUS_PORT: rendezvousPort!,
      SLIPWAY_PG_PORT: pgPortN!,
      SLIPWAY_REDIS_PORT: redisPortN!,
      SLIPWAY_API_TLS_PORT: apiTlsPort!,
      SLIPWAY_EDGE_TLS_PORT: edgeTlsPort!,
    };
    const api = `http://127.0.0.1:${env.SLIPWAY_API_PORT}`;
    const pgPort = Number(env.SLIPWAY_PG_PORT);
    const redisPort = Number(env.SLIPWAY_REDIS_PORT);

    const first = startUp(env);
    await first.ready;
    const m = /First admin: (\S+)\n\s+Password:\s+(\S+)/.exec(first.output());
    expect(m, first.output()).not.toBeNull();
    const [, email, password] = m!;
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    expect(first.output()).toContain(`http://<app>.localhost:${env.SLIPWAY_EDGE_PORT}/`);
    // HTTPS for the api with the private CA up prints: the api answers to a client that trusts it
    const ca = path.join(dataDir, 'ca', 'ca.crt');
    expect(first.output()).toContain(`export GIT_SSL_CAINFO=${ca}`);
    const health = await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: Number(env.SLIPWAY_API_TLS_PORT), path: '/healthz', ca: readFileSync(ca), servername: 'localhost' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(health).toBe(200);

    // every secret the platform generated is a 0600 file under the data dir
    for (const secret of ['master.key', 'ssh_host_ed25519_key', 'postgres.password', 'redis.password', 'redis/redis.conf']) {
      expect(await mode(secret), secret).toBe('600');
    }
    expect(first.output()).not.toContain(await readFile(path.join(dataDir, 'postgres.password'), 'utf8'));
    const hba = (await readFile(path.join(dataDir, 'pg/data/pg_hba.conf'), 'utf8')).split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(hba.every((l) => l.trim().endsWith('scram-sha-256')), hba.join('\n')).toBe(true);

    // the admin's generated password works; nothing else does
    const admin = await ApiClient.login(api, email!, password!);
    for (const [who, pass] of [[email!, 'wrong password'], [email!, 'admin'], ['admin@slipway.local', 'password'], ['admin', 'admin']] as const) {
      const r = await fetch(`${api}/oauth/authorizations`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${who}:${pass}`).toString('base64')}` } });
      expect(r.status, `${who}:${pass}`).toBe(401);
    }
    // PostgreSQL and Redis refuse connections without their passwords (TCP and PostgreSQL's socket)
    const pgPassword = (await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim();
    const redisPassword = (await readFile(path.join(dataDir, 'redis.password'), 'utf8')).trim();
    expect(await pgRefusal({ host: '127.0.0.1', port: pgPort })).toMatch(/password/);
    expect(await pgRefusal({ host: '127.0.0.1', port: pgPort, password: 'wrong' })).toMatch(/password authentication failed/);
    expect(await pgRefusal({ host: '127.0.0.1', port: pgPort, user: 'postgres', password: 'postgres' })).toMatch(/password authentication failed/);
    expect(await pgRefusal({ host: path.join(dataDir, 'pg/run'), port: pgPort, password: 'wrong' })).toMatch(/password authentication failed/);
    expect(await pgRefusal({ host: '127.0.0.1', port: pgPort, password: pgPassword })).toBeNull();
    expect(await redisRefusal(redisPort, {})).toMatch(/NOAUTH/);
    expect(await redisRefusal(redisPort, { username: 'slipway', password: 'wrong' })).toMatch(/WRONGPASS/);
    expect(await redisRefusal(redisPort, { username: 'default', password: '' })).toMatch(/WRONGPASS|NOAUTH/);
    expect(await redisRefusal(redisPort, { username: 'slipway', password: redisPassword })).toBeNull();

    // sign-up is off until the admin turns it on; then two users get an organization each
    const signUp = (who: string) => new ApiClient(api).post('/api/v1/users', { email: `${who}@example.com`, password: `${who} password ok` });
    const refused = await signUp('alice');
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/Sign-up is turned off/);
    expect((await admin.patch('/api/v1/admin/settings', { signup_enabled: true })).status).toBe(200);
    expect((await signUp('alice')).status).toBe(201);
    expect((await signUp('bob')).status).toBe(201);
    const alice = await ApiClient.login(api, 'alice@example.com', 'alice password ok');
    const bob = await ApiClient.login(api, 'bob@example.com', 'bob password ok');
    expect((await alice.post('/apps', { name: 'survives-restart' })).status).toBe(201);
    expect((await bob.get('/apps/survives-restart')).status).toBe(404);

    // a crashed api or worker is restarted (with a log line), and the stack serves again
    for (const name of ['api', 'worker']) {
      const pid = await pidFile(name);
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await eventually(async () => {
        const now = await pidFile(name).catch(() => 0);
        expect(now).not.toBe(pid);
        expect(now).toBeGreaterThan(0);
      }, 30_000, 100);
      await eventually(async () => expect((await fetch(`${api}/healthz`)).status).toBe(200), 60_000, 200);
      report(`scripts/up: ${name} restarted and the api healthy after kill -9`, `${Date.now() - killedAt} ms`);
      expect(await readFile(path.join(dataDir, 'logs', `${name}.log`), 'utf8')).toMatch(new RegExp(`slipway-supervise: ${name} killed by signal 9; restarting in \\d+s`));
    }
    expect((await alice.get('/apps/survives-restart')).status).toBe(200);
    expect(first.child.exitCode).toBeNull();

    first.child.kill('SIGINT'); // Ctrl-C
    expect(await exited(first.child, 120_000)).toBe(0);
    expect(await processesUsing(dataDir)).toEqual([]);

    // what older scripts left: PostgreSQL trusting every local connection, Redis without a password
    const trust = 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n';
    await writeFile(path.join(dataDir, 'pg/data/pg_hba.conf'), trust);
    for (const f of ['postgres.password', 'redis.password', 'redis/redis.conf']) await rm(path.join(dataDir, f));

    const second = startUp(env);
    await second.ready;
    expect(second.output()).not.toContain('First admin');
    expect(second.output()).not.toMatch(/initialising PostgreSQL/);
    expect(second.output()).toMatch(/PostgreSQL: setting the password/);
    for (const secret of ['postgres.password', 'redis.password', 'redis/redis.conf']) expect(await mode(secret), secret).toBe('600');
    expect(await pgRefusal({ host: '127.0.0.1', port: pgPort, password: 'wrong' })).toMatch(/password authentication failed/);
    expect(await pgRefusal({ host: '127.0.0.1', port: pgPort, password: pgPassword })).toMatch(/password authentication failed/); // a new one
    expect(await redisRefusal(redisPort, {})).toMatch(/NOAUTH/);
    expect((await ApiClient.login(api, email!, password!)).token).toBeTruthy();
    const aliceAgain = await ApiClient.login(api, 'alice@example.com', 'alice password ok');
    expect((await aliceAgain.get('/apps/survives-restart')).status).toBe(200);

    second.child.kill('SIGTERM');
    expect(await exited(second.child, 120_000)).toBe(0);
    expect(await processesUsing(dataDir)).toEqual([]);
  });
});
