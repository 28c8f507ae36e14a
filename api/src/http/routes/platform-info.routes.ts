// Read-only Heroku Platform API resources whose Slipway answer is fixed or empty: regions and
// stacks (Slipway has one of each), features (`heroku labs`, `features`: none), add-ons (none
// until the catalog issue; Heroku's shapes, so `heroku addons` says "No add-ons"), and a
// buildpack registry answering for the built-in buildpacks (`heroku buildpacks:set heroku/nodejs`
// asks HEROKU_BUILDPACK_REGISTRY_URL for the name's URL).
import { Router } from 'express';
import { NotFoundError, ValidationError } from '@slipway/core/errors';
import type { HttpContext } from '../context.js';
import { requireActor } from '../middleware/auth.js';
import { REGION } from '../serializers/heroku.serializer.js';
import { REGION_NAME, STACK_NAME } from '../../services/apps.service.js';

const EPOCH = '2025-01-01T00:00:00.000Z';
const STACK = { id: '00000000-0000-4000-8000-000000000003', name: STACK_NAME, state: 'public', default: true, created_at: EPOCH, updated_at: EPOCH };
const REGIONS = [{
  ...REGION, description: 'The machines this Slipway runs on', country: '', locale: REGION_NAME, private_capable: false,
  provider: { name: 'slipway', region: REGION_NAME }, created_at: EPOCH, updated_at: EPOCH,
}];

/** Registry names of the built-in buildpacks (what the builder accepts as aliases). */
const REGISTRY: Record<string, string> = {
  'heroku/nodejs': 'heroku/nodejs',
  'heroku/python': 'heroku/python',
  'heroku/static': 'heroku/static',
  'heroku-community/static': 'heroku/static',
  'heroku/procfile': 'heroku/procfile',
};

export function platformInfoRoutes(ctx: HttpContext): Router {
  const r = Router();
  const uid = (req: { actor?: { user: { id: string } } }) => req.actor!.user.id;
  const appRead = (req: { actor?: { user: { id: string } }; params: Record<string, string | undefined> }) => ctx.services.apps.get(uid(req), String(req.params.app));

  r.get('/buildpack-registry/buildpacks/:slug', (req, res) => {
    const name = String(req.params.slug);
    const url = REGISTRY[name];
    if (!url) throw new NotFoundError(`${name.slice(0, 100)} is not a buildpack Slipway has: use heroku/nodejs, heroku/python, heroku/static, heroku/procfile or a git URL.`, { resource: 'buildpack' });
    const [namespace, bp] = name.split('/');
    res.json({ id: name, name: bp, namespace, blob_url: url, description: `Slipway's built-in ${bp} buildpack`, created_at: EPOCH, updated_at: EPOCH });
  });

  r.use(['/regions', '/stacks', '/account/features', '/addons', '/addon-attachments', '/addon-services', '/apps/:app/features', '/apps/:app/addons', '/apps/:app/addon-attachments'], requireActor);
  r.get('/regions', (_req, res) => res.json(REGIONS));
  r.get('/regions/:region', (req, res) => {
    const found = REGIONS.find((g) => g.name === req.params.region || g.id === req.params.region);
    if (!found) throw new NotFoundError("Couldn't find that region.", { resource: 'region' });
    res.json(found);
  });
  r.get('/stacks', (_req, res) => res.json([STACK]));
  r.get('/stacks/:stack', (req, res) => {
    if (req.params.stack !== STACK.name && req.params.stack !== STACK.id) throw new NotFoundError("Couldn't find that stack.", { resource: 'stack' });
    res.json(STACK);
  });

  const noFeature = () => {
    throw new NotFoundError("Couldn't find that feature: Slipway has no labs or features to turn on.", { resource: 'feature' });
  };
  r.get('/account/features', (_req, res) => res.json([]));
  r.get('/account/features/:feature', noFeature);
  r.patch('/account/features/:feature', noFeature);
  r.get('/apps/:app/features', async (req, res) => {
    await appRead(req);
    res.json([]);
  });
  r.get('/apps/:app/features/:feature', async (req) => {
    await appRead(req);
    noFeature();
  });
  r.patch('/apps/:app/features/:feature', async (req) => {
    await appRead(req);
    noFeature();
  });

  r.get('/addons', (_req, res) => res.json([]));
  r.get('/addon-attachments', (_req, res) => res.json([]));
  r.get('/addon-services', (_req, res) => res.json([]));
  r.get('/apps/:app/addons', async (req, res) => {
    await appRead(req);
    res.json([]);
  });
  r.get('/apps/:app/addon-attachments', async (req, res) => {
    await appRead(req);
    res.json([]);
  });
  r.post('/apps/:app/addons', async (req) => {
    await appRead(req);
    throw new ValidationError('Add-ons are not available on Slipway yet.', { field: 'plan' });
  });
  return r;
}
