// The swarm edge's agent endpoints (infra/images/edge), both behind the edge token
// (Authorization: Bearer <token>, a Docker secret of the edge service, compared in constant time):
//  - GET /internal/edge/nginx.conf — the whole nginx configuration (the routing table the worker
//    keeps and the certificate set, rendered by swarm-edge.config.ts); `If-None-Match: "<sha256>"`
//    of the configuration the edge already has → 304.
//  - GET /internal/edge/certs/<sha256>.pem — one certificate file the configuration names (private
//    key, then chain); a name that is not 64 hex digits + ".pem", or that the current
//    configuration does not name, is 404.
// Mounted before user authentication (the token is not an API token). Leaves out: rendering.
import { Router, type Request, type Response } from 'express';
import { safeEqual } from '@slipway/core/crypto';
import { CERT_FILE_RE, type SwarmEdgeConfig } from '@slipway/core/adapters/edge/swarm/swarm-edge.config';
import { errorBody } from '../middleware/error-handler.js';

export interface EdgeConfigSource {
  token: string;
  /** The configuration as it stands now (routes and certificates). */
  render(): Promise<SwarmEdgeConfig>;
}

export function edgeConfigRoutes(edge: EdgeConfigSource): Router {
  const r = Router();
  const authorized = (req: Request, res: Response): boolean => {
    const m = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    if (m && safeEqual(m[1]!, edge.token)) return true;
    res.status(401).json(errorBody('unauthorized', 'This endpoint is for the swarm edge.', req.id));
    return false;
  };
  r.get('/internal/edge/nginx.conf', async (req, res) => {
    if (!authorized(req, res)) return;
    const { text, etag } = await edge.render();
    res.setHeader('ETag', `"${etag}"`);
    res.setHeader('Cache-Control', 'no-store');
    if (req.get('if-none-match') === `"${etag}"`) return void res.status(304).end();
    res.type('text/plain').send(text);
  });
  r.get('/internal/edge/certs/:file', async (req, res) => {
    if (!authorized(req, res)) return;
    const file = req.params.file;
    const pem = CERT_FILE_RE.test(file) ? (await edge.render()).files.get(file) : undefined;
    if (pem === undefined) return void res.status(404).json(errorBody('not_found', 'No such certificate file: a name is the sha256 of a file the current configuration names, then ".pem".', req.id));
    res.setHeader('Cache-Control', 'no-store');
    res.type('application/x-pem-file').send(pem);
  });
  return r;
}
