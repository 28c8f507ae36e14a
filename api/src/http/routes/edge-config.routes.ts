// GET /internal/edge/nginx.conf — the swarm edge's whole nginx configuration (the routing table the
// worker keeps, rendered by swarm-edge.config.ts), for the edge tasks' agent. Authenticated by the
// edge token (Authorization: Bearer <token>, a Docker secret of the edge service), compared in
// constant time; `If-None-Match: "<sha256>"` of the configuration the edge already has → 304.
// Mounted before user authentication (the token is not an API token).
import { Router } from 'express';
import { safeEqual } from '@slipway/core/crypto';
import type { EdgeRoute } from '@slipway/core/ports/edge.port';
import { swarmEdgeConfig } from '@slipway/core/adapters/edge/swarm/swarm-edge.config';
import { errorBody } from '../middleware/error-handler.js';

export interface EdgeConfigSource {
  token: string;
  routes(): Promise<EdgeRoute[]>;
}

export function edgeConfigRoutes(edge: EdgeConfigSource): Router {
  const r = Router();
  r.get('/internal/edge/nginx.conf', async (req, res) => {
    const m = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    if (!m || !safeEqual(m[1]!, edge.token)) return void res.status(401).json(errorBody('unauthorized', 'This endpoint is for the swarm edge.', req.id));
    const { text, etag } = swarmEdgeConfig(await edge.routes());
    res.setHeader('ETag', `"${etag}"`);
    res.setHeader('Cache-Control', 'no-store');
    if (req.get('if-none-match') === `"${etag}"`) return void res.status(304).end();
    res.type('text/plain').send(text);
  });
  return r;
}
