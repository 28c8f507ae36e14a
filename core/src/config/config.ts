// Config is read once, from the environment handed in by a process's main.ts, and validated here.
// Nothing else in the code base reads process.env. Every setting has a safe default except the
// database and Redis URLs, which the scripts (or the operator) always provide.
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const EnvSchema = z.object({
  SLIPWAY_DATA_DIR: z.string().default('.data'),
  SLIPWAY_BIND: z.string().default('127.0.0.1'),
  SLIPWAY_API_PORT: port.default(5000),
  SLIPWAY_API_URL: z.string().url().optional(),
  /** Where swarm tasks reach the api for slugs (must be reachable from containers); default SLIPWAY_API_URL. */
  SLIPWAY_SLUG_BASE_URL: z.string().url().optional(),
  SLIPWAY_EDGE_PORT: port.default(8080),
  /** HTTPS at the edge (SNI, HTTP/2); unset: the edge serves plain HTTP only. */
  SLIPWAY_EDGE_TLS_PORT: port.optional(),
  /** HTTPS for the api, dashboard and git; unset: plain HTTP only. */
  SLIPWAY_API_TLS_PORT: port.optional(),
  // domains and certificates (first-boot defaults of the settings in domains.settings.ts)
  SLIPWAY_ACME_DIRECTORY_URL: z.string().url().default('https://acme-v02.api.letsencrypt.org/directory'),
  SLIPWAY_ACME_EMAIL: z.union([z.literal(''), z.string().email()]).default(''),
  SLIPWAY_DNS_RESOLVER: z.string().default(''),
  /** How often the worker looks for domains to verify and certificates to order or renew. */
  SLIPWAY_DOMAINS_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  SLIPWAY_GIT_SSH_PORT: port.default(2222),
  /** The rendezvous listener (TLS) that attached one-off dynos (`heroku run`) connect through. */
  SLIPWAY_RENDEZVOUS_PORT: port.default(5001),
  /** Host the CLI is told to connect to for `heroku run` (attach_url); default: the api URL's host. */
  SLIPWAY_RENDEZVOUS_HOST: z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/).optional(),
  SLIPWAY_DOMAIN: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'SLIPWAY_DOMAIN must be a DNS name')
    .default('localhost'),
  SLIPWAY_RUNTIME: z.enum(['local', 'swarm']).default('local'),
  SLIPWAY_DATABASE_URL: z.string().min(1, 'SLIPWAY_DATABASE_URL is required'),
  SLIPWAY_REDIS_URL: z.string().min(1, 'SLIPWAY_REDIS_URL is required'),
  SLIPWAY_REDIS_PREFIX: z.string().regex(/^[a-z0-9_-]{1,32}$/).default('slw'),
  SLIPWAY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SLIPWAY_ADMIN_EMAIL: z.string().email().optional(),
  SLIPWAY_ADMIN_PASSWORD: z.string().min(12, 'SLIPWAY_ADMIN_PASSWORD must be at least 12 characters').optional(),
  SLIPWAY_CLIENT_DIR: z.string().optional(),
  SLIPWAY_TRUST_PROXY: bool.default(false),
  // builds
  SLIPWAY_BUILD_TIMEOUT_SECONDS: z.coerce.number().int().min(10).default(900),
  SLIPWAY_BUILD_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  SLIPWAY_NPM_REGISTRY: z.string().url().default('https://registry.npmjs.org/'),
  /** CA bundle for the npm registry inside builds; defaults to NODE_EXTRA_CA_CERTS when set. */
  SLIPWAY_NPM_CAFILE: z.string().optional(),
  NODE_EXTRA_CA_CERTS: z.string().optional(),
  /** host or host:port values a buildpack git URL may point at even when private (comma-separated). */
  SLIPWAY_BUILDPACK_ALLOWED_HOSTS: z.string().default(''),
  // local runtime + nginx edge
  SLIPWAY_NGINX_BIN: z.string().default('nginx'),
  SLIPWAY_BOOT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(60),
  SLIPWAY_STOP_GRACE_SECONDS: z.coerce.number().int().min(0).default(30),
  SLIPWAY_APP_PORT_RANGE: z
    .string()
    .regex(/^\d+-\d+$/)
    .default('20000-29999'),
  /** Unix uids handed to apps, one each: their builds and dynos run as them (local runtime). */
  SLIPWAY_APP_UID_RANGE: z
    .string()
    .regex(/^\d+-\d+$/, 'SLIPWAY_APP_UID_RANGE must be LOW-HIGH')
    .default('400000-499999'),
  // object store
  SLIPWAY_OBJECT_STORE: z.enum(['fs', 's3']).default('fs'),
  SLIPWAY_S3_ENDPOINT: z.string().url().optional(),
  SLIPWAY_S3_REGION: z.string().default('us-east-1'),
  SLIPWAY_S3_BUCKET: z.string().default('slipway'),
  SLIPWAY_S3_ACCESS_KEY_ID: z.string().optional(),
  SLIPWAY_S3_SECRET_ACCESS_KEY: z.string().optional(),
  SLIPWAY_S3_FORCE_PATH_STYLE: bool.default(true),
  /** Endpoint fetch URLs are signed for (what containers reach the store at); default: SLIPWAY_S3_ENDPOINT. */
  SLIPWAY_S3_PUBLIC_ENDPOINT: z.string().url().optional(),
  // docker / swarm
  SLIPWAY_DOCKER_HOST: z.string().default('unix:///var/run/docker.sock'),
  SLIPWAY_DOCKER_TLS_DIR: z.string().optional(),
  SLIPWAY_STACK_IMAGE: z.string().default('slipway/stack:latest'),
  SLIPWAY_BUILDER_IMAGE: z.string().default('slipway/builder:latest'),
  SLIPWAY_SWARM_ATTACHABLE_NETWORKS: bool.default(false),
  /** How often the worker compares Swarm with the database and repairs drift (0: only at start-up). */
  SLIPWAY_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  SLIPWAY_TRAEFIK_CERT_RESOLVER: z.string().default('letsencrypt'),
  // cluster (issue 11): the swarm's own edge and registry, nodes
  /** First-boot default of the swarm_edge setting: Slipway's nginx edge service, or an operator's Traefik. */
  SLIPWAY_SWARM_EDGE: z.enum(['nginx', 'traefik']).default('nginx'),
  SLIPWAY_EDGE_IMAGE: z.string().default('slipway/edge:latest'),
  SLIPWAY_REGISTRY_IMAGE: z.string().default('slipway/registry:latest'),
  /** The private registry's port on the manager (0: no registry; every node must have the images). */
  SLIPWAY_REGISTRY_PORT: z.coerce.number().int().min(0).max(65535).default(5443),
  /** Address nodes reach the registry at (default: the manager's swarm advertise address). */
  SLIPWAY_REGISTRY_HOST: z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/).optional(),
  /** The manager engine's certs.d (Docker reads /etc/docker/certs.d/<registry>/ for TLS to a registry). */
  SLIPWAY_DOCKER_CERTS_DIR: z.string().default('/etc/docker/certs.d'),
  /** Traefik's swarm service (infra/traefik deployed as stack "slipway-edge"): kept on every org network. */
  SLIPWAY_TRAEFIK_SERVICE: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/).default('slipway-edge_traefik'),
});

