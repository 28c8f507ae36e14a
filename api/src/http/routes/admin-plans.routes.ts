// Plans admin (platform administrators): /api/v1/admin/plans. Prices are micro-units per hour
// (1 USD = 1,000,000); the JSON also gives price_per_month (× 730) and apps_count.
//   GET    /api/v1/admin/plans            every plan, inactive included
//   POST   /api/v1/admin/plans            {name, cpu, ram_mb, disk_gb, price_per_hour, max_replicas, active?, default?,
//                                          placement_constraints?: ["node.labels.slipway.pool==big", …] (swarm)}
//   GET    /api/v1/admin/plans/:plan
//   PATCH  /api/v1/admin/plans/:plan      any of the fields; {"active": false} deactivates
//   DELETE /api/v1/admin/plans/:plan      409 while apps use it (the message says how many)
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { PlanWithUsage } from '@slipway/core/repositories/plans-admin.repository';
import type { HttpContext } from '../context.js';
import { requirePlatformAdmin } from '../middleware/auth.js';
import { planJson } from '../serializers/heroku.serializer.js';
import { validatePlacementConstraints } from '@slipway/core/domain/node-rules';
import type { PlanInput } from '../../services/plans-admin.service.js';

const Fields = {
  name: z.string().regex(/^[a-z][a-z0-9-]{1,29}$/, 'must be 2-30 lowercase letters, digits or dashes, starting with a letter'),
  cpu: z.number().positive().max(9999.99).refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'at most 2 decimals'),
  ram_mb: z.number().int().positive().max(10_000_000),
  disk_gb: z.number().int().positive().max(1_000_000),
  price_per_hour: z.number().int().min(0).max(1_000_000_000_000),
  max_replicas: z.number().int().min(1).max(10_000),
  active: z.boolean(),
  default: z.boolean(),
  placement_constraints: z.array(z.unknown()),
};
const CreatePlan = z.strictObject({ ...Fields, active: Fields.active.default(true), default: Fields.default.default(false), placement_constraints: Fields.placement_constraints.optional() });
const UpdatePlan = z
  .strictObject(Object.fromEntries(Object.entries(Fields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof Fields]: z.ZodOptional<(typeof Fields)[K]> })
  .refine((p) => Object.keys(p).length > 0, 'give at least one field to change');

const toInput = (b: Partial<z.infer<typeof CreatePlan>>): Partial<PlanInput> => {
  const out: Partial<PlanInput> = {
    name: b.name,
    cpu: b.cpu,
    ramMb: b.ram_mb,
    diskGb: b.disk_gb,
    pricePerHour: b.price_per_hour,
    maxReplicas: b.max_replicas,
    active: b.active,
    isDefault: b.default,
    placementConstraints: b.placement_constraints === undefined ? undefined : validatePlacementConstraints(b.placement_constraints),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as Partial<PlanInput>;
};

export const adminPlanJson = (p: PlanWithUsage) => ({ ...planJson(p), apps_count: p.appsCount, placement_constraints: p.placementConstraints ?? [] });

const planOf = (req: Request) => String(req.params.plan);

export function adminPlansRoutes(ctx: HttpContext): Router {
  const r = Router();
  const { plansAdmin } = ctx.services;

  r.get('/api/v1/admin/plans', requirePlatformAdmin, async (_req, res) => {
    res.json((await plansAdmin.list()).map(adminPlanJson));
  });

  r.post('/api/v1/admin/plans', requirePlatformAdmin, async (req, res) => {
    const body = CreatePlan.parse(req.body ?? {});
    res.status(201).json(adminPlanJson(await plansAdmin.create(req.actor!.user.id, toInput(body) as PlanInput)));
  });

  r.get('/api/v1/admin/plans/:plan', requirePlatformAdmin, async (req, res) => {
    res.json(adminPlanJson(await plansAdmin.get(planOf(req))));
  });

  r.patch('/api/v1/admin/plans/:plan', requirePlatformAdmin, async (req, res) => {
    const body = UpdatePlan.parse(req.body ?? {});
    res.json(adminPlanJson(await plansAdmin.update(req.actor!.user.id, planOf(req), toInput(body))));
  });

  r.delete('/api/v1/admin/plans/:plan', requirePlatformAdmin, async (req, res) => {
    await plansAdmin.delete(req.actor!.user.id, planOf(req));
    res.status(204).end();
  });

  return r;
}
