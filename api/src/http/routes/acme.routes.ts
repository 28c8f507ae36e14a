// ACME HTTP-01 responder: GET /.well-known/acme-challenge/<token> answers the key authorization
// the worker published while it orders a certificate. The edge sends every hostname's challenge
// path here before anything else (nginx-config.ts), so the CA reaches it through port 80.
// No authentication: the CA is anonymous and the answer is public by design.
import { Router } from 'express';
import type { HttpContext } from '../context.js';

export function acmeRoutes(ctx: Pick<HttpContext, 'acmeChallenges'>): Router {
  const r = Router();
  r.get('/.well-known/acme-challenge/:token', async (req, res) => {
    const answer = await ctx.acmeChallenges.get(req.params.token!);
    if (answer === null) {
      res.status(404).type('text/plain').send('no such challenge\n');
      return;
    }
    res.type('text/plain').send(answer);
  });
  return r;
}
