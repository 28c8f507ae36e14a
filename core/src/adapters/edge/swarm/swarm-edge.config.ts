// The swarm edge's routing table and configuration. The worker's SwarmRuntime keeps the table (the
// Edge port: one route per app, the same EdgeRoute the local edge gets) in Redis; the api renders
// it into one nginx.conf (nginx-config.ts: the local edge's text, routes inline, targets resolved
// per request through Docker's DNS at 127.0.0.11) that every edge task fetches with a bearer token
// derived from the master key (edgeAgentToken) and reloads gracefully (infra/images/edge).
// TLS (when config.edge.tlsPort is set): nginx listens on SWARM_EDGE_TLS_PORT inside its container
// (published on config.edge.tlsPort, which HTTP→HTTPS redirects name); each certificate that
// serves a routed hostname is one file, key then chain as the local edge writes it, named by the
// sha256 of its content (certs/<sha256>.pem), which the api serves to the edge's agent and the
// agent checks (content-addressed: fetched once, never stale). The certificate set itself is kept
// by swarm-edge.certificates.ts. ACME HTTP-01 challenges go to the api (acmeUpstream).
// Promises: a route is validated (rendered) before it is stored, so a bad name never reaches the
// table; replaceAll swaps the whole table at once; rendering is pure and deterministic (the
// etag changes exactly when the text does, and the text names every certificate by its content).
// Leaves out: the edge service on the swarm (platform-services.ts), serving the files (api).
import { createHash } from 'node:crypto';
import type { Redis } from '../../redis/redis.js';
import { redisKey } from '../../redis/redis.js';
import type { SecretBox } from '../../../crypto.js';
import type { Edge, EdgeCertificate, EdgeRoute } from '../../../ports/edge.port.js';
import { edgePaths, mainConfig, routesConfig, type EdgeLayout } from '../nginx/nginx-config.js';

/** Where nginx lives inside the edge image, and the port it listens on inside its container. */
export const SWARM_EDGE_LAYOUT: EdgeLayout = { dir: '/var/lib/slipway-edge', port: 8080, bind: '0.0.0.0', user: null, resolver: '127.0.0.11' };
/** The HTTPS port inside the edge's container (published on config.edge.tlsPort). */
export const SWARM_EDGE_TLS_PORT = 8443;
/** A certificate file's name: the sha256 (hex) of its content. */
export const CERT_FILE_RE = /^[0-9a-f]{64}\.pem$/;

export interface SwarmEdgeOptions {
  /** The certificate set (ignored without publicTlsPort). */
  certificates?: EdgeCertificate[];
  /** config.edge.tlsPort: the published HTTPS port (null: plain HTTP only). */
  publicTlsPort?: number | null;
  /** host:port the edge tasks reach the api's ACME HTTP-01 responder at (null: none). */
  acmeUpstream?: string | null;
}

export interface SwarmEdgeConfig {
  text: string;
  etag: string;
  /** The certificate files the text names: "<sha256>.pem" → content (key, then chain). */
  files: ReadonlyMap<string, string>;
}

export function swarmEdgeConfig(routes: EdgeRoute[], opts: SwarmEdgeOptions = {}): SwarmEdgeConfig {
  const layout: EdgeLayout = {
    ...SWARM_EDGE_LAYOUT,
    tlsPort: opts.publicTlsPort ? SWARM_EDGE_TLS_PORT : null,
    publicTlsPort: opts.publicTlsPort ?? null,
    acmeUpstream: opts.acmeUpstream ?? null,
  };
  const files = new Map<string, string>();
  const paths = new Map<string, string>();
  if (layout.tlsPort) {
    const routed = new Set(routes.flatMap((r) => r.hostnames));
    for (const c of opts.certificates ?? []) {
      const names = c.hostnames.filter((h) => routed.has(h) && !paths.has(h));
      if (!names.length) continue;
      const pem = `${c.keyPem.trim()}\n${c.certPem.trim()}\n`;
      const name = `${createHash('sha256').update(pem).digest('hex')}.pem`;
      files.set(name, pem);
      for (const h of names) paths.set(h, `${edgePaths(layout.dir).certs}/${name}`);
    }
  }
  const text = mainConfig(layout, routesConfig(layout, routes, paths));
  return { text, etag: createHash('sha256').update(text).digest('hex'), files };
}

/** The token edge tasks present (a Docker secret of the edge service); the api checks it. */
export function edgeAgentToken(box: SecretBox): string {
  return box.mac('swarm-edge', 'agent-token-v1');
}

/** The routing half of the Edge port: what SwarmRuntime keeps up to date. */
export type RoutingTable = Pick<Edge, 'setRoute' | 'removeRoute' | 'replaceAll' | 'routes'>;

export class RedisEdgeTable implements RoutingTable {
  private readonly key: string;

  constructor(private readonly redis: Redis, prefix: string) {
    this.key = redisKey(prefix, 'edge', 'routes');
  }

  async setRoute(route: EdgeRoute): Promise<void> {
    if (!route.hostnames.length) return this.removeRoute(route.appId);
    routesConfig(SWARM_EDGE_LAYOUT, [route]);
    await this.redis.hset(this.key, route.appId, JSON.stringify(route));
  }

  async removeRoute(appId: string): Promise<void> {
    await this.redis.hdel(this.key, appId);
  }

  async replaceAll(routes: EdgeRoute[]): Promise<void> {
    const kept = routes.filter((r) => r.hostnames.length);
    routesConfig(SWARM_EDGE_LAYOUT, kept);
    const tx = this.redis.multi().del(this.key);
    for (const r of kept) tx.hset(this.key, r.appId, JSON.stringify(r));
    await tx.exec();
  }

  async routes(): Promise<EdgeRoute[]> {
    const all = await this.redis.hgetall(this.key);
    return Object.values(all).map((v) => JSON.parse(v) as EdgeRoute).sort((a, b) => a.appId.localeCompare(b.appId));
  }
}
