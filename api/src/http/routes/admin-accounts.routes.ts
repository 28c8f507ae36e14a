// Users and organizations for platform admins (/api/v1/admin/…).
//   GET    /api/v1/admin/users                  ?q=&limit=&offset=  (email or name contains q)
//   POST   /api/v1/admin/users                  {email, password?, name?, admin?} → the generated password once
//   GET    /api/v1/admin/users/:user            organizations, tokens, recent activity (:user is an id or email)
//   PATCH  /api/v1/admin/users/:user            {disabled?, admin?}  (never the last admin)
//   POST   /api/v1/admin/users/:user/password   {password?} → the generated password once; sessions end
//   GET    /api/v1/admin/organizations          ?q=&limit=&offset=  (name or a member's email contains q)
//   GET    /api/v1/admin/organizations/:org     members, apps, wallet, suspension
//   POST   /api/v1/admin/organizations/:org/suspend   {note?}
//   POST   /api/v1/admin/organizations/:org/resume
//   DELETE /api/v1/admin/organizations/:org     {confirm: "<name>"}
// Credits and adjustments: billing.routes.ts.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AdminUsersService } from '../../services/admin-users.service.js';
import type { AdminOrgsService } from '../../services/admin-orgs.service.js';
import { requirePlatformAdmin } from '../middleware/auth.js';
import { adminOrgJson, adminUserJson, orgViewJson, userViewJson } from '../serializers/admin.serializer.js';

const Search = z.object({
  q: z.string().max(200).default(''),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
const UserPatch = z.strictObject({ disabled: z.boolean().optional(), admin: z.boolean().optional() }).refine((p) => p.disabled !== undefined || p.admin !== undefined, 'give disabled or admin');
const NewPassword = z.object({ password: z.string().max(200).optional() });
const SuspendBody = z.object({ note: z.string().max(500).default('') });
const DeleteBody = z.object({ confirm: z.string().max(100).optional() });

const param = (req: Request, name: string) => String(req.params[name]);

export function adminAccountRoutes(deps: { users: AdminUsersService; orgs: AdminOrgsService }): Router {
  const r = Router();
  const { users, orgs } = deps;
  r.use(['/api/v1/admin/users', '/api/v1/admin/organizations'], requirePlatformAdmin);

  r.get('/api/v1/admin/users', async (req, res) => {
    const { q, limit, offset } = Search.parse(req.query);
    res.json((await users.search(q, limit, offset)).map(adminUserJson));
  });

  r.post('/api/v1/admin/users', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { user, password } = await users.create(req.actor!.user.id, { email: body.email, password: body.password, name: body.name, admin: body.admin });
    res.status(201).json({ ...adminUserJson(user), ...(password ? { password } : {}) });
  });

  r.get('/api/v1/admin/users/:user', async (req, res) => {
    res.json(userViewJson(await users.view(param(req, 'user'))));
  });

  r.patch('/api/v1/admin/users/:user', async (req, res) => {
    res.json(adminUserJson(await users.update(req.actor!.user.id, param(req, 'user'), UserPatch.parse(req.body ?? {}))));
  });

  r.post('/api/v1/admin/users/:user/password', async (req, res) => {
    const { user, password } = await users.resetPassword(req.actor!.user.id, param(req, 'user'), NewPassword.parse(req.body ?? {}).password);
    res.json({ ...adminUserJson(user), ...(password ? { password } : {}) });
  });

  r.get('/api/v1/admin/organizations', async (req, res) => {
    const { q, limit, offset } = Search.parse(req.query);
    res.json((await orgs.search(q, limit, offset)).map(adminOrgJson));
  });

  r.get('/api/v1/admin/organizations/:org', async (req, res) => {
    res.json(orgViewJson(await orgs.view(param(req, 'org'))));
  });

  r.post('/api/v1/admin/organizations/:org/suspend', async (req, res) => {
    const { note } = SuspendBody.parse(req.body ?? {});
    const out = await orgs.suspend(req.actor!.user.id, param(req, 'org'), note);
    res.json({ organization: { id: out.org.id, name: out.org.name }, suspended_apps: out.suspendedApps });
  });

  r.post('/api/v1/admin/organizations/:org/resume', async (req, res) => {
    const out = await orgs.resume(req.actor!.user.id, param(req, 'org'));
    res.json({ organization: { id: out.org.id, name: out.org.name }, resumed_apps: out.resumedApps });
  });

  r.delete('/api/v1/admin/organizations/:org', async (req, res) => {
    const { confirm } = DeleteBody.parse(req.body ?? {});
    const out = await orgs.delete(req.actor!.user.id, param(req, 'org'), confirm);
    res.json({ organization: { id: out.org.id, name: out.org.name }, deleted_apps: out.apps, balance_written_off: out.balanceWrittenOff });
  });

  return r;
}
