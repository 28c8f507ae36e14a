// Test support for the cluster tier: the machines scripts/lib/cluster.sh started (a swarm manager
// with its own dockerd, node machines with only sshd), the whole platform on the swarm runtime
// against that manager (api + worker on this host, reached by the machines at the cluster bridge's
// address), and small helpers to add nodes through the API, wait for their states, read the
// machines' own files (sshd's log, host keys, dockerd's pid) and send requests to the swarm edge.
import { execFile } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { createDockerClient } from '@slipway/core/adapters/docker/docker.client';
import { requireEnv } from '@slipway/core/testing/test-env';
import { startStack, type Stack } from '../../support/stack.js';
import { freePort } from '@slipway/core/testing/free-port';
import type { ApiClient } from '../../support/client.js';

const run = promisify(execFile);

export interface Machine {
  name: string;
  ip: string;
  dir: string;
}

export interface Cluster {
  dir: string;
  hostIp: string;
  managerIp: string;
  nodes: Machine[];
  docker: Docker;
  /** The key every node's sshd accepts already (what an admin would upload as private_key). */
  privateKey(): Promise<string>;
}

export function cluster(): Cluster {
  const dir = requireEnv('SLIPWAY_CLUSTER_DIR');
  const nodes = requireEnv('SLIPWAY_CLUSTER_NODES').split(/\s+/).map((w) => {
    const [name, ip] = w.split('=') as [string, string];
    return { name, ip, dir: path.join(dir, name) };
  });
  return {
    dir,
    hostIp: requireEnv('SLIPWAY_CLUSTER_HOST_IP'),
    managerIp: requireEnv('SLIPWAY_CLUSTER_MANAGER_IP'),
    nodes,
    docker: createDockerClient({ host: requireEnv('SLIPWAY_DOCKER_HOST') }),
    privateKey: () => readFile(path.join(dir, 'id_ed25519'), 'utf8'),
  };
}

/** The platform on the swarm runtime with this cluster's manager (its edge with a TLS port; plain HTTP
 *  serves, never redirects: the tests probe over HTTP); heartbeat every 5 s. */
export async function startClusterStack(c: Cluster, extra: Record<string, string> = {}): Promise<Stack> {
  const tlsPort = await freePort(); // the swarm edge's HTTPS port on the nodes (their own network namespaces)
  const stack = await startStack((ports) => ({
    SLIPWAY_EDGE_TLS_PORT: String(tlsPort),
    SLIPWAY_DOMAINS_INTERVAL_SECONDS: '5', // the edge's certificate set follows a settings change within seconds
    SLIPWAY_RUNTIME: 'swarm',
    SLIPWAY_BIND: '0.0.0.0',
    SLIPWAY_API_URL: `http://127.0.0.1:${ports.api}`,
    SLIPWAY_SLUG_BASE_URL: `http://${c.hostIp}:${ports.api}`,
    SLIPWAY_DOCKER_CERTS_DIR: requireEnv('SLIPWAY_DOCKER_CERTS_DIR'),
    SLIPWAY_EDGE_IMAGE: requireEnv('SLIPWAY_EDGE_IMAGE'),
    SLIPWAY_REGISTRY_IMAGE: requireEnv('SLIPWAY_REGISTRY_IMAGE'),
    SLIPWAY_SWARM_ATTACHABLE_NETWORKS: 'true',
    ...extra,
  }));
  const r = await stack.admin.patch('/api/v1/admin/settings', { node_heartbeat_seconds: 5, node_min_disk_gb: 1, https_redirect_default: false });
  if (r.status !== 200) throw new Error(`settings: ${r.status} ${r.text}`);
  return stack;
}

export interface NodeJson {
  id: string;
  name: string;
  status: string;
  status_detail: string | null;
  seen_host_key: string | null;
  host_key_fingerprint: string | null;
  public_key: string;
  swarm_node_id: string | null;
  availability: string | null;
  steps: { name: string; done: boolean }[];
}

