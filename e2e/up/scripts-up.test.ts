// ./scripts/up on this machine: the first run initialises everything and prints the generated
// admin password once; the API works; Ctrl-C stops every process it started; a second run reuses
// the data (same admin, no new password) and SIGTERM stops it too. The api's TLS port answers a
// client that trusts the private CA whose path up prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { chmod, readdir, readFile, rm, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, requireEnv } from '@slipway/core/testing/test-env';
import { freePort } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';

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
    child.on('exit', (code) => reject(new Error(`scripts/up exited with ${code}:\n${out}`)));
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

describe('./scripts/up', () => {
  it('starts everything, reuses it on a second run, and leaves nothing running when stopped', async () => {
    dataDir = await mkdtemp(path.join(requireEnv('SLIPWAY_TEST_SCRATCH'), 'up-'));
    await chmod(dataDir, 0o700); // a private dir, as mkdtemp makes it: up must cope
    const env = {
      SLIPWAY_DATA_DIR: dataDir,
      SLIPWAY_API_PORT: String(await freePort()),
      SLIPWAY_EDGE_PORT: String(await freePort()),
      SLIPWAY_GIT_SSH_PORT: String(await freePort()),
      SLIPWAY_RENDEZVOUS_PORT: String(await freePort()),
      SLIPWAY_PG_PORT: String(await freePort()),
      SLIPWAY_REDIS_PORT: String(await freePort()),
      SLIPWAY_API_TLS_PORT: String(await freePort()),
      SLIPWAY_EDGE_TLS_PORT: String(await freePort()),
    };
    const api = `http://127.0.0.1:${env.SLIPWAY_API_PORT}`;

    const first = startUp(env);
    await first.ready;
    const m = /First admin: (\S+)\n\s+Password:\s+(\S+)/.exec(first.output());
    expect(m, first.output()).not.toBeNull();
    const [, email, password] = m!;
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    const admin = await ApiClient.login(api, email!, password!);
    expect((await admin.post('/apps', { name: 'survives-restart' })).status).toBe(201);
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

    first.child.kill('SIGINT'); // Ctrl-C
    expect(await exited(first.child, 120_000)).toBe(0);
    expect(await processesUsing(dataDir)).toEqual([]);

    const second = startUp(env);
    await second.ready;
    expect(second.output()).not.toContain('First admin');
    expect(second.output()).not.toMatch(/initialising PostgreSQL/);
    const again = await ApiClient.login(api, email!, password!);
    expect((await again.get('/apps/survives-restart')).status).toBe(200);

    second.child.kill('SIGTERM');
    expect(await exited(second.child, 120_000)).toBe(0);
    expect(await processesUsing(dataDir)).toEqual([]);
  });
});