export interface Config {
  dataDir: string;
  bind: string;
  api: { port: number; tlsPort: number | null; publicUrl: string; slugBaseUrl: string; clientDir: string | null; trustProxy: boolean };
  edge: { port: number; tlsPort: number | null; nginxBin: string; confDir: string };
  acme: { directoryUrl: string; email: string };
  dnsResolver: string;
  domainsIntervalSeconds: number;
  gitSsh: { port: number; hostKeyFile: string };
  /** publicHost: what clients connect to; dynoHost: what the dyno side connects to (the worker on
   *  the local runtime, containers on Swarm). */
  rendezvous: { port: number; publicHost: string; dynoHost: string };
  domain: string;
  runtime: 'local' | 'swarm';
  databaseUrl: string;
  redis: { url: string; prefix: string };
  logLevel: string;
  admin: { email: string | undefined; password: string | undefined };
  masterKeyFile: string;
  paths: { repos: string; objects: string; builds: string; cache: string; apps: string; logs: string };
  build: { timeoutSeconds: number; concurrency: number; npmRegistry: string; npmCaFile: string | undefined; allowedBuildpackHosts: string[] };
  local: { bootTimeoutSeconds: number; stopGraceSeconds: number; portRange: [number, number] };
  sandbox: { uidRange: [number, number] };
  objectStore:
    | { kind: 'fs'; root: string }
    | {
        kind: 's3';
        endpoint: string | undefined;
        region: string;
        bucket: string;
        accessKeyId: string | undefined;
        secretAccessKey: string | undefined;
        forcePathStyle: boolean;
        publicEndpoint: string | undefined;
      };
  docker: {
    host: string; tlsDir: string | undefined; stackImage: string; builderImage: string; attachableNetworks: boolean; reconcileIntervalSeconds: number;
    edgeImage: string; registryImage: string; certsDir: string;
  };
  /** The swarm's private registry (port 0: none) and the first-boot default of the swarm_edge setting. */
  cluster: { registryPort: number; registryHost: string | undefined; edge: 'nginx' | 'traefik' };
  traefik: { certResolver: string; service: string };
}

