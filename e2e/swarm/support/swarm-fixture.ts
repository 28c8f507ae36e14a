// Test support for the swarm tier: the engine scripts/test started (SLIPWAY_DOCKER_HOST, a one-node
// swarm, the images), an S3-protocol server (s3rver) listening on the swarm's gateway address so
// tasks can fetch slugs from it, hand-made slugs, and probe containers attached to an overlay
// network (the only place app services can be reached from: no ingress mesh, no Traefik here).
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { createDockerClient } from '@slipway/core/adapters/docker/docker.client';
import { S3ObjectStore } from '@slipway/core/adapters/object-store/s3.object-store';
import { packSlug } from '@slipway/core/domain/slug-archive';
import { createLogger } from '@slipway/core/logger';
import { LABEL_MANAGED } from '@slipway/core/naming';

export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this tier through ./scripts/test swarm`);
  return v;
}

export const logger = createLogger({ level: process.env.SLIPWAY_TEST_LOG_LEVEL ?? 'silent', name: 'swarm-test' });

export function docker(): Docker {
  return createDockerClient({ host: env('SLIPWAY_DOCKER_HOST') });
}

/** The address containers on overlay networks reach the host at (docker_gwbridge's gateway). */
export async function gatewayAddress(d: Docker): Promise<string> {
  // swarm_init (scripts/lib/docker.sh) has waited for the bridge, which dockerd creates after `swarm init`
  const net = (await d.getNetwork('docker_gwbridge').inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
  const gw = net.IPAM?.Config?.[0]?.Gateway;
  if (!gw) throw new Error('docker_gwbridge has no gateway (is the swarm initialised?)');
  return gw;
}

export interface SlugServer {
  store: S3ObjectStore;
  url: string;
  close(): Promise<void>;
}

/** s3rver on the gateway address; the store signs URLs for that address. */
export async function startSlugServer(d: Docker): Promise<SlugServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'slw-swarm-s3-'));
  const address = await gatewayAddress(d);
  const server = new S3rver({ port: 0, address, directory: dir, silent: true });
  const { port } = (await server.run()) as { port: number };
  const url = `http://${address}:${port}`;
  const store = new S3ObjectStore({
    endpoint: url, region: 'us-east-1', bucket: 'slugs', forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER',
  });
  return {
    store,
    url,
    async close() {
      store.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The settings of a whole stack (e2e/support/stack.ts) on the swarm runtime: slugs in `s3`, served
 *  to tasks by the api on the swarm gateway, org networks attachable so probes can join them. */
export function swarmStackEnv(s3: SlugServer, gateway: string) {
  return (ports: { api: number }): Record<string, string> => ({
    SLIPWAY_RUNTIME: 'swarm',
    SLIPWAY_BIND: '0.0.0.0',
    SLIPWAY_API_URL: `http://127.0.0.1:${ports.api}`,
    SLIPWAY_SLUG_BASE_URL: `http://${gateway}:${ports.api}`,
    SLIPWAY_OBJECT_STORE: 's3',
    SLIPWAY_S3_ENDPOINT: s3.url,
    SLIPWAY_S3_BUCKET: 'slugs',
    SLIPWAY_S3_ACCESS_KEY_ID: 'S3RVER',
    SLIPWAY_S3_SECRET_ACCESS_KEY: 'S3RVER',
    SLIPWAY_SWARM_ATTACHABLE_NETWORKS: 'true',
    // the shared one-node engine: no private registry, no nginx edge service (the cluster tier has them)
    SLIPWAY_REGISTRY_PORT: '0',
    SLIPWAY_SWARM_EDGE: 'traefik',
  });
}

/** A slug holding `files` (path → content), uploaded to the store; returns the slug artifact. */
export async function makeSlug(store: S3ObjectStore, appId: string, files: Record<string, string>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'slw-slug-'));
  try {
    const src = path.join(dir, 'app');
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(src, name)), { recursive: true });
      await writeFile(path.join(src, name), content);
    }
    const out = path.join(dir, 'slug.tgz');
    const info = await packSlug(src, out);
    const key = `slugs/${appId}/${randomBytes(6).toString('hex')}.tgz`;
    await store.putFile(key, out);
    return { kind: 'slug' as const, objectKey: key, sha256: info.sha256, size: info.size };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A small web app: answers "<version> <DYNO> <GREETING>" and /health per `healthy`. */
