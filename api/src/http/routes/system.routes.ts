// Health, log-session streams (capability URLs: the unguessable token is the credential), and the
// dashboard's static files with a fallback to index.html for client-side routes.
import path from 'node:path';
import express, { Router } from 'express';
import type { HttpContext } from '../context.js';
import { openSse } from '../sse.js';
import { formatLogLine, type LogLine } from '@slipway/core/ports/log-store.port';

export function systemRoutes(ctx: HttpContext): Router {
  const r = Router();

  r.get('/healthz', async (_req, res) => {
    const h = await ctx.health();
    res.status(h.ok ? 200 : 503).json({ status: h.ok ? 'ok' : 'unavailable', checks: h.checks });
  });

  // a release phase's output (Heroku's output_stream_url): plain text, live until it ends
  r.get('/release-output/:release', async (req, res) => {
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const events = await ctx.services.releaseOutputs.open(String(req.params.release), req.query.sig, ac.signal);
    res.status(200).setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.flushHeaders();
    for await (const ev of events) {
      if (ev.kind === 'line') res.write(`${ev.line}\n`);
      else break;
    }
    res.end();
  });

  r.get('/log-sessions/:token', async (req, res) => {
    const session = await ctx.services.logSessions.open(req.params.token);
    const sse = openSse(req, res);
    for await (const line of ctx.services.logSessions.stream(session, sse.signal)) {
      sse.send(formatLogLine(session.herokuNames && line.source === 'platform' ? { ...line, source: 'heroku' as LogLine['source'] } : line));
    }
    sse.end();
  });

  if (ctx.clientDir) {
    const dir = ctx.clientDir;
    r.use(express.static(dir, { index: false, maxAge: '1h' }));
    r.get(/^\/(?!api\/|apps|account|oauth|healthz|log-sessions|release-output|buildpack-registry|[^/]+\.git).*/, (req, res, next) => {
      if (req.method !== 'GET' || !req.accepts('html')) return next();
      res.sendFile(path.join(dir, 'index.html'));
    });
  }
  return r;
}
