// Health, log-session streams (capability URLs: the unguessable token is the credential), and the
// dashboard's static files with a fallback to index.html for client-side routes.
import path from 'node:path';
import express, { Router } from 'express';
import type { HttpContext } from '../context.js';
import { openSse } from '../sse.js';
import { formatLogLine } from '@slipway/core/ports/log-store.port';

export function systemRoutes(ctx: HttpContext): Router {
  const r = Router();

  r.get('/healthz', async (_req, res) => {
    const h = await ctx.health();
    res.status(h.ok ? 200 : 503).json({ status: h.ok ? 'ok' : 'unavailable', checks: h.checks });
  });

  r.get('/log-sessions/:token', async (req, res) => {
    const session = await ctx.services.logSessions.open(req.params.token);
    const sse = openSse(req, res);
    for await (const line of ctx.services.logSessions.stream(session, sse.signal)) sse.send(formatLogLine(line));
    sse.end();
  });

  if (ctx.clientDir) {
    const dir = ctx.clientDir;
    r.use(express.static(dir, { index: false, maxAge: '1h' }));
    r.get(/^\/(?!api\/|apps|account|oauth|healthz|log-sessions|[^/]+\.git).*/, (req, res, next) => {
      if (req.method !== 'GET' || !req.accepts('html')) return next();
      res.sendFile(path.join(dir, 'index.html'));
    });
  }
  return r;
}