export function webApp(version: string, opts: { healthy?: boolean } = {}): Record<string, string> {
  return {
    'server.js': `
const http = require('http');
const healthy = ${opts.healthy === false ? 'false' : 'true'};
const server = http.createServer((req, res) => {
  if (req.url === '/health') { res.statusCode = healthy ? 200 : 500; return res.end(healthy ? 'ok' : 'sick'); }
  res.end('${version} ' + process.env.DYNO + ' ' + (process.env.GREETING || '') + '\\n');
});
server.listen(process.env.PORT, () => console.log('${version} listening on ' + process.env.PORT));
process.on('SIGTERM', () => { console.log('${version} got SIGTERM'); server.close(() => process.exit(0)); });
`,
    'worker.js': `console.log('worker ${version} up'); setInterval(() => {}, 1000); process.on('SIGTERM', () => process.exit(0));`,
    'Procfile': 'web: node server.js\nworker: node worker.js\n',
  };
}

/** Runs `script` (bash) in a throwaway stack-image container attached to `network`; returns its output. */
export async function probe(d: Docker, network: string, script: string, timeoutMs = 30_000, image = env('SLIPWAY_STACK_IMAGE')): Promise<{ exitCode: number; output: string }> {
  const c = await d.createContainer({
    Image: image,
    Entrypoint: ['/bin/bash', '-c'],
    Cmd: [script],
    Labels: { 'slipway.test-probe': 'true' },
    HostConfig: { NetworkMode: network, AutoRemove: false },
  });
  try {
    await c.start();
    const res = (await Promise.race([
      c.wait(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`probe timed out: ${script}`)), timeoutMs)),
    ])) as { StatusCode: number };
    const out = (await c.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    return { exitCode: res.StatusCode, output: demux(out) };
  } finally {
    await c.remove({ force: true });
  }
}

/** A long-running probe: starts `script` in the background; stop() returns its output. */
export async function startProbe(d: Docker, network: string, script: string): Promise<{ stop(): Promise<string> }> {
  const c = await d.createContainer({
    Image: env('SLIPWAY_STACK_IMAGE'),
    Entrypoint: ['/bin/bash', '-c'],
    Cmd: [script],
    Labels: { 'slipway.test-probe': 'true' },
    HostConfig: { NetworkMode: network },
  });
  await c.start();
  return {
    async stop() {
      await c.kill({ signal: 'SIGKILL' }).catch(() => undefined);
      await c.wait();
      const out = (await c.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      await c.remove({ force: true });
      return demux(out);
    },
  };
}

export function demux(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}

/** Everything the engine holds with the given labels (for "nothing is left" assertions). */
export async function labelled(d: Docker, labels: Record<string, string>) {
  const filters = JSON.stringify({ label: [`${LABEL_MANAGED}=true`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)] });
  const [services, networks, secrets, configs, containers] = await Promise.all([
    d.listServices({ filters }),
    d.listNetworks({ filters }),
    d.listSecrets({ filters }),
    d.listConfigs({ filters }),
    d.listContainers({ all: true, filters }),
  ]);
  return {
    services: services.map((s) => s.Spec?.Name),
    networks: networks.map((n) => n.Name),
    secrets: secrets.map((s) => s.Spec?.Name),
    configs: configs.map((c) => c.Spec?.Name),
    containers: containers.map((c) => c.Id.slice(0, 12)),
  };
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
