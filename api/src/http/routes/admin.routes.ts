// Platform settings and infrastructure (/api/v1/admin/…). Platform admins only.
//   GET   /api/v1/admin/settings                      values in effect by key (secrets: {is_set})
//   GET   /api/v1/admin/settings/catalog              every setting: group, description, input shape, default
//   PATCH /api/v1/admin/settings                      {key: value|null, …} validated as a whole, audited
//   POST  /api/v1/admin/settings/object-store/test    {object store setting overrides} → writes, reads, deletes a test object
//   POST  /api/v1/admin/settings/docker/test          {docker_host?} → the engine's version and swarm state
//   GET   /api/v1/admin/infrastructure
import { Router } from 'express';
import { z } from 'zod';
import type { AdminService } from '../../services/admin.service.js';
import { requirePlatformAdmin } from '../middleware/auth.js';
import { dockerProbeJson, probeJson, settingJson } from '../serializers/admin.serializer.js';

const Patch = z.record(z.string(), z.unknown());
const DockerTest = z.object({ docker_host: z.string().max(300).optional() });

export function adminRoutes(admin: AdminService): Router {
  const r = Router();
  r.use('/api/v1/admin', requirePlatformAdmin);

  r.get('/api/v1/admin/settings', async (_req, res) => {
    res.json(await admin.settings());
  });

  r.get('/api/v1/admin/settings/catalog', async (_req, res) => {
    res.json((await admin.settingsCatalog()).map(settingJson));
  });

  r.patch('/api/v1/admin/settings', async (req, res) => {
    res.json(await admin.updateSettings(Patch.parse(req.body ?? {}), { userId: req.actor!.user.id, ip: req.ip ?? null }));
  });

  r.post('/api/v1/admin/settings/object-store/test', async (req, res) => {
    res.json(probeJson(await admin.testObjectStore(Patch.parse(req.body ?? {}))));
  });

  r.post('/api/v1/admin/settings/docker/test', async (req, res) => {
    res.json(dockerProbeJson(await admin.testDocker(DockerTest.parse(req.body ?? {}).docker_host)));
  });

  r.get('/api/v1/admin/infrastructure', async (_req, res) => {
    res.json(await admin.infrastructure());
  });
  return r;
}
