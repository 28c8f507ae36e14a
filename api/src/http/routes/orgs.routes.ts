// Organizations and members (/api/v1/organizations…) and plans (/api/v1/plans).
import { Router } from 'express';
import type { HttpContext } from '../context.js';
import { requireActor } from '../middleware/auth.js';
import { planJson } from '../serializers/heroku.serializer.js';
import { memberJson, orgJson } from '../serializers/account.serializer.js';

export function orgRoutes(ctx: HttpContext): Router {
  const r = Router();
  const { orgs } = ctx.services;

  r.get('/api/v1/plans', async (_req, res) => {
    res.json((await ctx.store.repos.plans.list({ activeOnly: true })).map(planJson));
  });

  r.use('/api/v1/organizations', requireActor);

  r.get('/api/v1/organizations', async (req, res) => {
    res.json((await orgs.list(req.actor!.user.id)).map(orgJson));
  });

  r.post('/api/v1/organizations', async (req, res) => {
    res.status(201).json(orgJson(await orgs.create(req.actor!.user.id, (req.body ?? {}).name)));
  });

  r.get('/api/v1/organizations/:org', async (req, res) => {
    res.json(orgJson(await orgs.get(req.actor!.user.id, req.params.org)));
  });

  r.get('/api/v1/organizations/:org/members', async (req, res) => {
    res.json((await orgs.members(req.actor!.user.id, req.params.org)).map(memberJson));
  });

  r.post('/api/v1/organizations/:org/members', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    res.status(201).json(memberJson(await orgs.addMember(req.actor!.user.id, req.params.org, { email: body.email, role: body.role })));
  });

  r.patch('/api/v1/organizations/:org/members/:member', async (req, res) => {
    await orgs.setRole(req.actor!.user.id, req.params.org, req.params.member, (req.body ?? {}).role);
    res.json((await orgs.members(req.actor!.user.id, req.params.org)).map(memberJson));
  });

  r.delete('/api/v1/organizations/:org/members/:member', async (req, res) => {
    await orgs.removeMember(req.actor!.user.id, req.params.org, req.params.member);
    res.status(204).end();
  });

  return r;
}