export async function waitNode(admin: ApiClient, id: string, want: string | ((n: NodeJson) => boolean), timeoutMs = 240_000): Promise<NodeJson> {
  const end = Date.now() + timeoutMs;
  let last: NodeJson | null = null;
  for (;;) {
    const r = await admin.get<NodeJson>(`/api/v1/admin/nodes/${id}`);
    if (r.status === 200) {
      last = r.body;
      if (typeof want === 'string' ? last.status === want : want(last)) return last;
      if (typeof want === 'string' && want !== 'failed' && last.status === 'failed') throw new Error(`node ${last.name} failed: ${last.status_detail}`);
    }
    if (Date.now() > end) throw new Error(`node ${id} is ${last?.status ?? `missing (${r.status})`}, not ${typeof want === 'string' ? want : 'as expected'}: ${last?.status_detail ?? ''}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

/** The whole provisioning log as text (one line per entry). */
export async function nodeLog(admin: ApiClient, id: string): Promise<string> {
  const r = await admin.get<{ lines: { step: string; stream: string; line: string }[] }>(`/api/v1/admin/nodes/${id}/log?limit=2000`);
  return r.body.lines.map((l) => `[${l.step}/${l.stream}] ${l.line}`).join('\n');
}

/** `ssh-keygen -lf` of a machine's host key: what the node presents. */
export async function hostKeyFingerprint(m: Machine): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-lf', path.join(m.dir, 'ssh_host_ed25519_key.pub')]);
  return stdout.split(/\s+/)[1]!;
}

/** Runs argv in a machine's network namespace (its keeper process holds it: scripts/lib/cluster.sh). */
export async function inMachineNet(m: Machine, argv: string[]): Promise<string> {
  const keeper = (await readFile(path.join(m.dir, 'keeper.pid'), 'utf8')).trim();
  const { stdout } = await run('nsenter', ['-t', keeper, '--net', '--', ...argv]);
  return stdout;
}

export const authorize = (m: Machine, publicKey: string) => appendFile(path.join(m.dir, 'authorized_keys'), `${publicKey}\n`);
export const sshdLog = (m: Machine) => readFile(path.join(m.dir, 'sshd.log'), 'utf8').catch(() => '');
/** The pid of the dockerd provisioning started on the machine (its /run is m.dir/run). */
export const dockerdPid = async (m: Machine) => Number((await readFile(path.join(m.dir, 'run', 'slipway-dockerd.pid'), 'utf8')).trim());

/** The Docker API of the engine provisioning started on the machine (its /run is m.dir/run). */
export const nodeDocker = (m: Machine) => createDockerClient({ host: `unix://${path.join(m.dir, 'run', 'docker.sock')}` });

/** GET http://<ip>:<port><path> with Host: <host>, from this host (a fresh connection each time);
 *  with `tls`, https with SNI <host>, trusting only tls.ca. */
export function edgeGet(ip: string, port: number, host: string, p = '/', timeoutMs = 10_000, tls?: { ca: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const opts = { host: ip, port, path: p, headers: { host }, agent: false };
    const req = (tls ? https.request({ ...opts, servername: host, ca: tls.ca }, onRes) : http.request(opts, onRes));
    function onRes(res: http.IncomingMessage) {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** Where the app's tasks run: swarm node id → running task count. */
export async function taskNodes(d: Docker, service: string): Promise<Map<string, number>> {
  const tasks = (await d.listTasks({ filters: JSON.stringify({ service: [service], 'desired-state': ['running'] }) })) as { NodeID?: string; Status: { State: string } }[];
  const out = new Map<string, number>();
  for (const t of tasks) if (t.Status.State === 'running' && t.NodeID) out.set(t.NodeID, (out.get(t.NodeID) ?? 0) + 1);
  return out;
}

/** Requests through the edge every `everyMs` until stop(); returns every failure seen. */
export function probeEdge(ip: string, port: number, host: string, expect: (body: string) => boolean, everyMs = 100) {
  let stopped = false;
  const failures: string[] = [];
  let ok = 0;
  const loop = (async () => {
    while (!stopped) {
      try {
        const r = await edgeGet(ip, port, host, '/', 10_000);
        if (r.status === 200 && expect(r.body)) ok++;
        else failures.push(`${new Date().toISOString()} ${r.status} ${r.body.slice(0, 80)}`);
      } catch (err) {
        failures.push(`${new Date().toISOString()} ${(err as Error).message}`);
      }
      await new Promise((res) => setTimeout(res, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { ok, failures };
    },
  };
}
