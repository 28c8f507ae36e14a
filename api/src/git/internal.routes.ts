// Callbacks from the pre-receive hook (loopback, authenticated by the push's one-time secret):
//   POST /internal/git/pushes/:id/refs    {updates}  → {ok, sha} or {ok:false, message}
//   POST /internal/git/pushes/:id/source  tar body   → NDJSON: {build, token, until} first, then
//        {line} … {end}; `{}` every 15 s keeps the stream alive while a build is quiet
//   GET  /internal/git/builds/:id/follow  (x-slipway-build-token) → the same lines from the start
// The hook follows the build until it has its end, reconnecting with the build's token when the
// stream breaks (the api restarted, a connection dropped), so the push's verdict is always the
// build's own outcome: a push is reported rejected only for a build that ended failed.
import express, { Router, type Response } from 'express';
import { isAppError } from '@slipway/core/errors';
import type { BuildLogEvent } from '@slipway/core/ports/build-log.port';
import type { PushRegistry } from './push-registry.js';
import type { PushService } from '../services/push.service.js';

const HEARTBEAT_MS = 15_000;

export interface FollowTokens {
  sign(buildId: string): string;
  verify(buildId: string, token: string): boolean;
}

async function streamBuild(res: Response, events: AsyncIterable<BuildLogEvent>, signal: AbortSignal): Promise<void> {
  const beat = setInterval(() => res.write('{}\n'), HEARTBEAT_MS);
  try {
    for await (const ev of events) {
      res.write(JSON.stringify(ev.kind === 'line' ? { line: ev.line } : { end: ev.outcome }) + '\n');
      if (ev.kind === 'end' || signal.aborted) break;
    }
  } finally {
    clearInterval(beat);
    res.end();
  }
}

export function internalGitRoutes(deps: { registry: PushRegistry; pushes: PushService; tokens: FollowTokens }): Router {
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
    let started: { buildId: string; deadline: Date };
    try {
      started = await deps.pushes.startBuild(push, update, req);
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      // refused (e.g. over a size limit): read the rest of the upload, then say why
      if (!req.readableEnded) {
        req.resume();
        await new Promise((resolve) => req.once('end', resolve).once('close', resolve));
      }
      res.status(200).type('application/x-ndjson').end(JSON.stringify({ end: { status: 'failed', message: err.message } }) + '\n');
      return;
    }
    res.status(200).setHeader('Content-Type', 'application/x-ndjson');
    res.write(JSON.stringify({ build: started.buildId, token: deps.tokens.sign(started.buildId), until: started.deadline.getTime() }) + '\n');
    // The build goes on whatever happens to this connection; following stops when it closes.
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    await streamBuild(res, deps.pushes.followToEnd(started.buildId, push.appId, ac.signal), ac.signal);
  });

  r.get('/internal/git/builds/:id/follow', async (req, res) => {
    const buildId = String(req.params.id);
    const token = req.get('x-slipway-build-token') ?? '';
    const build = /^[0-9a-f-]{36}$/.test(buildId) && deps.tokens.verify(buildId, token) ? await deps.pushes.findBuild(buildId) : null;
    if (!build) return void res.status(404).json({ ok: false, message: 'Unknown build.' });
    res.status(200).setHeader('Content-Type', 'application/x-ndjson');
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    await streamBuild(res, deps.pushes.followToEnd(build.id, build.appId, ac.signal), ac.signal);
  });
  return r;
}
