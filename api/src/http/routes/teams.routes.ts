// Heroku's teams are Slipway's organizations (a personal organization is not a team): what
// `heroku teams`, `orgs`, `members`, `access` and `apps --team` read, and app collaborators.
import { Router } from 'express';
import { z } from 'zod';
import type { MemberRow, OrgWithRole } from '@slipway/core/repositories/types';
import type { HttpContext } from '../context.js';
import { requireActor } from '../middleware/auth.js';
import { permissionsOf } from '../../services/collaborators.service.js';

const iso = (d: Date) => new Date(d).toISOString();

export const teamJson = (o: OrgWithRole) => ({
  id: o.id,
  name: o.name,
  role: o.role,
  type: 'team',
  default: false,
  membership_limit: null,
  provisioned_licenses: false,
  identity_provider: null,
  enterprise_account: null,
  created_at: iso(o.createdAt),
  updated_at: iso(o.updatedAt),
});

const memberJson = (m: MemberRow) => ({
  id: m.userId,
  email: m.email,
  role: m.role,
  federated: false,
  two_factor_authentication: false,
  user: { id: m.userId, email: m.email, name: m.name },
  created_at: iso(m.createdAt),
  updated_at: iso(m.createdAt),
});

const collaboratorJson = (app: { id: string; name: string }, m: MemberRow) => ({
  id: m.userId,
  app: { id: app.id, name: app.name },
  user: { id: m.userId, email: m.email, federated: false },
  role: m.role,
  permissions: permissionsOf(m.role).map((name) => ({ name, description: PERMISSIONS[name] })),
  created_at: iso(m.createdAt),
  updated_at: iso(m.createdAt),
});

const PERMISSIONS: Record<string, string> = {
  view: 'See the app, its releases, dynos, domains and logs.',
  deploy: 'Push code, change config vars, roll back.',
  operate: 'Scale and restart dynos, run one-off dynos, maintenance mode.',
  manage: 'Manage collaborators and delete the app.',
};

const MemberBody = z.object({ email: z.string().max(254), role: z.string().max(20).optional() });

export function teamsRoutes(ctx: HttpContext): Router {
  const r = Router();
  const { orgs, collaborators } = ctx.services;
  const uid = (req: { actor?: { user: { id: string } } }) => req.actor!.user.id;
  r.use(['/teams', '/apps/:app/collaborators'], requireActor);

  r.get('/teams', async (req, res) => {
    res.json((await orgs.list(uid(req))).filter((o) => !o.personal).map(teamJson));
  });
  r.get('/teams/permissions', (_req, res) => {
    res.json(Object.entries(PERMISSIONS).map(([name, description]) => ({ name, description })));
  });
  r.get('/teams/:team', async (req, res) => {
    res.json(teamJson(await orgs.get(uid(req), String(req.params.team))));
  });
  r.get('/teams/:team/features', async (req, res) => {
    await orgs.get(uid(req), String(req.params.team));
    res.json([]);
  });
  r.get('/teams/:team/invitations', async (req, res) => {
    await orgs.get(uid(req), String(req.params.team));
    res.json([]);
  });
  r.get('/teams/:team/members', async (req, res) => {
    res.json((await orgs.members(uid(req), String(req.params.team))).map(memberJson));
  });
  // members:add / members:set: add the user, or change the role of a member
  r.put('/teams/:team/members', async (req, res) => {
    const { email, role } = MemberBody.parse(req.body ?? {});
    const team = String(req.params.team);
    const existing = (await orgs.members(uid(req), team)).find((m) => m.email === email.toLowerCase());
    if (existing) {
      await orgs.setRole(uid(req), team, existing.userId, role ?? existing.role);
      res.json(memberJson({ ...existing, role: (role ?? existing.role) as MemberRow['role'] }));
    } else {
      res.json(memberJson(await orgs.addMember(uid(req), team, { email, role: role ?? 'member' })));
    }
  });
  r.delete('/teams/:team/members/:member', async (req, res) => {
    const team = String(req.params.team);
    const member = (await orgs.members(uid(req), team)).find((m) => m.email === req.params.member || m.userId === req.params.member);
    await orgs.removeMember(uid(req), team, String(req.params.member));
    res.json(member ? memberJson(member) : {});
  });

  r.get('/apps/:app/collaborators', async (req, res) => {
    const { app, members } = await collaborators.list(uid(req), String(req.params.app));
    res.json(members.map((m) => collaboratorJson(app, m)));
  });
  r.post('/apps/:app/collaborators', async (req, res) => {
    const { app, member } = await collaborators.add(uid(req), String(req.params.app), (req.body ?? {}).user);
    res.status(201).json(collaboratorJson(app, member));
  });
  r.delete('/apps/:app/collaborators/:who', async (req, res) => {
    const { app, member } = await collaborators.remove(uid(req), String(req.params.app), String(req.params.who));
    res.json(collaboratorJson(app, member));
  });
  return r;
}
