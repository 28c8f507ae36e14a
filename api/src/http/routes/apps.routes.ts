// Apps collection and app resource (Heroku Platform API v3): /apps, /users/~/apps (what
// `heroku apps` lists), /teams/{team}/apps and POST /teams/apps (`apps:create --team`).
import { Router, type Request, type Response } from 'express';
import type { HttpContext } from '../context.js';
import { requireActor } from '../middleware/auth.js';
import { appJson } from '../serializers/heroku.serializer.js';
import { nextRange, parseRange } from '../range.js';
import type { AppSummary } from '@slipway/core/repositories/app.repository';

export function appsRoutes(ctx: HttpContext): Router {
  const r = Router();
  const { apps } = ctx.services;
  const json = async (a: AppSummary) => appJson(ctx.urls, a, (await ctx.store.repos.plans.find(a.planId)) ?? undefined);

  r.use(['/apps', '/users/~/apps', '/teams/apps', '/teams/:team/apps'], requireActor);

  const list = async (req: Request, res: Response, team?: string) => {
    const range = parseRange(req.get('range'), ['name', 'id'], { max: 1000, maxLimit: 1000 });
    const orgName = team ?? (typeof req.query.organization === 'string' ? req.query.organization : undefined);
    const org = orgName !== undefined ? (await ctx.services.orgs.get(req.actor!.user.id, orgName)).id : undefined;
    const after = range.start && range.startExclusive ? range.start : undefined;
    const rows = await apps.list(req.actor!.user.id, { orgId: org, limit: range.max + 1, after });
    const page = rows.slice(0, range.max);
    const plans = new Map((await ctx.store.repos.plans.list({ activeOnly: false })).map((p) => [p.id, p]));
    if (rows.length > range.max) res.status(206).setHeader('Next-Range', nextRange(range, page.at(-1)!.name));
    res.json(page.map((a) => appJson(ctx.urls, a, plans.get(a.planId))));
  };
  r.get('/apps', (req, res) => list(req, res));
  // every app the user can reach: on Slipway a team's members are its apps' collaborators
  r.get('/users/~/apps', (req, res) => list(req, res));
  r.get('/teams/:team/apps', (req, res) => list(req, res, String(req.params.team)));

  const create = async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const app = await apps.create(req.actor!.user.id, {
      name: body.name, organization: body.organization ?? body.team, plan: body.plan, region: body.region, stack: body.stack,
    });
    res.status(201).json(await json(app));
  };
  r.post('/apps', create);
  r.post('/teams/apps', create);

  r.get('/apps/:app', async (req, res) => {
    res.json(await json(await apps.get(req.actor!.user.id, req.params.app!)));
  });

  r.patch('/apps/:app', async (req, res) => {
    res.json(await json(await apps.update(req.actor!.user.id, req.params.app!, (req.body ?? {}) as Record<string, unknown>)));
  });

  r.delete('/apps/:app', async (req, res) => {
    res.json(await json(await apps.delete(req.actor!.user.id, req.params.app!)));
  });

  return r;
}
