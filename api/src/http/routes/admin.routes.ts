// Platform admin (/api/v1/admin/…): users, settings, organizations. Platform admins only.
import { Router } from 'express';
import { z } from 'zod';
import type { AdminService } from '../../services/admin.service.js';
import { requirePlatformAdmin } from '../middleware/auth.js';
import { accountJson } from '../serializers/heroku.serializer.js';

const Page = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), offset: z.coerce.number().int().min(0).default(0) });

export function adminRoutes(admin: AdminService): Router {
  const r = Router();
  r.use('/api/v1/admin', requirePlatformAdmin);

  r.get('/api/v1/admin/users', async (req, res) => {
    const { limit, offset } = Page.parse(req.query);
    res.json((await admin.listUsers(limit, offset)).map(accountJson));
  });

  r.post('/api/v1/admin/users', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { user, password } = await admin.createUser({ email: body.email, password: body.password, name: body.name, admin: body.admin });
    res.status(201).json({ ...accountJson(user), ...(password ? { password } : {}) });
  });

  r.get('/api/v1/admin/settings', async (_req, res) => {
    res.json(await admin.settings());
  });

  r.get('/api/v1/admin/settings/catalog', async (_req, res) => {
    res.json((await admin.settingsCatalog()).map((s) => ({ key: s.key, group: s.group, description: s.description, secret: s.secret, value: s.value, is_set: s.isSet, is_default: s.isDefault })));
  });

  r.patch('/api/v1/admin/settings', async (req, res) => {
    res.json(await admin.updateSettings((req.body ?? {}) as Record<string, unknown>, { userId: req.actor!.user.id, ip: req.ip ?? null }));
  });

  r.get('/api/v1/admin/infrastructure', async (_req, res) => {
    res.json(await admin.infrastructure());
  });

  r.get('/api/v1/admin/organizations', async (req, res) => {
    const { limit, offset } = Page.parse(req.query);
    res.json((await admin.listOrganizations(limit, offset)).map((o) => ({ id: o.id, name: o.name, personal: o.personal, unbilled: o.unbilled, members: o.memberCount, apps: o.appCount, created_at: o.createdAt })));
  });
  return r;
}
