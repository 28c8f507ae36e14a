// /apps/:app/formation (Heroku's formation: quantities and sizes), /apps/:app/formations/:type
// (restart and stop a process type, as the CLI's `ps:restart --process-type` / `ps:stop` call
// them) and /apps/:app/dynos (list, restart, stop, and one-off dynos: `heroku run`).
import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '@slipway/core/errors';
import type { HttpContext } from '../context.js';
import { requireActor } from '../middleware/auth.js';
import { dynoJson, formationJson } from '../serializers/heroku.serializer.js';
import type { FormationView } from '../../services/formation.service.js';

// Heroku's CLI sends quantities as strings ("2", "+1"); the API accepts numbers too
const Quantity = z.union([z.number(), z.string().max(12)]);
const Size = z.string().max(40);
const FormationBody = z.object({
  updates: z.array(z.object({ type: z.string().max(30), quantity: Quantity.optional(), size: Size.optional() })).min(1).max(20),
});
const FormationOne = z.object({ quantity: Quantity.optional(), size: Size.optional() });
const RunBody = z.object({
  command: z.string().min(1).max(8192),
  attach: z.boolean().default(false),
  env: z.record(z.string().max(128), z.union([z.string().max(32_768), z.number(), z.null()])).optional(),
  size: Size.optional(),
  type: z.string().max(30).optional(),
  force_no_tty: z.boolean().nullish(),
  time_to_live: z.number().int().min(1).max(86_400).optional(),
});

export function appDynoRoutes(ctx: HttpContext): Router {
  const r = Router({ mergeParams: true });
  const s = ctx.services;
  const uid = (req: { actor?: { user: { id: string } } }) => req.actor!.user.id;
  const appOf = (req: { params: unknown }) => (req.params as Record<string, string>).app!;
  r.use(requireActor);

  const formation = (v: FormationView) => v.formation.map((f) => formationJson({ id: v.appId, name: v.appName }, f, v.sizes[f.type]!));
  r.get('/formation', async (req, res) => {
    res.json(formation(await s.formation.list(uid(req), appOf(req))));
  });
  r.patch('/formation', async (req, res) => {
    const { updates } = FormationBody.parse(req.body);
    res.json(formation(await s.formation.update(uid(req), appOf(req), updates)));
  });
  r.get('/formation/:type', async (req, res) => {
    const one = formation(await s.formation.list(uid(req), appOf(req))).find((f) => f.type === req.params.type || f.id === req.params.type);
    if (!one) throw new NotFoundError("Couldn't find that formation.", { resource: 'formation' });
    res.json(one);
  });
  r.patch('/formation/:type', async (req, res) => {
    const body = FormationOne.parse(req.body ?? {});
    const v = await s.formation.update(uid(req), appOf(req), [{ type: req.params.type!, ...body }]);
    res.json(formation(v).find((f) => f.type === req.params.type));
  });
  r.delete('/formations/:type', async (req, res) => {
    await s.dynos.restart(uid(req), appOf(req), req.params.type);
    res.status(202).json({});
  });
  r.post('/formations/:type/actions/stop', async (req, res) => {
    await s.dynos.stop(uid(req), appOf(req), req.params.type!);
    res.status(202).json({});
  });

  r.get('/dynos', async (req, res) => {
    const { app, dynos } = await s.dynos.list(uid(req), appOf(req));
    res.json(dynos.map((d) => dynoJson(app, d)));
  });
  r.get('/dynos/:dyno', async (req, res) => {
    const { app, dyno } = await s.dynos.get(uid(req), appOf(req), req.params.dyno!);
    res.json(dynoJson(app, dyno));
  });
  r.post('/dynos', async (req, res) => {
    const body = RunBody.parse(req.body ?? {});
    const { app, dyno, attachUrl } = await s.oneOffs.create(uid(req), appOf(req), body);
    res.status(201).json(dynoJson(app, dyno, attachUrl));
  });
  r.delete('/dynos', async (req, res) => {
    await s.dynos.restart(uid(req), appOf(req));
    res.status(202).json({});
  });
  r.delete('/dynos/:dyno', async (req, res) => {
    await s.dynos.restart(uid(req), appOf(req), req.params.dyno);
    res.status(202).json({});
  });
  r.post('/dynos/:dyno/actions/stop', async (req, res) => {
    await s.dynos.stop(uid(req), appOf(req), req.params.dyno!);
    res.status(202).json({});
  });
  return r;
}