export class ConfigError extends Error {}

function rendezvousConfig(e: z.infer<typeof EnvSchema>, publicHost: string): Config['rendezvous'] {
  const hostOf = (url: string | undefined) => (url ? new URL(url).hostname.replace(/^\[|\]$/g, '') : undefined);
  const apiHost = hostOf(e.SLIPWAY_API_URL) ?? publicHost;
  const dynoHost = e.SLIPWAY_RUNTIME === 'swarm' ? hostOf(e.SLIPWAY_SLUG_BASE_URL) ?? apiHost : publicHost === 'localhost' ? '127.0.0.1' : publicHost;
  return { port: e.SLIPWAY_RENDEZVOUS_PORT, publicHost: e.SLIPWAY_RENDEZVOUS_HOST ?? apiHost, dynoHost };
}

export function loadConfig(env: Record<string, string | undefined>, cwd: string = process.cwd()): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.SLIPWAY_DATA_DIR);
  const [lo, hi] = e.SLIPWAY_APP_PORT_RANGE.split('-').map(Number) as [number, number];
  if (!(lo < hi)) throw new ConfigError('SLIPWAY_APP_PORT_RANGE must be LOW-HIGH with LOW < HIGH');
  const [uidLo, uidHi] = e.SLIPWAY_APP_UID_RANGE.split('-').map(Number) as [number, number];
  if (!(uidLo >= 10_000 && uidLo <= uidHi && uidHi < 2 ** 31)) {
    throw new ConfigError('SLIPWAY_APP_UID_RANGE must be LOW-HIGH with 10000 <= LOW <= HIGH < 2147483648 (no system users)');
  }
  const publicHost = e.SLIPWAY_BIND === '0.0.0.0' || e.SLIPWAY_BIND === '::' ? 'localhost' : e.SLIPWAY_BIND;
  // with the api's TLS port on, the URLs shown to users (git remotes, the dashboard) use https
  const tls = e.SLIPWAY_API_TLS_PORT;
  const ownUrl = tls ? `https://${publicHost}${tls === 443 ? '' : `:${tls}`}` : `http://${publicHost}:${e.SLIPWAY_API_PORT}`;
  return {
    dataDir,
    bind: e.SLIPWAY_BIND,
    api: {
      port: e.SLIPWAY_API_PORT,
      tlsPort: tls ?? null,
      publicUrl: (e.SLIPWAY_API_URL ?? ownUrl).replace(/\/+$/, ''),
      slugBaseUrl: (e.SLIPWAY_SLUG_BASE_URL ?? e.SLIPWAY_API_URL ?? `http://${publicHost}:${e.SLIPWAY_API_PORT}`).replace(/\/+$/, ''),
      clientDir: e.SLIPWAY_CLIENT_DIR ? path.resolve(cwd, e.SLIPWAY_CLIENT_DIR) : null,
      trustProxy: e.SLIPWAY_TRUST_PROXY,
    },
    edge: { port: e.SLIPWAY_EDGE_PORT, tlsPort: e.SLIPWAY_EDGE_TLS_PORT ?? null, nginxBin: e.SLIPWAY_NGINX_BIN, confDir: path.join(dataDir, 'edge') },
    acme: { directoryUrl: e.SLIPWAY_ACME_DIRECTORY_URL, email: e.SLIPWAY_ACME_EMAIL },
    dnsResolver: e.SLIPWAY_DNS_RESOLVER,
    domainsIntervalSeconds: e.SLIPWAY_DOMAINS_INTERVAL_SECONDS,
    gitSsh: { port: e.SLIPWAY_GIT_SSH_PORT, hostKeyFile: path.join(dataDir, 'ssh_host_ed25519_key') },
    rendezvous: rendezvousConfig(e, publicHost),
    domain: e.SLIPWAY_DOMAIN,
    runtime: e.SLIPWAY_RUNTIME,
    databaseUrl: e.SLIPWAY_DATABASE_URL,
    redis: { url: e.SLIPWAY_REDIS_URL, prefix: e.SLIPWAY_REDIS_PREFIX },
    logLevel: e.SLIPWAY_LOG_LEVEL,
    admin: { email: e.SLIPWAY_ADMIN_EMAIL, password: e.SLIPWAY_ADMIN_PASSWORD },
    masterKeyFile: path.join(dataDir, 'master.key'),
    paths: {
      repos: path.join(dataDir, 'repos'),
      objects: path.join(dataDir, 'objects'),
      builds: path.join(dataDir, 'builds'),
      cache: path.join(dataDir, 'cache'),
      apps: path.join(dataDir, 'apps'),
      logs: path.join(dataDir, 'logs'),
    },
    build: {
      timeoutSeconds: e.SLIPWAY_BUILD_TIMEOUT_SECONDS,
      concurrency: e.SLIPWAY_BUILD_CONCURRENCY,
      npmRegistry: e.SLIPWAY_NPM_REGISTRY,
      npmCaFile: e.SLIPWAY_NPM_CAFILE ?? e.NODE_EXTRA_CA_CERTS,
      allowedBuildpackHosts: e.SLIPWAY_BUILDPACK_ALLOWED_HOSTS.split(',').map((h) => h.trim()).filter(Boolean),
    },
    local: {
      bootTimeoutSeconds: e.SLIPWAY_BOOT_TIMEOUT_SECONDS,
      stopGraceSeconds: e.SLIPWAY_STOP_GRACE_SECONDS,
      portRange: [lo, hi],
    },
    sandbox: { uidRange: [uidLo, uidHi] },
    objectStore:
      e.SLIPWAY_OBJECT_STORE === 'fs'
        ? { kind: 'fs', root: path.join(dataDir, 'objects') }
        : {
            kind: 's3',
            endpoint: e.SLIPWAY_S3_ENDPOINT,
            region: e.SLIPWAY_S3_REGION,
            bucket: e.SLIPWAY_S3_BUCKET,
            accessKeyId: e.SLIPWAY_S3_ACCESS_KEY_ID,
            secretAccessKey: e.SLIPWAY_S3_SECRET_ACCESS_KEY,
            forcePathStyle: e.SLIPWAY_S3_FORCE_PATH_STYLE,
            publicEndpoint: e.SLIPWAY_S3_PUBLIC_ENDPOINT,
          },
    docker: {
      host: e.SLIPWAY_DOCKER_HOST,
      tlsDir: e.SLIPWAY_DOCKER_TLS_DIR,
      stackImage: e.SLIPWAY_STACK_IMAGE,
      builderImage: e.SLIPWAY_BUILDER_IMAGE,
      attachableNetworks: e.SLIPWAY_SWARM_ATTACHABLE_NETWORKS,
      reconcileIntervalSeconds: e.SLIPWAY_RECONCILE_INTERVAL_SECONDS,
      edgeImage: e.SLIPWAY_EDGE_IMAGE,
      registryImage: e.SLIPWAY_REGISTRY_IMAGE,
      certsDir: path.resolve(cwd, e.SLIPWAY_DOCKER_CERTS_DIR),
    },
    cluster: { registryPort: e.SLIPWAY_REGISTRY_PORT, registryHost: e.SLIPWAY_REGISTRY_HOST, edge: e.SLIPWAY_SWARM_EDGE },
    traefik: { certResolver: e.SLIPWAY_TRAEFIK_CERT_RESOLVER, service: e.SLIPWAY_TRAEFIK_SERVICE },
  };
}
