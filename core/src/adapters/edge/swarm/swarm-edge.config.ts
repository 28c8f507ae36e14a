// The swarm edge's routing table and configuration. The worker's SwarmRuntime keeps the table (the
// Edge port: one route per app, the same EdgeRoute the local edge gets) in Redis; the api renders
// it into one nginx.conf (nginx-config.ts: the local edge's text, routes inline, targets resolved
// per request through Docker's DNS at 127.0.0.11) that every edge task fetches with a bearer token
// derived from the master key (edgeAgentToken) and reloads gracefully (infra/images/edge).
// Promises: a route is validated (rendered) before it is stored, so a bad name never reaches the
// table; replaceAll swaps the whole table at once.
// Leaves out: the edge service on the swarm (platform-services.ts), serving the file (api), TLS
// (certificates are the local edge's for now: setCertificates is not part of this table).
import { createHash } from 'node:crypto';
import type { Redis } from '../../redis/redis.js';
import { redisKey } from '../../redis/redis.js';
import type { SecretBox } from '../../../crypto.js';
import type { Edge, EdgeRoute } from '../../../ports/edge.port.js';
import { mainConfig, routesConfig, type EdgeLayout } from '../nginx/nginx-config.js';

/** Where nginx lives inside the edge image, and the port it listens on inside its container. */
export const SWARM_EDGE_LAYOUT: EdgeLayout = { dir: '/var/lib/slipway-edge', port: 8080, bind: '0.0.0.0', user: null, resolver: '127.0.0.11' };

export function swarmEdgeConfig(routes: EdgeRoute[]): { text: string; etag: string } {
  const text = mainConfig(SWARM_EDGE_LAYOUT, routesConfig(SWARM_EDGE_LAYOUT, routes));
  return { text, etag: createHash('sha256').update(text).digest('hex') };
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
