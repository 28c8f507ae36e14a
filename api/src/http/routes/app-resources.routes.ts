// Everything under /apps/:app/… except dynos and formation (app-dynos.routes.ts): config vars,
// releases, domains, SNI endpoints, buildpack installations, builds, log sessions, activity.
import { Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '@slipway/core/errors';
import type { HttpContext } from '../context.js';
import { requireActor } from '../middleware/auth.js';
import { buildJson, domainJson, formationJson, planJson, releaseJson, sniEndpointJson } from '../serializers/heroku.serializer.js';
import { nextRange, parseRange, versionBounds } from '../range.js';
import { activityJson } from '../serializers/account.serializer.js';
import { openSse } from '../sse.js';

const ResourcesBody = z.object({
  plan: z.string().min(1).max(64).optional(),
  updates: z.array(z.object({ type: z.string().max(30), quantity: z.number().int().min(0).max(1000) })).max(20).default([]),
});
const LogSessionBody = z.object({
  lines: z.number().int().min(0).max(10_000).default(100),
  tail: z.boolean().default(false),
  dyno: z.string().max(40).regex(/^[a-z][a-z0-9_-]*(\.\d+)?$/).optional(),
  // Heroku names the platform's own lines "heroku"
  source: z.enum(['app', 'platform', 'heroku']).optional().transform((s) => (s === 'heroku' ? 'platform' : s)),
});
const DomainPatch = z.object({ sni_endpoint: z.string().max(100).nullable().optional() });
const BuildpackUpdates = z.object({ updates: z.array(z.object({ buildpack: z.string().max(2048) })).max(8) });

export function appResourceRoutes(ctx: HttpContext): Router {
  const r = Router({ mergeParams: true });
  const s = ctx.services;
  const uid = (req: { actor?: { user: { id: string } } }) => req.actor!.user.id;
  const appOf = (req: { params: unknown }) => (req.params as Record<string, string>).app!;
  r.use(requireActor);

  // config vars
  r.get('/config-vars', async (req, res) => {
    const { config, masked } = await s.config.get(uid(req), appOf(req));
    if (masked) res.setHeader('X-Slipway-Config-Masked', 'true');
    res.json(config);
  });
  r.patch('/config-vars', async (req, res) => {
    res.json(await s.config.patch(uid(req), appOf(req), req.body));
  });

  // plan and quantities together (the dashboard's Resources form): {plan?, updates?}; Heroku's
  // formation routes are in app-dynos.routes.ts
  r.patch('/resources', async (req, res) => {
    const body = ResourcesBody.parse(req.body ?? {});
    const { app, plan, formation } = await s.formation.resize(uid(req), appOf(req), body);
    res.json({ plan: planJson(plan), formation: formation.map((f) => formationJson(app, f, plan.name)) });
  });

  // releases
  const outputUrl = s.releaseOutputs.url.bind(s.releaseOutputs);
  r.get('/releases', async (req, res) => {
    const range = parseRange(req.get('range'), ['version'], { max: 200, maxLimit: 1000 });
    const { app, releases, more } = await s.releases.list(uid(req), appOf(req), { ...versionBounds(range), order: range.order, max: range.max });
    if (more) res.status(206).setHeader('Next-Range', nextRange(range, releases.at(-1)!.version));
    res.json(releases.map((rel) => releaseJson(app, rel, outputUrl(rel))));
  });
  r.get('/releases/:release', async (req, res) => {
    const { app, release } = await s.releases.get(uid(req), appOf(req), req.params.release!);
    res.json(releaseJson(app, release, outputUrl(release)));
  });
  r.get('/releases/:release/config-vars', async (req, res) => {
    res.json(await s.releases.configVars(uid(req), appOf(req), req.params.release!));
  });
  // {release}: a rollback; {slug, description}: a release of that slug (Heroku's release create)
  r.post('/releases', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { app, release } = body.slug !== undefined && body.release === undefined
      ? await s.releases.create(uid(req), appOf(req), body.slug, body.description)
      : await s.releases.rollback(uid(req), appOf(req), body.release);
    res.status(201).json(releaseJson(app, release, outputUrl(release)));
  });

  // domains
  r.get('/domains', async (req, res) => {
    parseRange(req.get('range'), ['id', 'hostname'], { max: 1000, maxLimit: 1000 });
    const { app, domains } = await s.domains.list(uid(req), appOf(req));
    res.json(domains.map((d) => domainJson(ctx.urls, app, d)));
  });
  r.post('/domains', async (req, res) => {
    const { app, domain } = await s.domains.add(uid(req), appOf(req), (req.body ?? {}).hostname);
    res.status(201).json(domainJson(ctx.urls, app, domain));
  });
  r.get('/domains/:domain', async (req, res) => {
    const { app, domain } = await s.domains.get(uid(req), appOf(req), req.params.domain!);
    res.json(domainJson(ctx.urls, app, domain));
  });
  // Heroku's `certs:add` / `domains:update --cert` name the SNI endpoint a domain uses. Slipway
  // serves a hostname with the certificate that covers it, so this checks that it does.
  r.patch('/domains/:domain', async (req, res) => {
    const { app, domain } = await s.domains.get(uid(req), appOf(req), req.params.domain!);
    const { sni_endpoint: name } = DomainPatch.parse(req.body ?? {});
    if (name) {
      const { endpoint } = await s.sniEndpoints.get(uid(req), appOf(req), name);
      if (!endpoint.domains.some((d) => d.id === domain.id)) {
        throw new ValidationError(`SNI endpoint ${name} does not cover ${domain.hostname}: Slipway serves a hostname with a certificate that covers it.`, { field: 'sni_endpoint' });
      }
    }
    res.json(domainJson(ctx.urls, app, domain));
  });
  r.delete('/domains/:domain', async (req, res) => {
    const { app, domain } = await s.domains.remove(uid(req), appOf(req), req.params.domain!);
    res.json(domainJson(ctx.urls, app, domain));
  });
  // Slipway: look at DNS again now (and retry a failed certificate order)
  r.post('/domains/:domain/verify', async (req, res) => {
    const { app, domain } = await s.domains.verify(uid(req), appOf(req), req.params.domain!);
    res.status(202).json(domainJson(ctx.urls, app, domain));
  });

  // SNI endpoints (the app's own certificates)
  r.get('/sni-endpoints', async (req, res) => {
    const { app, endpoints } = await s.sniEndpoints.list(uid(req), appOf(req));
    res.json(endpoints.map((e) => sniEndpointJson(app, e)));
  });
  r.get('/sni-endpoints/:endpoint', async (req, res) => {
    const { app, endpoint } = await s.sniEndpoints.get(uid(req), appOf(req), req.params.endpoint!);
    res.json(sniEndpointJson(app, endpoint));
  });
  r.post('/sni-endpoints', async (req, res) => {
    const { app, endpoint } = await s.sniEndpoints.create(uid(req), appOf(req), req.body ?? {});
    res.status(201).json(sniEndpointJson(app, endpoint));
  });
  r.patch('/sni-endpoints/:endpoint', async (req, res) => {
    const { app, endpoint } = await s.sniEndpoints.update(uid(req), appOf(req), req.params.endpoint!, req.body ?? {});
    res.json(sniEndpointJson(app, endpoint));
  });
  r.delete('/sni-endpoints/:endpoint', async (req, res) => {
    const { app, endpoint } = await s.sniEndpoints.remove(uid(req), appOf(req), req.params.endpoint!);
    res.json(sniEndpointJson(app, endpoint));
  });

  // buildpack installations (Heroku's view of the app's buildpacks setting)
  const installations = (app: { buildpacks: string[] }) =>
    app.buildpacks.map((url, ordinal) => ({ ordinal, buildpack: { url, name: url } }));
  r.get('/buildpack-installations', async (req, res) => {
    res.json(installations(await s.apps.get(uid(req), appOf(req))));
  });
  r.put('/buildpack-installations', async (req, res) => {
    const { updates } = BuildpackUpdates.parse(req.body ?? {});
    const app = await s.apps.update(uid(req), appOf(req), { buildpacks: updates.map((u) => u.buildpack) });
    res.json(installations(app));
  });

  // builds
  r.get('/builds', async (req, res) => {
    const { app, builds } = await s.builds.list(uid(req), appOf(req));
    res.json(builds.map((b) => buildJson(ctx.urls, app, b)));
  });
  r.get('/builds/:build', async (req, res) => {
    const { app, build } = await s.builds.get(uid(req), appOf(req), req.params.build!);
    res.json(buildJson(ctx.urls, app, build));
  });
  r.get('/builds/:build/output', async (req, res) => {
    await s.builds.get(uid(req), appOf(req), req.params.build!); // 404 before the stream opens
    const sse = openSse(req, res);
    for await (const ev of s.builds.follow(uid(req), appOf(req), req.params.build!, sse.signal)) {
      if (ev.kind === 'line') sse.send(ev.line);
      else sse.send(JSON.stringify(ev.outcome), 'end');
    }
    sse.end();
  });

  // log sessions
  r.post('/log-sessions', async (req, res) => {
    const body = LogSessionBody.parse(req.body ?? {});
    const herokuNames = /application\/vnd\.heroku\+json/i.test(req.get('accept') ?? '');
    const session = await s.logSessions.create(uid(req), appOf(req), { ...body, herokuNames });
    res.status(201).json(session);
  });

  // activity
  r.get('/activity', async (req, res) => {
    const app = await s.apps.get(uid(req), appOf(req));
    const rows = await ctx.store.repos.activity.forApp(app.id, 50);
    res.json(rows.map(activityJson));
  });

  return r;
}
