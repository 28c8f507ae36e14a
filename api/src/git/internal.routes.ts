// Callbacks from the pre-receive hook (loopback, authenticated by the push's one-time secret):
//   POST /internal/git/pushes/:id/refs    {updates}  → {ok, sha} or {ok:false, message}
//   POST /internal/git/pushes/:id/source  tar body   → NDJSON build output until the build ends
import express, { Router } from 'express';
import { isAppError } from '@slipway/core/errors';
import type { PushRegistry } from './push-registry.js';
import type { PushService } from '../services/push.service.js';

export function internalGitRoutes(deps: { registry: PushRegistry; pushes: PushService }): Router {
  const r = Router();

  const pushOf = (req: express.Request) => deps.registry.find(String(req.params.id), req.get('x-slipway-push-secret'));

  r.post('/internal/git/pushes/:id/refs', express.json({ limit: '64kb' }), (req, res) => {
    const push = pushOf(req);
    if (!push) return void res.status(404).json({ ok: false, message: 'Unknown push.' });
    try {
      const raw = Array.isArray(req.body?.updates) ? (req.body.updates as unknown[]) : [];
      const updates = raw.map((u) => {
        const o = (u ?? {}) as Record<string, unknown>;
        return { oldSha: String(o.oldSha ?? ''), newSha: String(o.newSha ?? ''), ref: String(o.ref ?? '') };
      });
      const u = deps.pushes.chooseDeploy(updates);
      push.update = u;
      res.json({ ok: true, sha: u.newSha });
    } catch (err) {
      if (!isAppError(err)) throw err;
      res.json({ ok: false, message: err.message });
    }
  });

  r.post('/internal/git/pushes/:id/source', async (req, res) => {
    const push = pushOf(req);
    const update = push?.update;
    if (!push || !update) return void res.status(404).json({ ok: false, message: 'Unknown push.' });
    push.update = undefined;
    const buildId = await deps.pushes.startBuild(push, update, req);
    res.status(200).setHeader('Content-Type', 'application/x-ndjson');
    res.flushHeaders();
    // The build goes on whatever happens to this connection; following stops when it closes.
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    for await (const ev of deps.pushes.follow(buildId, push.appId, ac.signal)) {
      res.write(JSON.stringify(ev.kind === 'line' ? { line: ev.line } : { end: ev.outcome }) + '\n');
      if (ev.kind === 'end') break;
    }
    res.end();
  });
  return r;
}
