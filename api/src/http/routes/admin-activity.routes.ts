// The admin console's overview and the platform's activity log (/api/v1/admin/…). Platform admins.
//   GET /api/v1/admin/overview             counts, 30 days of money, low wallets, latest activity
//   GET /api/v1/admin/activity             ?actor=&type=&organization=&from=&to=&before=&limit=, newest first
//                                          (Next-Range: the id to pass as before); ?format=csv: all matching
//   GET /api/v1/admin/activity/types       every action recorded (for the type filter)
import { Router } from 'express';
import { z } from 'zod';
import type { AdminOverviewService } from '../../services/admin-overview.service.js';
import type { AuditRow } from '@slipway/core/repositories/audit.repository';
import { requirePlatformAdmin } from '../middleware/auth.js';
import { auditJson, overviewJson } from '../serializers/admin.serializer.js';
import { csvLine, startCsv } from '../csv.js';

const isoTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s));

const ActivityQuery = z.object({
  actor: z.string().max(254).optional(),
  type: z.string().max(100).regex(/^[a-z0-9_.]*$/, 'type is an action such as app.created, or a family such as app').optional(),
  organization: z.uuid('organization must be an organization id').optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  format: z.enum(['json', 'csv']).default('json'),
});

const CSV_HEADER = ['id', 'created_at', 'actor', 'action', 'organization', 'app_id', 'ip', 'details'];
const csvRow = (a: AuditRow) => csvLine([Number(a.id), new Date(a.createdAt).toISOString(), a.userEmail ?? (a.userId ? a.userId : 'slipway'), a.action, a.orgName, a.appId, a.ip, JSON.stringify(a.details)]);

export function adminActivityRoutes(overview: AdminOverviewService): Router {
  const r = Router();
  r.use(['/api/v1/admin/overview', '/api/v1/admin/activity'], requirePlatformAdmin);

  r.get('/api/v1/admin/overview', async (_req, res) => {
    res.json(overviewJson(await overview.overview()));
  });

  r.get('/api/v1/admin/activity/types', async (_req, res) => {
    res.json(await overview.actions());
  });

  r.get('/api/v1/admin/activity', async (req, res) => {
    const q = ActivityQuery.parse(req.query);
    const filter = { actor: q.actor, type: q.type, orgId: q.organization, from: q.from, to: q.to };
    if (q.format === 'csv') {
      startCsv(res, `activity-${new Date().toISOString().slice(0, 10)}.csv`);
      res.write(csvLine(CSV_HEADER));
      for await (const page of overview.activityExport(filter)) res.write(page.map(csvRow).join(''));
      res.end();
      return;
    }
    const { entries, more } = await overview.activity({ ...filter, before: q.before, limit: q.limit });
    if (more) res.setHeader('Next-Range', String(entries.at(-1)!.id));
    res.json(entries.map(auditJson));
  });

  return r;
}
