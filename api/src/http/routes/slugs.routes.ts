// GET /slugs/<app id>/<slug id>.tgz?sig=… — a slug for a swarm task to unpack. The signature is the
// credential (SlugUrls); the object is streamed from the ObjectStore.
import { Router } from 'express';
import type { ObjectStore } from '@slipway/core/ports/object-store.port';
import type { SlugUrls } from '@slipway/core/services/slug-urls';
import { errorBody } from '../middleware/error-handler.js';

const PATH = /^\/slugs\/([0-9a-f-]{36})\/([0-9a-f-]{36})\.tgz$/;

export function slugRoutes(deps: { urls: SlugUrls; objects: ObjectStore }): Router {
  const r = Router();
  r.get(PATH, async (req, res) => {
    const p = req.params as Record<string, string>;
    const key = deps.urls.verify(`slugs/${p[0]}/${p[1]}.tgz`, req.query.sig);
    if (!key) return void res.status(403).json(errorBody('forbidden', 'This slug URL is not valid.', req.id));
    const info = await deps.objects.head(key);
    if (!info) return void res.status(404).json(errorBody('not_found', 'That slug no longer exists.', req.id));
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('Content-Length', String(info.size));
    res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
    (await deps.objects.get(key)).pipe(res);
  });
  return r;
}
